import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseMeshPort, ListenError, MESH_PORT_FIRST, SiteForwarder } from './forwarder';

const LOOPBACKS = ['127.0.0.1', '::1'];
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function listenOn(server: net.Server, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port free on both loopbacks right now (the kernel's pick on 127.0.0.1, checked on ::1). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  const p = await listenOn(s, '127.0.0.1');
  await closeServer(s);
  return chooseMeshPort(LOOPBACKS, p, new Set());
}

/** A target server on 127.0.0.1, closed after the test; every socket is kept for inspection. */
async function target(handler: (sock: net.Socket) => void): Promise<{ port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => { sockets.push(s); handler(s); });
  const port = await listenOn(server, '127.0.0.1');
  cleanup.push(() => { for (const s of sockets) s.destroy(); return closeServer(server); });
  return { port, sockets };
}

async function forwarder(targetPort: number, opts: { maxConnections?: number; connectTimeoutMs?: number; host?: string } = {}): Promise<SiteForwarder> {
  const port = await freePort();
  const { host = '127.0.0.1', ...rest } = opts;
  const f = new SiteForwarder({ addresses: LOOPBACKS, port, target: { host, port: targetPort }, ...rest });
  await f.start();
  cleanup.push(() => f.stop());
  return f;
}

function portOf(f: SiteForwarder): number {
  return (f as unknown as { opts: { port: number } }).opts.port;
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => resolve(s));
    s.once('error', reject);
    cleanup.push(() => { s.destroy(); });
  });
}

/** Resolves when the peer has closed `s` (the client ends its side too: no allowHalfOpen). */
function closed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('SiteForwarder', () => {
  it('relays 5 MB each way intact on IPv4 and IPv6, passing the half-close on', async () => {
    const answer = randomBytes(5 * 1024 * 1024);
    // The target reads everything until the client's FIN, then answers with its digest + 5 MB.
    const t = await target((s) => {
      const parts: Buffer[] = [];
      s.on('data', (c: Buffer) => parts.push(c));
      s.on('end', () => { s.write(sha(Buffer.concat(parts)) + '\n'); s.end(answer); });
    });
    const f = await forwarder(t.port);
    for (const host of LOOPBACKS) {
      const payload = randomBytes(5 * 1024 * 1024);
      const c = await connect(host, portOf(f));
      const got: Buffer[] = [];
      c.on('data', (d: Buffer) => got.push(d));
      c.end(payload);
      await closed(c);
      const all = Buffer.concat(got);
      expect(all.subarray(0, 64).toString()).toBe(sha(payload));
      expect(sha(all.subarray(65))).toBe(sha(answer));
    }
    await new Promise((r) => setTimeout(r, 20));
    const st = f.stats();
    expect(st).toMatchObject({ active: 0, accepted: 2, rejected: 0, targetErrors: 0 });
    expect(st.bytesFromClients).toBe(2 * 5 * 1024 * 1024);
    expect(st.bytesFromTarget).toBe(2 * (65 + answer.length));
  });

  it('counts bytes of open connections and relays in both directions at once (echo)', async () => {
    const t = await target((s) => s.pipe(s));
    const f = await forwarder(t.port);
    const c = await connect('::1', portOf(f));
    const echoed = new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())));
    c.write('hello');
    expect(await echoed).toBe('hello');
    expect(f.stats()).toMatchObject({ active: 1, bytesFromClients: 5, bytesFromTarget: 5 });
  });

  it('closes the client at once when the target refuses', async () => {
    const deadPort = await freePort();
    const f = await forwarder(deadPort);
    const started = Date.now();
    const c = await connect('127.0.0.1', portOf(f));
    c.on('error', () => {});
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed(c);
    expect(Date.now() - started).toBeLessThan(500);
    expect(f.stats()).toMatchObject({ active: 0, targetErrors: 1 });
  });

  it('closes the client when the target does not accept within connectTimeoutMs', async () => {
    // TEST-NET-1: the SYN goes nowhere (or the network is unreachable at once); either way fast.
    const f = await forwarder(9, { host: '192.0.2.1', connectTimeoutMs: 200 });
    const started = Date.now();
    const c = await connect('::1', portOf(f));
    c.on('error', () => {});
    await closed(c);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(f.stats()).toMatchObject({ active: 0, targetErrors: 1 });
  });

  it('rejects with port-in-use naming address:port, and closes listeners already opened', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await listenOn(squatter, '::1', port);
    cleanup.push(() => closeServer(squatter));
    const f = new SiteForwarder({ addresses: LOOPBACKS, port, target: { host: '127.0.0.1', port: 1 } });
    const err = await f.start().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect(err).toMatchObject({ code: 'port-in-use', message: `[::1]:${port} is already in use` });
    expect(f.listening).toBe(false);
    // 127.0.0.1 was opened first and must have been released.
    const probe = net.createServer();
    expect(await listenOn(probe, '127.0.0.1', port)).toBe(port);
    await closeServer(probe);
  });

  it('stop() closes the listeners and every open connection; start() reopens', async () => {
    const t = await target(() => {});
    const f = await forwarder(t.port);
    const port = portOf(f);
    const a = await connect('127.0.0.1', port);
    const b = await connect('::1', port);
    await new Promise((r) => setTimeout(r, 50));
    expect(f.stats().active).toBe(2);
    await f.stop();
    await Promise.all([closed(a), closed(b)]);
    expect(f.stats().active).toBe(0);
    await expect(connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await f.start();
    expect(f.listening).toBe(true);
    await connect('::1', port);
  });

  it('closes connections beyond maxConnections', async () => {
    const t = await target(() => {});
    const f = await forwarder(t.port, { maxConnections: 2 });
    const port = portOf(f);
    await connect('127.0.0.1', port);
    await connect('127.0.0.1', port);
    await new Promise((r) => setTimeout(r, 50));
    const third = await connect('127.0.0.1', port);
    third.on('error', () => {});
    await closed(third);
    expect(f.stats()).toMatchObject({ active: 2, rejected: 1, accepted: 2 });
  });
});

describe('chooseMeshPort', () => {
  it('keeps the preferred port when free, else takes the first free one of the range', async () => {
    const preferred = await freePort();
    expect(await chooseMeshPort(LOOPBACKS, preferred, new Set())).toBe(preferred);
    const squatter = net.createServer();
    await listenOn(squatter, '::1', preferred);
    cleanup.push(() => closeServer(squatter));
    const taken = new Set([MESH_PORT_FIRST, MESH_PORT_FIRST + 1]);
    const chosen = await chooseMeshPort(LOOPBACKS, preferred, taken);
    expect(chosen).toBeGreaterThanOrEqual(MESH_PORT_FIRST + 2);
    expect(chosen).toBeLessThanOrEqual(18999);
    expect(await chooseMeshPort(LOOPBACKS, MESH_PORT_FIRST, taken)).toBe(chosen);
  });

  it('rejects when the range is exhausted, and when an address cannot be bound at all', async () => {
    const all = new Set<number>();
    for (let p = MESH_PORT_FIRST; p <= 18999; p++) all.add(p);
    await expect(chooseMeshPort(LOOPBACKS, MESH_PORT_FIRST, all)).rejects.toThrow(/no free port from 18080 to 18999/);
    await expect(chooseMeshPort(['192.0.2.77'], 18080, new Set())).rejects.toMatchObject({ code: 'address-not-available' });
  });
});
