// Metrics end to end: two real cloudroofd nodes, node 0 serving --metrics on its namespace's
// loopback, scraped with curl from inside that namespace and read with a Prometheus text-format
// parser. Root only; everything created here is removed in afterAll, also when a test fails.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { meshAddress } from '../../src/cli/lab/mesh-check';
import { deriveMeshKeys } from '../../src/shared/mesh/derive';
import { generateSecretToken, parseSecret } from '../../src/shared/mesh/secret';
import { Scrape } from '../support/prometheus-text';
import { netnsSkipReason } from './support/requirements';

const canRun = netnsSkipReason('metrics', ['wireguard-go', 'ip', 'ping', 'curl']) === '';
const METRICS = '127.0.0.1:9474';

describe.skipIf(!canRun)('metrics (netns, two nodes)', () => {
  let cluster: LabCluster;
  const secret = generateSecretToken();
  let secretFile: string;

  const join1 = async (i: number): Promise<void> => {
    const r = await cluster.cli(i, ['join', '--secret-file', secretFile]);
    expect(r.code, r.stderr).toBe(0);
  };
  /** GET /metrics from inside node 0's namespace. */
  const scrape = async (): Promise<Scrape> => {
    const r = await cluster.lab.exec(0, ['curl', '-sS', '--fail', '--max-time', '5', `http://${METRICS}/metrics`]);
    if (r.code !== 0) throw new Error(`curl failed (${r.code}): ${r.stderr}`);
    return new Scrape(r.stdout);
  };
  /** Scrapes until `ok` holds for a scrape, and returns that scrape. */
  const scrapeUntil = (ok: (s: Scrape) => boolean, what: string, timeoutMs = 20_000): Promise<Scrape> => cluster.waitFor(async () => {
    const s = await scrape();
    if (ok(s)) return s;
    throw new Error(`not yet; cloudroof_peers sums to ${s.sum('cloudroof_peers')}`);
  }, { timeoutMs, what });
  const waitForPeers = (n: number): Promise<Scrape> => scrapeUntil((s) => s.sum('cloudroof_peers') === n, `cloudroof_peers = ${n}`);

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 2 });
    secretFile = join(cluster.lab.nodeDir(0), 'secret');
    writeFileSync(secretFile, secret + '\n', { mode: 0o600 });
    await cluster.startNode(0, { extraArgs: ['--metrics', METRICS] });
    await join1(0);
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('refuses to start on a bad or busy address, saying why', async () => {
    await expect(cluster.startNode(1, { extraArgs: ['--metrics', '::1:9474'], readyTimeoutMs: 5000 })).rejects.toThrow(/bracket an IPv6 address/);
    const holder = cluster.lab.spawn(1, [process.execPath, '-e',
      "require('net').createServer().listen(9475, '127.0.0.1', () => console.log('bound'))"], { logName: 'holder' });
    try {
      await cluster.waitFor(() => cluster.lab.readLog(1, 'holder').includes('bound'), { timeoutMs: 5000, what: 'the port holder' });
      await expect(cluster.startNode(1, { extraArgs: ['--metrics', '127.0.0.1:9475'], readyTimeoutMs: 5000 }))
        .rejects.toThrow(/metrics address 127\.0\.0\.1:9475 is already in use/);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('serves the node alone: up, build, connected, no peers', async () => {
    const s = await scrape();
    expect(s.value('cloudroof_up')).toBe(1);
    expect(s.value('cloudroof_build_info', { version: '0.1.0' })).toBe(1);
    expect(s.value('cloudroof_tunnel_state', { state: 'connected' })).toBe(1);
    expect(s.samples('cloudroof_peers')).toHaveLength(4);
    expect(s.sum('cloudroof_peers')).toBe(0);
    expect(s.value('cloudroof_edge_enabled')).toBe(0);
    expect(s.family('cloudroof_reconcile_duration_seconds').metrics[0]?.count).not.toBe('0');
    // What only node 0 holds never shows: the secret, its private key, a whole public key.
    const status = await cluster.statusJson(0);
    expect(s.text).not.toContain(parseSecret(secret));
    expect(s.text).not.toContain(String(status.public_key));
  });

  it('shows the peer once node 1 joins, with traffic counters that grow after a ping', async () => {
    await cluster.startNode(1);
    await join1(1);
    const before = await waitForPeers(1);
    expect(before.value('cloudroof_peers', { path: 'direct-lan' })).toBe(1);
    expect(before.value('cloudroof_discovery_events_total', { layer: 'lan' })).toBeGreaterThan(0);
    const peer1 = meshAddress((await cluster.statusJson(1)).mesh_ipv4);
    expect(peer1).toBeDefined();
    expect(await cluster.ping(0, peer1 ?? '', { count: 3, timeoutS: 2 })).toBe(true);
    const after = await scrapeUntil((s) => s.value('cloudroof_peer_last_handshake_age_seconds', { hostname: 'node1' }) !== undefined,
      'a handshake with node1 in the metrics', 10_000);
    const rx = (s: Scrape): number => s.value('cloudroof_peer_receive_bytes_total', { hostname: 'node1' }) ?? -1;
    const tx = (s: Scrape): number => s.value('cloudroof_peer_transmit_bytes_total', { hostname: 'node1' }) ?? -1;
    expect(rx(after)).toBeGreaterThan(0);
    expect(tx(after)).toBeGreaterThan(0);
    const peerLabel = after.samples('cloudroof_peer_receive_bytes_total')[0]?.labels.peer ?? '';
    expect(peerLabel).toMatch(/^[A-Za-z0-9+/]{8}$/);
    expect(after.text).not.toContain(String((await cluster.statusJson(1)).public_key));
    expect(await cluster.ping(0, peer1 ?? '', { count: 3, timeoutS: 2 })).toBe(true);
    const later = await scrape();
    expect(rx(later)).toBeGreaterThan(rx(after));
    expect(tx(later)).toBeGreaterThan(tx(after));
  });

  it('counts received and dropped control datagrams', async () => {
    const before = await scrape();
    expect(before.value('cloudroof_packets_received_total')).toBeGreaterThan(0);
    expect(before.value('cloudroof_packets_accepted_total')).toBeGreaterThan(0);
    // Garbage on node 0's control port (from node 1's namespace; bounded: 20 datagrams).
    const gossipPort = deriveMeshKeys(parseSecret(secret)).gossipPort;
    const script = `const d=require('dgram').createSocket('udp4');let n=0;(function f(){d.send('not json',${gossipPort},'${cluster.lab.lanIp(0)}',()=>{if(++n<20)f();else d.close()})})();`;
    expect((await cluster.lab.exec(1, [process.execPath, '-e', script])).code).toBe(0);
    const after = await scrapeUntil((s) => s.sum('cloudroof_packets_dropped_total') >= 20, 'the drops to show', 5000);
    expect(after.family('cloudroof_packets_dropped_total').type).toBe('COUNTER');
    expect(after.samples('cloudroof_packets_dropped_total').every((x) => x.labels.reason !== undefined && x.labels.reason !== '')).toBe(true);
    expect(after.value('cloudroof_packets_received_total')).toBeGreaterThanOrEqual((before.value('cloudroof_packets_received_total') ?? 0) + 20);
  });

  it('drops back to no peers when node 1 leaves (GOODBYE)', async () => {
    const r = await cluster.cli(1, ['leave']);
    expect(r.code, r.stderr).toBe(0);
    const s = await waitForPeers(0);
    expect(s.samples('cloudroof_peer_receive_bytes_total')).toEqual([]);
    expect(s.samples('cloudroof_peer_last_handshake_age_seconds')).toEqual([]);
  });
});
