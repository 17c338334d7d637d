import { describe, expect, it } from 'vitest';
import { openEnvelope, sealEnvelope } from './envelope';
import {
  decodeEdgeInfo, decodeEdgeReport, decodeSites, EDGE_INFO_TYPE, encodeEdgeInfo, encodeEdgeReport, encodeSites, SITES_TYPE, SiteMessageError,
  type EdgeInfo, type SitesMessage,
} from './site-messages';

const KEY = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';
const gossipKey = new Uint8Array(32).fill(7);
const now = 1_800_000_000;

const msg: SitesMessage = {
  wgPubkey: KEY, seq: 5,
  sites: [{ name: 'blog', hostnames: ['www.example.com'], port: 18080, scheme: 'http', healthPath: '/healthz' }],
};

function roundTrip(text: string): Record<string, unknown> {
  return openEnvelope(gossipKey, sealEnvelope(gossipKey, SITES_TYPE, text), now).payload;
}

describe('site messages', () => {
  it('round-trip through a sealed envelope', () => {
    expect(decodeSites(roundTrip(encodeSites(msg, now)))).toEqual(msg);
    const report = { wgPubkey: KEY, seq: 9, sites: [{ name: 'blog', state: 'serving' as const, tls: true }] };
    expect(decodeEdgeReport(roundTrip(encodeEdgeReport(report, now)))).toEqual(report);
  });

  it('cannot be opened with another mesh key', () => {
    const sealed = sealEnvelope(gossipKey, SITES_TYPE, encodeSites(msg, now));
    expect(() => openEnvelope(new Uint8Array(32).fill(8), sealed, now)).toThrow(/auth-failed/);
  });

  it.each([
    ['hostname that injects config', { hostnames: ['a.com;include /etc/passwd'] }],
    ['hostname not canonical', { hostnames: ['WWW.example.com'] }],
    ['port out of range', { port: 70000 }],
    ['scheme', { scheme: 'gopher' }],
    ['health path with a space', { health_path: '/a b' }],
    ['site name', { name: 'Blog!' }],
    ['no hostnames', { hostnames: [] }],
  ])('refuses a site with a bad %s', (_what, patch) => {
    const payload = JSON.parse(encodeSites(msg, now)) as { sites: Record<string, unknown>[] };
    payload.sites[0] = { ...JSON.parse(JSON.stringify({ name: 'blog', hostnames: ['www.example.com'], port: 18080, scheme: 'http', health_path: '/' })), ...patch };
    expect(() => decodeSites(payload)).toThrow(SiteMessageError);
  });

  it('refuses duplicate names, bad keys, too many sites', () => {
    const base = JSON.parse(encodeSites(msg, now)) as Record<string, unknown> & { sites: unknown[] };
    expect(() => decodeSites({ ...base, sites: [base.sites[0], base.sites[0]] })).toThrow(/twice/);
    expect(() => decodeSites({ ...base, wg_pubkey: 'x' })).toThrow(SiteMessageError);
    expect(() => decodeSites({ ...base, sites: Array.from({ length: 65 }, () => base.sites[0]) })).toThrow(SiteMessageError);
    expect(() => decodeSites({ ...base, seq: -1 })).toThrow(SiteMessageError);
  });

  it('keeps unknown members out and strips unprintable report reasons', () => {
    const r = decodeEdgeReport({ wg_pubkey: KEY, seq: 1, extra: 1, sites: [{ name: 'blog', state: 'unreachable', tls: false, reason: 'refused\n\u001b[31m' }] });
    expect(r.sites[0]?.reason).toBe('refused[31m');
  });
});

const info: EdgeInfo = {
  wgPubkey: KEY, seq: 7,
  nginx: { available: true, running: true },
  config: { state: 'failed', lastError: 'nginx: [emerg] unknown directive "x"' },
  httpPort: 80, httpsPort: 443, certDir: '/etc/letsencrypt/live', acmeWebroot: '/var/lib/cloudroof/nginx/acme',
  certificates: ['api.example.com', 'www.example.com'],
};

describe('edge capability reports', () => {
  const wire = (patch: Record<string, unknown>): Record<string, unknown> => ({ ...JSON.parse(encodeEdgeInfo(info, now)) as Record<string, unknown>, ...patch });

  it('round-trip through a sealed envelope', () => {
    const opened = openEnvelope(gossipKey, sealEnvelope(gossipKey, EDGE_INFO_TYPE, encodeEdgeInfo(info, now)), now).payload;
    expect(decodeEdgeInfo(opened)).toEqual(info);
    const bare: EdgeInfo = { ...info, config: { state: 'applied' }, certificates: [] };
    delete bare.acmeWebroot;
    expect(decodeEdgeInfo(JSON.parse(encodeEdgeInfo(bare, now)))).toEqual(bare);
  });

  it('makes free text printable and bounded when encoding', () => {
    const text = encodeEdgeInfo({ ...info, nginx: { available: false, running: false, error: `bad\n\u001b[31m${'x'.repeat(400)}` } }, now);
    const decoded = decodeEdgeInfo(JSON.parse(text));
    expect(decoded.nginx.error).toMatch(/^[\x20-\x7e]{1,300}$/);
    expect(decoded.nginx.error?.startsWith('bad [31m')).toBe(true);
  });

  it.each([
    ['a non-canonical hostname', { certificates: ['WWW.example.com'] }],
    ['a hostname that injects config', { certificates: ['a.com;include /etc/passwd'] }],
    ['an IP address as hostname', { certificates: ['10.0.0.1'] }],
    ['a hostname listed twice', { certificates: ['www.example.com', 'www.example.com'] }],
    ['too many certificates', { certificates: Array.from({ length: 201 }, (_, i) => `h${i}.example.com`) }],
    ['a relative certificate directory', { cert_dir: 'certs' }],
    ['a certificate directory with ..', { cert_dir: '/etc/../root' }],
    ['a webroot with a space', { acme_webroot: '/var/www/a b' }],
    ['an unknown config state', { config: { state: 'broken' } }],
    ['an unprintable error', { nginx: { available: true, running: false, error: 'x\ny' } }],
    ['an overlong error', { config: { state: 'failed', last_error: 'x'.repeat(301) } }],
    ['a port out of range', { https_port: 70000 }],
    ['a missing port', { http_port: undefined }],
    ['a bad key', { wg_pubkey: 'x' }],
    ['a negative seq', { seq: -1 }],
  ])('refuses %s', (_what, patch) => {
    expect(() => decodeEdgeInfo(wire(patch))).toThrow(SiteMessageError);
  });

  it('ignores unknown members', () => {
    expect(decodeEdgeInfo(wire({ future: { x: 1 } }))).toEqual(info);
  });
});
