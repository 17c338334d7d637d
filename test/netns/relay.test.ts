// Relay routing through an introducer (wgmesh spec 3.15) with real cloudroofd processes and
// wireguard-go. Node 0 and node 2 cannot reach each other's underlay; both reach node 1, an
// introducer. Root only; everything is removed in afterAll, also when a test fails.
//
// Topology: one bridge. Node 0 keeps 192.168.<x>.10/24; node 2 moves to 172.31.<x>.12/24, so
// neither endpoint is on the other's local subnet (spec 3.15 rule 4). Every node routes
// everything on-link (`default dev lan0`), so node 1 reaches both; nftables in node 0 and
// node 2 drops what they would still exchange over the shared bridge (WireGuard, HELLOs, LAN
// multicast), so neither is `lan`-discovered by the other (rule 3) and no direct path exists.
// Nodes 0 and 2 join with --force-relay (rule 5); rule 10 (dht-transitive, no handshake) would
// relay them too. Settings reach the service through `cloudroof join` flags.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster, type LabNodeStatus } from '../../src/cli/lab/cluster';
import { meshAddress } from '../../src/cli/lab/mesh-check';
import { LAN_INTERFACE } from '../../src/cli/lab/netns-lab';
import { generateSecretToken } from '../../src/shared/mesh/secret';
import { netnsSkipReason } from './support/requirements';

const canRun = netnsSkipReason('relay', ['wireguard-go', 'ip', 'ping', 'nft']) === '';

describe.skipIf(!canRun)('relay through an introducer (netns, wireguard-go)', () => {
  let cluster: LabCluster;
  let statuses: LabNodeStatus[] = [];
  let forwardingBefore: string[] = [];
  const forwardingKeys = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv6/conf/all/forwarding'];
  const forwardingOf = (i: number) => Promise.all(forwardingKeys.map(async (f) => (await ok(i, ['cat', f])).trim()));
  const secret = generateSecretToken();

  const ok = async (i: number, argv: string[], input?: string) => {
    const r = await cluster.lab.exec(i, argv, input === undefined ? {} : { input });
    expect(r.code, `${argv.join(' ')} on node ${i}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  /** Drops everything between node `i` and `ip` in node `i`'s namespace (a table of the test's own). */
  const isolate = (i: number, ip: string) => ok(i, ['nft', '-f', '-'], [
    'table inet relaytest {',
    `  chain in { type filter hook input priority filter - 5; policy accept; ip saddr ${ip} drop; }`,
    `  chain out { type filter hook output priority filter - 5; policy accept; ip daddr ${ip} drop; }`,
    '}', ''].join('\n'));
  const join_ = async (i: number, flags: string[]) => {
    const file = join(cluster.lab.nodeDir(i), 'secret');
    writeFileSync(file, secret + '\n', { mode: 0o600 });
    const r = await cluster.cli(i, ['join', '--secret-file', file, '--no-dht', '--stun', '', ...flags]);
    expect(r.code, r.stderr).toBe(0);
  };
  const peerOf = async (i: number, j: number) => (await cluster.peersJson(i)).find((p) => p.hostname === `node${j}`);

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 3 });
    const lab = cluster.lab;
    const far = `172.31.${lab.subnet}.12`;
    await ok(2, ['ip', 'addr', 'del', `${lab.lanIp(2)}/24`, 'dev', LAN_INTERFACE]);
    await ok(2, ['ip', 'addr', 'add', `${far}/24`, 'dev', LAN_INTERFACE]);
    await ok(2, ['ip', 'route', 'replace', 'default', 'dev', LAN_INTERFACE]);
    await isolate(0, far);
    await isolate(2, lab.lanIp(0));
    forwardingBefore = await forwardingOf(1);
    await Promise.all([0, 1, 2].map((i) => cluster.startNode(i)));
    await join_(1, ['--introducer']);
    await Promise.all([join_(0, ['--force-relay']), join_(2, ['--force-relay'])]);
    statuses = await Promise.all([0, 1, 2].map((i) => cluster.statusJson(i)));
  }, 90_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('the underlay between node 0 and node 2 is really cut', async () => {
    expect(await cluster.ping(1, cluster.lab.lanIp(0))).toBe(true);
    expect(await cluster.ping(1, `172.31.${cluster.lab.subnet}.12`)).toBe(true);
    expect(await cluster.ping(0, `172.31.${cluster.lab.subnet}.12`)).toBe(false);
    expect(await cluster.ping(2, cluster.lab.lanIp(0))).toBe(false);
  });

  it('node 0 and node 2 relay each other through node 1 and ping over IPv4 and IPv6', async () => {
    // One side learns the other from node 1's known_peers only at its next HELLO to node 1
    // (contacts are deduplicated for 60 s), hence the long wait.
    await cluster.waitFor(async () => {
      const [a, b] = await Promise.all([peerOf(0, 2), peerOf(2, 0)]);
      if (a?.path === 'relay' && b?.path === 'relay') return true;
      throw new Error(`node0 sees node2 as ${String(a?.path)}, node2 sees node0 as ${String(b?.path)}`);
    }, { timeoutMs: 120_000, intervalMs: 500, what: 'both ends to relay' });
    for (const [from, to] of [[0, 2], [2, 0]] as const) {
      const p = await peerOf(from, to);
      expect(p).toMatchObject({ path: 'relay', relay_via: 'node1' });
      expect(p?.discovered_via).not.toContain('lan');
      for (const ip of [meshAddress(statuses[to]?.mesh_ipv4), meshAddress(statuses[to]?.mesh_ipv6)]) {
        expect(ip).toBeDefined();
        await cluster.waitFor(() => cluster.ping(from, ip!), { timeoutMs: 20_000, what: `node ${from} to ping ${ip}` });
      }
    }
    // The introducer itself is reached directly, and reaches both directly.
    expect((await peerOf(0, 1))?.path).toMatch(/^direct/);
    for (const j of [0, 2]) expect((await peerOf(1, j))?.path).toMatch(/^direct/);
  }, 180_000);

  it('the introducer forwards mesh → mesh, and undoes it when it leaves', async () => {
    const iface = cluster.interfaceName(1);
    expect(await ok(1, ['nft', 'list', 'table', 'inet', 'cloudroof'])).toContain(`iifname "${iface}" oifname "${iface}" accept`);
    expect(await forwardingOf(1)).toEqual(['1', '1']);
    const r = await cluster.cli(1, ['leave']);
    expect(r.code, r.stderr).toBe(0);
    expect((await cluster.lab.exec(1, ['nft', 'list', 'table', 'inet', 'cloudroof'])).code).not.toBe(0);
    expect(await forwardingOf(1)).toEqual(forwardingBefore);
  });
});
