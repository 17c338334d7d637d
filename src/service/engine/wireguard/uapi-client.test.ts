import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, keyToHex } from './keys';
import { UapiError } from './uapi';
import { UapiClient } from './uapi-client';

let dir: string;
let server: Server | undefined;
const conns = new Set<Socket>();

function track(srv: Server): Server {
  srv.on('connection', (c: Socket) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
  });
  return srv;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'uapi-test-'));
});
afterEach(async () => {
  for (const c of conns) c.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A UAPI server answering each request with `reply(request)`, written in small chunks. */
async function serve(reply: (req: string) => string | undefined, requests: string[] = []): Promise<string> {
  const path = join(dir, 'wgt0.sock');
  server = track(createServer((sock: Socket) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      if (!buf.endsWith('\n\n')) return;
      requests.push(buf);
      const out = reply(buf);
      buf = '';
      if (out === undefined) return; // hang
      for (let i = 0; i < out.length; i += 7) sock.write(out.slice(i, i + 7));
    });
  }));
  await new Promise<void>((r) => server?.listen(path, () => r()));
  return path;
}

describe('UapiClient', () => {
  it('gets and parses the device state', async () => {
    const kp = generateKeyPair();
    const requests: string[] = [];
    const path = await serve(() => `private_key=${keyToHex(kp.privateKey)}\nlisten_port=51820\nerrno=0\n\n`, requests);
    const c = new UapiClient('wgt0', { socketPath: path });
    const s = await c.get();
    expect(s).toEqual({ privateKey: kp.privateKey, publicKey: kp.publicKey, listenPort: 51820, peers: [] });
    expect(requests).toEqual(['get=1\n\n']);
  });

  it('sends set requests and checks errno', async () => {
    const requests: string[] = [];
    const path = await serve((req) => (req.includes('listen_port=1\n') ? 'errno=-22\n\n' : 'errno=0\n\n'), requests);
    const c = new UapiClient('wgt0', { socketPath: path });
    await c.set({ listenPort: 51821 });
    expect(requests).toEqual(['set=1\nlisten_port=51821\n\n']);
    await expect(c.set({ listenPort: 1 })).rejects.toBeInstanceOf(UapiError);
  });

  it('times out when the device does not answer', async () => {
    const path = await serve(() => undefined);
    const c = new UapiClient('wgt0', { socketPath: path, timeoutMs: 100 });
    await expect(c.get()).rejects.toThrow(/no reply within 100 ms/);
  });

  it('reports a missing socket and a truncated reply', async () => {
    await expect(new UapiClient('wgt0', { socketPath: join(dir, 'none.sock') }).get()).rejects.toThrow(/ENOENT/);
    const path = join(dir, 'trunc.sock');
    server = track(createServer((sock) => sock.end('listen_port=1\n')));
    await new Promise<void>((r) => server?.listen(path, () => r()));
    await expect(new UapiClient('x', { socketPath: path }).get()).rejects.toThrow(/closed before the reply ended/);
  });

  it('reuses one connection, one request at a time, and reconnects after the device restarts', async () => {
    const requests: string[] = [];
    const path = await serve(() => 'listen_port=7\nerrno=0\n\n', requests);
    let connections = 0;
    server?.on('connection', () => { connections++; });
    const c = new UapiClient('wgt0', { socketPath: path });
    const states = await Promise.all([c.get(), c.get(), c.set({ listenPort: 9 })]);
    expect(states[0]?.listenPort).toBe(7);
    expect(requests).toEqual(['get=1\n\n', 'get=1\n\n', 'set=1\nlisten_port=9\n\n']);
    expect(connections).toBe(1);
    for (const conn of conns) conn.destroy(); // wireguard-go restarted: the old connection is gone
    await new Promise((r) => setTimeout(r, 20));
    expect((await c.get()).listenPort).toBe(7);
    expect(connections).toBe(2);
    c.close();
  });

  it('defaults to /var/run/wireguard/<iface>.sock', () => {
    expect(new UapiClient('wg0').socketPath).toBe('/var/run/wireguard/wg0.sock');
  });
});
