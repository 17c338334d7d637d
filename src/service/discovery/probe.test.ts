// The mesh probe client against a real ProbeResponder on loopback, and against servers that
// never answer or do not exist (spec 4.7: 1.2 s dial/answer timeout, connection reused).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log';
import { PROBE_TIMEOUT_MS, ProbeClient, ProbeResponder } from './probe';

/** A TCP port that was free a moment ago (the responder takes a fixed port). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('ProbeClient', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('gets pong from a ProbeResponder, measures the RTT and reuses the connection', async () => {
    const port = await freePort();
    const responder = new ProbeResponder(silentLogger);
    await responder.start(['127.0.0.1'], port);
    cleanups.push(() => responder.stop());
    const client = new ProbeClient({ port, localIPv4: '127.0.0.1' });
    cleanups.push(() => client.stop());
    const rtt = await client.probe('k', { ipv4: '127.0.0.1' });
    expect(rtt).toBeTypeOf('number');
    expect(rtt!).toBeGreaterThanOrEqual(0);
    expect(rtt!).toBeLessThan(PROBE_TIMEOUT_MS);
    expect(client.open).toBe(1);
    expect(await client.probe('k', { ipv4: '127.0.0.1' })).toBeTypeOf('number');
    expect(client.open).toBe(1);
    client.stop();
    expect(client.open).toBe(0);
    expect(await client.probe('k', { ipv4: '127.0.0.1' })).toBeNull();
  });

  it('falls back to IPv4 when the mesh IPv6 address does not answer', async () => {
    const port = await freePort();
    const responder = new ProbeResponder(silentLogger);
    await responder.start(['127.0.0.1'], port);
    cleanups.push(() => responder.stop());
    const client = new ProbeClient({ port });
    cleanups.push(() => client.stop());
    expect(await client.probe('k', { ipv4: '127.0.0.1', ipv6: '::1' })).toBeTypeOf('number');
  });

  it('returns null within about 1.3 s from a server that never answers, and drops the connection', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => { sockets.push(s); s.on('error', () => undefined); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => { for (const s of sockets) s.destroy(); silent.close(); });
    const client = new ProbeClient({ port: (silent.address() as net.AddressInfo).port });
    cleanups.push(() => client.stop());
    const t0 = performance.now();
    expect(await client.probe('k', { ipv4: '127.0.0.1' })).toBeNull();
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(1300 + 200);
    expect(client.open).toBe(0);
  });

  it('returns null at once when nothing listens', async () => {
    const client = new ProbeClient({ port: await freePort() });
    cleanups.push(() => client.stop());
    const t0 = performance.now();
    expect(await client.probe('k', { ipv4: '127.0.0.1' })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('drops a connection whose answer is not pong, or that floods a line', async () => {
    const silent = net.createServer((s) => {
      s.on('error', () => undefined);
      s.on('data', () => s.write('x'.repeat(4096)));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => silent.close());
    const client = new ProbeClient({ port: (silent.address() as net.AddressInfo).port });
    cleanups.push(() => client.stop());
    expect(await client.probe('k', { ipv4: '127.0.0.1' })).toBeNull();
    expect(client.open).toBe(0);
  });
});
