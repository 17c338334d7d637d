/**
 * One HTTP(S) GET to a local target, as the origin's health checks (health.ts) and the wizard's
 * probe (probe.ts) send it: no agent, `connection: close`, a deadline over the whole request,
 * certificates not verified (see below), failures described in short human words. Never rejects.
 * Its TLS policy, error wording and timing helpers are also those of the site verification's
 * requests (verify-http.ts, verify-streams.ts), so every check of the origin speaks alike.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

/** One HTTP check: `GET scheme://host:port/path`. */
export interface HttpCheckSpec {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Starts with `/`. */
  path: string;
  /** Host header (and TLS SNI); default `host:port` as the URL gives it. */
  hostHeader?: string;
  /** The whole check (connect, TLS, answer headers) must finish in this time. */
  timeoutMs: number;
}

/** Options of {@link httpGet} beyond the target. */
export interface HttpGetOptions {
  /**
   * How many body bytes to read, decided from the answer's headers (default none: the result
   * comes at the headers and the body is discarded). Reading ends at that many bytes, at the end
   * of the body, or at the deadline (then with what arrived).
   */
  bodyBytes?: (headers: IncomingHttpHeaders) => number;
}

/** An answer (any status), or why there was none. */
export type HttpGetResult =
  | { ok: true; status: number; latencyMs: number; headers: IncomingHttpHeaders; body: Buffer }
  | { ok: false; error: string; code: string };

/** Text of a duration for messages: `3 s`, `1.5 s`, `0.2 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Milliseconds since `started` (a `performance.now()` value), to a tenth. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/**
 * TLS options of every check of a local target or an edge (health, probe, verification): the
 * certificate is not verified, `sniName` is sent as SNI unless it is an IP address (RFC 6066).
 * The target is the user's own service on this machine or LAN, usually with a self-signed or
 * internal certificate, and an edge is reached at its mesh address: a check asks "does it
 * answer", not "is it trusted" (the edge serves the public certificate; verification reports
 * trust separately).
 */
export function unverifiedTls(sniName: string): { rejectUnauthorized: false; servername?: string } {
  return { rejectUnauthorized: false, ...(isIP(sniName) === 0 ? { servername: sniName } : {}) };
}

/** The first line of `s`, at most 100 characters. */
export function short(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

/** The deadline passed (the code of such failures is `ETIMEDOUT`). */
class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

/** A short, human reason for a failed request; never the raw stack or a long OpenSSL string. */
export function describeError(err: NodeJS.ErrnoException, timeoutMs: number): string {
  const code = err.code ?? '';
  // OpenSSL: "…:error:0A00010B:SSL routines:<function, may be empty>:<reason>:<file>:<line>:".
  const tls = /SSL routines:[^:\n]*:([^:\n]+)/.exec(err.message);
  if (err instanceof TimeoutError) return `timed out after ${seconds(timeoutMs)}`;
  if (tls) return `TLS error: ${tls[1]?.trim() ?? 'handshake failed'}`;
  if (/before secure TLS connection/.test(err.message)) return 'TLS error: connection closed during the handshake';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') return `TLS error: ${short(err.message)}`;
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NONAME': return 'host not found';
    case 'ECONNRESET': return err.message === 'socket hang up' ? 'connection closed without an answer' : 'connection reset';
    case 'EHOSTUNREACH': return 'host unreachable';
    case 'ENETUNREACH': return 'network unreachable';
    case 'EADDRNOTAVAIL': return 'address not available';
    default:
      if (code.startsWith('HPE_')) return 'not an HTTP answer';
      return short(err.message || code || 'request failed');
  }
}

/** Request options for `spec` (Host header, SNI, no certificate verification for https). */
function requestOptions(spec: HttpCheckSpec): https.RequestOptions {
  const hostHeader = spec.hostHeader ?? `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
  const sniName = hostHeader.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  const options: https.RequestOptions = {
    host: spec.host, port: spec.port, path: spec.path, method: 'GET', agent: false,
    headers: { host: hostHeader, 'user-agent': 'cloudroof-health/1', accept: '*/*', connection: 'close' },
  };
  return spec.scheme === 'https' ? { ...options, ...unverifiedTls(sniName) } : options;
}

/**
 * Reads up to `limit` bytes of an answer's body, then calls `done` with them (at the limit, the
 * end, an error or the close). With `limit` 0 the body is discarded.
 */
function readBody(res: http.IncomingMessage, limit: number, done: (body: Buffer) => void): () => void {
  const chunks: Buffer[] = [];
  let size = 0;
  const end = (): void => done(Buffer.concat(chunks).subarray(0, limit));
  res.on('data', (c: Buffer) => {
    if (size >= limit) return;
    chunks.push(c);
    size += c.length;
    if (size < limit) return;
    end();
    res.destroy();
  });
  for (const event of ['error', 'end', 'close']) res.on(event, end);
  return end;
}

/** Sends the GET of `spec`; see the module comment and {@link HttpGetOptions}. */
export function httpGet(spec: HttpCheckSpec, opts: HttpGetOptions = {}): Promise<HttpGetResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (result: HttpGetResult): void => {
      if (!settled) resolve(result);
      settled = true;
    };
    let req: http.ClientRequest;
    try {
      req = (spec.scheme === 'https' ? https : http).request(requestOptions(spec));
    } catch (err) {
      finish({ ok: false, error: short((err as Error).message), code: (err as NodeJS.ErrnoException).code ?? 'EINVAL' });
      return;
    }
    // Bounds the whole request, including a body that never ends (read or discarded).
    const timer = setTimeout(() => req.destroy(new TimeoutError('timeout')), spec.timeoutMs);
    timer.unref();
    /** Ends the body once an answer arrived (a later failure keeps what was read). */
    let answered: (() => void) | undefined;
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (answered) answered();
      else finish({ ok: false, error: describeError(err, spec.timeoutMs), code: err.code ?? '' });
    });
    req.on('response', (res) => {
      const answer = { ok: true as const, status: res.statusCode ?? 0, latencyMs: elapsedMs(started), headers: res.headers };
      const limit = Math.max(0, opts.bodyBytes?.(res.headers) ?? 0);
      if (limit === 0) finish({ ...answer, body: Buffer.alloc(0) });
      answered = readBody(res, limit, (body) => {
        clearTimeout(timer);
        finish({ ...answer, body });
      });
    });
    req.end();
  });
}
