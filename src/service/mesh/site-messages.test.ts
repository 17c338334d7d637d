import { describe, expect, it } from 'vitest';
import { openEnvelope, sealEnvelope } from './envelope';
import { decodeEdgeReport, decodeSites, encodeEdgeReport, encodeSites, SITES_TYPE, SiteMessageError, type SitesMessage } from './site-messages';

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
