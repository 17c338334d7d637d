import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock';
import { silentLogger, type Logger } from '../log';
import { DhtDiscovery, type DhtDiscoveryOptions } from './dht';
import { type BValue, bdecode, bencode, decodeKrpc } from './dht-bencode';
import { bep42NodeId, isBep42Secure } from './dht-bep42';
import { RecentSet, addressText, bootstrapBackoffMs, decodeNodesFile, encodeNodesFile, jitterMs, validatePeerAddress } from './dht-helpers';
import { DhtBootstrapNode } from './dht-node';

const IH = [Buffer.alloc(20, 1), Buffer.alloc(20, 2)];
const FAST = { queryMs: 250, querySlowMs: 250, bootstrapBaseMs: 100, bootstrapMaxMs: 400, rpcTimeoutMs: 400, opCapMs: 3000 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function recordingLogger(lines: string[]): Logger {
  const log = (m: string): void => { lines.push(m); };
  return { debug: log, info: log, warn: log, error: log, child: () => recordingLogger(lines) };
}

async function waitFor(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function bootNode(host = '127.0.0.1'): Promise<DhtBootstrapNode> {
  const n = new DhtBootstrapNode();
  await n.start(host, 0);
  cleanups.push(() => n.stop());
  return n;
}

function discovery(over: Partial<DhtDiscoveryOptions>): { d: DhtDiscovery; found: string[] } {
  const found: string[] = [];
  const d = new DhtDiscovery({
    port: 0, announcePort: 40000, bootstrap: [], infohashes: () => IH, networkId: Buffer.alloc(20, 9), ipv6: false,
    clock: systemClock, logger: silentLogger, onPeer: (a) => found.push(addressText(a)), peerCount: () => 0, timers: FAST, ...over,
  });
  cleanups.push(() => d.stop());
  return { d, found };
}

async function udpClient(type: 'udp4' | 'udp6' = 'udp4'): Promise<dgram.Socket> {
  const s = dgram.createSocket(type);
  await new Promise<void>((r) => s.bind(0, r));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

const ping = (t: string): Buffer => bencode(new Map<string, BValue>([
  ['a', new Map([['id', Buffer.alloc(20, 7)]])], ['q', Buffer.from('ping')], ['t', Buffer.from(t)], ['y', Buffer.from('q')],
]));

describe('DHT pure helpers', () => {
  it('bootstrap delay doubles from 5 s to 60 s; jitter stays within ±25 %', () => {
    expect([0, 1, 2, 3, 4, 5].map((f) => bootstrapBackoffMs(f))).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
    for (let i = 0; i < 1000; i++) {
      const j = jitterMs(10_000);
      expect(j).toBeGreaterThanOrEqual(7500);
      expect(j).toBeLessThanOrEqual(12500);
    }
    expect(jitterMs(10_000, () => 0)).toBe(7500);
    expect(jitterMs(10_000, () => 1)).toBe(12500);
  });

  it('BEP 42 ids match the published vectors', () => {
    const vectors: Array<[string, number, string]> = [
      ['124.31.75.21', 1, '5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401'], ['21.75.31.124', 86, '5a3ce9c14e7a08645677bbd1cfe7d8f956d53256'],
      ['65.23.51.170', 22, 'a5d43220bc8f112a3d426c84764f8c2a1150e616'], ['84.124.73.14', 65, '1b0321dd1bb1fe518101ceef99462b947a01ff41'],
      ['43.213.53.83', 90, 'e56f6cbf5b7c4be0237986d5243b87aa6d51305a'],
    ];
    for (const [ip, rand, hex] of vectors) {
      const want = Buffer.from(hex, 'hex');
      const id = bep42NodeId(ip, rand);
      expect(Buffer.from(id.subarray(0, 2)).toString('hex')).toBe(hex.slice(0, 4));
      expect((id[2] ?? 0) & 0xf8).toBe((want[2] ?? 0) & 0xf8);
      expect(id[19]).toBe(rand);
      expect(isBep42Secure(id, ip)).toBe(true);
      expect(isBep42Secure(want, ip)).toBe(true);
      const bad = Buffer.from(want);
      bad[1] = (bad[1] ?? 0) ^ 1;
      expect(isBep42Secure(bad, ip)).toBe(false);
    }
    expect(isBep42Secure(Buffer.alloc(20), '10.1.2.3')).toBe(true); // exempt ranges
    expect(isBep42Secure(Buffer.alloc(20), '127.0.0.1')).toBe(true);
    expect(isBep42Secure(Buffer.alloc(20), '::1')).toBe(true);
    expect(isBep42Secure(bep42NodeId('2001:db8::1', 3), '2001:db8::1')).toBe(true);
    expect(isBep42Secure(Buffer.alloc(19), '10.1.2.3')).toBe(false);
  });

  it('node file records: 38 bytes, IPv4 as ::ffff:a.b.c.d, corrupt files rejected', () => {
    const nodes = [{ id: Buffer.alloc(20, 1), ip: '192.0.2.7', port: 6881 }, { id: Buffer.alloc(20, 2), ip: '2001:db8::5', port: 51822 }];
    const data = Buffer.from(encodeNodesFile(nodes));
    expect(data.length).toBe(76);
    expect(data.subarray(20, 38).toString('hex')).toBe('00000000000000000000ffffc00002071ae1');
    expect(decodeNodesFile(data)?.map((n) => ({ ...n, id: Buffer.from(n.id) }))).toEqual(nodes);
    expect(decodeNodesFile(data.subarray(0, 75))).toBeUndefined();
    expect(decodeNodesFile(new Uint8Array(0))).toBeUndefined();
    const zeroPort = Buffer.from(data);
    zeroPort.writeUInt16BE(0, 36);
    expect(decodeNodesFile(zeroPort)).toHaveLength(1);
    expect(encodeNodesFile([{ id: Buffer.alloc(3), ip: '1.2.3.4', port: 1 }, { id: Buffer.alloc(20), ip: 'x', port: 1 }])).toHaveLength(0);
  });

  it('validates peer addresses strictly', () => {
    expect(validatePeerAddress('203.0.113.9', 51821, false)).toEqual({ ip: '203.0.113.9', port: 51821 });
    expect(validatePeerAddress('::ffff:10.0.0.1', 1, false)).toEqual({ ip: '10.0.0.1', port: 1 });
    expect(validatePeerAddress('2001:DB8::1', 65535, true)).toEqual({ ip: '2001:db8::1', port: 65535 });
    expect(validatePeerAddress('127.0.0.1', 9, false)).toEqual({ ip: '127.0.0.1', port: 9 });
    for (const [ip, port, v6] of [['0.0.0.0', 1, true], ['0.1.2.3', 1, true], ['224.0.0.1', 1, true], ['255.255.255.255', 1, true],
      ['240.0.0.1', 1, true], ['::', 1, true], ['ff02::1', 1, true], ['2001:db8::1', 1, false], ['1.2.3.4', 0, true],
      ['1.2.3.4', 65536, true], ['1.2.3', 1, true], ['01.2.3.4', 1, true], ['fe80::1%eth0', 1, true]] as const) {
      expect(validatePeerAddress(ip, port, v6), `${ip}:${port}`).toBeUndefined();
    }
  });

  it('dedupes per address with a bound', () => {
    const r = new RecentSet(60_000, 3);
    expect(r.admit('a', 0)).toBe(true);
    expect(r.admit('a', 59_999)).toBe(false);
    expect(r.admit('a', 60_000)).toBe(true);
    for (const k of ['b', 'c', 'd', 'e']) r.admit(k, 60_001);
    expect(r.size).toBe(3);
    expect(r.admit('a', 60_002)).toBe(true); // evicted
  });

  it('bencode: round trip, strict rejection, KRPC shape', () => {
    const msg = ping('aa');
    expect(bencode(bdecode(msg))).toEqual(msg);
    expect(decodeKrpc(msg)?.get('q')).toEqual(Buffer.from('ping'));
    for (const bad of ['', 'i01e', 'i-0e', '3:ab', '4:abc', 'd1:ai1e1:ai2ee', 'i1ei2e', 'l'.repeat(20) + 'e'.repeat(20), '02:ab', 'd1:ae', 'x']) {
      expect(() => bdecode(Buffer.from(bad)), bad).toThrow();
    }
    expect(decodeKrpc(Buffer.from('d1:t2:aa1:y1:xe'))).toBeUndefined();
    expect(decodeKrpc(Buffer.from('d1:t2:aa1:y1:qe'))).toBeUndefined(); // query without q/a
    expect(decodeKrpc(Buffer.from('li1ee'))).toBeUndefined();
  });
});

describe('DhtDiscovery on loopback', () => {
  it('instances bootstrapping from one node find each other', async () => {
    const handles = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const before = { udp: handles('UDPWRAP'), timers: handles('Timeout') };
    const node = await bootNode();
    const ds = [40001, 40002, 40003].map((announcePort) => discovery({ announcePort, bootstrap: [`127.0.0.1:${node.port}`] }));
    await Promise.all(ds.map(({ d }) => d.start()));
    await waitFor(() => ds.every(({ found }) => [40001, 40002, 40003].every((p) => found.includes(`127.0.0.1:${p}`))));
    for (const { d, found } of ds) {
      expect(new Set(found).size).toBe(found.length); // deduplicated
      const s = d.status();
      expect(s.state).toBe('ready');
      expect(s.lastAnnounceOk).toBe(true);
      expect(s.nodes).toBeGreaterThan(0);
      expect(s.peersFound).toBeGreaterThan(0);
    }
    expect(node.nodeCount).toBe(3);
    for (const c of cleanups.splice(0).reverse()) await c();
    expect(ds[0]?.d.status().state).toBe('off');
    await ds[0]?.d.stop(); // idempotent
    expect(handles('UDPWRAP')).toBe(before.udp); // no socket or timer left behind
    expect(handles('Timeout')).toBeLessThanOrEqual(before.timers);
  });

  it('works over IPv6 (BEP 32 through the socket gate)', async () => {
    const node = await bootNode('::1');
    const ds = [40011, 40012].map((announcePort) => discovery({ announcePort, ipv6: true, bootstrap: [`[::1]:${node.port}`] }));
    await Promise.all(ds.map(({ d }) => d.start()));
    await waitFor(() => ds.every(({ found }) => found.includes('[::1]:40011') && found.includes('[::1]:40012')));
    expect(node.nodeCount).toBe(2);
  });

  it('writes the node file (0640) and starts from it when the bootstrap node is gone', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dht-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const nodesFile = path.join(dir, 'wg0-0011223344556677-dht.nodes');
    const node = await bootNode();
    const a = discovery({ bootstrap: [`127.0.0.1:${node.port}`], nodesFile });
    await a.d.start();
    await waitFor(() => a.d.status().state === 'ready');
    await a.d.stop();
    const data = await readFile(nodesFile);
    expect(data.length % 38).toBe(0);
    expect(decodeNodesFile(data)?.some((n) => n.ip === '127.0.0.1' && n.port === node.port)).toBe(true);
    expect((await stat(nodesFile)).mode & 0o777).toBe(0o640);

    const dead = await udpClient(); // a bootstrap address that never answers
    const b = discovery({ bootstrap: [`127.0.0.1:${dead.address().port}`], nodesFile });
    await b.d.start();
    expect(b.d.status().nodes).toBeGreaterThan(0); // loaded before bootstrap
    await waitFor(() => b.d.status().state === 'ready');

    await writeFile(nodesFile, Buffer.alloc(37));
    const lines: string[] = [];
    const c = discovery({ bootstrap: [`127.0.0.1:${node.port}`], nodesFile, logger: recordingLogger(lines) });
    await c.d.start();
    expect(lines).toContain('DHT node file corrupt, ignored');
  });

  it('drops garbage and floods without crashing, and keeps answering', async () => {
    const node = await bootNode();
    const { d } = discovery({ bootstrap: [`127.0.0.1:${node.port}`] });
    await d.start();
    await waitFor(() => d.status().state === 'ready');
    const port = d.status().port;
    const c = await udpClient();
    const replies: Buffer[] = [];
    c.on('message', (m) => replies.push(m));
    const garbage = [
      ...Array.from({ length: 10 }, () => randomBytes(100)), Buffer.from('d1:ad2:id20:'), Buffer.alloc(10_000, 0x64), Buffer.from('i42e'),
      Buffer.from('d1:ad2:id20:AAAAAAAAAAAAAAAAAAAA9:info_hashi5ee1:q9:get_peers1:t2:aa1:y1:qe'),
      Buffer.from('d1:ad2:id20:AAAAAAAAAAAAAAAAAAAA9:info_hash20:BBBBBBBBBBBBBBBBBBBB4:porti1e5:tokeni1ee1:q13:announce_peer1:t2:ab1:y1:qe'),
    ];
    for (const g of garbage) c.send(g, port, '127.0.0.1');
    await waitFor(() => d.status().dropped >= garbage.length);
    c.send(ping('p1'), port, '127.0.0.1');
    await waitFor(() => replies.some((r) => decodeKrpc(r)?.get('t')?.toString() === 'p1'));

    const before = d.status().dropped;
    for (let i = 0; i < 300; i++) c.send(ping('f' + (i % 10)), port, '127.0.0.1');
    await waitFor(() => d.status().dropped >= before + 150);
    await new Promise((r) => setTimeout(r, 2200)); // the bucket refills at 50/s
    c.send(ping('p2'), port, '127.0.0.1');
    await waitFor(() => replies.some((r) => decodeKrpc(r)?.get('t')?.toString() === 'p2'));
  });

  it('falls back to an OS-chosen port when G+1 is taken', async () => {
    const busy = await udpClient();
    const node = await bootNode();
    const { d } = discovery({ port: busy.address().port, bootstrap: [`127.0.0.1:${node.port}`] });
    await d.start();
    expect(d.status().port).not.toBe(busy.address().port);
    expect(d.status().port).toBeGreaterThan(0);
  });

  it('uses a BEP 42-secure id for the public IPv4 and renews it when the IP changes', async () => {
    const node = await bootNode();
    let pub = '198.51.100.20';
    const { d } = discovery({ bootstrap: [`127.0.0.1:${node.port}`], publicIPv4: () => pub, timers: { ...FAST, announceMs: 300 } });
    await d.start();
    expect(isBep42Secure(d.nodeId ?? new Uint8Array(), pub)).toBe(true);
    await waitFor(() => d.status().state === 'ready');
    pub = '192.0.2.77';
    await waitFor(() => isBep42Secure(d.nodeId ?? new Uint8Array(), pub));
    expect(d.status().nodes).toBeGreaterThan(0); // routing table kept
  });

  it('announces after a late first bootstrap', async () => {
    const gone = await bootNode();
    const port = gone.port;
    await gone.stop();
    const a = discovery({ announcePort: 40021, bootstrap: [`127.0.0.1:${port}`] });
    await a.d.start();
    await waitFor(() => a.d.status().state === 'failed' && a.d.status().lastAnnounceOk === false);
    const node = new DhtBootstrapNode();
    await node.start('127.0.0.1', port);
    cleanups.push(() => node.stop());
    await waitFor(() => a.d.status().lastAnnounceOk === true);
    const b = discovery({ announcePort: 40022, bootstrap: [`127.0.0.1:${port}`] });
    await b.d.start();
    await waitFor(() => b.found.includes('127.0.0.1:40021'));
  });

  it('queries every 30 s, every 60 s once the peer store holds 3 peers', async () => {
    const node = await bootNode();
    let peers = 0;
    const { d } = discovery({ bootstrap: [`127.0.0.1:${node.port}`], peerCount: () => peers, timers: { ...FAST, queryMs: 100, querySlowMs: 60_000 } });
    await d.start();
    const times = new Set<number | undefined>();
    await waitFor(() => times.add(d.status().lastQueryAt).size >= 4); // undefined + three queries
    peers = 3;
    await new Promise((r) => setTimeout(r, 250));
    const last = d.status().lastQueryAt;
    await new Promise((r) => setTimeout(r, 400));
    expect(d.status().lastQueryAt).toBe(last);
  });

  it('keeps retrying an unreachable bootstrap node without crashing', async () => {
    const dead = await udpClient();
    const lines: string[] = [];
    const { d } = discovery({ bootstrap: [`127.0.0.1:${dead.address().port}`], logger: recordingLogger(lines) });
    await d.start();
    expect(['bootstrapping', 'failed']).toContain(d.status().state);
    await waitFor(() => lines.filter((l) => l === 'DHT bootstrap attempt failed').length >= 2);
    expect(d.status()).toMatchObject({ state: 'failed', nodes: 0 });
  });

  it('rejects start when no bootstrap node resolves', async () => {
    const { d } = discovery({ bootstrap: ['no-such-host.invalid:6881', 'not a node'] });
    await expect(d.start()).rejects.toThrow(/no usable bootstrap node/);
  });
});
