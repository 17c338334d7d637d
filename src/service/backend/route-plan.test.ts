import { describe, expect, it } from 'vitest';
import { planRoutes, type RouteAdvertiser } from './route-plan';

const adv = (publicKey: string, routes: string[], over: Partial<RouteAdvertiser> = {}): RouteAdvertiser => ({
  publicKey, hostname: `h-${publicKey}`, meshIp: `10.20.0.${publicKey.charCodeAt(0) % 200}`, meshIpv6: 'fd00::1', routableNetworks: routes, reachable: true, ...over,
});
const base = { acceptRoutes: true, localNetworks: ['192.168.1.0/24'], meshNetworks: ['10.20.0.0/16', 'fd00::/64'] };

describe('planRoutes', () => {
  it('installs a route through its advertiser and adds it to that peer\'s AllowedIPs', () => {
    const p = planRoutes({ ...base, advertisers: [adv('B', ['192.168.50.0/24'])] });
    expect(p.routes).toEqual([{ prefix: '192.168.50.0/24', via: '10.20.0.66' }]);
    expect(p.allowedIps.get('B')).toEqual(['192.168.50.0/24']);
    expect(p.accepted[0]).toMatchObject({ prefix: '192.168.50.0/24', installed: true, standby: [] });
  });

  it('never installs a prefix overlapping a local network or the mesh, and says why', () => {
    const p = planRoutes({ ...base, advertisers: [adv('B', ['192.168.1.0/24', '10.20.5.0/24', '192.168.0.0/16'])] });
    expect(p.routes).toEqual([]);
    expect(p.allowedIps.size).toBe(0);
    expect(p.accepted.map((a) => [a.prefix, a.installed, a.conflict !== undefined])).toEqual([
      ['10.20.5.0/24', false, true], ['192.168.0.0/16', false, true], ['192.168.1.0/24', false, true]]);
    expect(p.accepted[2]!.conflict).toMatch(/192\.168\.1\.0\/24/);
  });

  it('chooses deterministically among advertisers and fails over', () => {
    const b = adv('B', ['192.168.50.0/24']);
    const c = adv('C', ['192.168.50.0/24']);
    const one = planRoutes({ ...base, advertisers: [c, b] });
    const two = planRoutes({ ...base, advertisers: [b, c] });
    expect(one.accepted[0]!.via.publicKey).toBe('B');
    expect(two.accepted).toEqual(one.accepted);
    expect(one.accepted[0]!.standby.map((s) => s.publicKey)).toEqual(['C']);
    // B unreachable: C takes over; B gone: C alone.
    expect(planRoutes({ ...base, advertisers: [{ ...b, reachable: false }, c] }).routes[0]!.via).toBe(c.meshIp);
    expect(planRoutes({ ...base, advertisers: [c] }).allowedIps.get('C')).toEqual(['192.168.50.0/24']);
  });

  it('reports but installs nothing when accepting routes is off', () => {
    const p = planRoutes({ ...base, acceptRoutes: false, advertisers: [adv('B', ['192.168.50.0/24'])] });
    expect(p.routes).toEqual([]);
    expect(p.accepted[0]!.installed).toBe(false);
  });

  it('routes IPv6 prefixes through the advertiser\'s mesh IPv6', () => {
    const p = planRoutes({ ...base, advertisers: [adv('B', ['2001:db8:1::/48'], { meshIpv6: 'fd00::b' })] });
    expect(p.routes).toEqual([{ prefix: '2001:db8:1::/48', via: 'fd00::b' }]);
  });
});

describe('osLocalNetworks', () => {
  it('lists this machine\'s networks in canonical form, without loopback or the excluded interface', async () => {
    const { osLocalNetworks } = await import('./route-manager');
    const { formatCidr, parseCidr } = await import('../../shared/mesh/ip');
    const os = await import('node:os');
    const excluded = Object.entries(os.networkInterfaces()).find(([, a]) => a?.some((x) => !x.internal))?.[0] ?? 'none';
    const nets = osLocalNetworks(excluded);
    for (const n of nets) {
      expect(n.iface).not.toBe(excluded);
      expect(n.address.startsWith('127.') || n.address === '::1').toBe(false);
      expect(formatCidr(parseCidr(n.cidr)!)).toBe(n.cidr); // host bits cleared
    }
  });
});
