import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { FakeRouter } from './fake';
import { parseMeshRoutes, planMeshRoutes } from './mesh-routes';
import { LinuxRouter } from './router-linux';

// Captured from iproute2 6.1 in a namespace: `ip -j route show dev d0` / `ip -j -6 route show dev d0`.
const v4 = '[{"dst":"10.20.0.0/16","protocol":"kernel","scope":"link","prefsrc":"10.20.0.1","flags":[]},{"dst":"10.99.0.5","gateway":"10.20.0.8","flags":[]},{"dst":"192.168.50.0/24","gateway":"10.20.0.7","flags":[]}]';
const v6 = '[{"dst":"fd00:20::/64","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},{"dst":"fd99::/48","gateway":"fd00:20::7","metric":1024,"flags":[],"pref":"medium"},{"dst":"fe80::/64","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},{"dst":"default","gateway":"fd00:20::fe","metric":1024,"flags":[],"pref":"medium"}]';

function runnerWith(v4Out: string, v6Out: string): FakeCommandRunner {
  return new FakeCommandRunner()
    .on(['ip', '-j', 'route', 'show', 'dev'], { stdout: v4Out })
    .on(['ip', '-j', '-6', 'route', 'show', 'dev'], { stdout: v6Out });
}

describe('parseMeshRoutes', () => {
  it('keeps gateway routes, makes host routes /32 and skips subnet, default, multipath and special routes', () => {
    expect(parseMeshRoutes(v4)).toEqual([{ prefix: '10.99.0.5/32', via: '10.20.0.8' }, { prefix: '192.168.50.0/24', via: '10.20.0.7' }]);
    expect(parseMeshRoutes(v6)).toEqual([{ prefix: 'fd99::/48', via: 'fd00:20::7' }]);
    expect(parseMeshRoutes('')).toEqual([]);
    expect(parseMeshRoutes(JSON.stringify([
      { type: 'unreachable', dst: '10.5.0.0/16', gateway: '10.20.0.9', flags: [] },
      { dst: '10.6.0.0/16', flags: [], nexthops: [{ gateway: '10.20.0.7', dev: 'wg0', weight: 1, flags: [] }] },
      { dst: 'fd98::5', gateway: 'fd00:20::8', metric: 1024, flags: [], pref: 'medium' },
    ]))).toEqual([{ prefix: 'fd98::5/128', via: 'fd00:20::8' }]);
  });
});

describe('LinuxRouter mesh routes (golden)', () => {
  it('lists IPv4 and IPv6 routes of the interface', async () => {
    const r = runnerWith(v4, v6);
    expect(await new LinuxRouter(r).listMeshRoutes('wg0')).toEqual([
      { prefix: '10.99.0.5/32', via: '10.20.0.8' }, { prefix: '192.168.50.0/24', via: '10.20.0.7' }, { prefix: 'fd99::/48', via: 'fd00:20::7' },
    ]);
    expect(r.commands()).toEqual(['ip -j route show dev wg0', 'ip -j -6 route show dev wg0']);
  });

  it('adds, replaces a changed gateway and deletes the rest in one ip -batch', async () => {
    const r = runnerWith(v4, v6);
    const result = await new LinuxRouter(r).applyMeshRoutes('wg0', [
      { prefix: '192.168.50.0/24', via: '10.20.0.9' }, // gateway changed
      { prefix: 'fd99::/48', via: 'fd00:20::7' }, // unchanged
      { prefix: '172.16.0.0/20', via: '10.20.0.7' }, // new
      { prefix: 'fd77:1::/64', via: 'FD00:20:0::8' }, // new, gateway spelled oddly
    ]);
    expect(r.commands()).toEqual(['ip -j route show dev wg0', 'ip -j -6 route show dev wg0', 'ip -batch -']);
    expect(r.calls[2]?.input).toBe([
      'route del 10.99.0.5/32 via 10.20.0.8 dev wg0',
      'route replace 192.168.50.0/24 via 10.20.0.9 dev wg0',
      'route replace 172.16.0.0/20 via 10.20.0.7 dev wg0',
      'route replace fd77:1::/64 via fd00:20::8 dev wg0',
      '',
    ].join('\n'));
    expect(result).toEqual({
      added: [{ prefix: '192.168.50.0/24', via: '10.20.0.9' }, { prefix: '172.16.0.0/20', via: '10.20.0.7' }, { prefix: 'fd77:1::/64', via: 'fd00:20::8' }],
      removed: [{ prefix: '10.99.0.5/32', via: '10.20.0.8' }, { prefix: '192.168.50.0/24', via: '10.20.0.7' }],
    });
  });

  it('runs nothing when nothing differs, and removes all with an empty list', async () => {
    const r = runnerWith(v4, '[]');
    const router = new LinuxRouter(r);
    expect(await router.applyMeshRoutes('wg0', [{ prefix: '10.99.0.5/32', via: '10.20.0.8' }, { prefix: '192.168.50.0/24', via: '10.20.0.7' }]))
      .toEqual({ added: [], removed: [] });
    expect(r.commands()).not.toContain('ip -batch -');
    await router.applyMeshRoutes('wg0', []);
    expect(r.calls.at(-1)?.input).toBe('route del 10.99.0.5/32 via 10.20.0.8 dev wg0\nroute del 192.168.50.0/24 via 10.20.0.7 dev wg0\n');
  });

  it('with two gateways for one prefix keeps the desired one and deletes the other', () => {
    const cur = [{ prefix: '10.5.0.0/16', via: '10.20.0.1' }, { prefix: '10.5.0.0/16', via: '10.20.0.2' }];
    expect(planMeshRoutes('wg0', cur, [{ prefix: '10.5.0.0/16', via: '10.20.0.2' }]).lines).toEqual(['route del 10.5.0.0/16 via 10.20.0.1 dev wg0']);
    expect(planMeshRoutes('wg0', cur, [{ prefix: '10.5.0.0/16', via: '10.20.0.3' }]).lines)
      .toEqual(['route replace 10.5.0.0/16 via 10.20.0.3 dev wg0', 'route del 10.5.0.0/16 via 10.20.0.2 dev wg0']);
  });

  it('validates desired routes before running anything', async () => {
    const r = runnerWith('[]', '[]');
    const router = new LinuxRouter(r);
    await expect(router.applyMeshRoutes('wg0', [{ prefix: '192.168.1.5/24', via: '10.20.0.1' }])).rejects.toThrow(/host bits/);
    await expect(router.applyMeshRoutes('wg0', [{ prefix: '192.168.1.0/24', via: 'fd00::1' }])).rejects.toThrow(/not an IPv4 address/);
    await expect(router.applyMeshRoutes('wg0', [{ prefix: 'FD00::/64', via: 'fd00::1' }])).rejects.toThrow(/not canonical/);
    await expect(router.applyMeshRoutes('wg0', [{ prefix: '0.0.0.0/0', via: '10.20.0.1' }])).rejects.toThrow(/default routes/);
    await expect(router.applyMeshRoutes('wg0', [{ prefix: '10.1.0.0/16', via: '10.20.0.1' }, { prefix: '10.1.0.0/16', via: '10.20.0.2' }])).rejects.toThrow(/twice/);
    await expect(router.applyMeshRoutes('wg0', [{ prefix: '10.1.0.0/16', via: '10.20.0.1\nlink del wg0' }])).rejects.toThrow(/gateway/);
    await expect(router.listMeshRoutes('wg0 x')).rejects.toThrow(/interface name/);
    expect(r.calls).toEqual([]);
  });
});

describe('FakeRouter mesh routes', () => {
  it('diffs like LinuxRouter and keeps the routes per link', async () => {
    const f = new FakeRouter();
    await expect(f.listMeshRoutes('wg0')).rejects.toThrow(/does not exist/);
    f.addLink('wg0');
    expect(await f.applyMeshRoutes('wg0', [{ prefix: '10.5.0.0/16', via: '10.20.0.1' }])).toEqual({ added: [{ prefix: '10.5.0.0/16', via: '10.20.0.1' }], removed: [] });
    expect(await f.applyMeshRoutes('wg0', [{ prefix: '10.5.0.0/16', via: '10.20.0.2' }]))
      .toEqual({ added: [{ prefix: '10.5.0.0/16', via: '10.20.0.2' }], removed: [{ prefix: '10.5.0.0/16', via: '10.20.0.1' }] });
    expect(await f.listMeshRoutes('wg0')).toEqual([{ prefix: '10.5.0.0/16', via: '10.20.0.2' }]);
    await f.deleteLink('wg0');
    expect(f.meshRoutes.has('wg0')).toBe(false);
  });
});
