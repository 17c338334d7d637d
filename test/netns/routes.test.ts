// LAN route advertising end to end: a home LAN (bridge in its own namespace, one plain host, no
// WireGuard, no route back to the mesh) behind two cloudroofd routers, and a remote mesh node.
// Root only; everything is removed in afterAll (the lab deletes every namespace with its prefix).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { netnsSkipReason } from './support/requirements';
import { createHomeLan, HOME_HOST, HOME_LAN, type HomeLan } from '../../src/cli/lab/home-lan';
import { waitForPeerCounts } from '../../src/cli/lab/mesh-check';
import { generateSecretToken } from '../../src/shared/mesh/secret';

const canRun = netnsSkipReason('routes', ['wireguard-go', 'ip', 'nft', 'curl', 'fping']) === '';
const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const LAN = HOME_LAN;
const HOST = HOME_HOST;

describe.skipIf(!canRun)('LAN route advertising (netns)', () => {
  let cluster: LabCluster;
  let home: string;
  let homeLan: HomeLan | undefined;
  const routerNs = (r: number) => cluster.lab.nodeNs(r);
  const remoteReaches = (timeoutS = 1) => cluster.ping(0, HOST, { timeoutS });
  const snapshot = (r: number) => ({
    forward: sh(['ip', 'netns', 'exec', routerNs(r), 'sysctl', '-n', 'net.ipv4.ip_forward']),
    ruleset: sh(['ip', 'netns', 'exec', routerNs(r), 'nft', 'list', 'ruleset']),
  });
  const routesJson = async (i: number) => JSON.parse((await cluster.cli(i, ['routes', '--json'])).stdout) as {
    advertised: { prefix: string }[]; accepted: { prefix: string; installed: boolean; conflict?: string; via: { public_key: string }; standby: unknown[] }[];
  };
  const fetchFrom = (i: number) => cluster.lab.exec(i, ['curl', '-s', '--max-time', '3', `http://${HOST}:8080/`]);

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 3 });
    const secretFile = join(cluster.lab.nodeDir(0), 'secret');
    writeFileSync(secretFile, generateSecretToken(), { mode: 0o600 });
    await Promise.all([0, 1, 2].map((i) => cluster.startNode(i)));
    for (const i of [0, 1, 2]) expect((await cluster.cli(i, ['join', '--secret-file', secretFile])).code).toBe(0);
    await waitForPeerCounts(cluster, { timeoutMs: 20_000 });
    homeLan = createHomeLan(cluster, [1, 2]);
    home = homeLan.ns;
    // The plain host answers HTTP with the source address it sees.
    homeLan.spawnOnHost([process.execPath, '-e',
      "require('http').createServer((q,s)=>s.end(q.socket.remoteAddress.replace('::ffff:',''))).listen(8080,'0.0.0.0')"]);
    await cluster.waitFor(async () => (await cluster.lab.exec(1, ['curl', '-s', '--max-time', '1', `http://${HOST}:8080/`])).code === 0,
      { timeoutMs: 10_000, what: 'the LAN host web server' });
  });

  afterAll(async () => {
    homeLan?.destroy();
    await cluster?.destroy();
  });

  it('refuses invalid input with exit code 2 and changes nothing', async () => {
    const r = await cluster.cli(1, ['routes', 'advertise', '10.77.0.5/24']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/10\.77\.0\.0\/24/);
    expect((await cluster.cli(1, ['routes', 'advertise', '0.0.0.0/0'])).code).toBe(2);
    const typo = await cluster.cli(1, ['routes', 'advertise', '10.78.0.0/24']);
    expect(typo.code).not.toBe(0); // no network of the router overlaps it (a typo guard)
    expect((await routesJson(1)).advertised).toEqual([]);
  });

  it('advertising makes the plain LAN host reachable from the mesh (masquerade)', async () => {
    const before = snapshot(1);
    expect(await remoteReaches()).toBe(false);
    const r = await cluster.cli(1, ['routes', 'advertise', LAN]);
    expect(r.code, r.stderr).toBe(0);
    await cluster.waitFor(() => remoteReaches(), { timeoutMs: 15_000, what: 'the remote to reach the LAN host' });
    const page = await fetchFrom(0);
    expect(page.stdout).toBe('10.77.0.11'); // masqueraded behind the router's LAN address
    const routes = await routesJson(0);
    expect(routes.accepted.find((a) => a.prefix === LAN)?.installed).toBe(true);
    expect(snapshot(1).forward.trim()).toBe('1');

    expect((await cluster.cli(1, ['routes', 'withdraw', LAN])).code).toBe(0);
    await cluster.waitFor(async () => !(await remoteReaches()), { timeoutMs: 15_000, what: 'the LAN host to become unreachable' });
    expect(snapshot(1)).toEqual(before); // sysctls and nftables exactly as before
    const remoteRoutes = sh(['ip', '-n', cluster.lab.nodeNs(0), 'route', 'show', 'dev', cluster.interfaceName(0)]);
    expect(remoteRoutes).not.toContain('10.77.0.0');
  });

  it('without masquerade (and a return route) the LAN host sees the remote\'s mesh address', async () => {
    const remote = await cluster.statusJson(0);
    const router = await cluster.statusJson(1);
    sh(['ip', '-n', home, 'route', 'add', String(router.mesh_subnet), 'via', '10.77.0.11']);
    try {
      expect((await cluster.cli(1, ['routes', 'advertise', LAN, '--no-masquerade'])).code).toBe(0);
      await cluster.waitFor(() => remoteReaches(), { timeoutMs: 15_000, what: 'the remote to reach the LAN host' });
      expect((await fetchFrom(0)).stdout).toBe(remote.mesh_ipv4);
    } finally {
      await cluster.cli(1, ['routes', 'withdraw', LAN]);
      sh(['ip', '-n', home, 'route', 'del', String(router.mesh_subnet)]);
    }
  });

  it('a remote attached to an overlapping LAN does not install the route and reports it', async () => {
    const ns0 = cluster.lab.nodeNs(0);
    sh(['ip', '-n', ns0, 'link', 'add', 'ovl0', 'type', 'veth', 'peer', 'name', 'ovl1']);
    sh(['ip', '-n', ns0, 'addr', 'add', '10.77.0.99/24', 'dev', 'ovl0']);
    sh(['ip', '-n', ns0, 'link', 'set', 'ovl0', 'up']);
    sh(['ip', '-n', ns0, 'link', 'set', 'ovl1', 'up']); // a LAN with carrier
    try {
      expect((await cluster.cli(1, ['routes', 'advertise', LAN])).code).toBe(0);
      const entry = await cluster.waitFor(async () => {
        const a = (await routesJson(0)).accepted.find((x) => x.prefix === LAN);
        if (a?.conflict) return a;
      throw new Error("no conflict yet");
      }, { timeoutMs: 15_000, what: 'the conflict to be reported' });
      expect(entry.installed).toBe(false);
      expect(sh(['ip', '-n', ns0, 'route', 'show', 'dev', cluster.interfaceName(0)])).not.toContain('10.77.0.0');
    } finally {
      sh(['ip', '-n', ns0, 'link', 'del', 'ovl0']);
      await cluster.cli(1, ['routes', 'withdraw', LAN]);
    }
  });

  it('kill -9 while advertised, then restart: converges with no duplicate rules', async () => {
    expect((await cluster.cli(1, ['routes', 'advertise', LAN])).code).toBe(0);
    await cluster.killNode(1);
    await cluster.startNode(1);
    await cluster.waitFor(() => remoteReaches(), { timeoutMs: 20_000, what: 'the remote to reach the LAN host again' });
    const table = sh(['ip', 'netns', 'exec', routerNs(1), 'nft', 'list', 'table', 'inet', 'cloudroof']);
    expect(table.match(/masquerade/g)?.length).toBe(1);
  });

  it('two advertisers of one prefix: a deterministic choice, and failover when it leaves', async () => {
    expect((await cluster.cli(2, ['routes', 'advertise', LAN])).code).toBe(0);
    const entry = await cluster.waitFor(async () => {
      const a = (await routesJson(0)).accepted.find((x) => x.prefix === LAN);
      if (a && a.standby.length === 1) return a;
      throw new Error("one advertiser known");
    }, { timeoutMs: 15_000, what: 'both advertisers to be known' });
    const routerOf = async (key: string) => {
      for (const r of [1, 2]) if ((await cluster.statusJson(r)).public_key === key) return r;
      throw new Error('advertiser not found');
    };
    const via = await routerOf(entry.via.public_key);
    const forwardBefore = sh(['ip', 'netns', 'exec', routerNs(via), 'sysctl', '-n', 'net.ipv4.ip_forward']);
    expect(forwardBefore.trim()).toBe('1');
    expect((await cluster.cli(via, ['leave'])).code).toBe(0);
    // leave removes everything it added: our table, and forwarding back to the namespace's 0.
    expect(sh(['ip', 'netns', 'exec', routerNs(via), 'nft', 'list', 'ruleset'])).not.toContain('cloudroof');
    expect(sh(['ip', 'netns', 'exec', routerNs(via), 'sysctl', '-n', 'net.ipv4.ip_forward']).trim()).toBe('0');
    await cluster.waitFor(async () => {
      const a = (await routesJson(0)).accepted.find((x) => x.prefix === LAN);
      return a && a.via.public_key !== entry.via.public_key && a.installed;
    }, { timeoutMs: 15_000, what: 'the standby to take over' });
    await cluster.waitFor(() => remoteReaches(), { timeoutMs: 15_000, what: 'the LAN host through the standby' });
  });
});
