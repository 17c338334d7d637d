/**
 * GET /v1/logs: an NDJSON stream of log entries. Lifecycle: headers (with the number of
 * buffered entries in `x-cloudroof-log-backlog`), then the buffered entries oldest first, taken
 * in the same tick as the subscription (so no entry falls between them or comes twice), then
 * each new entry as it is emitted, until the client disconnects or the server closes. With
 * `?follow=0` the stream ends after the buffered entries. A client that stops reading is
 * disconnected once too much live output is buffered for it.
 */
import type { ServerResponse } from 'node:http';
import { LOG_BACKLOG_HEADER, LogEntry } from '../../shared/protocol';
import type { LogBuffer } from '../log-buffer';
import type { Logger } from '../log';
import { writeNdjsonHead } from './http';

/**
 * Live output buffered for one client before it counts as stuck and is disconnected. The
 * backlog itself (at most the buffer's capacity) is always written in full.
 */
export const MAX_LOG_STREAM_BUFFER_BYTES = 4 * 1024 * 1024;

/** Whether a request's query asks to follow: anything but `follow=0` (or `false`) does. */
export function wantsFollow(search: URLSearchParams): boolean {
  const v = search.get('follow');
  return v !== '0' && v !== 'false';
}

/**
 * Streams `buffer` to `res`. `streams` tracks open streams so the server can end them on
 * close; the response removes itself when it closes.
 */
export function serveLogs(
  res: ServerResponse, buffer: LogBuffer, logger: Logger, streams: Set<ServerResponse>, follow: boolean,
): void {
  const backlog = buffer.entries();
  writeNdjsonHead(res, { [LOG_BACKLOG_HEADER]: String(backlog.length) });
  let live = false;
  let dropped = false;
  const send = (entry: LogEntry): void => {
    if (res.destroyed || res.writableEnded) return;
    const parsed = LogEntry.safeParse(entry); // strips undeclared members, like every response
    // An entry that does not fit the schema is replaced, so the backlog count stays true.
    const line = parsed.success ? parsed.data : { time: entry.time, level: 'error', component: 'cloudroofd/control', msg: 'unprintable log entry', fields: {} };
    res.write(JSON.stringify(line) + '\n');
    if (live && res.writableLength > MAX_LOG_STREAM_BUFFER_BYTES && !dropped) {
      dropped = true;
      res.destroy();
      logger.warn('log stream client is not reading; disconnecting it');
    }
  };
  for (const e of backlog) send(e);
  if (!follow) {
    res.end();
    return;
  }
  live = true;
  const unsubscribe = buffer.subscribe(send);
  streams.add(res);
  res.once('close', () => {
    unsubscribe();
    streams.delete(res);
  });
}
