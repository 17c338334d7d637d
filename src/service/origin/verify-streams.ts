/**
 * The streaming legs of a site verification (issue 6): a websocket handshake with an optional
 * echo round trip (the `ws` library sends the key and checks `Sec-WebSocket-Accept`), and the
 * first server-sent event of an SSE response, noting whether it arrived while the stream was
 * still open (an edge that buffers delivers it only when the stream ends).
 *
 * Both resolve, never reject: failures come back as `error` with a short message, and both end
 * their connection before resolving (also when `signal` aborts).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { formatHostPort } from './forwarder';
import { describeError, elapsedMs, seconds, unverifiedTls } from './http-get';
import { openRequest, VerifyError, type VerifyEndpoint } from './verify-http';

/** What a websocket probe saw. */
export interface WsProbe {
  /** 101 once upgraded (accept key checked), else the HTTP status; 0 when no answer came. */
  status: number;
  latencyMs?: number;
  /** Set when an echo was tried: whether the frame came back unchanged. */
  echoed?: boolean;
  error?: string;
}

/** Options of {@link probeWebSocket}. */
export interface WsProbeOptions {
  /** For the handshake. */
  timeoutMs: number;
  /** Send one text frame and wait this long for it to come back; absent: handshake only. */
  echoWaitMs?: number;
  signal: AbortSignal;
}

/** Opens a websocket to `path` at `ep` (Host and SNI = the site's hostname), optionally echoes one frame, closes. */
export function probeWebSocket(ep: VerifyEndpoint, path: string, o: WsProbeOptions): Promise<WsProbe> {
  return new Promise((resolve) => {
    const started = performance.now();
    const token = `cloudroof-verify ${randomBytes(8).toString('hex')}`;
    let latencyMs: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const ws = new WebSocket(`${ep.tls ? 'wss' : 'ws'}://${formatHostPort(ep.host, ep.port)}${path}`, {
      headers: { host: ep.hostname, 'user-agent': 'cloudroof-verify/1' }, handshakeTimeout: o.timeoutMs, perMessageDeflate: false,
      followRedirects: false, maxPayload: 64 * 1024, ...(ep.tls ? unverifiedTls(ep.hostname) : {}),
    });
    const finish = (r: WsProbe): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      ws.terminate();
      resolve({ ...(latencyMs === undefined ? {} : { latencyMs }), ...r });
    };
    const onAbort = (): void => finish({ status: 0, error: 'aborted' });
    o.signal.addEventListener('abort', onAbort);
    if (o.signal.aborted) return onAbort();
    ws.on('unexpected-response', (_req, res) => {
      latencyMs = elapsedMs(started);
      res.resume();
      finish({ status: res.statusCode ?? 0 });
    });
    ws.on('upgrade', () => { latencyMs = elapsedMs(started); });
    ws.on('open', () => {
      if (o.echoWaitMs === undefined) return finish({ status: 101 });
      ws.send(token);
      timer = setTimeout(() => finish({ status: 101, echoed: false }), o.echoWaitMs);
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary && String(data) === token) finish({ status: 101, echoed: true });
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      const timedOut = /timed out/i.test(err.message);
      finish({ status: 0, error: timedOut ? `no handshake within ${seconds(o.timeoutMs)}` : describeError(err, o.timeoutMs) });
    });
  });
}

/** What an SSE probe saw. */
export interface SseProbe {
  status: number;
  contentType: string;
  latencyMs?: number;
  /** Milliseconds from the response head to the first complete event; absent when none came in time. */
  firstEventMs?: number;
  /** Whether the response had already ended when the first event was read (buffered until the end). */
  endedAtFirstEvent?: boolean;
  error?: string;
}

/** Longest preamble read while looking for the end of the first event. */
const MAX_EVENT_BYTES = 64 * 1024;

/**
 * GETs `path` with `Accept: text/event-stream` and waits up to `eventWaitMs` for the first
 * event (text up to a blank line). Stops early when the answer is not `text/event-stream`.
 */
export async function probeSse(ep: VerifyEndpoint, path: string, o: { timeoutMs: number; eventWaitMs: number; signal: AbortSignal }): Promise<SseProbe> {
  let open;
  try {
    open = await openRequest(ep, { method: 'GET', path, headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' }, idleTimeoutMs: o.timeoutMs, signal: o.signal });
  } catch (err) {
    return { status: 0, contentType: '', error: err instanceof VerifyError ? err.message : 'aborted' };
  }
  const { res } = open;
  const base: SseProbe = { status: open.status, contentType: String(res.headers['content-type'] ?? ''), latencyMs: open.latencyMs };
  if (!base.contentType.toLowerCase().startsWith('text/event-stream')) {
    open.close();
    return base;
  }
  try {
    return { ...base, ...await firstEvent(res, o.eventWaitMs) };
  } finally {
    open.close();
  }
}

/** Reads until the first blank line; reports when, and whether the response had ended by then. */
function firstEvent(res: IncomingMessage, waitMs: number): Promise<Partial<SseProbe>> {
  const started = performance.now();
  return new Promise((resolve) => {
    let text = '';
    let found: number | undefined;
    let settled = false;
    const done = (r: Partial<SseProbe>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.removeListener('data', onData);
      resolve(r);
    };
    const timer = setTimeout(() => done({ error: `no event within ${seconds(waitMs)}` }), waitMs);
    const onData = (chunk: Buffer): void => {
      if (found !== undefined) return;
      text += chunk.toString('utf8');
      if (/\r?\n\r?\n/.test(text)) {
        const at = elapsedMs(started);
        found = at;
        // Let the parser take what else arrived with this chunk: a buffered answer ends now.
        setImmediate(() => done({ firstEventMs: at, endedAtFirstEvent: res.complete }));
      } else if (text.length > MAX_EVENT_BYTES) {
        done({ error: 'no event delimiter in the first 64 KiB' });
      }
    };
    const ended = (why: string) => (): void => {
      if (found === undefined) done({ error: why });
    };
    res.on('data', onData);
    res.on('end', ended('the stream ended without a complete event'));
    res.on('close', ended('the stream closed without a complete event'));
  });
}
