// The STUN client against real UDP on loopback: our own StunServer, and small misbehaving
// responders built from the codec (silent, lying, wrong transaction, another source IP).
import dgram from 'node:dgram';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBindingRequest, decodeBindingResponse, encodeBindingResponse } from '../mesh/stun-codec';
import { detectNat, pickIPv6Endpoint, scoreIPv6, stunBinding, StunQueryError, type StunServerAddress } from './stun';
import { StunServer } from './stun-server';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function bound(type: 'udp4' | 'udp6', host: string): Promise<dgram.Socket> {
  const s = dgram.createSocket(type);
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  cleanups.push(() => s.close());
  return s;
}

async function server(host = '127.0.0.1'): Promise<[StunServer, StunServerAddress]> {
  const s = new StunServer();
  const b = await s.start(host, 0);
  cleanups.push(() => s.close());
  return [s, { host, port: b.port }];
}

/** A UDP socket on 127.0.0.1 that hands every request to `onRequest` (or never answers). */
async function responder(onRequest?: (sock: dgram.Socket, txId: Uint8Array, rinfo: dgram.RemoteInfo) => void) {
  const sock = await bound('udp4', '127.0.0.1');
  let received = 0;
  sock.on('message', (msg, rinfo) => {
    received++;
    onRequest?.(sock, decodeBindingRequest(msg), rinfo);
  });
  return { addr: { host: '127.0.0.1', port: sock.address().port }, received: () => received };
}

async function rejection(p: Promise<unknown>): Promise<StunQueryError> {
  const err = await p.then(() => new Error('resolved'), (e: unknown) => e);
  expect(err).toBeInstanceOf(StunQueryError);
  return err as StunQueryError;
}

describe('detectNat on loopback', () => {
  it('two servers seeing the same source → cone, endpoint with the WireGuard port, one socket, closed after', async () => {
    const [s1, a1] = await server();
    const [s2, a2] = await server();
    let socket: dgram.Socket | undefined;
    const r = await detectNat([a1, a2], 51820, { timeoutMs: 1000, socketFactory: () => (socket = dgram.createSocket('udp4')) });
    expect(r?.endpoint).toBe('127.0.0.1:51820');
    expect(r?.natType).toBe('cone');
    expect(r?.observed.first).toEqual(r?.observed.second);
    expect(r?.observed.first?.port).not.toBe(51820); // the mapped port is not what is advertised
    expect([s1.requests, s2.requests]).toEqual([1, 1]);
    expect(() => socket?.address()).toThrow(); // closed
  });

  it('uses only the first two servers', async () => {
    const [, a1] = await server();
    const [, a2] = await server();
    const [s3, a3] = await server();
    expect((await detectNat([a1, a2, a3], 1, { timeoutMs: 500 }))?.natType).toBe('cone');
    expect(s3.requests).toBe(0);
  });

  it('one silent server → unknown within the timeout, endpoint from whichever answered', async () => {
    const [, live] = await server();
    const silent = await responder();
    const errors: string[] = [];
    const t0 = Date.now();
    const r1 = await detectNat([live, silent.addr], 51820, { timeoutMs: 300, onQueryError: (_s, e) => errors.push(e.kind) });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r1).toMatchObject({ endpoint: '127.0.0.1:51820', natType: 'unknown', observed: { second: null } });
    expect(errors).toEqual(['timeout']);
    expect(silent.received()).toBe(1);
    const r2 = await detectNat([silent.addr, live], 51820, { timeoutMs: 300 });
    expect(r2).toMatchObject({ endpoint: '127.0.0.1:51820', natType: 'unknown', observed: { first: null } });
  });

  it('both silent → null; no servers → null', async () => {
    const a = await responder();
    const b = await responder();
    expect(await detectNat([a.addr, b.addr], 51820, { timeoutMs: 200 })).toBeNull();
    expect([a.received(), b.received()]).toEqual([1, 1]);
    expect(await detectNat([], 51820)).toBeNull();
  });

  it('a server reporting another port for the same socket → symmetric', async () => {
    const [, honest] = await server();
    const liar = await responder((sock, txId, rinfo) =>
      sock.send(encodeBindingResponse(txId, { ip: rinfo.address, port: (rinfo.port % 60000) + 1 }), rinfo.port, rinfo.address));
    const r = await detectNat([honest, liar.addr], 51820, { timeoutMs: 500 });
    expect(r?.natType).toBe('symmetric');
    expect(r?.endpoint).toBe('127.0.0.1:51820');
  });

  it('a late answer of server 1 reaching the socket during query 2 (same IP) is ignored', async () => {
    const late = await responder((sock, txId, rinfo) => {
      // Arrives 150 ms into query 2 (query 1 times out at 500 ms).
      setTimeout(() => sock.send(encodeBindingResponse(txId, { ip: '192.0.2.99', port: 9 }), rinfo.port, rinfo.address), 650);
    });
    const slow = await responder((sock, txId, rinfo) => {
      setTimeout(() => sock.send(encodeBindingResponse(txId, { ip: rinfo.address, port: rinfo.port }), rinfo.port, rinfo.address), 300);
    });
    const r = await detectNat([late.addr, slow.addr], 51820, { timeoutMs: 500 });
    expect(r).toMatchObject({ natType: 'unknown', endpoint: '127.0.0.1:51820', observed: { first: null } });
  });

  it('an aborted signal rejects instead of returning null', async () => {
    const silent = await responder();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(detectNat([silent.addr, silent.addr], 1, { timeoutMs: 5000, signal: ac.signal }));
    expect(err.kind).toBe('aborted');
  });
});

describe('stunBinding', () => {
  it('returns the reflexive address of its own ephemeral socket', async () => {
    const [s, a] = await server();
    let socket: dgram.Socket | undefined;
    const m = await stunBinding(a, { socketFactory: () => (socket = dgram.createSocket('udp4')), bindAddress: '127.0.0.1' });
    expect(m.ip).toBe('127.0.0.1');
    expect(m.port).toBeGreaterThan(0);
    expect(s.requests).toBe(1);
    expect(() => socket?.address()).toThrow();
  });

  it('ignores a response with another transaction ID → timeout', async () => {
    const wrong = await responder((sock, txId, rinfo) => {
      const other = txId.slice();
      other[0] = (other[0] ?? 0) ^ 0xff;
      sock.send(encodeBindingResponse(other, { ip: rinfo.address, port: rinfo.port }), rinfo.port, rinfo.address);
    });
    const err = await rejection(stunBinding(wrong.addr, { timeoutMs: 200 }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/127\.0\.0\.1:\d+: no response within 200 ms/);
    expect(wrong.received()).toBe(1);
  });

  it('ignores a correct response sent from another IP → timeout', async () => {
    const other = await bound('udp4', '127.0.0.2');
    const spoof = await responder((_sock, txId, rinfo) =>
      other.send(encodeBindingResponse(txId, { ip: rinfo.address, port: rinfo.port }), rinfo.port, rinfo.address));
    expect((await rejection(stunBinding(spoof.addr, { timeoutMs: 200 }))).kind).toBe('timeout');
    expect(spoof.received()).toBe(1);
  });

  it('rejects a malformed or oversized response from the server at once', async () => {
    const garbage = await responder((sock, _txId, rinfo) => sock.send(Buffer.from('not stun at all'), rinfo.port, rinfo.address));
    const t0 = Date.now();
    const err = await rejection(stunBinding(garbage.addr, { timeoutMs: 3000 }));
    expect(err.kind).toBe('malformed');
    expect(err.message).toMatch(/malformed response \(STUN message too short/);
    expect(Date.now() - t0).toBeLessThan(1000);
    const big = await responder((sock, txId, rinfo) => {
      const ok = encodeBindingResponse(txId, { ip: rinfo.address, port: rinfo.port });
      const padded = Buffer.concat([ok, Buffer.from('80220200', 'hex'), Buffer.alloc(512)]);
      padded.writeUInt16BE(padded.length - 20, 2);
      sock.send(padded, rinfo.port, rinfo.address);
    });
    expect((await rejection(stunBinding(big.addr, { timeoutMs: 3000 }))).message).toMatch(/exceeds 512/);
  });

  it('resolves servers as IPv4 only', async () => {
    const [, a] = await server();
    const m = await stunBinding({ host: 'stun.example.test', port: a.port }, { resolve: async () => '127.0.0.1', timeoutMs: 500 });
    expect(m.ip).toBe('127.0.0.1');
    expect((await rejection(stunBinding({ host: '::1', port: a.port }))).kind).toBe('resolve');
    const bad = await rejection(stunBinding({ host: 'x.test', port: 1 }, { resolve: async () => { throw new Error('ENOTFOUND'); } }));
    expect(bad.message).toMatch(/x\.test: cannot resolve to IPv4 \(ENOTFOUND\)/);
  });
});

describe('StunServer', () => {
  const query = async (type: 'udp4' | 'udp6', from: string, to: StunServerAddress, payload?: Buffer) => {
    const c = await bound(type, from);
    const txId = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
    const got = new Promise<Buffer>((resolve) => c.once('message', resolve));
    c.send(payload ?? Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, ...txId]), to.port, to.host);
    return { got, txId, port: c.address().port };
  };

  const hasIPv6 = Object.values(os.networkInterfaces()).flat().some((a) => a?.address === '::1');
  it.skipIf(!hasIPv6)('answers IPv6 clients on udp6 with their IPv6 source', async () => {
    const [s, a] = await server('::1');
    const q = await query('udp6', '::1', a);
    expect(decodeBindingResponse(await q.got, q.txId)).toEqual({ ip: '::1', port: q.port });
    expect(s.requests).toBe(1);
  });

  it.skipIf(!hasIPv6)('a dual-stack udp6 server reports IPv4 clients as IPv4', async () => {
    const [, a] = await server('::');
    const q = await query('udp4', '127.0.0.1', { host: '127.0.0.1', port: a.port });
    expect(decodeBindingResponse(await q.got, q.txId)).toEqual({ ip: '127.0.0.1', port: q.port });
  });

  it('ignores anything that is not a Binding Request', async () => {
    const [s, a] = await server();
    const c = await bound('udp4', '127.0.0.1');
    for (const junk of ['', 'hello', '0101000c2112a4420102030405060708090a0b0c002000080001eb7ee721c043']) {
      c.send(Buffer.from(junk, junk.startsWith('0101') ? 'hex' : 'utf8'), a.port, a.host);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect([s.requests, s.ignored]).toEqual([0, 3]);
    expect(await stunBinding(a, { timeoutMs: 500 })).toMatchObject({ ip: '127.0.0.1' });
  });
});

describe('pickIPv6Endpoint (spec 3.6 step 1)', () => {
  const addr = (address: string, internal = false) => ({ address, internal });

  it('excludes loopback, IPv4, documentation, ULA, link-local, multicast, 200::/7 and ::', () => {
    const excluded = ['::1', '::', '127.0.0.1', '192.0.2.1', '::ffff:198.51.100.1', '2001:db8::5', 'fc00::1', 'fd12:3456::1',
      'fe80::1', 'fe80::1%eth0', 'ff02::1', '200::1', '3ff::1', 'not-an-ip'];
    expect(pickIPv6Endpoint(excluded.map((a) => addr(a)), 51820)).toBeNull();
    expect(pickIPv6Endpoint([addr('2a01:4f8::1', true), undefined], 51820)).toBeNull(); // internal
  });

  it('prefers 2000::/3, then non-EUI-64, then the smallest text', () => {
    expect(scoreIPv6('2a01:4f8::1')).toBe(30);
    expect(scoreIPv6('2a01:4f8::211:22ff:fe33:4455')).toBe(25);
    expect(scoreIPv6('4000::1')).toBe(10);
    expect(pickIPv6Endpoint([addr('4000::1'), addr('2a01:4f8::211:22ff:fe33:4455')], 51820)).toBe('[2a01:4f8::211:22ff:fe33:4455]:51820');
    expect(pickIPv6Endpoint([addr('2a01:4f8::211:22ff:fe33:4455'), addr('2a01:4f8::9')], 51820)).toBe('[2a01:4f8::9]:51820');
    expect(pickIPv6Endpoint([addr('2a01:4f8::9'), addr('2a01:4f8::10'), addr('fe80::1')], 1)).toBe('[2a01:4f8::10]:1');
    expect(pickIPv6Endpoint([addr('2A01:04F8:0:0::9')], 51820)).toBe('[2a01:4f8::9]:51820');
  });
});
