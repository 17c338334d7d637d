import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { FakeFirewall } from './fake';
import { createFirewall } from './firewall';
import type { SubnetRouterRules } from './firewall';
import { DarwinFirewall } from './firewall-darwin';
import { NftablesFirewall, renderNftables } from './nftables-firewall';

const rules: SubnetRouterRules = {
  meshInterface: 'wg0',
  meshSubnets: ['10.20.0.0/16', 'fd12:3456::/64'],
  routes: [
    { prefix: '192.168.1.0/24', lanInterface: 'eth0', masquerade: true },
    { prefix: 'fd99:1::/64', masquerade: true },
    { prefix: '172.16.0.0/12', lanInterface: 'eth1', masquerade: false },
  ],
};

// Loaded as-is by nftables 1.0.6 in a namespace (see test/netns/firewall.test.ts).
const golden = `table inet cloudroof {}
delete table inet cloudroof
table inet cloudroof {
	chain forward {
		type filter hook forward priority filter - 1; policy accept;
		iifname "wg0" oifname "eth0" ip saddr 10.20.0.0/16 ip daddr 192.168.1.0/24 accept
		iifname "eth0" oifname "wg0" ip saddr 192.168.1.0/24 ip daddr 10.20.0.0/16 ct state established,related accept
		iifname "wg0" ip6 saddr fd12:3456::/64 ip6 daddr fd99:1::/64 accept
		oifname "wg0" ip6 saddr fd99:1::/64 ip6 daddr fd12:3456::/64 ct state established,related accept
		iifname "wg0" oifname "eth1" ip saddr 10.20.0.0/16 ip daddr 172.16.0.0/12 accept
		iifname "eth1" oifname "wg0" ip saddr 172.16.0.0/12 ip daddr 10.20.0.0/16 ct state established,related accept
		iifname "wg0" drop
		oifname "wg0" drop
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		iifname "wg0" oifname "eth0" ip saddr 10.20.0.0/16 ip daddr 192.168.1.0/24 masquerade
		iifname "wg0" ip6 saddr fd12:3456::/64 ip6 daddr fd99:1::/64 masquerade
	}
}
`;

describe('NftablesFirewall (golden)', () => {
  it('replaces the whole table in one nft -f transaction', async () => {
    const r = new FakeCommandRunner();
    await new NftablesFirewall(r).apply(rules);
    expect(r.commands()).toEqual(['nft -f -']);
    expect(r.calls[0]?.input).toBe(golden);
  });

  it('uses a set for several mesh subnets of one family, and no saddr match without one', () => {
    const text = renderNftables('t1', { meshInterface: 'wg0', meshSubnets: ['10.20.0.0/16', '10.30.0.0/16'], routes: [{ prefix: 'fd99::/64', masquerade: false }, { prefix: '10.1.0.0/16', masquerade: false }] });
    expect(text).toContain('\t\tiifname "wg0" ip6 daddr fd99::/64 accept\n\t\toifname "wg0" ip6 saddr fd99::/64 ct state established,related accept\n');
    expect(text).toContain('iifname "wg0" ip saddr { 10.20.0.0/16, 10.30.0.0/16 } ip daddr 10.1.0.0/16 accept');
    expect(text).toContain('\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t}\n');
  });

  it('removes idempotently, and empty routes remove', async () => {
    const r = new FakeCommandRunner();
    const fw = new NftablesFirewall(r, { table: 'crt_test' });
    await fw.remove();
    await fw.apply({ ...rules, routes: [] });
    expect(r.calls).toEqual([
      { argv: ['nft', '-f', '-'], input: 'table inet crt_test {}\ndelete table inet crt_test\n' },
      { argv: ['nft', '-f', '-'], input: 'table inet crt_test {}\ndelete table inet crt_test\n' },
    ]);
  });

  it('current() returns the listing, or null when the table does not exist', async () => {
    const r = new FakeCommandRunner()
      .once(['nft', 'list', 'table'], { fail: { exitCode: 1, stderr: 'Error: No such file or directory\nlist table inet cloudroof\n                 ^^^^^^^^^\n' } })
      .on(['nft', 'list', 'table'], { stdout: 'table inet cloudroof {\n}\n' })
      .once(['nft', '-f', '-'], { fail: { exitCode: 1, stderr: 'Error: Operation not permitted' } });
    const fw = new NftablesFirewall(r);
    expect(await fw.current()).toBeNull();
    expect(await fw.current()).toBe('table inet cloudroof {\n}\n');
    expect(r.commands()).toEqual(['nft list table inet cloudroof', 'nft list table inet cloudroof']);
    await expect(fw.apply(rules)).rejects.toThrow(/Operation not permitted/);
    await expect(new NftablesFirewall(new FakeCommandRunner().on(['nft'], { fail: { missingBinary: true } })).current()).rejects.toThrow(/nftables package/);
  });

  it('validates every value before it goes into the rule text', async () => {
    const r = new FakeCommandRunner();
    const fw = new NftablesFirewall(r);
    const bad: [Partial<SubnetRouterRules>, RegExp][] = [
      [{ meshInterface: 'wg0" accept; #' }, /interface name/],
      [{ routes: [{ prefix: '192.168.1.0/24', lanInterface: 'eth 0', masquerade: true }] }, /interface name/],
      [{ routes: [{ prefix: '192.168.1.1/24', masquerade: true }] }, /host bits/],
      [{ routes: [{ prefix: 'FD99::/64', masquerade: true }] }, /not canonical/],
      [{ routes: [{ prefix: '0.0.0.0/0', masquerade: true }] }, /default routes/],
      [{ routes: [{ prefix: '10.1.0.0/16', masquerade: true }, { prefix: '10.1.0.0/16', masquerade: false }] }, /twice/],
      [{ meshSubnets: ['10.20.0.0/16 }'] }, /invalid prefix/],
    ];
    for (const [patch, re] of bad) await expect(fw.apply({ ...rules, ...patch }), re.source).rejects.toThrow(re);
    expect(r.calls).toEqual([]);
    expect(() => new NftablesFirewall(r, { table: 'x; flush ruleset' })).toThrow(/table name/);
  });
});

describe('createFirewall / DarwinFirewall / FakeFirewall', () => {
  it('picks nftables on Linux and pf on macOS', () => {
    expect(createFirewall(new FakeCommandRunner(), 'linux')).toBeInstanceOf(NftablesFirewall);
    // Not called: this DarwinFirewall has the real runner (golden tests: firewall-darwin.test.ts).
    expect(createFirewall(new FakeCommandRunner(), 'darwin')).toBeInstanceOf(DarwinFirewall);
  });

  it('FakeFirewall keeps the rules and renders like the real one', async () => {
    const f = new FakeFirewall();
    expect(await f.current()).toBeNull();
    await f.apply(rules);
    expect(await f.current()).toBe(golden.split('\n').slice(2).join('\n'));
    await expect(f.apply({ ...rules, meshInterface: 'bad name' })).rejects.toThrow(/interface name/);
    await f.apply({ ...rules, routes: [] });
    expect(f.rules).toBeNull();
    expect(f.calls).toEqual(['current', 'apply', 'current', 'apply', 'apply']);
  });
});
