/**
 * HTTP over cloudroofd's Unix socket, below the typed client: the socket trust check, one-shot
 * JSON requests, and NDJSON streams, with connection failures turned into messages that say
 * what to do.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { lstat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { JSON_MEDIA_TYPE } from '../shared/protocol';

/** Kinds of local (not service-reported) failures. */
export type ClientErrorCode = 'not-running' | 'permission-denied' | 'untrusted-socket' | 'bad-response' | 'timeout' | 'connection-failed';

/** A failure to reach or understand the service. */
export class ClientError extends Error {
  /** `errno` of the failed connect/lstat (`ENOENT`, `ECONNREFUSED`, `EACCES`…), when there was one. */
  constructor(readonly code: ClientErrorCode, message: string, readonly errno?: string) {
    super(message);
    this.name = 'ClientError';
  }
}

/** Largest response body the client accepts. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Messages for errno codes of connect/lstat. */
export function connectionError(err: unknown, socketPath: string): ClientError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new ClientError('not-running', `cloudroofd is not running (no socket at ${socketPath}). Start it with: sudo cloudroofd`, code);
    case 'ECONNREFUSED':
      return new ClientError('not-running', `cloudroofd is not running (nothing answers on ${socketPath}). Start it with: sudo cloudroofd`, code);
    case 'EACCES':
    case 'EPERM':
      return new ClientError('permission-denied', `permission denied on ${socketPath} — run with sudo or add yourself to the cloudroof group`, code);
    default:
      return new ClientError('connection-failed', `cannot reach cloudroofd on ${socketPath}: ${err instanceof Error ? err.message : String(err)}`, code);
  }
}

/**
 * Refuses to talk to a socket that is not a socket or is owned by someone other than root or
 * the current user (a socket planted by another user could collect a secret sent to it).
 */
export async function checkSocketOwner(socketPath: string): Promise<void> {
  let st;
  try {
    st = await lstat(socketPath);
  } catch (err) {
    throw connectionError(err, socketPath);
  }
  if (!st.isSocket()) throw new ClientError('untrusted-socket', `${socketPath} is not a socket`);
  const me = process.getuid?.();
  if (st.uid !== 0 && st.uid !== me) {
    throw new ClientError('untrusted-socket', `${socketPath} is owned by uid ${st.uid}, not root; refusing to use it`);
  }
}

/** A raw HTTP response. */
export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Options of {@link sendRequest} and {@link openStream}. */
export interface RequestOptions {
  socketPath: string;
  method: string;
  path: string;
  /** JSON-serialisable body, or undefined for none. */
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Starts a request and resolves with the response head (the body still unread). */
export function openStream(opts: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { host: 'cloudroofd', accept: 'application/json, application/x-ndjson' };
    if (payload !== undefined) {
      headers['content-type'] = JSON_MEDIA_TYPE;
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = httpRequest({ socketPath: opts.socketPath, method: opts.method, path: opts.path, headers, signal: opts.signal });
    const timer = setTimeout(() => {
      req.destroy(new ClientError('timeout', `cloudroofd did not answer within ${Math.round(opts.timeoutMs / 1000)} s`));
    }, opts.timeoutMs);
    req.once('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof ClientError || err.name === 'AbortError' ? err : connectionError(err, opts.socketPath));
    });
    req.end(payload);
  });
}

/** Largest NDJSON line the client accepts. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The non-empty lines of an NDJSON response body, as they arrive. Bytes are decoded across chunk
 * boundaries (a character split between two chunks stays whole).
 */
export async function* ndjsonLines(res: IncomingMessage): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    buffered += decoder.write(chunk);
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() !== '') yield line;
    }
    if (buffered.length > MAX_LINE_BYTES) {
      res.destroy();
      throw new ClientError('bad-response', 'cloudroofd sent an overlong line');
    }
  }
  buffered += decoder.end();
  if (buffered.trim() !== '') yield buffered;
}

/** Sends one request and reads the whole response. */
export async function sendRequest(opts: RequestOptions): Promise<RawResponse> {
  const res = await openStream(opts);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      res.destroy();
      throw new ClientError('bad-response', 'response from cloudroofd is too large');
    }
    chunks.push(chunk);
  }
  return { status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') };
}
