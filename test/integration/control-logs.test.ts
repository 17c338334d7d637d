// GET /v1/logs on a real control server: the buffered entries first (counted in a header), then
// live ones; `?follow=0` ends after the backlog; a client that does not read is disconnected;
// close() ends the stream.
import { request, type IncomingMessage } from 'node:http';
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

function get(socketPath: string, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => { request({ socketPath, path }, resolve).on('error', reject).end(); });
}

/** Collects the NDJSON lines of `res` as they arrive. */
function collect(res: IncomingMessage): { entries: LogEntry[]; ended: Promise<void> } {
  const entries: LogEntry[] = [];
  let buf = '';
  res.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      entries.push(JSON.parse(buf.slice(0, nl)) as LogEntry);
      buf = buf.slice(nl + 1);
    }
  });
  return { entries, ended: new Promise((resolve) => res.once('close', () => resolve())) };
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

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
    const res = await get(socketPath, '/v1/logs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    expect(res.headers[LOG_BACKLOG_HEADER]).toBe('3'); // first, second, control socket listening
    const got = collect(res);
    await until(() => got.entries.length === 3);
    expect(got.entries.map((e) => e.msg)).toEqual(['first', 'second', 'control socket listening']);
    log.child('mesh').error('live one', { peer: 'abcd1234' });
    await until(() => got.entries.length >= 4);
    expect(got.entries[3]).toMatchObject({ level: 'error', component: 'cloudroofd/mesh', msg: 'live one', fields: { peer: 'abcd1234' } });
    res.destroy();
    await until(() => logs.listenerCount === 0);
  });

  it('ends after the backlog with ?follow=0', async () => {
    const res = await get(socketPath, '/v1/logs?follow=0');
    const got = collect(res);
    await got.ended;
    expect(got.entries.map((e) => e.msg)).toEqual(['first', 'second', 'control socket listening']);
    expect(logs.listenerCount).toBe(0);
  });

  it('is ended by close()', async () => {
    const res = await get(socketPath, '/v1/logs');
    const got = collect(res);
    await until(() => logs.listenerCount === 1);
    await server.close();
    await got.ended;
    expect(logs.listenerCount).toBe(0);
  });

  it('disconnects a client that stops reading', async () => {
    const res = await get(socketPath, '/v1/logs');
    res.pause();
    const seen: string[] = [];
    logs.subscribe((e) => seen.push(e.msg));
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i * big.length < 2 * MAX_LOG_STREAM_BUFFER_BYTES; i++) log.debug('big', { big });
    await until(() => logs.listenerCount === 1);
    expect(seen.filter((m) => m === 'log stream client is not reading; disconnecting it')).toHaveLength(1);
    res.destroy();
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
    await until(() => backlogs.length === 1 && logs.listenerCount === 1);
    log.info('after', { n: 3 });
    await until(() => live.some((e) => e.msg === 'after'));
    abort.abort();
    await expect(following).resolves.toBeUndefined();
    expect(backlogs[0]).toBeGreaterThanOrEqual(3);
  });

  it('answers 405 to other methods', async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      request({ socketPath, path: '/v1/logs', method: 'POST' }, resolve).on('error', reject).end();
    });
    expect(res.statusCode).toBe(405);
    res.resume();
  });
});
