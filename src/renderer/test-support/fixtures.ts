/**
 * Sample values of the contract's types for renderer tests: a joined node with two peers, its
 * routes, a site, an edge, a local service. Each builder takes overrides. Values pass the
 * response schemas (the fake API checks them as the real client does).
 */
import type { AppState } from '../../shared/ipc';
import type {
  DetectResponse, EdgeState, ExposedSite, LocalService, MeshEdge, Peer, Prefs, ProbeSiteResponse, RoutesState, Status,
} from '../../shared/protocol';

/** A fixed "now" for ages: 2027-01-15T08:00:00Z. */
export const NOW = 1_800_000_000_000;

/** The app state of a desktop app connected to its service. */
export function sampleApp(over: Partial<AppState> = {}): AppState {
  return {
    environment: 'electron', appVersion: '0.2.0', platform: 'linux',
    connection: { state: 'connected', serviceVersion: '0.2.0', serviceProtocol: 1 },
    install: { action: 'none', bundledVersion: '0.2.0', installedVersion: '0.2.0' },
    settings: { launchAtLogin: false, autoUpdate: true },
    update: { state: 'idle' },
    tray: { available: true },
    ...over,
  };
}

/** A joined, connected node. */
export function sampleStatus(over: Partial<Status> = {}): Status {
  return {
    version: '0.2.0', protocolVersion: 1, tunnelState: 'connected', wantConnected: true, interface: 'cloudroof0',
    publicKey: 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=', meshIPv4: '10.42.7.1', meshIPv6: 'fd00:42::1',
    meshSubnet: '10.42.0.0/16', listenPort: 51820, networkId: '99a6ba99fb00b3bf', endpoint: '203.0.113.5:51820',
    natType: 'cone', peerCount: 2, hostname: 'laptop', startedAt: NOW - 3_600_000,
    counters: { received: 10, accepted: 10, dropped: {} },
    discovery: { lan: true, dht: { state: 'ready', nodes: 120, peersFound: 2 }, endpointSource: 'stun', introducer: false, gossip: false, punching: true },
    ...over,
  };
}

/** A status of a node that left (or never joined). */
export function disconnectedStatus(over: Partial<Status> = {}): Status {
  return {
    version: '0.2.0', protocolVersion: 1, tunnelState: 'disconnected', wantConnected: false, interface: 'cloudroof0',
    peerCount: 0, hostname: 'laptop', startedAt: NOW - 3_600_000, counters: { received: 0, accepted: 0, dropped: {} }, ...over,
  };
}

/** A peer reached directly. */
export function samplePeer(over: Partial<Peer> = {}): Peer {
  return {
    publicKey: 'B'.repeat(43) + '=', hostname: 'vps-1', meshIPv4: '10.42.1.9', meshIPv6: 'fd00:42::9', endpoint: '198.51.100.7:51820',
    lastHandshakeTime: NOW - 5_000, rxBytes: 1536, txBytes: 20 * 1024 * 1024, discoveredVia: ['dht'], path: 'direct', lastSeen: NOW, ...over,
  };
}

/** Preferences of a joined node. */
export function samplePrefs(over: Partial<Prefs> = {}): Prefs {
  return { wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true, ...over };
}

/** Route state with nothing advertised or accepted. */
export function sampleRoutes(over: Partial<RoutesState> = {}): RoutesState {
  return { acceptRoutes: true, advertised: [], accepted: [], ...over };
}

/** A home LAN (IPv4 and IPv6) on eth0. */
export function sampleNetworks(): DetectResponse {
  return {
    networks: [
      { iface: 'eth0', address: '192.168.1.23', cidr: '192.168.1.0/24', family: 4, defaultRoute: true },
      { iface: 'eth0', address: 'fd00:1::23', cidr: 'fd00:1::/64', family: 6, defaultRoute: true },
    ],
  };
}

/** A site served by one edge. */
export function sampleSite(over: Partial<ExposedSite> = {}): ExposedSite {
  return {
    name: 'blog', target: 'http://127.0.0.1:8080', hostnames: ['blog.example.com'], healthPath: '/', healthIntervalS: 10, meshPort: 8080,
    forwarding: { state: 'active' }, health: { state: 'healthy', status: 200, latencyMs: 3 },
    edges: [{ publicKey: 'E'.repeat(43) + '=', hostname: 'edge-1', meshIPv4: '10.42.3.3', state: 'serving', tls: true, reportedAt: NOW }],
    publicUrls: ['https://blog.example.com/'], ...over,
  };
}

/** An edge ready for `certificates`. */
export function sampleEdge(over: Partial<MeshEdge> = {}): MeshEdge {
  return {
    publicKey: 'E'.repeat(43) + '=', hostname: 'edge-1', meshIPv4: '10.42.3.3',
    nginx: { available: true, running: true }, config: { state: 'applied' }, httpPort: 80, httpsPort: 443,
    certDir: '/etc/cloudroof/certs', acmeWebroot: '/var/lib/cloudroof/edge/acme', certificates: ['app.example.com'], reportedAt: NOW, ...over,
  };
}

/** Edge mode off. */
export function edgeOff(): EdgeState {
  return { enabled: false, nginx: { available: true, running: false }, config: { state: 'off' }, sites: [] };
}

/** A local web app on port 3000. */
export function sampleLocalService(over: Partial<LocalService> = {}): LocalService {
  return { address: '127.0.0.1', port: 3000, family: 4, process: 'node', pid: 4242, url: 'http://127.0.0.1:3000', ...over };
}

/** A probe that found a web app. */
export function sampleProbe(over: Partial<ProbeSiteResponse> = {}): ProbeSiteResponse {
  return { target: 'http://127.0.0.1:3000', ok: true, status: 200, latencyMs: 4, contentType: 'text/html', title: 'My app', server: 'node', ...over };
}
