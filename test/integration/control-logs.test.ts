// GET /v1/logs on a real control server: the buffered entries first (counted in a header), then
// live ones; `?follow=0` ends after the backlog; a client that does not read is disconnected;
// close() ends the stream.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_BACKLOG_HEADER, type LogEntry } from '../../src/shared/protocol';
import { ControlClient } from '../../src/client/control-client';
import { FakeBackend } from '../../src/service/control/fake';
import { MAX_LOG_STREAM_BUFFER_BYTES } from '../../src/service/control/logs';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { createLogger, type Logger } from '../../src/service/log';
import { LogBuffer } from '../../src/service/log-buffer';
import { httpRequest, openLines, type LineStream } from '../support/http';

/** Opens GET `path` (/v1/logs…) on the control socket. */
const open = (socketPath: string, path: string): Promise<LineStream> => openLines({ socketPath }, 'GET', path);
/** The messages of log entries read from a stream. */
const msgs = (entries: unknown[]): string[] => entries.map((e) => (e as LogEntry).msg);

describe('GET /v1/logs', () => {
  let dir: string;
  let socketPath: string;
  let server: ControlServer;
  let logs: LogBuffer;
  let log: Logger;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-logs-'));
    socketPath = join(dir, 'cloudroofd.sock');
    logs = new LogBuffer(50);
    log = createLogger('cloudroofd', { json: true, level: 'debug', write: () => {}, sink: (e) => logs.push(e) });
    log.info('first', { n: 1 });
    log.warn('second', { n: 2 });
    server = await startControlServer({ socketPath, backend: new FakeBackend(), logger: log, logs });
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the backlog with its count, then live entries', async () => {
    const s = await open(socketPath, '/v1/logs');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('application/x-ndjson');
    expect(s.headers[LOG_BACKLOG_HEADER]).toBe('3'); // first, second, control socket listening
    expect(msgs([await s.next(), await s.next(), await s.next()])).toEqual(['first', 'second', 'control socket listening']);
    log.child('mesh').error('live one', { peer: 'abcd1234' });
    expect(await s.next()).toMatchObject({ level: 'error', component: 'cloudroofd/mesh', msg: 'live one', fields: { peer: 'abcd1234' } });
    s.close();
    await expect.poll(() => logs.listenerCount, { timeout: 3000 }).toBe(0);
  });

  it('ends after the backlog with ?follow=0', async () => {
    const s = await open(socketPath, '/v1/logs?follow=0');
    expect(msgs(await s.rest())).toEqual(['first', 'second', 'control socket listening']);
    expect(logs.listenerCount).toBe(0);
  });

  it('is ended by close()', async () => {
    const s = await open(socketPath, '/v1/logs');
    await expect.poll(() => logs.listenerCount, { timeout: 3000 }).toBe(1);
    await server.close();
    await s.closed;
    expect(logs.listenerCount).toBe(0);
  });

  it('disconnects a client that stops reading', async () => {
    const s = await open(socketPath, '/v1/logs');
    s.res.pause();
    const seen: string[] = [];
    logs.subscribe((e) => seen.push(e.msg));
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i * big.length < 2 * MAX_LOG_STREAM_BUFFER_BYTES; i++) log.debug('big', { big });
    await expect.poll(() => logs.listenerCount, { timeout: 3000 }).toBe(1);
    expect(seen.filter((m) => m === 'log stream client is not reading; disconnecting it')).toHaveLength(1);
    s.close();
  });

  it('is read by the CLI client: backlog once, then live entries until aborted', async () => {
    const client = new ControlClient({ socketPath });
    const once: LogEntry[][] = [];
    await client.logs({ backlog: (b) => once.push(b) });
    expect(once.map((b) => b.map((e) => e.msg))).toEqual([['first', 'second', 'control socket listening']]);
    const live: LogEntry[] = [];
    const abort = new AbortController();
    const backlogs: number[] = [];
    const following = client.logs({ backlog: (b) => backlogs.push(b.length), live: (e) => live.push(e) }, { follow: true, signal: abort.signal });
    await expect.poll(() => backlogs.length === 1 && logs.listenerCount === 1, { timeout: 3000 }).toBe(true);
    log.info('after', { n: 3 });
    await expect.poll(() => live.some((e) => e.msg === 'after'), { timeout: 3000 }).toBe(true);
    abort.abort();
    await expect(following).resolves.toBeUndefined();
    expect(backlogs[0]).toBeGreaterThanOrEqual(3);
  });

  it('answers 405 to other methods', async () => {
    expect((await httpRequest({ socketPath }, 'POST', '/v1/logs')).status).toBe(405);
  });
});
