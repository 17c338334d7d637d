/**
 * The exposure wizard's one-off check of a target (`POST /v1/sites/probe`): one GET of the health
 * path with the origin's own HTTP check (http-get.ts: same certificate policy as the health
 * checks, so a self-signed https target is probed as the edges will reach it), answered with
 * what the user needs to recognise the service (status, latency, content type, Server header,
 * redirect target, the HTML `<title>`) or why it did not answer, in plain words.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ControlError, type ProbeSiteRequest, type ProbeSiteResponse } from '../../shared/protocol';
import { formatTarget, parseHealthPath, parseTarget, SiteInputError, type SiteTarget } from '../../shared/sites';
import { httpGet, type HttpGetResult } from './http-get';

/** Deadline of a probe, connect to the last body byte read. */
export const PROBE_TIMEOUT_MS = 5000;
/** Most bytes of an HTML answer read to find its title. */
export const PROBE_BODY_BYTES = 64 * 1024;
const MAX_TITLE = 200;
const MAX_HEADER = 300;

/** The canonical target and health path of a request; `invalid-site` with the parser's message. */
export function probeTarget(req: ProbeSiteRequest): { target: SiteTarget; path: string } {
  try {
    return { target: parseTarget(req.target), path: parseHealthPath(req.healthPath ?? '/') };
  } catch (err) {
    if (err instanceof SiteInputError) throw new ControlError('invalid-site', err.message);
    throw err;
  }
}

/** Whether an answer is HTML (only then is its body read, for the title). */
function isHtml(headers: IncomingHttpHeaders): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(headers['content-type'] ?? '');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Decodes the common named entities and numeric references of HTML text. */
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return ENTITIES[ref.toLowerCase()] ?? whole;
    const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole;
  });
}

/** The `<title>` of an HTML document: entities decoded, whitespace collapsed, ≤ 200 characters. */
export function htmlTitle(html: string): string | undefined {
  const m = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  const title = m?.[1] === undefined ? '' : decodeEntities(m[1]).replace(/[\s\p{Cc}]+/gu, ' ').trim();
  return title === '' ? undefined : title.slice(0, MAX_TITLE);
}

/**
 * The plain-words reason of a failed probe: refused → who should be listening, an HTTP parse
 * error → `not an HTTP server`, a TLS record error → the likely scheme mix-up; other failures
 * (`timed out after 5 s`, `host not found`, `TLS error: …`) as the HTTP check describes them.
 */
export function probeErrorMessage(failure: { error: string; code: string }, target: SiteTarget): string {
  const hostPort = formatTarget(target).replace(/^https?:\/\//, '');
  if (failure.code === 'ECONNREFUSED') return `connection refused: nothing listens on ${hostPort}`;
  if (failure.code.startsWith('HPE_')) {
    return target.scheme === 'http' ? 'not an HTTP server (if it speaks TLS, use https://)' : 'not an HTTP server';
  }
  if (target.scheme === 'https' && /wrong version number|packet length too long|record layer failure/i.test(failure.error)) {
    return `${failure.error} (it does not speak TLS: use http://)`;
  }
  return failure.error;
}

/** A header's value for the answer: first value, printable, bounded. */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name];
  const v = (Array.isArray(raw) ? raw[0] : raw)?.replace(/\p{Cc}/gu, '').trim();
  return v ? v.slice(0, MAX_HEADER) : undefined;
}

/** The response body of the probe for one HTTP result. */
export function probeAnswer(target: SiteTarget, r: HttpGetResult): ProbeSiteResponse {
  const canonical = formatTarget(target);
  if (!r.ok) return { target: canonical, ok: false, error: probeErrorMessage(r, target) };
  const out: ProbeSiteResponse = { target: canonical, ok: true, status: r.status, latencyMs: r.latencyMs };
  const contentType = header(r.headers, 'content-type');
  const server = header(r.headers, 'server');
  const location = r.status >= 300 && r.status < 400 ? header(r.headers, 'location') : undefined;
  const title = isHtml(r.headers) ? htmlTitle(r.body.toString('utf8')) : undefined;
  return {
    ...out, ...(contentType ? { contentType } : {}), ...(server ? { server } : {}),
    ...(location ? { location } : {}), ...(title ? { title } : {}),
  };
}

/** Probes a target once (see the module comment); `invalid-site` for a bad target or path. */
export async function probeSite(req: ProbeSiteRequest, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeSiteResponse> {
  const { target, path } = probeTarget(req);
  const r = await httpGet({ ...target, path, timeoutMs }, { bodyBytes: (h) => (isHtml(h) ? PROBE_BODY_BYTES : 0) });
  return probeAnswer(target, r);
}
