import { describe, expect, it } from 'vitest';
import { planHosts, type OriginEntry } from './edge-sites';

const origin = (key: string, site: string, hosts: string[], port = 18080): OriginEntry => ({
  publicKey: key, hostname: `node-${key}`, meshIp: `10.0.0.${key.length}`, heardAt: 0,
  message: { wgPubkey: key, seq: 1, sites: [{ name: site, hostnames: hosts, port, scheme: 'http', healthPath: '/' }] },
});

describe('planHosts', () => {
  it('joins origins of the same site into one upstream', () => {
    const plans = planHosts([origin('b', 'blog', ['www.example.com']), origin('a', 'blog', ['www.example.com'])], new Map(), 0);
    expect(plans).toHaveLength(1);
    expect(plans[0]?.origins.map((o) => o.publicKey)).toEqual(['a', 'b']);
    expect(plans[0]?.conflict).toBeUndefined();
  });

  it('keeps a hostname with its first claim when another site claims it', () => {
    const claims = new Map<string, Map<string, number>>();
    planHosts([origin('a', 'blog', ['www.example.com'])], claims, 1);
    const plans = planHosts([origin('z', 'attack', ['www.example.com']), origin('a', 'blog', ['www.example.com'])], claims, 2);
    expect(plans[0]?.site).toBe('blog');
    expect(plans[0]?.origins.map((o) => o.publicKey)).toEqual(['a']);
    expect(plans[0]?.losers.map((o) => o.site.name)).toEqual(['attack']);
    expect(plans[0]?.conflict).toMatch(/claimed by site blog and by attack on node-z/);
    // The first claim leaves: the other takes the name over.
    const after = planHosts([origin('z', 'attack', ['www.example.com'])], claims, 3);
    expect(after[0]?.site).toBe('attack');
    expect(after[0]?.conflict).toBeUndefined();
  });

  it('sorts hostnames and forgets claims that vanished', () => {
    const claims = new Map<string, Map<string, number>>();
    const plans = planHosts([origin('a', 'blog', ['b.example.com', 'a.example.com'])], claims, 0);
    expect(plans.map((p) => p.hostname)).toEqual(['a.example.com', 'b.example.com']);
    planHosts([], claims, 1);
    expect(claims.size).toBe(0);
  });
});
