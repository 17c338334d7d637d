import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from './fake';
import { checkSubnetRouting, findDroppingForwardChains } from './routes-preflight';
import { FakeSysctl } from './sysctl';

const goodSysctls = {
  'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1',
  'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.eth0.rp_filter': '2',
};
const emptyRuleset = '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]}';
// Captured from nftables 1.0.6 (`nft -j list ruleset`): a firewalld-style final reject, an
// ip table with policy drop that already lets wg0 through, an ip6 table with policy drop,
// and our own table (never reported).
const busyRuleset = '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "firewalld", "handle": 1}}, {"chain": {"family": "inet", "table": "firewalld", "name": "filter_FORWARD", "handle": 1, "type": "filter", "hook": "forward", "prio": 10, "policy": "accept"}}, {"rule": {"family": "inet", "table": "firewalld", "chain": "filter_FORWARD", "handle": 2, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "firewalld", "chain": "filter_FORWARD", "handle": 3, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "lo"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "firewalld", "chain": "filter_FORWARD", "handle": 4, "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"reject": {"type": "icmpx", "expr": "admin-prohibited"}}]}}, {"table": {"family": "ip", "name": "filter", "handle": 2}}, {"chain": {"family": "ip", "table": "filter", "name": "FORWARD", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}, {"rule": {"family": "ip", "table": "filter", "chain": "FORWARD", "handle": 2, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "wg0"}}, {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "eth0"}}, {"accept": null}]}}, {"table": {"family": "ip6", "name": "filter", "handle": 3}}, {"chain": {"family": "ip6", "table": "filter", "name": "FORWARD", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}, {"table": {"family": "inet", "name": "cloudroof", "handle": 4}}, {"chain": {"family": "inet", "table": "cloudroof", "name": "forward", "handle": 1, "type": "filter", "hook": "forward", "prio": -1, "policy": "accept"}}, {"rule": {"family": "inet", "table": "cloudroof", "chain": "forward", "handle": 2, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "wg0"}}, {"drop": null}]}}]}';

const input = { meshInterface: 'wg0', prefixes: ['192.168.1.0/24'], lanInterfaces: ['eth0'] };

function runner(ruleset = emptyRuleset): FakeCommandRunner {
  return new FakeCommandRunner()
    .on(['nft', '-j', 'list', 'ruleset'], { stdout: ruleset })
    .on(['ip', '-j', 'route', 'show', '192.168.1.0/24'], { stdout: '[{"dst":"192.168.1.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.168.1.10","flags":[]}]' });
}

describe('checkSubnetRouting', () => {
  it('finds nothing on a well-prepared machine, reading only', async () => {
    const r = runner();
    const sysctl = new FakeSysctl(goodSysctls);
    expect(await checkSubnetRouting({ sysctl, runner: r }, input)).toEqual([]);
    expect(r.commands().sort()).toEqual(['ip -j route show 192.168.1.0/24', 'nft -j list ruleset']);
    expect(sysctl.sets).toEqual([]);
  });

  it('forwarding off is a warning, per family of the prefixes', async () => {
    const sysctl = new FakeSysctl({ ...goodSysctls, 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' });
    const r = runner().on(['ip', '-j', '-6', 'route', 'show', 'fd99::/64'], { stdout: '[]' });
    const findings = await checkSubnetRouting({ sysctl, runner: r }, { ...input, prefixes: ['192.168.1.0/24', 'fd99::/64'] });
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['forwarding-ipv4-off', 'warning'], ['forwarding-ipv6-off', 'warning']]);
    expect(findings[0]?.message).toMatch(/cloudroof enables it while routes are advertised/);
    expect(findings[0]?.fix).toMatch(/net\.ipv4\.ip_forward=1/);
    expect(r.commands()).toContain('ip -j -6 route show fd99::/64');
  });

  it('strict rp_filter on all or the LAN interface is a warning with the sysctl to run', async () => {
    const sysctl = new FakeSysctl({ ...goodSysctls, 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth0.rp_filter': '1' });
    const findings = await checkSubnetRouting({ sysctl, runner: runner() }, input);
    expect(findings.map((f) => [f.id, f.fix])).toEqual([
      ['rp-filter-strict', 'sudo sysctl -w net.ipv4.conf.all.rp_filter=2'],
      ['rp-filter-strict', 'sudo sysctl -w net.ipv4.conf.eth0.rp_filter=2'],
    ]);
    // IPv6-only advertising has no rp_filter to check.
    const r6 = new FakeCommandRunner().on(['nft'], { stdout: emptyRuleset });
    expect(await checkSubnetRouting({ sysctl, runner: r6 }, { ...input, prefixes: ['fd99::/64'] })).toEqual([]);
  });

  it('a forward chain of another table that drops is an error with the rules to add', async () => {
    const findings = await checkSubnetRouting({ sysctl: new FakeSysctl(goodSysctls), runner: runner(busyRuleset) }, input);
    expect(findings).toEqual([{
      id: 'firewall-drops-forward',
      severity: 'error',
      message: 'the forward chain inet firewalld filter_FORWARD drops forwarded traffic by default, so traffic between wg0 and the LAN would be dropped',
      fix: 'sudo nft insert rule inet firewalld filter_FORWARD iifname "wg0" oifname "eth0" accept\n'
        + 'sudo nft insert rule inet firewalld filter_FORWARD iifname "eth0" oifname "wg0" ct state established,related accept',
    }]);
  });

  it('reports ip6 chains only for IPv6 prefixes, never our own table, and a generic fix without LAN interfaces', () => {
    expect(findDroppingForwardChains(busyRuleset, 'wg0', 'cloudroof', [6])).toEqual([
      { family: 'inet', table: 'firewalld', chain: 'filter_FORWARD' }, { family: 'ip6', table: 'filter', chain: 'FORWARD' },
    ]);
    expect(findDroppingForwardChains(busyRuleset, 'wg9', 'cloudroof', [4]).map((c) => c.family)).toEqual(['inet', 'ip']);
    expect(findDroppingForwardChains(busyRuleset, 'wg0', 'firewalld', [4])).toEqual([]);
  });

  it('without nft, or unreadable, the firewall check is skipped with a note', async () => {
    const missing = new FakeCommandRunner().on(['nft'], { fail: { missingBinary: true } }).on(['ip'], { stdout: '[]' });
    const [f] = await checkSubnetRouting({ sysctl: new FakeSysctl(goodSysctls), runner: missing }, input);
    expect(f).toMatchObject({ id: 'firewall-unchecked', severity: 'warning', fix: 'sudo apt-get install nftables' });
    const denied = new FakeCommandRunner().on(['nft'], { fail: { exitCode: 1, stderr: 'Operation not permitted' } }).on(['ip'], { stdout: '[]' });
    const [g] = await checkSubnetRouting({ sysctl: new FakeSysctl(goodSysctls), runner: denied }, input);
    expect(g?.message).toMatch(/could not be read.*Operation not permitted/);
  });

  it('a route for the prefix via another interface is a warning', async () => {
    const r = new FakeCommandRunner().on(['nft'], { stdout: emptyRuleset })
      .on(['ip', '-j', 'route', 'show', '192.168.1.0/24'], { stdout: '[{"dst":"192.168.1.0/24","gateway":"10.8.0.1","dev":"tun0","flags":[]}]' })
      .on(['ip', '-j', 'route', 'show', '192.168.2.0/24'], { stdout: '[{"dst":"192.168.2.0/24","gateway":"10.20.0.7","dev":"wg0","flags":[]}]' })
      .on(['ip', '-j', 'route', 'show', '192.168.3.0/24'], { stdout: '[{"dst":"192.168.3.0/24","dev":"x$(reboot)","flags":[]}]' });
    const findings = await checkSubnetRouting({ sysctl: new FakeSysctl(goodSysctls), runner: r }, { ...input, prefixes: ['192.168.1.0/24', '192.168.2.0/24', '192.168.3.0/24'] });
    expect(findings.map((f) => f.id)).toEqual(['route-conflict', 'route-conflict', 'route-conflict']);
    expect(findings[0]?.message).toBe('192.168.1.0/24 is already routed via 10.8.0.1 dev tun0, not through eth0; mesh traffic for it may leave the wrong way');
    expect(findings[0]?.fix).toMatch(/sudo ip route del 192\.168\.1\.0\/24 via 10\.8\.0\.1 dev tun0$/);
    expect(findings[1]?.fix).toMatch(/another mesh node advertises/);
    expect(findings[2]?.fix).not.toMatch(/reboot/);
  });

  it('validates names and prefixes before running anything', async () => {
    const r = runner();
    const deps = { sysctl: new FakeSysctl(goodSysctls), runner: r };
    await expect(checkSubnetRouting(deps, { ...input, lanInterfaces: ['eth0;reboot'] })).rejects.toThrow(/interface name/);
    await expect(checkSubnetRouting(deps, { ...input, prefixes: ['192.168.1.1/24'] })).rejects.toThrow(/host bits/);
    expect(r.calls).toEqual([]);
  });
});
