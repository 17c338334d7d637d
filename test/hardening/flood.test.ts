// A live flood against a running node: three cloudroofd nodes in a netns lab, joined with one
// secret; from node 2's namespace a sender (support/flood-sender.mjs) floods node 0's exchange
// port G (from 16 extra source addresses, so the per-source rate limit is not the only thing
// exercised), the LAN multicast group (every node decrypts those: LAN has no rate limit, spec
// 3.2) and the site channel (G+2000 on node 0's mesh IPv4, over the tunnel) with malformed,
// truncated, bit-flipped, wrong-key, stale, future, oversized and replayed datagrams (including a
// captured real ANNOUNCE of node 1, replayed and re-typed as a HELLO: spec 7.4 item 5). Meanwhile
// nodes 0 and 1 ping each other's mesh IPv4. Afterwards: node 0 runs, its RSS grew little, the
// drop counters account for the flood, the peer lists and endpoints are unchanged. The figures
// go to results/flood.json. Root only; everything is removed in afterAll.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster, type LabNodeStatus } from '../../src/cli/lab/cluster';
import { meshAddress, waitForMeshPings, waitForPeerCounts } from '../../src/cli/lab/mesh-check';
import { deriveMeshKeys, LAN_MULTICAST_PORT } from '../../src/shared/mesh/derive';
import { generateSecretToken, parseSecret } from '../../src/shared/mesh/secret';
import { sealEnvelope } from '../../src/service/mesh/envelope';
import { encodeAnnouncement, encodeGoodbye, type PeerAnnouncement } from '../../src/service/mesh/messages';
import { EDGE_REPORT_TYPE, encodeSites, SITES_TYPE } from '../../src/service/mesh/site-messages';
import { netnsSkipReason } from '../netns/support/requirements';
import { envInt, RESULTS_DIR } from './support/fuzz';

const canRun = netnsSkipReason('hardening flood', ['wireguard-go', 'ip', 'ping']) === '';
/** Datagrams in all (HARDENING_FLOOD, default 100 000): 45 % to G, 45 % LAN, 10 % site channel. */
const TOTAL = envInt('HARDENING_FLOOD', 100_000);
const SENDER = join(dirname(fileURLToPath(import.meta.url)), 'support', 'flood-sender.mjs');

interface Counters { received: number; accepted: number; dropped: Record<string, number> }
interface Kind { kind: string; weight: number; datagrams: string[] }
interface PhaseSpec { host: string; port: number; sources: string[]; ratePps: number; total: number; kinds: Kind[] }
interface PhaseResult { name: string; target: string; sent: Record<string, number>; failed: number; ms: number; received: number; accepted: number; dropped: Record<string, number> }

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const nowS = (): number => Math.floor(Date.now() / 1000);
const times = <T>(n: number, f: (k: number) => T): T[] => Array.from({ length: n }, (_, k) => f(k));
const rand = (n: number): number => randomBytes(4).readUInt32BE() % n;

function flip(d: Buffer): Buffer {
  const out = Buffer.from(d);
  for (let k = 0; k < 1 + rand(3); k++) {
    const bit = rand(out.length * 8);
    out[bit >> 3] = (out[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  }
  return out;
}

function delta(before: Counters, after: Counters): { received: number; accepted: number; dropped: Record<string, number> } {
  const dropped: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.dropped)) if (v !== (before.dropped[k] ?? 0)) dropped[k] = v - (before.dropped[k] ?? 0);
  return { received: after.received - before.received, accepted: after.accepted - before.accepted, dropped };
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

describe.skipIf(!canRun)('flood against a running node (netns, wireguard-go)', () => {
  let cluster: LabCluster;
  const secret = generateSecretToken();
  const keys = deriveMeshKeys(parseSecret(secret));
  let statuses: LabNodeStatus[];

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 3 });
    const secretFile = join(cluster.lab.nodeDir(0), 'secret');
    writeFileSync(secretFile, secret + '\n', { mode: 0o600 });
    await Promise.all([0, 1, 2].map((i) => cluster.startNode(i)));
    for (const i of [0, 1, 2]) {
      const r = await cluster.cli(i, ['join', '--secret-file', secretFile]);
      expect(r.code, r.stderr).toBe(0);
    }
    statuses = await waitForPeerCounts(cluster, { timeoutMs: 60_000 });
    await waitForMeshPings(cluster, statuses, { timeoutMs: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it(`${TOTAL} hostile datagrams: node 0 keeps running, drops them all by reason, its peers and pings survive`, async () => {
    const tmp = cluster.lab.tmpDir;
    const pid = cluster.pid(0)!;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('cloudroofd');
    const g = Number(statuses[0]!.gossip_port);
    expect(g).toBe(keys.gossipPort);
    const mesh0 = meshAddress(statuses[0]!.mesh_ipv4)!;
    const mesh1 = meshAddress(statuses[1]!.mesh_ipv4)!;
    const key1 = String(statuses[1]!.public_key);
    const key2 = String(statuses[2]!.public_key);
    const peersBefore = await cluster.peersJson(0);
    const endpointOf = (list: Record<string, unknown>[], k: string) => list.find((p) => p.public_key === k)?.endpoint;

    // A real ANNOUNCE of node 1, captured on the LAN by node 2's namespace (no key needed to replay it).
    const sender = (mode: string, spec: unknown) => {
      const file = join(tmp, `flood-${mode}-${randomBytes(3).toString('hex')}.json`);
      writeFileSync(file, JSON.stringify(spec));
      return cluster.lab.exec(2, [process.execPath, SENDER, mode, file], { timeoutMs: 180_000 });
    };
    const cap = await sender('capture', { group: keys.multicastGroup, port: LAN_MULTICAST_PORT, fromIp: cluster.lab.lanIp(1), timeoutMs: 12_000 });
    expect(cap.code, cap.stderr).toBe(0);
    const captured = Buffer.from(String((JSON.parse(cap.stdout) as { datagram: string | null }).datagram), 'base64');
    expect(captured.toString()).toContain('"type":"ANNOUNCE"');
    const retyped = Buffer.from(captured.toString().replace('"type":"ANNOUNCE"', '"type":"HELLO"'));

    // Valid datagrams built with the secret, as node 1 would send them (or stale/odd variants).
    const ann = (over: Partial<PeerAnnouncement> = {}): string => encodeAnnouncement({
      wgPubkey: key1, hostname: 'node1', meshIp: mesh1, meshIpv6: '', wgEndpoint: String(endpointOf(peersBefore, key1) ?? ''), introducer: false,
      routableNetworks: [], timestamp: nowS(), knownPeers: [], observedEndpoint: '', natType: '', ...over,
    });
    const k = keys.gossipKey;
    const hello = sealEnvelope(k, 'HELLO', ann());
    const common = (type: string, plaintext: () => string): Kind[] => [
      { kind: 'garbage', weight: 3, datagrams: times(200, () => b64(randomBytes(1 + rand(1400)))) },
      { kind: 'truncated', weight: 2, datagrams: times(200, () => { const d = sealEnvelope(k, type, plaintext()); return b64(d.subarray(0, rand(d.length))); }) },
      { kind: 'bit-flipped', weight: 2, datagrams: times(200, () => b64(flip(sealEnvelope(k, type, plaintext())))) },
      { kind: 'wrong-key', weight: 2, datagrams: times(50, () => b64(sealEnvelope(randomBytes(32), type, plaintext()))) },
      { kind: 'stale', weight: 2, datagrams: times(50, () => b64(sealEnvelope(k, type, plaintext().replace(/"timestamp":\d+/, `"timestamp":${nowS() - 3600}`)))) },
      { kind: 'future', weight: 1, datagrams: [b64(sealEnvelope(k, type, plaintext().replace(/"timestamp":\d+/, `"timestamp":${nowS() + 3600}`)))] },
      { kind: 'bad-base64', weight: 1, datagrams: [b64(Buffer.from(`{"type":"${type}","nonce":"!!!!","ciphertext":"AAAA"}`)), b64(Buffer.from(`{"type":"${type}","nonce":"AAAA","ciphertext":"AAAAAAAAAAAAAAAAAAAAAA=="}`))] },
      { kind: 'not-json-plaintext', weight: 1, datagrams: [b64(sealEnvelope(k, type, 'not json'))] },
      { kind: 'bad-protocol', weight: 1, datagrams: [b64(sealEnvelope(k, type, plaintext().replace('wgmesh-v1', 'wgmesh-v2')))] },
    ];

    const extraSources = times(16, (n) => `192.168.${cluster.lab.subnet}.${200 + n}`);
    for (const ip of extraSources) expect((await cluster.lab.exec(2, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'lan0'])).code).toBe(0);
    const nG = Math.round(TOTAL * 0.45);
    const nL = Math.round(TOTAL * 0.45);
    const nS = TOTAL - nG - nL;
    const phases: { name: string; spec: PhaseSpec }[] = [
      {
        name: 'exchange port G', spec: {
          host: cluster.lab.lanIp(0), port: g, sources: extraSources, ratePps: 30_000, total: nG, kinds: [
            ...common('HELLO', () => ann()),
            { kind: 'oversized-60k', weight: 0.05, datagrams: [b64(sealEnvelope(k, 'HELLO', ann({ hostname: 'x'.repeat(44_000) })))] },
            { kind: 'replayed-hello', weight: 2, datagrams: [b64(hello)] },
            { kind: 'captured-announce-retyped-hello', weight: 2, datagrams: [b64(retyped)] },
            { kind: 'stale-goodbye', weight: 1, datagrams: [b64(sealEnvelope(k, 'GOODBYE', encodeGoodbye({ timestamp: nowS() - 120, wgPubkey: key1 })))] },
            { kind: 'hello-invalid-key', weight: 1, datagrams: times(50, (n) => b64(sealEnvelope(k, 'HELLO', ann({ wgPubkey: `not-a-key-${n}`, hostname: 'evil\u001b[31m' })))) },
            { kind: 'hello-wrong-types', weight: 1, datagrams: [b64(sealEnvelope(k, 'HELLO', `{"protocol":"wgmesh-v1","timestamp":${nowS()},"wg_pubkey":5,"known_peers":"x"}`))] },
          ],
        },
      },
      {
        name: 'LAN multicast', spec: {
          host: keys.multicastGroup, port: LAN_MULTICAST_PORT, sources: [cluster.lab.lanIp(2)], ratePps: 12_000, total: nL, kinds: [
            ...common('ANNOUNCE', () => ann()),
            { kind: 'oversized-lan', weight: 1, datagrams: [b64(sealEnvelope(k, 'ANNOUNCE', ann({ hostname: 'y'.repeat(4000) })))] },
            { kind: 'replayed-captured-announce', weight: 2, datagrams: [b64(captured)] },
            { kind: 'hello-on-lan', weight: 1, datagrams: [b64(hello)] },
            { kind: 'invalid-announcement', weight: 1, datagrams: [b64(sealEnvelope(k, 'ANNOUNCE', ann({ meshIp: '10.0.0.1/24' })))] },
          ],
        },
      },
      {
        name: 'site channel (over the mesh)', spec: {
          host: mesh0, port: keys.probePort, sources: [meshAddress(statuses[2]!.mesh_ipv4)!], ratePps: 5000, total: nS, kinds: [
            ...common(SITES_TYPE, () => encodeSites({ wgPubkey: key2, seq: 1, sites: [] }, nowS())),
            { kind: 'unknown-type', weight: 1, datagrams: [b64(hello)] },
            { kind: 'key-mismatch', weight: 1, datagrams: [b64(sealEnvelope(k, SITES_TYPE, encodeSites({ wgPubkey: key1, seq: 9, sites: [] }, nowS())))] },
            { kind: 'injection-hostname', weight: 1, datagrams: [b64(sealEnvelope(k, SITES_TYPE, JSON.stringify({ protocol: 'wgmesh-v1', timestamp: nowS(), wg_pubkey: key2, seq: 2, sites: [{ name: 'x', hostnames: ['a.com;\n}\nserver {'], port: 80, scheme: 'http', health_path: '/' }] })))] },
            { kind: 'replayed-report', weight: 1, datagrams: [b64(sealEnvelope(k, EDGE_REPORT_TYPE, JSON.stringify({ protocol: 'wgmesh-v1', timestamp: nowS(), wg_pubkey: key2, seq: 1, sites: [] })))] },
          ],
        },
      },
    ];

    // Pings both ways for the whole flood (5 per second), stopped with SIGINT for the summary.
    const pings = [cluster.lab.spawn(0, ['ping', '-n', '-i', '0.2', '-W', '1', mesh1], { logName: 'ping-0-1' }),
      cluster.lab.spawn(1, ['ping', '-n', '-i', '0.2', '-W', '1', mesh0], { logName: 'ping-1-0' })];
    const logOffset = cluster.lab.readLog(0, 'cloudroofd').length;
    const rssBefore = rssKiB(pid);
    const results: PhaseResult[] = [];
    // Node 0's view of its peers' endpoints, sampled during the flood: a replay that redirects a
    // peer's endpoint would show here even if the next real announcement repairs it.
    const seenEndpoints = new Map<string, Set<string>>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const p of await cluster.peersJson(0).catch(() => [])) {
          const set = seenEndpoints.get(String(p.public_key)) ?? new Set<string>();
          set.add(String(p.endpoint));
          seenEndpoints.set(String(p.public_key), set);
        }
        await new Promise((res) => setTimeout(res, 250));
      }
    })();
    try {
      for (const p of phases) {
        const before = (await cluster.statusJson(0)).counters as Counters;
        const r = await sender('flood', p.spec);
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout) as { sent: Record<string, number>; failed: number; ms: number };
        await new Promise((res) => setTimeout(res, 1000)); // let node 0 drain its socket buffers
        const d = delta(before, (await cluster.statusJson(0)).counters as Counters);
        results.push({ name: p.name, target: `${p.spec.host}:${p.spec.port}`, ...out, ...d });
      }
      await new Promise((res) => setTimeout(res, 3000)); // a few more pings after the flood
    } finally {
      for (const c of pings) c.kill('SIGINT');
      sampling = false;
      await sampler;
    }
    await new Promise((res) => setTimeout(res, 500));
    const ping = [0, 1].map((i) => {
      const log = cluster.lab.readLog(i, i === 0 ? 'ping-0-1' : 'ping-1-0');
      const m = /(\d+) packets transmitted, (\d+) received/.exec(log);
      const sent = Number(m?.[1] ?? 0);
      const got = Number(m?.[2] ?? 0);
      return { from: i, to: i === 0 ? mesh1 : mesh0, sent, received: got, lossPct: sent ? Number((((sent - got) / sent) * 100).toFixed(1)) : 100 };
    });
    await new Promise((res) => setTimeout(res, 2000));
    const rssAfter = rssKiB(pid);
    const peersAfter = await cluster.peersJson(0);
    const peers1After = await cluster.peersJson(1);
    const log0 = cluster.lab.readLog(0, 'cloudroofd');
    const floodLog = log0.slice(logOffset);
    // In a settled mesh nothing should change the device or discover a peer while garbage arrives.
    const stateChanges = {
      devicePeerChanges: (floodLog.match(/applied peer changes/g) ?? []).length,
      discoveredPeers: (floodLog.match(/discovered peer/g) ?? []).length,
      goodbyesHonoured: (floodLog.match(/peer said goodbye/g) ?? []).length,
    };

    const figures = {
      suite: 'flood', at: new Date().toISOString(), totalRequested: TOTAL,
      sentByKind: Object.fromEntries(results.map((r) => [r.name, r.sent])),
      phases: results.map(({ sent: _s, ...rest }) => rest),
      droppedTotal: results.reduce<Record<string, number>>((acc, r) => {
        for (const [k, v] of Object.entries(r.dropped)) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {}),
      rssKiB: { before: rssBefore, after: rssAfter, growthMiB: Number(((rssAfter - rssBefore) / 1024).toFixed(1)) },
      ping,
      peers: {
        before: peersBefore.map((p) => ({ key: String(p.public_key).slice(0, 8), endpoint: p.endpoint })),
        after: peersAfter.map((p) => ({ key: String(p.public_key).slice(0, 8), endpoint: p.endpoint })),
      },
      endpointsSeenDuringFlood: Object.fromEntries([...seenEndpoints].map(([key, set]) => [key.slice(0, 8), [...set]])),
      stateChanges,
      handlerFailures: (log0.match(/handler failed|unexpected envelope error/g) ?? []).length,
      nodeRunning: cluster.isRunning(0) && existsSync(`/proc/${pid}`),
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'flood.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`[hardening] flood: ${JSON.stringify(figures)}`);

    // The node survived, with bounded memory.
    expect(figures.nodeRunning).toBe(true);
    expect(figures.handlerFailures).toBe(0);
    expect(rssAfter - rssBefore).toBeLessThan(50 * 1024);
    // Nothing was accepted that should not have been: same peers, same endpoints (no hijack by
    // a replayed ANNOUNCE/HELLO), node 1 not evicted by the stale GOODBYE, no peer from an invalid key.
    const keysOf = (l: Record<string, unknown>[]) => l.map((p) => String(p.public_key)).sort();
    expect(keysOf(peersAfter)).toEqual(keysOf(peersBefore));
    for (const p of peersBefore) expect(endpointOf(peersAfter, String(p.public_key))).toBe(p.endpoint);
    for (const p of peersBefore) expect([...(seenEndpoints.get(String(p.public_key)) ?? [])], 'endpoints seen during the flood').toEqual([p.endpoint]);
    expect(peers1After).toHaveLength(2);
    expect(stateChanges).toEqual({ devicePeerChanges: 0, discoveredPeers: 0, goodbyesHonoured: 0 });
    // Every datagram that reached node 0 is counted, and the drops account for (nearly) all of it.
    for (const r of results) {
      const sent = Object.values(r.sent).reduce((a, b) => a + b, 0);
      const dropped = Object.values(r.dropped).reduce((a, b) => a + b, 0);
      expect(r.received, r.name).toBeGreaterThan(sent * 0.3);
      expect(dropped, r.name).toBeGreaterThanOrEqual((r.received - r.accepted) * 0.99);
      expect(r.accepted, r.name).toBeLessThan(r.received * 0.2);
    }
    const [gPhase, lanPhase, sitePhase] = results;
    expect(gPhase!.dropped['rate-limited']).toBeGreaterThan(0);
    for (const reason of ['auth-failed', 'bad-json', 'too-old', 'oversized', 'replayed']) expect(lanPhase!.dropped[reason], reason).toBeGreaterThan(0);
    expect(sitePhase!.dropped['rate-limited']).toBeGreaterThan(0);
    // The mesh kept working: at most 10 % ping loss either way during the flood.
    for (const p of ping) {
      expect(p.sent).toBeGreaterThan(10);
      expect(p.lossPct).toBeLessThanOrEqual(10);
    }
  }, 300_000);
});
