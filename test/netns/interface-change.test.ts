// Changing the WireGuard interface name and UDP port of a joined node through the CLI
// (`cloudroof set`, PATCH /v1/prefs), with real cloudroofd processes and wireguard-go in
// namespaces: the old interface goes away, the new one listens on the new port, and the two
// nodes ping each other's mesh addresses again. A taken port and another interface's name are
// refused with the old interface still working, and a move that cannot come up (the name is
// taken by a WireGuard elsewhere) puts the previous interface and port back. A start after a
// crash that left the previous interface behind removes it. Root only; the lab removes everything, also when a test fails.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { meshAddress, waitForMeshPings, waitForPeerCounts } from '../../src/cli/lab/mesh-check';
import { generateSecretToken } from '../../src/shared/mesh/secret';
import { netnsSkipReason } from './support/requirements';

const canRun = netnsSkipReason('interface change', ['wireguard-go', 'wg', 'ip', 'ping']) === '';
/** Outside the ports the mesh derives (gossip 51821–52820, DHT +1, probes 53821–54821) and 51820. */
const NEW_PORT = 45100;
const TAKEN_PORT = 45200;
/** wireguard-go's UAPI socket directory, shared by every namespace. */
const WG_RUN_DIR = '/var/run/wireguard';

describe.skipIf(!canRun)('interface name and port changed while joined (netns, wireguard-go)', () => {
  let cluster: LabCluster;

  /** Whether node `i`'s namespace has a link named `name`. */
  const linkExists = async (i: number, name: string): Promise<boolean> => (await cluster.lab.exec(i, ['ip', 'link', 'show', 'dev', name])).code === 0;
  /** The UDP port WireGuard itself reports for `iface` (over its UAPI socket). */
  const wgPort = async (i: number, iface: string): Promise<string> => (await cluster.lab.exec(i, ['wg', 'show', iface, 'listen-port'])).stdout.trim();
  /** Both nodes see each other and ping each other's mesh IPv4 and IPv6. */
  const meshWorks = async (): Promise<number> => waitForMeshPings(cluster, await waitForPeerCounts(cluster, { timeoutMs: 30_000 }), { timeoutMs: 30_000 });

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 2, ipv6: true });
    const secretFile = join(cluster.lab.tmpDir, 'secret');
    writeFileSync(secretFile, generateSecretToken() + '\n', { mode: 0o600 });
    await Promise.all([0, 1].map((i) => cluster.startNode(i)));
    for (const i of [0, 1]) {
      const r = await cluster.cli(i, ['join', '--secret-file', secretFile]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(await meshWorks()).toBe(4);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('moves to the new interface and port: the old one is gone, the mesh works again', async () => {
    const oldIface = cluster.interfaceName(0);
    const newIface = `${oldIface}m`;
    const r = await cluster.cli(0, ['set', '--interface', newIface, '--listen-port', String(NEW_PORT)]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`Interface:   ${newIface} (was ${oldIface})`);
    expect(r.stdout).toContain(`Listen port: ${NEW_PORT}`);
    expect(r.stdout).toContain('reconnected on the new interface and port');
    expect(await linkExists(0, oldIface)).toBe(false);
    expect(await linkExists(0, newIface)).toBe(true);
    expect(await wgPort(0, newIface)).toBe(String(NEW_PORT));
    expect(await cluster.statusJson(0)).toMatchObject({ interface: newIface, listen_port: NEW_PORT, tunnel_state: 'connected' });
    expect(await meshWorks()).toBe(4);
  }, 120_000);

  it('refuses a taken port and another interface\'s name; the interface keeps working', async () => {
    const iface = `${cluster.interfaceName(0)}m`;
    cluster.lab.spawn(0, [process.execPath, '-e', `require('dgram').createSocket('udp4').bind(${TAKEN_PORT}, () => console.log('bound'))`], { logName: 'udp-holder' });
    await cluster.waitFor(() => cluster.lab.readLog(0, 'udp-holder').includes('bound'), { timeoutMs: 10_000, what: 'the UDP port holder' });
    const taken = await cluster.cli(0, ['set', '--listen-port', String(TAKEN_PORT)]);
    expect([taken.code, taken.stderr]).toEqual([1, `cloudroof: UDP port ${TAKEN_PORT} is in use; choose another with --listen-port\n`]);
    const other = await cluster.cli(0, ['set', '--interface', 'lan0']);
    expect([other.code, other.stderr]).toEqual([2, 'cloudroof: an interface named lan0 already exists on this machine; choose another name\n']);
    expect(await linkExists(0, 'lan0')).toBe(true);
    expect(await wgPort(0, iface)).toBe(String(NEW_PORT));
    const prefs = JSON.parse(readFileSync(join(cluster.stateDir(0), 'prefs.json'), 'utf8')) as Record<string, unknown>;
    expect(prefs).toMatchObject({ interfaceName: iface, listenPort: NEW_PORT });
    const peer = meshAddress((await cluster.statusJson(1)).mesh_ipv4);
    expect(await cluster.ping(0, peer ?? '', { count: 3, timeoutS: 2 })).toBe(true);
  }, 60_000);

  it('a move that cannot reconnect puts the previous interface and port back', async () => {
    const iface = `${cluster.interfaceName(0)}m`;
    const squatted = `${cluster.interfaceName(0)}z`;
    // Another WireGuard process (as in another namespace) answers on the UAPI socket of that name.
    mkdirSync(WG_RUN_DIR, { recursive: true });
    const squatter = createServer((c) => c.on('data', () => c.end('errno=0\n\n')));
    await new Promise<void>((resolve) => squatter.listen(join(WG_RUN_DIR, `${squatted}.sock`), resolve));
    try {
      const r = await cluster.cli(0, ['set', '--interface', squatted]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^cloudroof: could not reconnect on ${squatted} port ${NEW_PORT}: .*served by another running WireGuard process.*; the previous interface and port are kept\n$`));
      expect(await cluster.statusJson(0)).toMatchObject({ interface: iface, listen_port: NEW_PORT, tunnel_state: 'connected' });
      expect(JSON.parse(readFileSync(join(cluster.stateDir(0), 'prefs.json'), 'utf8'))).toMatchObject({ interfaceName: iface, listenPort: NEW_PORT });
      expect(await linkExists(0, squatted)).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    expect(await meshWorks()).toBe(4);
  }, 120_000);

  it('after a crash, a start on another name removes the interface left behind', async () => {
    const left = `${cluster.interfaceName(0)}m`;
    const next = `${cluster.interfaceName(0)}n`;
    await cluster.killNode(0);
    expect(await linkExists(0, left)).toBe(true); // the crash left it (and its wireguard-go) behind
    // As if the crash came between saving the new name and leaving the old interface.
    const file = join(cluster.stateDir(0), 'prefs.json');
    writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), interfaceName: next }), { mode: 0o600 });
    await cluster.startNode(0);
    await cluster.waitFor(async () => (await cluster.statusJson(0)).tunnel_state === 'connected', { timeoutMs: 30_000, what: 'node 0 to rejoin' });
    expect(await linkExists(0, left)).toBe(false);
    expect(await linkExists(0, next)).toBe(true);
    const removed = cluster.lab.readLog(0, 'cloudroofd').split('\n').filter((l) => l.includes('removed a leftover mesh interface'));
    expect(removed.some((l) => l.includes(`"iface":"${left}"`)), removed.join('\n')).toBe(true);
    expect(await meshWorks()).toBe(4);
  }, 120_000);
});
