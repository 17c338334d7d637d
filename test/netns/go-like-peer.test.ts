// A cloudroofd node and a peer with Go wgmesh's LAN timing (support/go-like-peer.ts): it never
// sends the HELLO our nodes use as evidence, answers HELLOs before configuring us, and adds us
// to WireGuard only on its 5 s tick. Our side must still mesh with it in both directions.
// Real Go cannot be built here; this checks our handling of its behaviours.
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { netnsSkipReason } from './support/requirements';
import { generateSecretToken } from '../../src/shared/mesh/secret';

const canRun = netnsSkipReason('go-like peer', ['wireguard-go', 'ip', 'ping']) === '';

describe.skipIf(!canRun)('mesh with a peer that behaves like Go wgmesh (netns)', () => {
  let cluster: LabCluster;
  const secret = generateSecretToken();

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 2 });
    const script = join(cluster.lab.tmpDir, 'go-like-peer.mjs');
    await build({
      entryPoints: [join(__dirname, 'support', 'go-like-peer.ts')], outfile: script, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    cluster.lab.spawn(1, [process.execPath, script], { logName: 'go-like', env: { SECRET: secret, IFACE: `${cluster.lab.prefix}g1` } });
    await cluster.waitFor(() => cluster.lab.readLog(1, 'go-like').includes('READY'), { timeoutMs: 15_000, what: 'the Go-like peer' });
    await cluster.startNode(0);
    const r = await cluster.cli(0, ['join', '--secret', '-'], { input: secret });
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('meshes in both directions, IPv4 and IPv6', async () => {
    const [, goIp, goIp6] = cluster.lab.readLog(1, 'go-like').split('\n').find((l) => l.startsWith('READY'))!.split(' ');
    const ours = await cluster.statusJson(0);
    await cluster.waitFor(() => cluster.ping(0, goIp!), { timeoutMs: 20_000, what: 'our node to ping the Go-like peer' });
    expect(await cluster.ping(0, goIp6!)).toBe(true);
    expect(await cluster.ping(1, String(ours.mesh_ipv4))).toBe(true);
    const peers = await cluster.peersJson(0);
    expect(peers).toHaveLength(1);
    expect(peers[0]).toMatchObject({ hostname: 'go-node', mesh_ipv4: goIp, path: 'direct-lan' });
    expect(peers[0]!.last_handshake_time).toBeTypeOf('number');
  });
});
