/**
 * The wizard's pure helpers for what the user types and what the service found: hostnames and
 * site name checked with the shared parsers (shared/sites.ts, as the service checks them), a
 * site name suggested from the first hostname, and what a probed service looks like.
 */
import type { ExposeRequest, ProbeSiteResponse, SiteConfig } from '../../../shared/protocol';
import { parseHealthPath, parseHostnames, parseSiteName, parseTarget, SiteInputError } from '../../../shared/sites';

/** A parsed value, or the message saying what is wrong. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function checked<T>(fn: () => T): Checked<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, error: err instanceof SiteInputError ? err.message : 'this value cannot be used' };
  }
}

/** The words of a hostnames field, as typed: separated by spaces, commas or new lines. */
export function splitHostnames(text: string): string[] {
  return text.split(/[\s,]+/).filter((h) => h !== '');
}

/** The hostnames of a text (see {@link splitHostnames}), canonical. */
export function checkHostnames(text: string): Checked<string[]> {
  return checked(() => parseHostnames(splitHostnames(text)));
}

/** A site name, canonical. */
export function checkSiteName(text: string): Checked<string> {
  return checked(() => parseSiteName(text));
}

/** A local target URL (`http://127.0.0.1:8080`, `127.0.0.1:8080`). */
export function checkTarget(text: string): Checked<string> {
  return checked(() => (parseTarget(text), text.trim()));
}

/** A path of a verification check (`/ws`), the rules of a health path. */
export function checkPath(text: string): Checked<string> {
  return checked(() => parseHealthPath(text));
}

/** A site name from a hostname: `blog.example.com` → `blog`, `www.example.com` → `example`. */
export function suggestSiteName(hostname: string): string {
  const labels = hostname.trim().toLowerCase().split('.').filter((l) => l !== '');
  const label = labels.length > 2 && labels[0] === 'www' ? labels[1] : labels[0];
  const name = (label ?? '').replace(/[^a-z0-9-]/g, '-').slice(0, 40).replace(/^-+|-+$/g, '');
  const parsed = checkSiteName(name);
  return parsed.ok ? parsed.value : '';
}

/** `Looks like “Welcome to nginx!” · nginx · text/html`, or undefined when nothing is known. */
export function looksLike(p: ProbeSiteResponse): string | undefined {
  const parts = [p.title ? `“${p.title}”` : undefined, p.server, p.contentType?.split(';')[0]?.trim()].filter((x) => x);
  return parts.length > 0 ? `Looks like ${parts.join(' · ')}` : undefined;
}

/** The request that puts a replaced site back as it was. */
export function restoreRequest(site: SiteConfig): ExposeRequest {
  return { name: site.name, target: site.target, hostnames: site.hostnames, healthPath: site.healthPath, healthIntervalS: site.healthIntervalS };
}
