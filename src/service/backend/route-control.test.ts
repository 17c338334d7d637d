// The route endpoints' rules, against fakes: what is refused, what is stored, and rollback.
import { describe, expect, it } from 'vitest';
import type { ControlError } from '../../shared/protocol';
import { FakeCommandRunner } from '../engine/fake';
import { FakeSysctl } from '../engine/sysctl';
import { defaultPrefs, type StoredPrefs } from '../state/prefs';
import type { MeshNode } from './mesh-node';
import { RouteControl } from './route-control';
import type { RouteManager } from './route-manager';

const addr = JSON.stringify([
  { ifname: 'eth0', flags: ['UP', 'LOWER_UP'], operstate: 'UP', link_type: 'ether', addr_info: [{ family: 'inet', local: '192.168.1.10', prefixlen: 24, scope: 'global' }] },
]);

function setup(opts: { joined?: boolean; failApply?: boolean } = {}) {
  const runner = new FakeCommandRunner()
    .on(['ip', '-j', 'addr', 'show'], { stdout: addr })
    .on(['ip', '-j', 'route', 'show', 'default'], { stdout: '[{"dst":"default","dev":"eth0","flags":[]}]' })
    .on(['ip', '-j', '-6', 'route', 'show', 'default'], { stdout: '[]' });
  let prefs: StoredPrefs = defaultPrefs();
  const saved: StoredPrefs[] = [];
  let applies = 0;
  const node = { routesChanged: async () => { applies++; if (opts.failApply && applies === 1) throw new Error('nft: boom'); } } as unknown as MeshNode;
  const routes = { error: undefined, advertisingApplied: true, accepted: () => [] } as unknown as RouteManager;
  const control = new RouteControl({
    iface: () => 'wg0', platform: 'linux', runner, sysctl: new FakeSysctl({}),
    prefs: () => prefs, savePrefs: async (p) => { prefs = p; saved.push(p); },
    joined: () => (opts.joined ? { node, routes, meshNetworks: ['10.20.0.0/16', 'fd00::/64'] } : undefined),
  });
  return { control, prefs: () => prefs, saved, applies: () => applies };
}

const codeOf = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: ControlError) => e.code));

describe('RouteControl', () => {
  it('advertises a prefix of a local network, with masquerade by default', async () => {
    const t = setup({ joined: true });
    const state = await t.control.advertise({ prefixes: ['192.168.1.0/24'] });
    expect(t.prefs().advertiseRoutes).toEqual([{ prefix: '192.168.1.0/24', masquerade: true }]);
    expect(state.advertised[0]).toMatchObject({ prefix: '192.168.1.0/24', state: 'active' });
    expect(t.applies()).toBe(1);
  });

  it('refuses a prefix no local network overlaps unless forced, and one overlapping the mesh', async () => {
    const t = setup({ joined: true });
    expect(await codeOf(t.control.advertise({ prefixes: ['192.168.7.0/24'] }))).toBe('route-not-local');
    expect(await codeOf(t.control.advertise({ prefixes: ['10.20.5.0/24'], force: true }))).toBe('route-overlaps-mesh');
    expect(t.saved).toEqual([]);
    await t.control.advertise({ prefixes: ['192.168.7.0/24'], force: true, masquerade: false });
    expect(t.prefs().advertiseRoutes).toEqual([{ prefix: '192.168.7.0/24', masquerade: false }]);
  });

  it('--auto takes the detected private LAN', async () => {
    const t = setup();
    await t.control.advertise({ prefixes: [], auto: true });
    expect(t.prefs().advertiseRoutes.map((r) => r.prefix)).toEqual(['192.168.1.0/24']);
  });

  it('withdraws, refuses unknown prefixes, and rolls the prefs back when applying fails', async () => {
    const t = setup({ joined: true, failApply: true });
    expect(await codeOf(t.control.advertise({ prefixes: ['192.168.1.0/24'] }))).toBe('system-error');
    expect(t.prefs().advertiseRoutes).toEqual([]);
    await t.control.advertise({ prefixes: ['192.168.1.0/24'] });
    expect(await codeOf(t.control.withdraw({ prefixes: ['10.9.9.0/24'] }))).toBe('not-advertised');
    await t.control.withdraw({ all: true });
    expect(t.prefs().advertiseRoutes).toEqual([]);
  });
});
