/**
 * The HTTP legs of a site verification (issue 6): one request to an endpoint — the site's local
 * target, or an edge reached at its mesh address with the site's hostname as SNI and Host — with
 * an optional streamed upload of random bytes, reporting status, headers, latency and, over TLS,
 * whether this machine trusts the certificate. The certificate is never required: verification
 * asks "does the path work", and says separately whether the certificate is trusted.
 *
 * Lifecycle of one request: connect (no agent, no pooling) → send the head and the body with
 * backpressure → resolve at the response head (the body is the caller's to read or drop) →
 * the caller's `close()` destroys the connection. Failures reject with a {@link VerifyError}
 * whose message is short and safe to show; `signal` aborts at any point.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { formatHostPort } from './forwarder';
import { describeError, elapsedMs, seconds, unverifiedTls } from './http-get';

/** Where a verification request goes. */
export interface VerifyEndpoint {
  /** Address (or name) to connect to. */
  host: string;
  port: number;
  tls: boolean;
  /** The site's hostname: Host header and TLS SNI. */
  hostname: string;
}

/** One request of a check. */
export interface VerifyRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** POST: this many random bytes are sent as the body. */
  uploadBytes?: number;
  /** Called as body bytes are handed to the socket. */
  onSent?: (bytes: number) => void;
  /** The connection may stay idle this long (connect, send, wait for the head). */
  idleTimeoutMs: number;
  signal: AbortSignal;
}

/** Whether this machine trusts an endpoint's TLS certificate, and why not. */
export interface CertificateTrust {
  trusted: boolean;
  /** OpenSSL's reason, e.g. `SELF_SIGNED_CERT_IN_CHAIN`, `ERR_TLS_CERT_ALTNAME_INVALID`. */
  reason?: string;
}

/** An answer whose body is still unread. */
export interface OpenResponse {
  res: IncomingMessage;
  status: number;
  /** Milliseconds from the start of the request to the response head. */
  latencyMs: number;
  /** Set over TLS. */
  trust?: CertificateTrust;
  /** Ends the exchange (destroys the connection). Idempotent. */
  close(): void;
}

/** A failed request; the message is short and safe to show (`connection refused`, `timed out after 10 s`). */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

/** Bytes of the random block an upload repeats. */
const BLOCK_BYTES = 256 * 1024;

/** Whether the TLS connection under `res` has a certificate this machine trusts (undefined without TLS). */
function trustOf(res: IncomingMessage): CertificateTrust | undefined {
  const s = res.socket as TLSSocket | null;
  if (!s || !('authorized' in s)) return undefined;
  const err = s.authorizationError as unknown;
  const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : typeof err === 'string' ? err : undefined;
  return s.authorized ? { trusted: true } : { trusted: false, ...(reason ? { reason } : {}) };
}

function options(ep: VerifyEndpoint, r: VerifyRequest): https.RequestOptions {
  const headers: Record<string, string> = { host: ep.hostname, 'user-agent': 'cloudroof-verify/1', accept: '*/*', ...r.headers };
  if (r.uploadBytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    headers['content-length'] = String(r.uploadBytes);
  }
  return {
    host: ep.host, port: ep.port, path: r.path, method: r.method, agent: false, headers, signal: r.signal,
    ...(ep.tls ? unverifiedTls(ep.hostname) : {}),
  };
}

/** Writes `total` random bytes with backpressure until done or the request is over. */
async function writeBody(req: http.ClientRequest, total: number, onSent?: (bytes: number) => void): Promise<void> {
  const block = randomBytes(BLOCK_BYTES);
  let sent = 0;
  while (sent < total && !req.destroyed) {
    const n = Math.min(BLOCK_BYTES, total - sent);
    const more = req.write(n === BLOCK_BYTES ? block : block.subarray(0, n));
    sent += n;
    onSent?.(sent);
    if (!more) {
      await new Promise<void>((resolve) => {
        const done = (): void => { req.off('drain', done); req.off('close', done); resolve(); };
        req.on('drain', done);
        req.on('close', done);
      });
    }
  }
  if (!req.destroyed) req.end();
}

/**
 * Sends one request and resolves at the response head. Rejects with a {@link VerifyError}
 * (`connection refused`, `timed out after 10 s`, `TLS error: …`) or the signal's AbortError.
 */
export function openRequest(ep: VerifyEndpoint, r: VerifyRequest): Promise<OpenResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = (ep.tls ? https : http).request(options(ep, r));
    let answered = false;
    req.setTimeout(r.idleTimeoutMs, () => {
      req.destroy(answered ? undefined : new VerifyError(`no answer within ${seconds(r.idleTimeoutMs)} from ${formatHostPort(ep.host, ep.port)}`));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return; // the answer came first (e.g. a 413 before the whole body was sent)
      if (err instanceof VerifyError || err.name === 'AbortError') reject(err);
      else reject(new VerifyError(describeError(err, r.idleTimeoutMs)));
    });
    req.on('response', (res) => {
      answered = true;
      res.on('error', () => undefined);
      resolve({
        res, status: res.statusCode ?? 0, latencyMs: elapsedMs(started),
        ...(ep.tls ? { trust: trustOf(res) } : {}), close: () => req.destroy(),
      });
    });
    if (r.uploadBytes === undefined) req.end();
    else writeBody(req, r.uploadBytes, r.onSent).catch(() => req.destroy());
  });
}

/** A complete answer: status, headers, the first bytes of the body. */
export interface VerifyResponse {
  status: number;
  headers: IncomingMessage['headers'];
  /** At most `maxBodyBytes` of the body, as text. */
  body: string;
  latencyMs: number;
  trust?: CertificateTrust;
}

/** Sends one request and reads at most `maxBodyBytes` of the answer (then drops the connection). */
export async function exchange(ep: VerifyEndpoint, r: VerifyRequest, maxBodyBytes = 16 * 1024): Promise<VerifyResponse> {
  const open = await openRequest(ep, r);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of open.res as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBodyBytes) break;
    }
  } catch {
    // A body cut short still leaves the status and headers to compare.
  } finally {
    open.close();
  }
  const body = Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8');
  return { status: open.status, headers: open.res.headers, body, latencyMs: open.latencyMs, ...(open.trust ? { trust: open.trust } : {}) };
}
