// The mesh core end to end: real cloudroofd processes, real wireguard-go, real namespaces on a
// bridge. Root only; everything created here is removed in afterAll, also when a test fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { netnsSkipReason } from './support/requirements';
import { meshAddress, waitForMeshPings, waitForPeerCounts } from '../../src/cli/lab/mesh-check';
import { deriveMeshKeys } from '../../src/shared/mesh/derive';
import { generateSecretToken, parseSecret } from '../../src/shared/mesh/secret';

const canRun = netnsSkipReason('mesh', ['wireguard-go', 'ip', 'ping']) === '';

describe.skipIf(!canRun)('mesh on a LAN (netns, wireguard-go)', () => {
  let cluster: LabCluster;
  const secret = generateSecretToken();
  let secretFile: string;

  const joinMesh = async (i: number, file = secretFile) => {
    const r = await cluster.cli(i, ['join', '--secret-file', file]);
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 3, ipv6: true });
    secretFile = join(cluster.lab.nodeDir(0), 'secret');
    writeFileSync(secretFile, secret + '\n', { mode: 0o600 });
    await Promise.all([0, 1, 2].map((i) => cluster.startNode(i)));
    await Promise.all([0, 1, 2].map((i) => joinMesh(i)));
  });

  afterAll(async () => {
    try {
      // The secret must not appear in anything the nodes logged (cloudroofd logs, CLI output).
      if (cluster) for (const file of listFiles(cluster.lab.tmpDir)) {
        if (file.endsWith('.log')) expect(readFileSync(file, 'utf8'), file).not.toContain(parseSecret(secret));
      }
    } finally {
      await cluster?.destroy();
    }
  });

  it('three nodes form a full mesh and ping each other over IPv4 and IPv6', async () => {
    const statuses = await waitForPeerCounts(cluster, { timeoutMs: 20_000 });
    const pairs = await waitForMeshPings(cluster, statuses, { timeoutMs: 20_000 });
    expect(pairs).toBe(12);
    const peers = await cluster.peersJson(0);
    expect(peers).toHaveLength(2);
    for (const p of peers) {
      expect(p.path).toBe('direct-lan');
      expect(p.last_handshake_time).toBeTypeOf('number');
      expect(p.discovered_via).toContain('lan');
    }
  });

  it('a flood of garbage on the control port changes nothing', async () => {
    const before = await cluster.statusJson(0);
    const gossipPort = deriveMeshKeys(parseSecret(secret)).gossipPort;
    const target = cluster.lab.lanIp(0);
    // Garbage is sent from node 1's namespace by a short node script (bounded: 3000 datagrams).
    const script = `const d=require('dgram').createSocket('udp4');let n=0;const b=[Buffer.from('{}'),Buffer.from('not json'),Buffer.alloc(1400,65),Buffer.from('{"type":"HELLO","nonce":"AAAAAAAAAAAAAAAA","ciphertext":"AAAA"}')];
      (function f(){for(let i=0;i<100;i++){d.send(b[n%4],${gossipPort},'${target}');n++}if(n<3000)setImmediate(f);else setTimeout(()=>d.close(),200)})();`;
    const r = await cluster.lab.exec(1, [process.execPath, '-e', script]);
    expect(r.code).toBe(0);
    const after = await cluster.statusJson(0);
    const counters = after.counters as { received: number; dropped: Record<string, number> };
    const beforeCounters = before.counters as { received: number };
    expect(counters.received - beforeCounters.received).toBeGreaterThan(100);
    expect(Object.values(counters.dropped).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    expect(after.peer_count).toBe(2);
    expect(await cluster.ping(1, meshAddress(after.mesh_ipv4)!)).toBe(true);
  });

  it('a node with a different secret never appears', async () => {
    const i = await cluster.lab.addNode();
    await cluster.startNode(i);
    const other = join(cluster.lab.nodeDir(i), 'secret');
    writeFileSync(other, generateSecretToken(), { mode: 0o600 });
    await joinMesh(i, other);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await cluster.statusJson(i)).peer_count).toBe(0);
    for (const n of [0, 1, 2]) expect((await cluster.statusJson(n)).peer_count).toBe(2);
    await cluster.stopNode(i);
  });

  it('a join that fails half-way leaves no interface and no saved intent', async () => {
    const i = await cluster.lab.addNode();
    await cluster.startNode(i);
    const gossipPort = deriveMeshKeys(parseSecret(secret)).gossipPort;
    // Something else holds the mesh's control port in this namespace.
    const holder = cluster.lab.spawn(i, [process.execPath, '-e',
      `require('dgram').createSocket('udp6').bind(${gossipPort}, '::', () => console.log('bound'))`], { logName: 'holder' });
    await cluster.waitFor(() => cluster.lab.readLog(i, 'holder').includes('bound'), { timeoutMs: 5000, what: 'the port holder' });
    const r = await cluster.cli(i, ['join', '--secret-file', secretFile]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/in use/);
    expect(r.stderr).not.toContain(parseSecret(secret));
    expect((await cluster.lab.exec(i, ['ip', 'link', 'show', cluster.interfaceName(i)])).code).not.toBe(0);
    const status = await cluster.statusJson(i);
    expect(status.want_connected).toBe(false);
    expect(existsSync(join(cluster.stateDir(i), 'secret'))).toBe(false);
    holder.kill('SIGKILL');
    await cluster.stopNode(i);
  });

  it('kill -9 and restart keeps the mesh IP and rejoins', async () => {
    const before = await cluster.statusJson(2);
    await cluster.killNode(2);
    await cluster.startNode(2);
    const statuses = await waitForPeerCounts3(cluster);
    expect(statuses[2]!.mesh_ipv4).toBe(before.mesh_ipv4);
    expect(statuses[2]!.public_key).toBe(before.public_key);
    await waitForMeshPings(cluster, statuses.slice(0, 3), { timeoutMs: 20_000 });
  });

  it('wireguard-go dying under the service is detected and the node comes back', async () => {
    const before = await cluster.statusJson(1);
    execFileSync('pkill', ['-KILL', '-f', `wireguard-go -f ${cluster.interfaceName(1)}$`]);
    await cluster.waitFor(() => cluster.lab.readLog(1, 'cloudroofd').includes('WireGuard device lost'), { timeoutMs: 5000, what: 'the service to notice' });
    const statuses = await waitForPeerCounts3(cluster);
    expect(statuses[1]!.mesh_ipv4).toBe(before.mesh_ipv4);
    expect(statuses[1]!.tunnel_state).toBe('connected');
    await waitForMeshPings(cluster, statuses, { timeoutMs: 20_000 });
  });

  it('SIGTERM removes the interface but keeps the intent: the next start rejoins by itself', async () => {
    const before = await cluster.statusJson(0);
    expect(await cluster.stopNode(0, 'SIGTERM')).toBe(0);
    expect((await cluster.lab.exec(0, ['ip', 'link', 'show', cluster.interfaceName(0)])).code).not.toBe(0);
    expect(spawnSync('pgrep', ['-f', `wireguard-go -f ${cluster.interfaceName(0)}$`]).status).toBe(1); // no such process
    await cluster.startNode(0); // no join: the stored intent and secret are used
    const statuses = await waitForPeerCounts3(cluster);
    expect(statuses[0]!.mesh_ipv4).toBe(before.mesh_ipv4);
  });

  it('leave removes the interface and the others drop the peer at once (GOODBYE)', async () => {
    const iface = cluster.interfaceName(2);
    const r = await cluster.cli(2, ['leave']);
    expect(r.code, r.stderr).toBe(0);
    const links = await cluster.lab.exec(2, ['ip', 'link', 'show', iface]);
    expect(links.code).not.toBe(0);
    // Without the GOODBYE the others would keep the node for minutes (eviction after a stale
    // handshake, > 150 s; the store's 5-minute liveness). 20 s separates the two on a machine
    // loaded by other suites (the command itself once took 9 s there).
    await cluster.waitFor(async () => {
      const counts = await Promise.all([0, 1].map(async (n) => (await cluster.statusJson(n)).peer_count));
      if (counts.every((c) => c === 1)) return true;
      throw new Error(`peer counts ${counts.join(',')}`);
    }, { timeoutMs: 20_000, what: 'the others to drop the leaving node' });
    const status = await cluster.statusJson(2);
    expect(status.tunnel_state).toBe('disconnected');
  });
});

/** Like waitForPeerCounts for the first three nodes of a cluster that may have grown. */
async function waitForPeerCounts3(cluster: LabCluster) {
  return cluster.waitFor(async () => {
    const all = await Promise.all([0, 1, 2].map((i) => cluster.statusJson(i)));
    if (all.every((s) => s.peer_count === 2)) return all;
    throw new Error(`peer counts ${all.map((s) => s.peer_count).join(',')}`);
  }, { timeoutMs: 20_000, what: 'three nodes to see each other' });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}
