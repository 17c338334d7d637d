/**
 * GET /v1/watch: an NDJSON stream. Lifecycle: headers, then a `snapshot` line taken in the same
 * tick as the subscription (so no change can fall between them), then one line per backend
 * event, until the client disconnects or the server closes. A client that stops reading is
 * disconnected once too much output is buffered for it, rather than growing memory forever.
 */
import type { ServerResponse } from 'node:http';
import { WatchEvent } from '../../shared/protocol';
import type { Logger } from '../log';
import type { Backend } from './backend';
import { writeNdjsonHead } from './http';

/** Output buffered for one watcher before it is considered stuck and disconnected. */
export const MAX_WATCH_BUFFER_BYTES = 1024 * 1024;

/**
 * How {@link serveWatch} frames its lines. The socket's `/v1/watch` sends bare events; the web
 * console's `/api/events` sends its app state first, wraps each event and keeps the line alive.
 */
export interface WatchFraming {
  /** Lines written before the snapshot. */
  first?: readonly unknown[];
  /** Wraps each (validated) event; default: the event itself. */
  frame?: (event: WatchEvent) => unknown;
  /** Writes `{}` every so many ms, so proxies and browsers see a live stream; off by default. */
  keepAliveMs?: number;
}

/**
 * Writes one NDJSON line, unless `res` is gone; disconnects a client that is not reading once
 * more than {@link MAX_WATCH_BUFFER_BYTES} are buffered for it.
 */
export function writeLine(res: ServerResponse, value: unknown, logger: Logger): void {
  if (res.destroyed || res.writableEnded) return;
  res.write(JSON.stringify(value) + '\n');
  if (res.writableLength > MAX_WATCH_BUFFER_BYTES) {
    logger.warn('stream client is not reading; disconnecting it');
    res.destroy();
  }
}

/**
 * Streams events to `res` until it closes. `watchers` tracks open streams so the server can end
 * them on close; the response removes itself when it closes.
 */
export function serveWatch(res: ServerResponse, backend: Backend, logger: Logger, watchers: Set<ServerResponse>, framing: WatchFraming = {}): void {
  const snapshot: WatchEvent = { type: 'snapshot', status: backend.status(), peers: backend.peers() }; // may throw: before any header
  writeNdjsonHead(res);
  const frame = framing.frame ?? ((event: WatchEvent): unknown => event);
  const send = (event: WatchEvent): void => {
    const parsed = WatchEvent.safeParse(event); // strips undeclared members, like every response
    if (!parsed.success) {
      logger.error('dropping a watch event that does not match the schema', { type: event.type });
      return;
    }
    writeLine(res, frame(parsed.data), logger);
  };
  for (const line of framing.first ?? []) writeLine(res, line, logger);
  send(snapshot);
  const unsubscribe = backend.subscribe(send);
  const keepAlive = framing.keepAliveMs === undefined ? undefined : setInterval(() => writeLine(res, {}, logger), framing.keepAliveMs);
  watchers.add(res);
  res.once('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
    watchers.delete(res);
  });
}
