// `cloudroof routes …` in-process: argument handling (through run(), no service), the requests
// each subcommand sends (with a stub client), exit codes, and the text formats.
import { describe, expect, it } from 'vitest';
import { ControlError, type RoutesCheck, type RoutesState } from '../../shared/protocol';
import { fakeIo, runWithStub } from '../test-io';
import { run } from '../run';
import { routesCommand } from './routes';
import { formatAccepted, formatAdvertised, formatCheck, formatNetworks, formatRoutes, formatWithdrawResult } from './routes-format';

const state: RoutesState = {
  acceptRoutes: true,
  advertised: [
    { prefix: '192.168.1.0/24', masquerade: true, lanInterface: 'eth0', state: 'active' },
    { prefix: '10.9.0.0/16', masquerade: false, state: 'error', error: 'no interface is on this network' },
  ],
  accepted: [
    { prefix: '10.5.0.0/16', via: { publicKey: 'K1peerAAAA=', hostname: 'nas', meshIPv4: '10.42.1.2' }, installed: true, standby: [{ publicKey: 'K2peerBBBBBBBB=' }] },
    { prefix: '192.168.1.0/24', via: { publicKey: 'K3', meshIPv4: '10.42.1.3' }, installed: false, conflict: 'overlaps 192.168.1.0/24 on eth0', standby: [] },
  ],
  forwarding: { ipv4: true, ipv6: false },
};
const check: RoutesCheck = {
  ok: false,
  findings: [
    { id: 'ip-forwarding-off', severity: 'error', message: 'IPv4 forwarding is off', fix: 'sysctl -w net.ipv4.ip_forward=1' },
    { id: 'rp-filter-strict', severity: 'warning', message: 'rp_filter is strict on eth0', fix: 'sysctl -w net.ipv4.conf.eth0.rp_filter=2' },
  ],
};

/** Runs `routes ARGS` with a client stub that records calls and answers from `answers`. */
function withStub(args: string[], answers: Record<string, unknown> = {}): ReturnType<typeof runWithStub> {
  return runWithStub(routesCommand, args, answers, state);
}

describe('cloudroof routes: arguments (no service)', () => {
  it('has help for the command and every subcommand', async () => {
    for (const args of [['routes', '--help'], ['help', 'routes'], ['routes', '--json', '-h']]) {
      const io = fakeIo();
      expect(await run(args, io)).toBe(0);
      expect(io.stdout).toMatch(/^Usage: cloudroof routes \[--json\]\n/);
    }
    for (const sub of ['detect', 'advertise', 'withdraw', 'accept', 'check']) {
      const io = fakeIo();
      expect(await run(['routes', sub, '--help'], io)).toBe(0);
      expect(io.stdout).toMatch(new RegExp(`^Usage: cloudroof routes ${sub}`));
    }
    const top = fakeIo();
    await run(['--help'], top);
    expect(top.stdout).toMatch(/^ {2}routes +LAN routes/m);
  });

  it('refuses invalid prefixes locally with exit 2 and the reason', async () => {
    const io = fakeIo();
    expect(await run(['routes', 'advertise', '192.168.1.5/24'], io)).toBe(2);
    expect(io.stderr).toBe('cloudroof: 192.168.1.5/24 is not a network address; did you mean 192.168.1.0/24?\n');
    const dflt = fakeIo();
    expect(await run(['routes', 'advertise', '10.0.0.0/8', '0.0.0.0/0'], dflt)).toBe(2);
    expect(dflt.stderr).toContain('exit node');
    const word = fakeIo();
    expect(await run(['routes', 'withdraw', 'wgmesh://v1/pasted'], word)).toBe(2);
    expect(word.stderr).toBe('cloudroof: that is not a CIDR prefix (e.g. 192.168.1.0/24 or fd00:1234::/64)\n');
  });

  it('turns missing, conflicting and unknown arguments into usage errors naming the subcommand', async () => {
    const cases: [string[], string][] = [
      [['routes', 'advertise'], "cloudroof: routes advertise needs CIDR... or --auto\nRun 'cloudroof routes advertise --help' for usage.\n"],
      [['routes', 'advertise', '--auto', '10.0.0.0/8'], 'cloudroof: give either CIDRs or --auto, not both\n'],
      [['routes', 'withdraw'], 'cloudroof: routes withdraw needs CIDR... or --all\n'],
      [['routes', 'withdraw', '--all', '10.0.0.0/8'], 'cloudroof: give either CIDRs or --all, not both\n'],
      [['routes', 'accept'], 'cloudroof: routes accept needs on or off\n'],
      [['routes', 'accept', 'maybe'], 'cloudroof: routes accept needs on or off\n'],
      [['routes', 'accept', 'on', 'off'], 'cloudroof: unexpected argument\n'],
      [['routes', 'detect', '--force'], "cloudroof: Unknown option '--force'"],
      [['routes', 'detect', 'eth0'], "Run 'cloudroof routes detect --help'"],
      [['routes', '10.0.0.0/8'], "cloudroof: unknown routes subcommand\nRun 'cloudroof routes --help' for usage.\n"],
      [['routes', 'list'], "cloudroof: unknown routes subcommand 'list'\n"],
      [['routes', 'toString'], "unknown routes subcommand"],
    ];
    for (const [args, expected] of cases) {
      const io = fakeIo();
      expect(await run(args, io), args.join(' ')).toBe(2);
      expect(io.stderr).toContain(expected);
    }
  });
});

describe('cloudroof routes: requests and exit codes (stub client)', () => {
  it('advertise sends canonical, deduplicated prefixes and the flags; exit 1 when an asked route failed', async () => {
    const ok = await withStub(['advertise', '192.168.1.0/24', '192.168.1.0/24', 'FD00:1::/64']);
    expect(ok.calls).toEqual([['advertiseRoutes', { prefixes: ['192.168.1.0/24', 'fd00:1::/64'] }]]);
    expect([ok.code, ok.io.stdout]).toEqual([0, 'Advertising 192.168.1.0/24 on eth0 with masquerade: active\n']);
    const flags = await withStub(['advertise', '10.9.0.0/16', '--no-masquerade', '--force']);
    expect(flags.calls).toEqual([['advertiseRoutes', { prefixes: ['10.9.0.0/16'], masquerade: false, force: true }]]);
    expect(flags.code).toBe(1);
    expect(flags.io.stderr).toBe("cloudroof: 10.9.0.0/16: no interface is on this network; 'cloudroof routes check' may say why\n");
    const auto = await withStub(['advertise', '--auto', '--json']);
    expect(auto.calls).toEqual([['advertiseRoutes', { prefixes: [], auto: true }]]);
    expect(JSON.parse(auto.io.stdout)).toMatchObject({ accept_routes: true, advertised: [{ lan_interface: 'eth0' }, {}] });
  });

  it('maps refusals of the input by the service to exit 2, other errors to exit 1', async () => {
    const refused = new ControlError('route-not-local', '192.168.77.0/24 overlaps none of this machine\'s networks');
    const r = await withStub(['advertise', '192.168.77.0/24'], { advertiseRoutes: refused }).catch((e: unknown) => e);
    expect(r).toMatchObject({ message: refused.message, exitCode: 2 });
    const gone = await withStub(['withdraw', '10.1.0.0/16'], { withdrawRoutes: new ControlError('not-advertised', 'x') }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ControlError);
  });

  it('withdraw, accept, check, detect and the listing send what they should', async () => {
    const w = await withStub(['withdraw', '10.1.0.0/16']);
    expect(w.calls).toEqual([['withdrawRoutes', { prefixes: ['10.1.0.0/16'] }]]);
    expect(w.io.stdout).toBe('Withdrew 10.1.0.0/16\nStill advertising: 192.168.1.0/24, 10.9.0.0/16\n');
    expect((await withStub(['withdraw', '--all'])).calls).toEqual([['withdrawRoutes', { all: true }]]);
    const acc = await withStub(['accept', 'off'], { patchPrefs: { wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: false } });
    expect([acc.calls, acc.io.stdout]).toEqual([[['patchPrefs', { acceptRoutes: false }]], 'Accepting routes from other nodes: off\n']);
    const c = await withStub(['check'], { checkRoutes: check });
    expect([c.code, c.calls]).toEqual([1, [['checkRoutes']]]);
    const warnOnly = await withStub(['check', '--json'], { checkRoutes: { ok: true, findings: check.findings.slice(1) } });
    expect([warnOnly.code, JSON.parse(warnOnly.io.stdout)]).toEqual([0, { ok: true, findings: [check.findings[1]] }]);
    const d = await withStub(['detect', '--json'], { detectRoutes: { networks: [{ iface: 'eth0', address: '192.168.1.2', cidr: '192.168.1.0/24', family: 4, defaultRoute: true }] } });
    expect(JSON.parse(d.io.stdout)).toEqual({ networks: [{ iface: 'eth0', address: '192.168.1.2', cidr: '192.168.1.0/24', family: 4, default_route: true }] });
    const list = await withStub(['--json']);
    expect(list.calls).toEqual([['routes']]);
    expect(list.io.stdout).not.toMatch(/"[a-z]+[A-Z]\w*":/);
    expect(JSON.parse(list.io.stdout)).toMatchObject({ accepted: [{ via: { mesh_ipv4: '10.42.1.2', public_key: 'K1peerAAAA=' } }, {}] });
  });
});

describe('cloudroof routes: text formats', () => {
  it('lists the accept setting, forwarding, advertised and accepted routes', () => {
    expect(formatRoutes(state)).toBe([
      'Accept routes from other nodes: on',
      'Forwarding: IPv4 on, IPv6 off',
      '',
      'Advertised by this node:',
      'PREFIX          MASQUERADE  LAN IFACE  STATE',
      '192.168.1.0/24  yes         eth0       active',
      '10.9.0.0/16     no          -          error: no interface is on this network',
      '',
      'Accepted from other nodes:',
      'PREFIX          VIA              INSTALLED  STANDBY    CONFLICT',
      '10.5.0.0/16     nas (10.42.1.2)  yes        K2peerBB…  -',
      '192.168.1.0/24  10.42.1.3        no         -          overlaps 192.168.1.0/24 on eth0',
      '',
    ].join('\n'));
    expect(formatAdvertised([])).toBe('Advertised by this node: none\n');
    expect(formatAccepted([])).toBe('Accepted from other nodes: none\n');
  });

  it('shows networks, findings with fixes, and withdraw results', () => {
    expect(formatNetworks([{ iface: 'wlan0', address: 'fd00:1::2', cidr: 'fd00:1::/64', family: 6, defaultRoute: false }]))
      .toBe('IFACE  ADDRESS    NETWORK      DEFAULT ROUTE\nwlan0  fd00:1::2  fd00:1::/64  no\n\nAdvertise one with: sudo cloudroof routes advertise CIDR (or --auto)\n');
    expect(formatNetworks([])).toMatch(/^No networks/);
    expect(formatCheck(check)).toBe('error: IPv4 forwarding is off\n  fix: sysctl -w net.ipv4.ip_forward=1\n' +
      'warning: rp_filter is strict on eth0\n  fix: sysctl -w net.ipv4.conf.eth0.rp_filter=2\n');
    expect(formatCheck({ ok: true, findings: [] })).toBe('No problems found.\n');
    expect(formatWithdrawResult({ ...state, advertised: [] }, undefined)).toBe('Withdrew all advertised routes\n');
  });
});
