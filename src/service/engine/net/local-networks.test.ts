import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { canonicalPrefix, listLocalNetworks, parseDefaultRouteInterfaces, prefixFamily } from './local-networks';

const inet = (local: string, prefixlen: number, scope = 'global', label?: string) => ({
  family: 'inet', local, prefixlen, scope, ...(label ? { label } : {}), valid_life_time: 4294967295, preferred_life_time: 4294967295,
});
const inet6 = (local: string, prefixlen: number, scope = 'global', extra: Record<string, unknown> = {}) => ({
  family: 'inet6', local, prefixlen, scope, ...extra, valid_life_time: 4294967295, preferred_life_time: 4294967295,
});

// Shapes as printed by iproute2 6.1 (`ip -j addr show`), captured from a namespace and extended.
const addrShow = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, qdisc: 'noqueue', operstate: 'UNKNOWN', group: 'default', txqlen: 1000, link_type: 'loopback', address: '00:00:00:00:00:00', broadcast: '00:00:00:00:00:00', addr_info: [inet('127.0.0.1', 8, 'host', 'lo'), inet6('::1', 128, 'host')] },
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, qdisc: 'noqueue', operstate: 'UP', group: 'default', txqlen: 1000, link_type: 'ether', address: 'aa:cc:0e:de:f8:94', broadcast: 'ff:ff:ff:ff:ff:ff', addr_info: [
    inet('192.168.1.10', 24, 'global', 'eth0'), inet('10.1.2.3', 32, 'global', 'eth0'), inet('169.254.7.1', 16, 'global', 'eth0'),
    inet6('2001:db8:1::10', 64, 'global', { dynamic: true, mngtmpaddr: true }), inet6('2001:db8:1::beef', 64, 'global', { temporary: true, dynamic: true }),
    inet6('fe80::a8cc:eff:fede:f894', 64, 'link', { tentative: true }),
  ] },
  { ifindex: 3, ifname: 'wlan0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', addr_info: [inet('172.16.5.9', 20, 'global', 'wlan0'), inet6('fd12:3456:789a:1::9', 64, 'global', { dadfailed: true, tentative: true })] },
  { ifindex: 4, ifname: 'docker0', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], mtu: 1500, operstate: 'DOWN', link_type: 'ether', addr_info: [inet('172.17.0.1', 16, 'global', 'docker0')] },
  { ifindex: 5, ifname: 'eth1', flags: ['BROADCAST', 'MULTICAST'], mtu: 1500, operstate: 'DOWN', link_type: 'ether', addr_info: [inet('192.168.9.1', 24)] },
  { ifindex: 6, ifname: 'wg0', flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'], mtu: 1420, operstate: 'UNKNOWN', link_type: 'none', addr_info: [inet('10.20.0.1', 16, 'global', 'wg0')] },
  { ifindex: 7, ifname: 'br-lan', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether', addr_info: [inet('10.0.0.1', 24, 'global', 'br-lan'), {}] },
]);
const defaultV4 = '[{"dst":"default","gateway":"192.168.1.1","dev":"eth0","flags":[]}]';
const defaultV6 = '[{"dst":"default","gateway":"fe80::1","dev":"eth0","protocol":"ra","metric":1024,"flags":[],"pref":"medium"}]';

describe('listLocalNetworks', () => {
  it('parses ip -j output and skips loopback, link-local, host, down, tunnel and excluded interfaces', async () => {
    const r = new FakeCommandRunner()
      .on(['ip', '-j', 'addr', 'show'], { stdout: addrShow })
      .on(['ip', '-j', 'route', 'show', 'default'], { stdout: defaultV4 })
      .on(['ip', '-j', '-6', 'route', 'show', 'default'], { stdout: defaultV6 });
    const nets = await listLocalNetworks(r, { exclude: ['br-lan'] });
    expect(nets).toEqual([
      { iface: 'eth0', address: '192.168.1.10', cidr: '192.168.1.0/24', family: 4, defaultRoute: true },
      { iface: 'eth0', address: '2001:db8:1::10', cidr: '2001:db8:1::/64', family: 6, defaultRoute: true },
      { iface: 'wlan0', address: '172.16.5.9', cidr: '172.16.0.0/20', family: 4, defaultRoute: false },
    ]);
    expect(r.commands().sort()).toEqual(['ip -j -6 route show default', 'ip -j addr show', 'ip -j route show default']);
    expect((await listLocalNetworks(r)).map((n) => n.cidr)).toContain('10.0.0.0/24');
  });

  it('reads default-route interfaces, including multipath routes and empty output', () => {
    expect(parseDefaultRouteInterfaces('')).toEqual(new Set());
    expect(parseDefaultRouteInterfaces('[{"dst":"default","flags":[],"nexthops":[{"gateway":"192.168.1.1","dev":"eth0","weight":1,"flags":[]},{"gateway":"10.0.0.1","dev":"eth1","weight":1,"flags":[]}]}]'))
      .toEqual(new Set(['eth0', 'eth1']));
  });
});

describe('canonicalPrefix', () => {
  it('canonicalises valid prefixes', () => {
    expect(canonicalPrefix('192.168.1.0/24')).toBe('192.168.1.0/24');
    expect(canonicalPrefix('FD00:0:0::/64')).toBe('fd00::/64');
    expect(canonicalPrefix('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(canonicalPrefix('10.1.2.3/32')).toBe('10.1.2.3/32');
    expect(prefixFamily('fd00::/8')).toBe(6);
  });

  it('rejects host bits and malformed input with a helpful message', () => {
    expect(() => canonicalPrefix('192.168.1.5/24')).toThrow(/host bits are set \(did you mean 192\.168\.1\.0\/24\?\)/);
    expect(() => canonicalPrefix('fd00::1/64')).toThrow(/fd00::\/64/);
    for (const bad of ['192.168.1.0', '192.168.1.0/33', 'fd00::/129', '10.1/16', '010.0.0.0/8', '10.0.0.0/08', 'fe80::%eth0/64', '10.0.0.0/24 ', '', 'x/1', '10.0.0.0/24;drop']) {
      expect(() => canonicalPrefix(bad), bad).toThrow(/invalid prefix/);
    }
  });

});
