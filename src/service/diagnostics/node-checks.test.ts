// The doctor's node checks over backend state: joined or not, routes, edge mode, exposed sites.
import { describe, expect, it } from 'vitest';
import type { EdgeState, ExposedSite, RoutesState, Status } from '../../shared/protocol';
import { checkEdge, checkMesh, checkRouting, checkSites } from './node-checks';

const status = (over: Partial<Status> = {}): Status => ({
  version: '0.1.0', protocolVersion: 1, tunnelState: 'connected', wantConnected: true, interface: 'wg0', peerCount: 2,
  hostname: 'h', startedAt: 0, counters: { received: 0, accepted: 0, dropped: {} }, ...over,
});

describe('checkMesh', () => {
  it('not joined → info with the join command', () => {
    expect(checkMesh(status({ tunnelState: 'disconnected', wantConnected: false }))).toEqual([
      { id: 'not-joined', severity: 'info', message: 'this node is not in a mesh', fix: 'sudo cloudroof join --secret-file FILE' },
    ]);
  });

  it('a failed join → error with the reason', () => {
    const [f] = checkMesh(status({ tunnelState: 'error', lastError: { code: 'port-in-use', message: 'UDP port 51820 is in use' } }));
    expect(f).toMatchObject({ id: 'join-failed', severity: 'error' });
    expect(f!.message).toContain('UDP port 51820 is in use');
  });

  it('joined with peers → nothing; without → warning', () => {
    expect(checkMesh(status())).toEqual([]);
    expect(checkMesh(status({ peerCount: 0, gossipPort: 52316 }))[0]).toMatchObject({ id: 'no-peers', severity: 'warning' });
  });
});

describe('checkRouting', () => {
  const advertising: RoutesState = { acceptRoutes: true, advertised: [{ prefix: '192.168.1.0/24', masquerade: true, state: 'active' }], accepted: [] };
  const fwdOff = { id: 'forwarding-ipv4-off', severity: 'warning' as const, message: 'IPv4 forwarding is off (net.ipv4.ip_forward=0); cloudroof enables it', fix: 'nothing to do' };

  it('forwarding off while a route is advertised → error with the sysctl fix', () => {
    const [f] = checkRouting(advertising, { ok: true, findings: [fwdOff] });
    expect(f).toMatchObject({ id: 'forwarding-ipv4-off', severity: 'error' });
    expect(f!.fix).toMatch(/^sudo sysctl -w net\.ipv4\.ip_forward=1/);
    expect(f!.message).toBe('IPv4 forwarding is off (net.ipv4.ip_forward=0) while this node advertises 192.168.1.0/24: the mesh cannot reach those networks');
  });

  it('passes other preflight findings through unchanged, and reports failed routes and conflicts', () => {
    const rp = { id: 'rp-filter-strict', severity: 'warning' as const, message: 'strict', fix: 'sudo sysctl -w net.ipv4.conf.all.rp_filter=2' };
    const state: RoutesState = {
      acceptRoutes: true,
      advertised: [{ prefix: '10.9.0.0/16', masquerade: true, state: 'error', error: 'nft: boom' }],
      accepted: [{ prefix: '10.5.0.0/16', via: { publicKey: 'K', hostname: 'nas', meshIPv4: '10.42.0.9' }, installed: false, conflict: 'overlaps eth0', standby: [] }],
    };
    expect(checkRouting(state, { ok: true, findings: [rp] }).map((f) => [f.id, f.severity])).toEqual([
      ['route-advertise-failed', 'error'], ['rp-filter-strict', 'warning'], ['route-not-installed', 'warning'],
    ]);
  });

  it('nothing advertised and no conflicts → nothing', () => {
    expect(checkRouting({ acceptRoutes: true, advertised: [], accepted: [] }, undefined)).toEqual([]);
  });
});

describe('checkEdge', () => {
  const on = (over: Partial<EdgeState> = {}): EdgeState => ({
    enabled: true, settings: { certDir: '/etc/cloudroof/certs', cacheSize: '1g', maxBody: '1g', httpPort: 80, httpsPort: 443 },
    nginx: { available: true, version: '1.22.1', running: true }, config: { state: 'applied', appliedAt: 1 }, sites: [], ...over,
  });
  const ctx = { joined: true, nginxOnPath: true, nginxMode: 'system' as const, acmeRoot: '/var/lib/cloudroof/nginx-edge/acme' };

  it('edge off, or all well → nothing', () => {
    expect(checkEdge({ enabled: false, nginx: { available: false, running: false }, config: { state: 'off' }, sites: [] }, ctx)).toEqual([]);
    expect(checkEdge(on(), ctx)).toEqual([]);
  });

  it('nginx missing in edge mode → error with apt-get install nginx', () => {
    const viaProbe = checkEdge(on({ nginx: { available: false, running: false, error: 'nginx is not installed: apt-get install nginx' } }), ctx);
    const viaPath = checkEdge(on(), { ...ctx, nginxOnPath: false });
    for (const out of [viaProbe, viaPath]) {
      expect(out).toEqual([{ id: 'nginx-missing', severity: 'error', message: 'edge mode is on but nginx is not installed', fix: 'sudo apt-get install nginx' }]);
    }
  });

  it('nginx not running, config refused, certificate missing, hostname conflict', () => {
    const out = checkEdge(on({
      nginx: { available: true, running: false },
      config: { state: 'failed', lastError: 'nginx: [emerg] bad', appliedAt: 5 },
      sites: [
        { hostname: 'www.example.com', site: 'blog', origins: [], tls: 'missing', certPath: '/etc/cloudroof/certs/www.example.com/fullchain.pem' },
        { hostname: 'x.example.com', site: 'x', origins: [], tls: 'ok', certPath: '/c', conflict: 'claimed by site y of node2' },
      ],
    }), ctx);
    expect(out.map((f) => [f.id, f.severity])).toEqual([
      ['nginx-not-running', 'error'], ['edge-config-refused', 'error'], ['certificate-missing', 'error'], ['hostname-conflict', 'warning'],
    ]);
    expect(out[0]!.fix).toContain('sudo systemctl start nginx');
    expect(out[1]!.message).toContain('nginx: [emerg] bad');
    expect(out[2]!.fix).toContain('/etc/cloudroof/certs/www.example.com');
    expect(out[2]!.fix).toContain('certbot certonly --webroot -w /var/lib/cloudroof/nginx-edge/acme -d www.example.com');
  });

  it('not joined → info only', () => {
    expect(checkEdge(on(), { ...ctx, joined: false }).map((f) => f.severity)).toEqual(['info']);
  });
});

describe('checkSites', () => {
  const site = (over: Partial<ExposedSite> = {}): ExposedSite => ({
    name: 'blog', target: 'http://127.0.0.1:8080', hostnames: ['www.example.com'], healthPath: '/', healthIntervalS: 10, meshPort: 8080,
    forwarding: { state: 'active' }, health: { state: 'healthy', status: 200 }, publicUrls: [],
    edges: [{ publicKey: 'E', hostname: 'edge1', state: 'serving', tls: true, reportedAt: 1 }], ...over,
  });

  it('a healthy site served by an edge → nothing', () => {
    expect(checkSites([site()], true)).toEqual([]);
  });

  it('local target down → error naming the target', () => {
    const [f] = checkSites([site({ health: { state: 'unhealthy', error: 'connection refused' } })], true);
    expect(f).toMatchObject({ id: 'site-target-down', severity: 'error' });
    expect(f!.message).toBe('site blog: the local target http://127.0.0.1:8080 does not answer (connection refused)');
  });

  it('listener failed, edges with problems, no edge yet', () => {
    expect(checkSites([site({ forwarding: { state: 'error', error: 'port in use' } })], true)[0]?.id).toBe('site-forwarding-failed');
    expect(checkSites([site({ edges: [{ publicKey: 'E', state: 'no-certificate', tls: false, reportedAt: 1 }] })], true)[0])
      .toMatchObject({ id: 'site-edge-problem', severity: 'warning' });
    expect(checkSites([site({ edges: [] })], true)[0]).toMatchObject({ id: 'site-no-edge', severity: 'info' });
    expect(checkSites([site({ edges: [] })], false)).toEqual([]);
  });
});
