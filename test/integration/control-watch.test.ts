// The control server's streams and timeouts: /v1/watch starts with a snapshot and follows the
// backend, unsubscribes when the client goes, is ended by close(), and outlives the request
// timeout; slow request senders and oversized chunked bodies are cut off.
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchEvent, type Peer } from '../../src/shared/protocol';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { openLines, type LineStream } from '../support/http';

const peer: Peer = {
  publicKey: 'K1peerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', meshIPv4: '10.42.1.2', lastHandshakeTime: null,
  rxBytes: 0, txBytes: 0, discoveredVia: ['lan'], path: 'none', lastSeen: 1_800_000_000_000,
};

/** Opens /v1/watch. */
const openWatch = (socketPath: string): Promise<LineStream> => openLines({ socketPath }, 'GET', '/v1/watch');
/** The next line of a watch, which must be a valid event. */
const nextEvent = async (w: LineStream): Promise<WatchEvent> => WatchEvent.parse(await w.next());

describe('control server streams and timeouts', () => {
  let dir: string;
  let socketPath: string;
  let server: ControlServer;
  let backend: FakeBackend;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-watch-'));
    socketPath = join(dir, 'c.sock');
    backend = new FakeBackend();
    server = await startControlServer({ socketPath, backend, logger: silentLogger, requestTimeoutMs: 300 });
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts with a snapshot, then delivers events, and unsubscribes on client close', async () => {
    const w = await openWatch(socketPath);
    expect(w.status).toBe(200);
    expect(w.headers['content-type']).toBe('application/x-ndjson');
    const first = await nextEvent(w);
    expect(first.type).toBe('snapshot');
    expect(backend.listenerCount).toBe(1);
    backend.setPeers([peer]);
    expect(await nextEvent(w)).toEqual({ type: 'peers', peers: [peer] });
    const status = await nextEvent(w);
    expect(status.type === 'status' && status.status.peerCount).toBe(1);
    w.close();
    await expect.poll(() => backend.listenerCount, { timeout: 2000 }).toBe(0);
  });

  it('keeps a watch open past the request timeout, and close() ends it', async () => {
    const w = await openWatch(socketPath);
    await nextEvent(w);
    await new Promise((r) => setTimeout(r, 700));
    backend.updateStatus({ tunnelState: 'connecting' });
    const e = await nextEvent(w);
    expect(e.type === 'status' && e.status.tunnelState).toBe('connecting');
    await server.close();
    await w.closed;
    expect(backend.listenerCount).toBe(0);
  });

  it('drops a client that sends its request too slowly', async () => {
    const sock = connect({ path: socketPath });
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.write('GET /v1/status HTTP/1.1\r\nHost: x\r\n'); // headers never finished
    const started = Date.now();
    let answer = '';
    sock.on('data', (c: Buffer) => { answer += c.toString(); });
    await new Promise<void>((resolve) => sock.once('close', () => resolve()));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('cuts off a chunked body over the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath, method: 'POST', path: '/v1/join', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write(Buffer.alloc(4096, 0x20));
      req.end();
    });
    expect(status).toBe(413);
  });
});
