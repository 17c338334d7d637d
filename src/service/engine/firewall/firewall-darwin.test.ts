import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import type { SubnetRouterRules } from './firewall';
import { DarwinFirewall } from './firewall-darwin';
import { parsePfToken, renderPfAnchor, validatePfRules } from './pf-rules';

const rules: SubnetRouterRules = {
  meshInterface: 'utun20',
  meshSubnets: ['10.20.0.0/16', 'fd12:3456::/64'],
  routes: [
    { prefix: '192.168.1.0/24', lanInterface: 'en0', masquerade: true },
    { prefix: 'fd99:1::/64', lanInterface: 'bridge100', masquerade: true },
    { prefix: '172.16.0.0/12', masquerade: false },
  ],
};

// Translation before filter rules, as pf.conf(5) requires inside one file.
const golden = `nat on en0 inet from 10.20.0.0/16 to 192.168.1.0/24 -> (en0)
nat on bridge100 inet6 from fd12:3456::/64 to fd99:1::/64 -> (bridge100)
pass in quick on utun20 inet from 10.20.0.0/16 to 192.168.1.0/24 keep state
pass out quick on utun20 inet from 192.168.1.0/24 to 10.20.0.0/16 keep state
pass in quick on utun20 inet6 from fd12:3456::/64 to fd99:1::/64 keep state
pass out quick on utun20 inet6 from fd99:1::/64 to fd12:3456::/64 keep state
pass in quick on utun20 inet from 10.20.0.0/16 to 172.16.0.0/12 keep state
pass out quick on utun20 inet from 172.16.0.0/12 to 10.20.0.0/16 keep state
`;

// What Darwin's pfctl -E prints, on stderr.
const enabled = { stderr: 'No ALTQ support in kernel\nALTQ related functions disabled\npf enabled\nToken : 18446744073709551\n' };

describe('pf rules (golden)', () => {
  it('renders nat for masqueraded routes and pass rules both ways on the mesh interface', () => {
    expect(renderPfAnchor(validatePfRules(rules))).toBe(golden);
  });

  it('uses a list for several mesh subnets of one family, and any without one', () => {
    const text = renderPfAnchor(validatePfRules({ meshInterface: 'utun3', meshSubnets: ['10.20.0.0/16', '10.30.0.0/16'], routes: [{ prefix: 'fd99::/64', masquerade: false }, { prefix: '10.1.0.0/16', lanInterface: 'en1', masquerade: true }] }));
    expect(text).toBe('nat on en1 inet from { 10.20.0.0/16, 10.30.0.0/16 } to 10.1.0.0/16 -> (en1)\n'
      + 'pass in quick on utun3 inet6 from any to fd99::/64 keep state\n'
      + 'pass out quick on utun3 inet6 from fd99::/64 to any keep state\n'
      + 'pass in quick on utun3 inet from { 10.20.0.0/16, 10.30.0.0/16 } to 10.1.0.0/16 keep state\n'
      + 'pass out quick on utun3 inet from 10.1.0.0/16 to { 10.20.0.0/16, 10.30.0.0/16 } keep state\n');
  });

  it('validates every value before it goes into the rule text', () => {
    const bad: [Partial<SubnetRouterRules>, RegExp][] = [
      [{ meshInterface: 'wg0' }, /utun/],
      [{ meshInterface: 'utun1 } pass all' }, /utun/],
      [{ routes: [{ prefix: '192.168.1.0/24', lanInterface: 'en0 -> (en1)', masquerade: false }] }, /interface name/],
      [{ routes: [{ prefix: '192.168.1.0/24', lanInterface: 'eth-0', masquerade: false }] }, /e\.g\. en0/],
      [{ routes: [{ prefix: '192.168.1.0/24', masquerade: true }] }, /masquerade on macOS needs the LAN interface.*--no-masquerade/],
      [{ routes: [{ prefix: '192.168.1.1/24', lanInterface: 'en0', masquerade: true }] }, /host bits/],
      [{ routes: [{ prefix: '0.0.0.0/0', lanInterface: 'en0', masquerade: true }] }, /default routes/],
      [{ meshSubnets: ['10.20.0.0/16 }'] }, /invalid prefix/],
    ];
    for (const [patch, re] of bad) expect(() => validatePfRules({ ...rules, ...patch }), re.source).toThrow(re);
  });

  it('parses the enable token', () => {
    expect(parsePfToken({ stdout: '', ...enabled })).toBe('18446744073709551');
    expect(parsePfToken({ stdout: 'Token : 42\n', stderr: '' })).toBe('42');
    expect(() => parsePfToken({ stdout: '', stderr: 'pf enabled\n' })).toThrow(/no enable token/);
  });
});

describe('DarwinFirewall (golden argv)', () => {
  it('loads the anchor from stdin, enables pf once, and releases it on remove', async () => {
    const r = new FakeCommandRunner().on(['pfctl', '-E'], enabled);
    const fw = new DarwinFirewall(r);
    await fw.apply(rules);
    await fw.apply(rules); // the reference is taken once per process
    expect(r.calls).toEqual([
      { argv: ['pfctl', '-a', 'com.apple/cloudroof', '-f', '-'], input: golden },
      { argv: ['pfctl', '-E'] },
      { argv: ['pfctl', '-a', 'com.apple/cloudroof', '-f', '-'], input: golden },
    ]);
    r.clear();
    await fw.remove();
    await fw.remove(); // nothing more to release
    expect(r.commands()).toEqual([
      'pfctl -a com.apple/cloudroof -F all',
      'pfctl -X 18446744073709551',
      'pfctl -a com.apple/cloudroof -F all',
    ]);
  });

  it('empty routes remove; failures leave pf alone', async () => {
    const r = new FakeCommandRunner().on(['pfctl', '-E'], enabled);
    await new DarwinFirewall(r).apply({ ...rules, routes: [] });
    expect(r.commands()).toEqual(['pfctl -a com.apple/cloudroof -F all']);
    const broken = new FakeCommandRunner().on(['pfctl', '-a'], { fail: { exitCode: 1, stderr: 'pfctl: Syntax error in config file: pf rules not loaded\n' } });
    await expect(new DarwinFirewall(broken).apply(rules)).rejects.toThrow(/pf rules not loaded/);
    expect(broken.commands()).toEqual(['pfctl -a com.apple/cloudroof -f -']);
    const invalid = new FakeCommandRunner();
    await expect(new DarwinFirewall(invalid).apply({ ...rules, meshInterface: 'wg0' })).rejects.toThrow(/utun/);
    expect(invalid.calls).toEqual([]);
  });

  it('current() shows nat then filter rules, or null when the anchor is empty or absent', async () => {
    // `once` answers are taken most recent first: the failing pair answers the first call.
    const r = new FakeCommandRunner()
      .once(['pfctl', '-a', 'com.apple/cloudroof', '-s', 'nat'], { stdout: 'nat on en0 inet from 10.20.0.0/16 to 192.168.1.0/24 -> (en0) round-robin\n' })
      .once(['pfctl', '-a', 'com.apple/cloudroof', '-s', 'rules'], { stdout: 'pass in quick on utun20 inet from 10.20.0.0/16 to 192.168.1.0/24 flags S/SA keep state\n' })
      .once(['pfctl', '-a', 'com.apple/cloudroof', '-s', 'nat'], { fail: { exitCode: 1, stderr: 'pfctl: DIOCGETRULES: Invalid argument\n' } })
      .once(['pfctl', '-a', 'com.apple/cloudroof', '-s', 'rules'], { fail: { exitCode: 1, stderr: 'pfctl: DIOCGETRULES: Invalid argument\n' } });
    const fw = new DarwinFirewall(r);
    expect(await fw.current()).toBeNull();
    expect(await fw.current()).toBe('nat on en0 inet from 10.20.0.0/16 to 192.168.1.0/24 -> (en0) round-robin\npass in quick on utun20 inet from 10.20.0.0/16 to 192.168.1.0/24 flags S/SA keep state\n');
    expect(await fw.current()).toBeNull();
    expect(r.commands()).toEqual(Array.from({ length: 3 }, () => ['pfctl -a com.apple/cloudroof -s nat', 'pfctl -a com.apple/cloudroof -s rules']).flat());
    const denied = new FakeCommandRunner().on(['pfctl'], { fail: { exitCode: 1, stderr: 'pfctl: /dev/pf: Permission denied\n' } });
    await expect(new DarwinFirewall(denied).current()).rejects.toThrow(/Permission denied/);
  });
});
