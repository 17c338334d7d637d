import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { parseNetstatRoutes, planDarwinMeshRoutes, routeArgv } from './darwin-routes';
import { planMeshRoutes } from './mesh-routes';
import type { MeshRoute } from './mesh-routes';
import { DarwinRouter } from './router-darwin';

// Shaped like `netstat -rn -f inet` on macOS (network_cmds netstat.tproj/route.c): classful
// abbreviations without `/len`, host routes without a mask, cloned (W) and link-layer entries.
const netstat4 = `Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
default            192.168.1.1        UGScg                 en0       
10.42/16           utun20             USc                utun20       
10.99.0.5/32       10.42.0.7          UGSc               utun20       
127                127.0.0.1          UCS                   lo0       
127.0.0.1          127.0.0.1          UH                    lo0       
169.254            link#6             UCS                   en0      !
172.16/12          10.42.0.9          UGSc               utun20       
192.168.1          link#6             UCS                   en0      !
192.168.1.1        a4:2b:b0:1:2:3     UHLWIir               en0   1187
192.168.50         10.42.0.7          UGSc               utun20       
192.168.50.23      10.42.0.7          UGHWIi             utun20   1200
192.168.60         10.42.0.8          UGSc                  en0       
10.1.2.3           10.42.0.7          UGHS               utun20       
224.0.0/4          utun20             UmCS               utun20       
`;

const netstat6 = `Routing tables

Internet6:
Destination                             Gateway                                 Flags               Netif Expire
default                                 fe80::%utun0                            UGcIg               utun0       
::1                                     ::1                                     UHL                   lo0       
fd12:3456::/64                          utun20                                  USc                utun20       
fd12:3456::abcd                         link#20                                 UHS                utun20       
fd99:1::/64                             fd12:3456::7                            UGSc               utun20       
fd99:2::5                               fd12:3456::7                            UGHS               utun20       
fe80::%utun20/64                        fe80::1%utun20                          UcI                utun20       
fd77::/48                               fe80::1%utun20                          UGSc               utun20       
`;

const installed4: MeshRoute[] = [
  { prefix: '10.99.0.5/32', via: '10.42.0.7' },
  { prefix: '172.16.0.0/12', via: '10.42.0.9' },
  { prefix: '192.168.50.0/24', via: '10.42.0.7' },
  { prefix: '10.1.2.3/32', via: '10.42.0.7' },
];
const installed6: MeshRoute[] = [
  { prefix: 'fd99:1::/64', via: 'fd12:3456::7' },
  { prefix: 'fd99:2::5/128', via: 'fd12:3456::7' },
];

describe('parseNetstatRoutes', () => {
  it('keeps gateway routes on the interface, expanding netstat abbreviations', () => {
    expect(parseNetstatRoutes(netstat4, 'utun20', 4)).toEqual(installed4);
    expect(parseNetstatRoutes(netstat6, 'utun20', 6)).toEqual(installed6);
    expect(parseNetstatRoutes(netstat4, 'utun21', 4)).toEqual([]);
    expect(parseNetstatRoutes('', 'utun20', 4)).toEqual([]);
  });

  it('reads classful abbreviations the way route.c prints them', () => {
    const line = (dst: string, flags = 'UGSc'): string => `${dst} 10.42.0.7 ${flags} utun20\n`;
    const one = (dst: string, flags?: string): string | undefined => parseNetstatRoutes(line(dst, flags), 'utun20', 4)[0]?.prefix;
    expect(one('10')).toBe('10.0.0.0/8');
    expect(one('10.42/16')).toBe('10.42.0.0/16');
    expect(one('172.16')).toBe('172.16.0.0/16');
    expect(one('192.168.0/16')).toBe('192.168.0.0/16');
    expect(one('192.168.1.128/25')).toBe('192.168.1.128/25');
    expect(one('10.1.2.3', 'UGHS')).toBe('10.1.2.3/32');
    expect(one('10.1.2.3')).toBeUndefined(); // a network with host bits: not ours, untouched
    expect(one('10.0.0.0&0xff00ff00')).toBeUndefined();
    expect(one('0.0.0.0/0')).toBeUndefined();
  });
});

describe('planDarwinMeshRoutes', () => {
  const desired: MeshRoute[] = [
    { prefix: '192.168.50.0/24', via: '10.42.0.7' },
    { prefix: '172.16.0.0/12', via: '10.42.0.8' },
    { prefix: 'fd99:1::/64', via: 'fd12:3456::7' },
    { prefix: '192.168.77.0/24', via: '10.42.0.7' },
    { prefix: 'fd99:3::/64', via: 'fd12:3456::8' },
  ];

  it('reports the same changes as the Linux plan', () => {
    const current = [...installed4, ...installed6, { prefix: '192.168.50.0/24', via: '10.42.0.9' }];
    const mac = planDarwinMeshRoutes(current, desired);
    const linux = planMeshRoutes('utun20', current, desired);
    expect({ added: mac.added, removed: mac.removed }).toEqual({ added: linux.added, removed: linux.removed });
    expect(mac.commands.map((c) => c.join(' '))).toContain('route -n delete -net 192.168.50.0/24 10.42.0.9');
  });

  it('changes a gateway once and deletes any further gateways of that prefix', () => {
    const plan = planDarwinMeshRoutes(
      [{ prefix: '10.5.0.0/16', via: '10.42.0.1' }, { prefix: '10.5.0.0/16', via: '10.42.0.2' }],
      [{ prefix: '10.5.0.0/16', via: '10.42.0.3' }],
    );
    expect(plan.commands.map((c) => c.join(' '))).toEqual([
      'route -n change -net 10.5.0.0/16 10.42.0.3',
      'route -n delete -net 10.5.0.0/16 10.42.0.2',
    ]);
    expect(routeArgv('add', 'fd99::/64', 'fd12::1')).toEqual(['route', '-n', 'add', '-inet6', '-net', 'fd99::/64', 'fd12::1']);
  });
});

describe('DarwinRouter mesh routes (golden argv)', () => {
  const listing = (): FakeCommandRunner => new FakeCommandRunner()
    .on(['netstat', '-rn', '-f', 'inet'], { stdout: netstat4 })
    .on(['netstat', '-rn', '-f', 'inet6'], { stdout: netstat6 });

  it('lists both families with two netstat processes', async () => {
    const r = listing();
    expect(await new DarwinRouter(r).listMeshRoutes('utun20')).toEqual([...installed4, ...installed6]);
    expect(r.commands()).toEqual(['netstat -rn -f inet', 'netstat -rn -f inet6']);
  });

  it('adds, changes and deletes with one route command per change', async () => {
    const r = listing().on(['route', '-n', 'delete', '-net', '10.1.2.3/32'], { fail: { exitCode: 1, stderr: 'route: writing to routing socket: not in table\n' } });
    const changes = await new DarwinRouter(r).applyMeshRoutes('utun20', [
      { prefix: '192.168.50.0/24', via: '10.42.0.7' },
      { prefix: '172.16.0.0/12', via: '10.42.0.8' },
      { prefix: 'fd99:1::/64', via: 'fd12:3456::7' },
      { prefix: '192.168.77.0/24', via: '10.42.0.7' },
      { prefix: 'fd99:3::/64', via: 'fd12:3456:0:0::8' },
    ]);
    expect(r.commands()).toEqual([
      'netstat -rn -f inet',
      'netstat -rn -f inet6',
      'route -n delete -net 10.99.0.5/32 10.42.0.7',
      'route -n change -net 172.16.0.0/12 10.42.0.8',
      'route -n delete -net 10.1.2.3/32 10.42.0.7',
      'route -n delete -inet6 -net fd99:2::5/128 fd12:3456::7',
      'route -n add -net 192.168.77.0/24 10.42.0.7',
      'route -n add -inet6 -net fd99:3::/64 fd12:3456::8',
    ]);
    expect(changes).toEqual({
      added: [{ prefix: '172.16.0.0/12', via: '10.42.0.8' }, { prefix: '192.168.77.0/24', via: '10.42.0.7' }, { prefix: 'fd99:3::/64', via: 'fd12:3456::8' }],
      removed: [installed4[0], installed4[1], installed4[3], installed6[1]],
    });
  });

  it('runs nothing when nothing differs, and stops at the first failure', async () => {
    const same = listing();
    expect(await new DarwinRouter(same).applyMeshRoutes('utun20', [...installed4, ...installed6])).toEqual({ added: [], removed: [] });
    expect(same.commands()).toEqual(['netstat -rn -f inet', 'netstat -rn -f inet6']);
    const failing = new FakeCommandRunner().on(['route', '-n', 'add'], { fail: { exitCode: 1, stderr: 'route: writing to routing socket: File exists\n' } });
    const router = new DarwinRouter(failing);
    await expect(router.applyMeshRoutes('utun20', [{ prefix: '10.7.0.0/16', via: '10.42.0.1' }, { prefix: '10.8.0.0/16', via: '10.42.0.1' }])).rejects.toThrow(/File exists/);
    expect(failing.commands().filter((c) => c.startsWith('route'))).toEqual(['route -n add -net 10.7.0.0/16 10.42.0.1']);
  });

  it('validates before running anything', async () => {
    const r = new FakeCommandRunner();
    const router = new DarwinRouter(r);
    await expect(router.applyMeshRoutes('utun20', [{ prefix: '10.7.0.1/16', via: '10.42.0.1' }])).rejects.toThrow(/host bits/);
    await expect(router.applyMeshRoutes('utun20', [{ prefix: '10.7.0.0/16', via: 'fd00::1' }])).rejects.toThrow(/IPv4/);
    await expect(router.applyMeshRoutes('utun20', [{ prefix: '0.0.0.0/0', via: '10.42.0.1' }])).rejects.toThrow(/default/);
    await expect(router.applyMeshRoutes('en0', [])).rejects.toThrow(/utun/);
    await expect(router.listMeshRoutes('utun20;x')).rejects.toThrow(/utun/);
    expect(r.calls).toEqual([]);
  });
});
