/**
 * GET /v1/watch: an NDJSON stream. Lifecycle: headers, then a `snapshot` line taken in the same
 * tick as the subscription (so no change can fall between them), then one line per backend
 * event, until the client disconnects or the server closes. A client that stops reading is
 * disconnected once too much output is buffered for it, rather than growing memory forever.
 */
import type { ServerResponse } from 'node:http';
import { NDJSON_MEDIA_TYPE, WatchEvent } from '../../shared/protocol';
import type { Logger } from '../log';
import type { Backend } from './backend';

/** Output buffered for one watcher before it is considered stuck and disconnected. */
export const MAX_WATCH_BUFFER_BYTES = 1024 * 1024;

/**
 * Streams events to `res` until it closes. `watchers` tracks open streams so the server can end
 * them on close; the response removes itself when it closes.
 */
export function serveWatch(res: ServerResponse, backend: Backend, logger: Logger, watchers: Set<ServerResponse>): void {
  const snapshot: WatchEvent = { type: 'snapshot', status: backend.status(), peers: backend.peers() }; // may throw: before any header
  res.writeHead(200, {
    'content-type': NDJSON_MEDIA_TYPE,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  const send = (event: WatchEvent): void => {
    if (res.destroyed || res.writableEnded) return;
    const parsed = WatchEvent.safeParse(event); // strips undeclared members, like every response
    if (!parsed.success) {
      logger.error('dropping a watch event that does not match the schema', { type: event.type });
      return;
    }
    res.write(JSON.stringify(parsed.data) + '\n');
    if (res.writableLength > MAX_WATCH_BUFFER_BYTES) {
      logger.warn('watch client is not reading; disconnecting it');
      res.destroy();
    }
  };
  send(snapshot);
  const unsubscribe = backend.subscribe(send);
  watchers.add(res);
  res.once('close', () => {
    unsubscribe();
    watchers.delete(res);
  });
}
