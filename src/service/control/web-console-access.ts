/**
 * The web console's access checks, run before anything else on every request (ARCHITECTURE.md,
 * "Security of the control channel"). The console listens on loopback only, but every local
 * user and every web page the user's browser opens can reach loopback, so:
 * - the Host header must name the console itself (a DNS-rebinding page has its own host name);
 * - `/api/*` needs the token in the `x-cloudroof-token` header (never a cookie, which a browser
 *   would attach to cross-site requests, and never the query string, which ends up in logs);
 * - a state-changing request (every POST) from another origin is refused even with the token;
 * - no CORS header is ever sent, and preflights (OPTIONS) are refused, so a foreign page's
 *   script cannot even send a request with the token header.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlError } from '../../shared/protocol';

/** Name of the request header that carries the token. */
export const TOKEN_HEADER = 'x-cloudroof-token';

/** Content-Security-Policy of every response (the renderer's own, as in its index.html). */
export const WEB_CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers set on every response, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': WEB_CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Sets {@link SECURITY_HEADERS} on `res` (writeHead merges them into every answer). */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** The Host values the console on `port` answers to. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/**
 * Checks Host, method and origin. Resolves to the request's Host, or to the error to answer:
 * `forbidden-host` unless exactly one Host header names the console; `method-not-allowed` for
 * OPTIONS (no CORS here); `cross-origin` for a POST whose `Origin` is not `http://<Host>` or
 * whose `Sec-Fetch-Site` is neither `same-origin` nor `none`.
 */
export function checkRequest(req: IncomingMessage, port: number): { host: string } | ControlError {
  const hosts = hostHeaders(req);
  const host = hosts.length === 1 ? hosts[0] : undefined;
  if (host === undefined || !allowedHosts(port).includes(host)) {
    return new ControlError('forbidden-host', 'this address is not the web console (use the URL `cloudroof web` prints)');
  }
  if (req.method === 'OPTIONS') return new ControlError('method-not-allowed', 'cross-origin requests are not supported');
  if (req.method === 'POST') {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    const sameOrigin = origin === undefined || origin === `http://${host}`;
    const sameSite = site === undefined || site === 'same-origin' || site === 'none';
    if (!sameOrigin || !sameSite) return new ControlError('cross-origin', 'requests from other sites are refused');
  }
  return { host };
}

/** Every Host header as sent (Node keeps only the first in `req.headers`). */
function hostHeaders(req: IncomingMessage): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'host') out.push(req.rawHeaders[i + 1]!);
  }
  return out;
}

/**
 * True when the request's token header equals `token`. Both sides are hashed first, so the
 * comparison is constant-time whatever their lengths; a missing token never matches.
 */
export function tokenMatches(req: IncomingMessage, token: string | undefined): boolean {
  const given = req.headers[TOKEN_HEADER];
  if (token === undefined || typeof given !== 'string') return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The error for a missing or wrong token. */
export function unauthorized(): ControlError {
  return new ControlError('unauthorized', 'missing or wrong access token; open the URL `cloudroof web` prints again');
}
