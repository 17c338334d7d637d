import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EdgeState, ExposedSite, Peer, SitesResponse, Status } from '../../shared/protocol';
import { Scrape } from '../../../test/support/prometheus-text';
import { FakeClock } from '../clock';
import { CacheLogTailer } from '../edge/cache-log';
import { ServiceMetrics, type MetricsSource } from './service-metrics';

const NOW = 1_800_000_000_000;
const KEY_A = 'AAAAAAAAbbbbbbbbccccccccddddddddeeeeeeeeff0=';
const KEY_B = 'BBBBBBBBbbbbbbbbccccccccddddddddeeeeeeeeff0=';

/** A backend stand-in whose state the tests set directly. */
class FakeSource implements MetricsSource {
  statusValue: Status = {
    version: '0.1.0', protocolVersion: 1, tunnelState: 'connected', wantConnected: true, interface: 'cloudroof0', hostname: 'me',
    peerCount: 2, startedAt: NOW - 60_000, counters: { received: 40, accepted: 30, dropped: { 'auth-failed': 7, 'rate-limited': 3 } },
    publicKey: 'SELFSELFkeykeykeykeykeykeykeykeykeykeykeyk=',
  };
  peerList: Peer[] = [
    { publicKey: KEY_A, hostname: 'alpha', meshIPv4: '10.1.0.2', lastHandshakeTime: NOW - 12_500, rxBytes: 1000, txBytes: 2000, discoveredVia: ['lan'], path: 'direct-lan', lastSeen: NOW },
    { publicKey: KEY_B, meshIPv4: '10.1.0.3', lastHandshakeTime: null, rxBytes: 0, txBytes: 148, discoveredVia: ['cache'], path: 'none', lastSeen: NOW },
  ];
  siteList: SitesResponse = { sites: [] };
  edgeState: EdgeState | undefined;
  edgeCalls = 0;
  status(): Status { return this.statusValue; }
  peers(): Peer[] { return this.peerList; }
  sites(): SitesResponse { return this.siteList; }
  async edge(): Promise<EdgeState> {
    this.edgeCalls++;
    return this.edgeState ?? { enabled: false, nginx: { available: false, running: false }, config: { state: 'off' }, sites: [] };
  }
}

function site(name: string, over: Partial<ExposedSite>): ExposedSite {
  return {
    name, target: 'http://127.0.0.1:8080', hostnames: [`${name}.example.com`], healthPath: '/', healthIntervalS: 10,
    forwarding: { state: 'active' }, health: { state: 'healthy' }, edges: [], publicUrls: [], ...over,
  };
}

let dir: string;
let source: FakeSource;
let metrics: ServiceMetrics;
let cacheLog: CacheLogTailer;
const scrape = async (): Promise<Scrape> => new Scrape(await metrics.render());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cr-metrics-'));
  cacheLog = new CacheLogTailer(join(dir, 'cache.log'));
  source = new FakeSource();
  metrics = new ServiceMetrics({ version: '0.1.0', clock: new FakeClock(NOW), cacheLog });
  metrics.attach(source);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ServiceMetrics', () => {
  it('serves liveness, build and the tunnel state (one state at 1)', async () => {
    const s = await scrape();
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(s.value('cloudroof_up')).toBe(1);
    expect(s.value('cloudroof_build_info', { version: '0.1.0' })).toBe(1);
    expect(s.samples('cloudroof_tunnel_state')).toHaveLength(4);
    expect(s.value('cloudroof_tunnel_state', { state: 'connected' })).toBe(1);
    expect(s.sum('cloudroof_tunnel_state')).toBe(1);
  });

  it('shows only constants before a source is attached', async () => {
    const bare = new ServiceMetrics({ version: '9.9.9', clock: new FakeClock(NOW) });
    const s = new Scrape(await bare.render());
    expect(s.value('cloudroof_up')).toBe(1);
    expect(s.samples('cloudroof_peers')).toEqual([]);
    expect(s.samples('cloudroof_packets_received_total')).toEqual([]);
  });

  it('counts peers by path, every path shown', async () => {
    const s = await scrape();
    expect(s.samples('cloudroof_peers').map((x) => x.labels.path).sort()).toEqual(['direct', 'direct-lan', 'none', 'relay']);
    expect(s.value('cloudroof_peers', { path: 'direct-lan' })).toBe(1);
    expect(s.value('cloudroof_peers', { path: 'none' })).toBe(1);
    expect(s.sum('cloudroof_peers')).toBe(2);
  });

  it('labels peers with 8 key characters and the hostname; handshake age only for peers with one', async () => {
    const s = await scrape();
    expect(s.samples('cloudroof_peer_last_handshake_age_seconds')).toEqual([{ labels: { peer: 'AAAAAAAA', hostname: 'alpha' }, value: 12.5 }]);
    expect(s.family('cloudroof_peer_receive_bytes_total').type).toBe('COUNTER');
    expect(s.value('cloudroof_peer_receive_bytes_total', { peer: 'AAAAAAAA' })).toBe(1000);
    expect(s.value('cloudroof_peer_transmit_bytes_total', { peer: 'BBBBBBBB', hostname: '' })).toBe(148);
  });

  it('never shows a whole public key', async () => {
    const text = await metrics.render();
    for (const key of [KEY_A, KEY_B, source.statusValue.publicKey ?? '']) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(0, 12));
    }
  });

  it('drops a peer that left from the per-peer metrics', async () => {
    await scrape();
    source.peerList = source.peerList.slice(1);
    const s = await scrape();
    expect(s.value('cloudroof_peer_receive_bytes_total', { peer: 'AAAAAAAA' })).toBeUndefined();
    expect(s.samples('cloudroof_peer_receive_bytes_total')).toHaveLength(1);
  });

  it('shows the packet counters and the drops by reason', async () => {
    const s = await scrape();
    expect(s.value('cloudroof_packets_received_total')).toBe(40);
    expect(s.value('cloudroof_packets_accepted_total')).toBe(30);
    expect(s.value('cloudroof_packets_dropped_total', { reason: 'auth-failed' })).toBe(7);
    expect(s.sum('cloudroof_packets_dropped_total')).toBe(10);
  });

  it('shows the route figures, 0 while there are none', async () => {
    expect((await scrape()).value('cloudroof_routes_advertised')).toBe(0);
    source.statusValue = { ...source.statusValue, routes: { advertised: 2, accepted: 3, conflicts: 1 } };
    const s = await scrape();
    expect([s.value('cloudroof_routes_advertised'), s.value('cloudroof_routes_accepted'), s.value('cloudroof_routes_conflicts')]).toEqual([2, 3, 1]);
  });

  it('counts discovery events by layer and times reconcile passes through the hooks', async () => {
    metrics.hooks.onDiscovery?.('lan');
    metrics.hooks.onDiscovery?.('lan');
    metrics.hooks.onDiscovery?.('cache');
    metrics.hooks.onReconciled?.(0.004);
    metrics.hooks.onReconciled?.(0.2);
    const s = await scrape();
    expect(s.value('cloudroof_discovery_events_total', { layer: 'lan' })).toBe(2);
    expect(s.value('cloudroof_discovery_events_total', { layer: 'cache' })).toBe(1);
    const h = s.family('cloudroof_reconcile_duration_seconds');
    expect(h.type).toBe('HISTOGRAM');
    expect(h.metrics[0]?.count).toBe('2');
    expect(h.metrics[0]?.buckets?.['0.005']).toBe('1');
    expect(Number(h.metrics[0]?.sum)).toBeCloseTo(0.204);
  });

  it('shows exposed sites by forwarding state, local health and serving edges', async () => {
    const edge = { publicKey: KEY_B, state: 'serving' as const, tls: true, reportedAt: NOW };
    source.siteList = { sites: [
      site('blog', { edges: [edge, { ...edge, publicKey: KEY_A }, { ...edge, state: 'unreachable' }] }),
      site('wiki', { forwarding: { state: 'error', error: 'port taken' }, health: { state: 'unhealthy' } }),
      site('new', { forwarding: { state: 'pending' }, health: { state: 'unknown' } }),
    ] };
    const s = await scrape();
    expect(s.value('cloudroof_sites', { state: 'active' })).toBe(1);
    expect(s.value('cloudroof_sites', { state: 'error' })).toBe(1);
    expect(s.value('cloudroof_sites', { state: 'pending' })).toBe(1);
    expect(s.samples('cloudroof_site_healthy')).toEqual([
      { labels: { site: 'blog' }, value: 1 }, { labels: { site: 'wiki' }, value: 0 },
    ]);
    expect(s.value('cloudroof_site_edges_serving', { site: 'blog' })).toBe(2);
    expect(s.value('cloudroof_site_edges_serving', { site: 'new' })).toBe(0);
  });

  it('asks for the edge state only in edge mode', async () => {
    const s = await scrape();
    expect(source.edgeCalls).toBe(0);
    expect(s.value('cloudroof_edge_enabled')).toBe(0);
    expect(s.samples('cloudroof_edge_config_ok')).toEqual([]);
  });

  it('shows edge mode, its config state and its checks of each origin', async () => {
    source.statusValue = { ...source.statusValue, sites: { exposed: 0, live: 0, edge: { hostnames: 1, config: 'applied' } } };
    const origin = { publicKey: KEY_A, meshIPv4: '10.1.0.2', port: 8080, scheme: 'http' as const };
    source.edgeState = {
      enabled: true, nginx: { available: true, running: true }, config: { state: 'applied', appliedAt: NOW },
      sites: [
        { hostname: 'www.example.com', site: 'blog', tls: 'ok', certPath: '/c', origins: [
          { ...origin, hostname: 'alpha', health: { state: 'healthy' } },
          { ...origin, publicKey: KEY_B, health: { state: 'unhealthy' } },
          { ...origin, publicKey: 'CCCCCCCCxx', health: { state: 'unknown' } },
        ] },
        { hostname: 'taken.example.com', site: 'x', tls: 'ok', certPath: '/c', conflict: 'claimed by blog', origins: [{ ...origin, health: { state: 'healthy' } }] },
      ],
    };
    let s = await scrape();
    expect(s.value('cloudroof_edge_enabled')).toBe(1);
    expect(s.value('cloudroof_edge_config_ok')).toBe(1);
    expect(s.samples('cloudroof_edge_origin_up')).toEqual([
      { labels: { hostname: 'www.example.com', origin: 'alpha' }, value: 1 },
      { labels: { hostname: 'www.example.com', origin: 'BBBBBBBB' }, value: 0 },
    ]);
    source.edgeState = { ...source.edgeState, config: { state: 'failed', lastError: 'nginx refused' } };
    s = await scrape();
    expect(s.value('cloudroof_edge_config_ok')).toBe(0);
  });

  it('counts the edge cache results from the cache log, all statuses shown', async () => {
    await writeFile(join(dir, 'cache.log'), 'HIT\n'); // before the first poll: not counted
    let s = await scrape();
    expect(s.samples('cloudroof_edge_cache_requests_total')).toHaveLength(8);
    expect(s.sum('cloudroof_edge_cache_requests_total')).toBe(0);
    expect(s.value('cloudroof_edge_cache_hit_ratio')).toBeNaN();
    await appendFile(join(dir, 'cache.log'), 'HIT\nHIT\nHIT\nMISS\n-\n');
    s = await scrape();
    expect(s.value('cloudroof_edge_cache_requests_total', { status: 'hit' })).toBe(3);
    expect(s.value('cloudroof_edge_cache_requests_total', { status: 'none' })).toBe(1);
    expect(s.value('cloudroof_edge_cache_hit_ratio')).toBe(0.75);
  });
});
