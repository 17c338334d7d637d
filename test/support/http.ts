// HTTP from the tests to a server they started: the control API on its Unix socket, or a loopback
// TCP port (the web console, a test app). One request read whole, an NDJSON answer read line by
// line (/v1/watch, /v1/logs, POST streams, the console's /api/events), and a free port.
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';

/** Where a request goes: a Unix socket, or a TCP port on `host` (default 127.0.0.1). */
export type HttpTarget = { socketPath: string } | { port: number; host?: string };

/** What a request sends besides its method and path. */
export interface HttpRequestOptions {
  headers?: Record<string, string>;
  /** Sent with Content-Length, and a JSON Content-Type unless `headers` name another. */
  body?: string | Buffer;
}

/** One whole answer; `json` is undefined when the body is not JSON. */
export interface HttpReply { status: number; headers: IncomingHttpHeaders; text: string; json: unknown }

/** Sends the request and resolves at the answer's head. */
function open(target: HttpTarget, method: string, path: string, opts: HttpRequestOptions): Promise<IncomingMessage> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(opts.body));
  }
  const where = 'socketPath' in target ? { socketPath: target.socketPath } : { host: target.host ?? '127.0.0.1', port: target.port };
  return new Promise((resolve, reject) => {
    request({ ...where, method, path, headers }, resolve).on('error', reject).end(opts.body);
  });
}

/** Sends one request and reads the whole answer. */
export async function httpRequest(target: HttpTarget, method: string, path: string, opts: HttpRequestOptions = {}): Promise<HttpReply> {
  const res = await open(target, method, path, opts);
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.statusCode ?? 0, headers: res.headers, text, json };
}

/** An open NDJSON answer: its head, its lines one by one, and a way to hang up. */
export interface LineStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The answer itself (to pause it, or to watch it close). */
  res: IncomingMessage;
  /** The next line parsed as JSON; undefined once the server has ended the stream. */
  next(): Promise<unknown>;
  /** Every line still to come, until the server ends the stream. */
  rest(): Promise<unknown[]>;
  /** Hangs up (destroys the connection). */
  close(): void;
  /** Resolves when the connection has closed (either side). */
  closed: Promise<void>;
}

/** Sends a request whose answer is read line by line. */
export async function openLines(target: HttpTarget, method: string, path: string, opts: HttpRequestOptions = {}): Promise<LineStream> {
  const res = await open(target, method, path, opts);
  res.setEncoding('utf8');
  let buffered = '';
  let ended = false;
  const waiting: (() => void)[] = [];
  const wake = (): void => { for (const w of waiting.splice(0)) w(); };
  res.on('data', (c: string) => { buffered += c; wake(); });
  const closed = new Promise<void>((done) => res.once('close', () => { ended = true; wake(); done(); }));
  const next = async (): Promise<unknown> => {
    for (;;) {
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        return JSON.parse(line) as unknown;
      }
      if (ended) return undefined;
      await new Promise<void>((w) => waiting.push(w));
    }
  };
  const rest = async (): Promise<unknown[]> => {
    const lines: unknown[] = [];
    for (let l = await next(); l !== undefined; l = await next()) lines.push(l);
    return lines;
  };
  return { status: res.statusCode ?? 0, headers: res.headers, res, next, rest, close: () => res.destroy(), closed };
}

/** A TCP port free on 127.0.0.1 (bound, then released: nothing listens on it until someone takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
