// Raw HTTP/1.1 for the hardening suites of the control API (Unix socket) and the web console
// (loopback TCP): requests written byte for byte (so malformed ones can be sent), responses
// split from the byte stream, and three slow clients that measure when the server cuts them off.
import { connect } from 'node:net';

/** Where to connect: a Unix socket path, or a TCP host and port. */
export type Target = { path: string } | { host: string; port: number };

/** One parsed response. */
export interface RawResponse { status: number; headers: Record<string, string>; body: string }
/** Everything a connection returned. */
export interface Outcome { responses: RawResponse[]; closedWithout: boolean; clientTimeout: boolean }

/** Options of {@link raw}. */
export interface RawOptions {
  /** Give up (and report `clientTimeout`) after this long; default 5 s. */
  timeoutMs?: number;
  /** Hang up once a response head has arrived (for streams that never end). */
  untilHead?: boolean;
  /**
   * Half-close after writing (default). Node's HTTP server then drops answers that are not
   * ready yet, so requests answered asynchronously send `connection: close` and pass false.
   */
  halfClose?: boolean;
}

/** Writes `bytes` and reads every response until the server closes. */
export function raw(target: Target, bytes: Buffer, opts: RawOptions = {}): Promise<Outcome> {
  const { timeoutMs = 5000, untilHead = false, halfClose = true } = opts;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(target);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; s.destroy(); }, timeoutMs);
    s.on('connect', () => (halfClose ? s.end(bytes) : s.write(bytes)));
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if (untilHead && Buffer.concat(chunks).includes('\r\n\r\n')) s.destroy();
    });
    s.on('error', () => undefined); // EPIPE/ECONNRESET after the server answered and closed
    s.on('close', () => {
      clearTimeout(timer);
      const responses = parseResponses(Buffer.concat(chunks).toString('latin1'), bytes.subarray(0, 5).toString('latin1') === 'HEAD ');
      resolve({ responses, closedWithout: responses.length === 0, clientTimeout: timedOut });
    });
  });
}

/** Splits a byte stream into HTTP/1.1 responses (Content-Length framed, or to the end; none after HEAD). */
export function parseResponses(text: string, head = false): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = head ? 0 : headers['content-length'] === undefined ? rest.length - end - 4 : Number(headers['content-length']);
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body: Buffer.from(rest.slice(end + 4, end + 4 + len), 'latin1').toString('utf8') });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

/**
 * A request as bytes. `headers` override the defaults (`host: localhost`; Content-Length and a
 * JSON Content-Type when there is a body); a header set to undefined is left out.
 */
export function request(method: string, path: string, body?: string | Buffer, headers: Record<string, string | undefined> = {}): Buffer {
  const h: Record<string, string | undefined> = { host: 'localhost', ...headers };
  if (body !== undefined && !('content-length' in h) && h['transfer-encoding'] === undefined) h['content-length'] = String(Buffer.byteLength(body));
  if (body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
  const lines = Object.entries(h).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}\r\n`);
  const head = `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body ?? '')]);
}

/** The requests the slow clients trickle: a GET's header, and a POST's header and body. */
export interface SlowRequests { header: string; bodyHead: string; body: string }

/**
 * Three slow clients at once: one header byte per second, a complete header then one body byte
 * per second, and a connection that sends nothing. Records in `out` when the server cut each off.
 */
export async function runSlowClients(target: Target, out: Record<string, unknown>, requests: SlowRequests): Promise<void> {
  const drip = (name: string, head: string, trickle: string): Promise<void> => new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(target);
    let data = '';
    let k = 0;
    let timer: NodeJS.Timeout | undefined;
    const give = (): void => {
      if (k < trickle.length && !s.destroyed) s.write(trickle[k++]!);
      timer = setTimeout(give, 1000);
    };
    s.on('connect', () => { if (head) s.write(head); if (trickle) give(); });
    s.on('data', (c: Buffer) => { data += c.toString('latin1'); });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      out[name] = { cutAfterMs: Date.now() - t0, bytesSent: head.length + k, answer: data.split('\r\n')[0] || '(closed)' };
      resolve();
    });
    setTimeout(() => s.destroy(), 30_000); // the test fails on cutAfterMs if the server never cut it
  });
  await Promise.all([
    drip('headerTrickle', '', requests.header),
    drip('bodyTrickle', requests.bodyHead, requests.body),
    drip('idle', '', ''),
  ]);
}
