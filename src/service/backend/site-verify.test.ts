// How a verification request becomes a plan before anything streams: the errors (unknown site,
// not joined, bad paths, unknown or no edges), which edges are chosen, and how each is reached
// (TLS at its https port, or HTTP when it holds no certificate for the site's hostname).
import { describe, expect, it } from 'vitest';
import { ControlError, type ExposedSite, type MeshEdge, type SiteConfig, type SiteEdge } from '../../shared/protocol';
import { silentLogger } from '../log';
import { defaultPrefs } from '../state/prefs';
import { planVerification, type SiteVerifyDeps } from './site-verify';
import type { SiteRuntime } from './site-runtime';

const A = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const B = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=';
const C = 'CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=';
const site: SiteConfig = { name: 'blog', target: 'https://192.168.1.5:8443', hostnames: ['www.example.com', 'example.com'], healthPath: '/healthz', healthIntervalS: 10 };
const report = (publicKey: string, hostname: string, meshIPv4: string): SiteEdge => ({ publicKey, hostname, meshIPv4, state: 'serving', tls: true, reportedAt: 1 });
const caps = (publicKey: string, hostname: string, meshIPv4: string, certificates: string[]): MeshEdge => ({
  publicKey, hostname, meshIPv4, nginx: { available: true, running: true }, config: { state: 'applied' }, httpPort: 8080, httpsPort: 8443,
  certDir: '/etc/cloudroof/certs', certificates, reportedAt: 1,
});

function deps(o: { joined?: boolean; reports?: SiteEdge[]; edges?: MeshEdge[] } = {}): SiteVerifyDeps {
  const rt = {
    origin: { views: (sites: SiteConfig[]): Partial<ExposedSite>[] => sites.map(() => ({ edges: o.reports ?? [], publicUrls: ['https://www.example.com/'] })) },
    meshEdges: () => o.edges ?? [],
  } as unknown as SiteRuntime;
  return { prefs: () => ({ ...defaultPrefs(), sites: [site] }), runtime: () => (o.joined === false ? undefined : rt), logger: silentLogger };
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ControlError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
};

describe('planVerification', () => {
  it('refuses before anything streams', () => {
    const d = deps({ reports: [report(A, 'vps-1', '10.42.0.2')] });
    expect(code(() => planVerification(d, { name: 'shop' }))).toMatch(/^site-not-found: no site named shop/);
    expect(code(() => planVerification(d, { name: 'Blog!' }))).toMatch(/^invalid-site: /);
    expect(code(() => planVerification(deps({ joined: false }), { name: 'blog' }))).toMatch(/^not-joined: /);
    expect(code(() => planVerification(d, { name: 'blog', paths: { sse: 'events' } }))).toMatch(/^invalid-site: health path "events"/);
    expect(code(() => planVerification(d, { name: 'blog', paths: { websocket: '/a b' } }))).toMatch(/^invalid-site: /);
    expect(code(() => planVerification(deps(), { name: 'blog' }))).toMatch(/^edge-not-found: no edge has reported on blog yet/);
    expect(code(() => planVerification(d, { name: 'blog', edges: ['vps-9'] }))).toBe('edge-not-found: no edge "vps-9" is known here (cloudroof edges lists them)');
  });

  it('goes through every edge that reported on the site, with the defaults', () => {
    const p = planVerification(deps({ reports: [report(A, 'vps-1', '10.42.0.2'), report(B, 'vps-2', '10.42.0.3')] }), { name: 'blog' });
    expect(p.target).toEqual({ host: '192.168.1.5', port: 8443, tls: true, hostname: 'www.example.com' });
    expect(p.edges).toEqual([
      { publicKey: A, hostname: 'vps-1', endpoint: { host: '10.42.0.2', port: 443, tls: true, hostname: 'www.example.com' } },
      { publicKey: B, hostname: 'vps-2', endpoint: { host: '10.42.0.3', port: 443, tls: true, hostname: 'www.example.com' } },
    ]);
    expect(p.paths).toEqual({ health: '/healthz', websocket: '/ws', sse: '/sse', upload: '/healthz' });
    expect(p.uploadBytes).toBe(8 * 1024 * 1024);
    expect(p.publicUrls()).toEqual(['https://www.example.com/']);
  });

  it('right after exposing (no report on the site yet) takes the edges whose nginx runs, and knows when each serves', () => {
    const stopped = { ...caps(C, 'vps-3', '10.42.0.4', []), nginx: { available: true, running: false } };
    const reports: SiteEdge[] = [];
    const d = deps({ reports, edges: [caps(A, 'vps-1', '10.42.0.2', ['www.example.com']), stopped] });
    const p = planVerification(d, { name: 'blog' });
    expect(p.edges.map((e) => e.publicKey)).toEqual([A]);
    expect(p.serving?.(p.edges[0]!)).toBe(false);
    reports.push(report(A, 'vps-1', '10.42.0.2'));
    expect(p.serving?.(p.edges[0]!)).toBe(true);
    expect(code(() => planVerification(deps({ edges: [stopped] }), { name: 'blog' }))).toMatch(/^edge-not-found: /);
  });

  it('takes ports and certificates from capability reports, and named edges by key, hostname or mesh IP', () => {
    const d = deps({
      reports: [report(A, 'vps-1', '10.42.0.2')],
      edges: [caps(A, 'vps-1', '10.42.0.2', ['www.example.com']), caps(B, 'vps-2', '10.42.0.3', []), caps(C, 'vps-3', '10.42.0.4', ['example.com'])],
    });
    expect(planVerification(d, { name: 'blog' }).edges.map((e) => e.endpoint)).toEqual([{ host: '10.42.0.2', port: 8443, tls: true, hostname: 'www.example.com' }]);
    const named = planVerification(d, { name: 'blog', edges: ['vps-2', '10.42.0.4', A, 'vps-1'], uploadBytes: 4096, paths: { upload: '/upload' } });
    expect(named.edges.map((e) => [e.publicKey, e.endpoint.port, e.endpoint.tls])).toEqual([[B, 8080, false], [C, 8080, false], [A, 8443, true]]);
    expect([named.uploadBytes, named.paths.upload]).toEqual([4096, '/upload']);
  });
});
