// The whole doctor over fakes: a FakeBackend for the node's state, the real routes preflight
// (RouteControl.check) over a FakeSysctl and a FakeCommandRunner, and a fake machine.
import { describe, expect, it } from 'vitest';
import type { RoutesState } from '../../shared/protocol';
import { RouteControl } from '../backend/route-control';
import { FakeBackend } from '../control/fake';
import { FakeCommandRunner } from '../engine/fake';
import { FakeSysctl } from '../engine/sysctl';
import { defaultPrefs } from '../state/prefs';
import { runDoctor, type DoctorNode, type DoctorSystem } from './doctor';
import type { PeerSkew } from './skew';

const addr = JSON.stringify([
  { ifname: 'eth0', flags: ['UP', 'LOWER_UP'], operstate: 'UP', link_type: 'ether', addr_info: [{ family: 'inet', local: '192.168.1.10', prefixlen: 24, scope: 'global' }] },
]);
const wg = JSON.stringify([{ ifname: 'wg0', flags: ['POINTOPOINT', 'UP'], addr_info: [{ family: 'inet', local: '10.42.7.1' }] }]);

function fakeSystem(over: Partial<DoctorSystem> = {}): DoctorSystem {
  const runner = new FakeCommandRunner()
    .on(['ip', '-j', 'addr', 'show', 'dev', 'wg0'], { stdout: wg })
    .on(['ip', '-j', 'addr', 'show'], { stdout: addr })
    .on(['ip', '-j', 'route', 'show', 'default'], { stdout: '[{"dst":"default","dev":"eth0","flags":[]}]' })
    .on(['ip', '-j', '-6', 'route', 'show', 'default'], { stdout: '[]' })
    .on(['ip', '-j', 'route', 'show'], { stdout: '[{"dst":"192.168.1.0/24","dev":"eth0"}]' })
    .on(['nft', '-j', 'list', 'ruleset'], { stdout: '{"nftables":[]}' });
  return {
    platform: 'linux', uid: 0, runner,
    findProgram: (n) => (['ip', 'nft', 'nginx', 'wireguard-go'].includes(n) ? `/usr/sbin/${n}` : undefined),
    kernelModuleMayExist: () => false,
    stat: async (p) => (p === '/state' ? { mode: 0o700, uid: 0, isDirectory: true } : p === '/state/secret' ? { mode: 0o600, uid: 0, isDirectory: false } : undefined),
    boundUdpPorts: async () => new Set([51820]),
    ...over,
  };
}

/** A joined FakeBackend advertising `prefixes`, with the real preflight over `sysctl`. */
async function fakeNode(sys: DoctorSystem, opts: { prefixes?: string[]; sysctl?: FakeSysctl; skew?: PeerSkew[] } = {}): Promise<{ node: DoctorNode; backend: FakeBackend }> {
  const backend = new FakeBackend();
  await backend.join({ secret: 'x'.repeat(32) });
  backend.updateStatus({ interface: 'wg0', peerCount: 1 });
  const prefixes = opts.prefixes ?? [];
  if (prefixes.length) await backend.advertiseRoutes({ prefixes });
  const control = new RouteControl({
    iface: () => 'wg0', platform: 'linux', runner: sys.runner, sysctl: opts.sysctl ?? new FakeSysctl({ 'net.ipv4.ip_forward': '1' }),
    prefs: () => ({ ...defaultPrefs(), advertiseRoutes: prefixes.map((prefix) => ({ prefix, masquerade: true })) }),
    savePrefs: async () => undefined, joined: () => undefined,
  });
  const node: DoctorNode = {
    stateDir: '/state', status: () => backend.status(), routes: (): RoutesState => backend.routes(), checkRoutes: () => control.check(),
    edge: () => backend.edge(), sites: () => backend.sites(), skew: () => opts.skew ?? [], nginx: () => ({ mode: 'system' }),
  };
  return { node, backend };
}

describe('runDoctor', () => {
  it('a healthy joined node: ok, no findings, every check named', async () => {
    const sys = fakeSystem();
    const { node } = await fakeNode(sys, { prefixes: ['192.168.1.0/24'] });
    const report = await runDoctor(sys, node);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checked).toEqual(['wireguard', 'programs', 'state-dir', 'mesh', 'interface', 'routes', 'edge', 'clock']);
  });

  it('forwarding off while a route is advertised → error finding with the sysctl fix (from the routes preflight)', async () => {
    const sys = fakeSystem();
    const sysctl = new FakeSysctl({ 'net.ipv4.ip_forward': '0', 'net.ipv4.conf.all.rp_filter': '2', 'net.ipv4.conf.eth0.rp_filter': '0' });
    const { node } = await fakeNode(sys, { prefixes: ['192.168.1.0/24'], sysctl });
    const report = await runDoctor(sys, node);
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([expect.objectContaining({ id: 'forwarding-ipv4-off', severity: 'error' })]);
    expect(report.findings[0]!.fix).toMatch(/^sudo sysctl -w net\.ipv4\.ip_forward=1/);
    expect(sysctl.sets).toEqual([]); // read-only
  });

  it('nginx missing in edge mode → error with apt-get install nginx', async () => {
    const sys = fakeSystem({ findProgram: (n) => (n === 'nginx' ? undefined : `/usr/sbin/${n}`) });
    const { node, backend } = await fakeNode(sys);
    await backend.enableEdge({});
    const report = await runDoctor(sys, node);
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([{ id: 'nginx-missing', severity: 'error', message: 'edge mode is on but nginx is not installed', fix: 'sudo apt-get install nginx' }]);
  });

  it('clock skew of 400 s against a peer → error; the drop counters are evidence', async () => {
    const sys = fakeSystem();
    const { node, backend } = await fakeNode(sys, { skew: [{ publicKey: 'K', hostname: 'node1', medianS: -400, samples: 5, lastAt: 0 }] });
    backend.updateStatus({ counters: { received: 9, accepted: 5, dropped: { 'too-old': 4 } } });
    const report = await runDoctor(sys, node);
    expect(report.ok).toBe(false);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ id: 'clock-skew', severity: 'error' });
    expect(report.findings[0]!.fix).toContain('sudo timedatectl set-ntp true');
    expect(report.findings[0]!.message).toContain('4 as too old');
  });

  it('not joined: info, and no interface or clock checks', async () => {
    const sys = fakeSystem();
    const { node, backend } = await fakeNode(sys);
    await backend.leave();
    const report = await runDoctor(sys, node);
    expect(report).toMatchObject({ ok: true, findings: [expect.objectContaining({ id: 'not-joined', severity: 'info' })] });
    expect(report.checked).not.toContain('interface');
    expect(report.checked).not.toContain('clock');
  });

  it('a check that throws becomes a warning naming it', async () => {
    const sys = fakeSystem({ stat: async () => { throw new Error('EIO'); } });
    const { node } = await fakeNode(sys);
    const report = await runDoctor(sys, node);
    expect(report.findings).toEqual([expect.objectContaining({ id: 'check-failed', severity: 'warning', message: 'the state-dir check could not run: EIO' })]);
    expect(report.ok).toBe(true);
  });
});
