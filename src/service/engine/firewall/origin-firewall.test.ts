import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { FakeOriginFirewall } from './origin-fake';
import { createOriginFirewall, NftablesOriginFirewall, NoopOriginFirewall, renderOriginNftables, validateOriginRules } from './origin-firewall';
import type { OriginFirewallRules } from './origin-firewall';

const rules: OriginFirewallRules = {
  meshInterface: 'wg0',
  meshAddresses: ['10.20.30.40', 'fd12:3456:0000::0abc'],
  ports: [18080, 8080, 18080],
};

// Loaded as-is by nftables 1.0.6 in a namespace (see test/netns/origin-firewall.test.ts).
const golden = `table inet cloudroof_origin {}
delete table inet cloudroof_origin
table inet cloudroof_origin {
	chain input {
		type filter hook input priority filter - 1; policy accept;
		ip daddr 10.20.30.40 tcp dport { 8080, 18080 } iifname != { "wg0", "lo" } drop
		ip6 daddr fd12:3456::abc tcp dport { 8080, 18080 } iifname != { "wg0", "lo" } drop
	}
}
`;

describe('NftablesOriginFirewall (golden)', () => {
  it('replaces the whole table in one nft -f transaction, values canonical', async () => {
    const r = new FakeCommandRunner();
    await new NftablesOriginFirewall(r).apply(rules);
    expect(r.commands()).toEqual(['nft -f -']);
    expect(r.calls[0]?.input).toBe(golden);
  });

  it('writes one value without a set, and one line per family present', () => {
    const text = renderOriginNftables('t1', { meshInterface: 'wgmesh0', meshAddresses: ['10.1.0.1'], ports: [18081] });
    expect(text).toContain('\t\tip daddr 10.1.0.1 tcp dport 18081 iifname != { "wgmesh0", "lo" } drop\n\t}\n');
    expect(text).not.toContain('ip6');
    const v6 = renderOriginNftables('t1', { meshInterface: 'wg0', meshAddresses: ['fd00::1', 'fd00::2'], ports: [1, 65535] });
    expect(v6).toContain('\t\tip6 daddr { fd00::1, fd00::2 } tcp dport { 1, 65535 } iifname != { "wg0", "lo" } drop\n');
    expect(v6).not.toContain('ip daddr');
  });

  it('removes idempotently, and empty ports remove', async () => {
    const r = new FakeCommandRunner();
    const fw = new NftablesOriginFirewall(r, { table: 'crt_origin' });
    await fw.remove();
    await fw.apply({ ...rules, ports: [] });
    await fw.apply({ meshInterface: 'wg0', meshAddresses: [], ports: [] });
    const drop = 'table inet crt_origin {}\ndelete table inet crt_origin\n';
    expect(r.calls).toEqual([1, 2, 3].map(() => ({ argv: ['nft', '-f', '-'], input: drop })));
  });

  it('current() returns the listing, or null when the table does not exist', async () => {
    const r = new FakeCommandRunner()
      .once(['nft', 'list', 'table'], { fail: { exitCode: 1, stderr: 'Error: No such file or directory\nlist table inet cloudroof_origin\n' } })
      .on(['nft', 'list', 'table'], { stdout: 'table inet cloudroof_origin {\n}\n' })
      .once(['nft', '-f', '-'], { fail: { exitCode: 1, stderr: 'Error: Operation not permitted' } });
    const fw = new NftablesOriginFirewall(r);
    expect(await fw.current()).toBeNull();
    expect(await fw.current()).toBe('table inet cloudroof_origin {\n}\n');
    expect(r.commands()).toEqual(['nft list table inet cloudroof_origin', 'nft list table inet cloudroof_origin']);
    await expect(fw.apply(rules)).rejects.toThrow(/Operation not permitted/);
    const missing = new NftablesOriginFirewall(new FakeCommandRunner().on(['nft'], { fail: { missingBinary: true } }));
    await expect(missing.current()).rejects.toThrow(/nftables package/);
  });

  it('validates every value before it goes into the rule text', async () => {
    const r = new FakeCommandRunner();
    const fw = new NftablesOriginFirewall(r);
    const bad: [Partial<OriginFirewallRules>, RegExp][] = [
      [{ meshInterface: 'wg0" accept; #' }, /interface name/],
      [{ meshInterface: 'averyveryverylongname' }, /interface name/],
      [{ meshAddresses: ['10.20.30.40/32'] }, /invalid mesh address/],
      [{ meshAddresses: ['10.20.30.40 } accept'] }, /invalid mesh address/],
      [{ meshAddresses: ['fe80::1%wg0'] }, /invalid mesh address/],
      [{ meshAddresses: ['010.1.2.3'] }, /invalid mesh address/],
      [{ meshAddresses: ['wg0'] }, /invalid mesh address/],
      [{ meshAddresses: [] }, /no mesh address/],
      [{ ports: [0] }, /invalid port/],
      [{ ports: [65536] }, /invalid port/],
      [{ ports: [80.5] }, /invalid port/],
      [{ ports: [Number.NaN] }, /invalid port/],
      [{ ports: ['80; drop' as unknown as number] }, /invalid port/],
    ];
    for (const [patch, re] of bad) await expect(fw.apply({ ...rules, ...patch }), re.source).rejects.toThrow(re);
    expect(r.calls).toEqual([]);
    expect(() => new NftablesOriginFirewall(r, { table: 'x; flush ruleset' })).toThrow(/table name/);
    expect(() => new NftablesOriginFirewall(r, { table: 'Cloudroof' })).toThrow(/table name/);
  });

  it('canonicalises: addresses in Go text form, ports sorted without duplicates', () => {
    expect(validateOriginRules({ meshInterface: 'wg0', meshAddresses: ['FD00:0::1', 'fd00::1', '10.0.0.1'], ports: [9, 3, 9] }))
      .toEqual({ meshInterface: 'wg0', meshAddresses: ['fd00::1', '10.0.0.1'], ports: [3, 9] });
  });
});

describe('createOriginFirewall / NoopOriginFirewall / FakeOriginFirewall', () => {
  it('picks nftables on Linux and the no-op on macOS', async () => {
    const r = new FakeCommandRunner();
    expect(createOriginFirewall(r, 'linux')).toBeInstanceOf(NftablesOriginFirewall);
    const mac = createOriginFirewall(r, 'darwin');
    expect(mac).toBeInstanceOf(NoopOriginFirewall);
    await mac.apply({ meshInterface: 'utun20', meshAddresses: ['10.1.0.1'], ports: [18080] });
    await expect(mac.apply({ meshInterface: 'wg0', meshAddresses: ['10.1.0.1'], ports: [18080] })).rejects.toThrow(/utun/);
    expect(await mac.current()).toBeNull();
    await mac.remove();
    expect(r.calls).toEqual([]);
  });

  it('FakeOriginFirewall keeps the rules and renders like the real one', async () => {
    const f = new FakeOriginFirewall();
    expect(await f.current()).toBeNull();
    await f.apply(rules);
    expect(await f.current()).toBe(golden.split('\n').slice(2).join('\n'));
    await expect(f.apply({ ...rules, meshInterface: 'bad name' })).rejects.toThrow(/interface name/);
    f.failNextApply = new Error('nft: boom');
    await expect(f.apply({ ...rules, ports: [1] })).rejects.toThrow(/boom/);
    expect(f.rules?.ports).toEqual([8080, 18080]);
    await f.apply({ ...rules, ports: [] });
    expect(f.rules).toBeNull();
    expect(f.calls).toEqual(['current', 'apply', 'current', 'apply', 'apply', 'apply']);
  });
});
