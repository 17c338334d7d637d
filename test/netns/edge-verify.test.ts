// The wizard's edge endpoints for real (netns, root): node 0 is an origin running the lab's origin
// app on 127.0.0.1:8080 only, node 1 an edge with a real nginx (`--nginx-mode managed`) and a test
// CA's certificate. The origin lists the edge from its capability reports (`cloudroof edges`) and
// verifies the site through it over the mesh (`cloudroof expose verify`): a request, a websocket
// echo, server-sent events and an upload pass; with the edge's --max-body below the upload size,
// the upload fails with the 413 advice. Everything is removed in afterAll (the lab's destroy()).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snakeKeys } from '../../src/cli/json-case';
import { LabCluster } from '../../src/cli/lab/cluster';
import { createTestCa, type TestCa } from '../../src/cli/lab/edge-lab';
import { meshAddress, waitForPeerCounts } from '../../src/cli/lab/mesh-check';
import { startOriginApp } from '../../src/cli/lab/origin-app';
import { generateSecretToken } from '../../src/shared/mesh/secret';
import { writeFileSync } from 'node:fs';
import { netnsSkipReason } from './support/requirements';

const canRun = netnsSkipReason('edge-verify', ['wireguard-go', 'ip', 'nft', 'nginx', 'openssl', 'curl']) === '';
const HOST = 'verify.example.test';
const OTHER_HOST = 'static.example.test';
const TARGET = 'http://127.0.0.1:8080';

/** The fields of `cloudroof edges --json` this suite relies on. */
interface EdgeJson {
  public_key: string;
  hostname?: string;
  mesh_ipv4?: string;
  nginx: { available: boolean; running: boolean };
  config: { state: string };
  https_port: number;
  cert_dir: string;
  acme_webroot?: string;
  certificates: string[];
}

/** The `done` line of `cloudroof expose verify --json`. */
interface DoneJson {
  type: 'done';
  ok: boolean;
  steps: { edge: string; edge_hostname?: string; check: string; state: string; detail?: string }[];
  public_urls: string[];
}

describe.skipIf(!canRun)('edges and site verification through a real nginx edge (netns)', () => {
  let cluster: LabCluster;
  let ca: TestCa;

  const cli = (i: number, args: string[]) => cluster.cli(i, args, { timeoutMs: 90_000 });
  const cliOk = (i: number, args: string[]): Promise<string> => cluster.cliOk(i, args, { timeoutMs: 90_000 });
  const edges = async (): Promise<EdgeJson[]> => (snakeKeys(JSON.parse(await cliOk(0, ['edges', '--json']))) as { edges: EdgeJson[] }).edges;
  const verify = async (args: string[]): Promise<{ code: number; done: DoneJson; stderr: string }> => {
    const r = await cli(0, ['expose', 'verify', 'blog', '--json', '--upload-path', '/upload', ...args]);
    if (r.stdout.trim() === '') throw new Error(`expose verify: exit ${r.code}: ${r.stderr.trim()}`);
    return { code: r.code, done: snakeKeys(JSON.parse(r.stdout)) as DoneJson, stderr: r.stderr };
  };
  const stepsOf = (d: DoneJson) => Object.fromEntries(d.steps.map((s) => [s.check, s]));

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 2 });
    const secretFile = join(cluster.lab.nodeDir(0), 'secret');
    writeFileSync(secretFile, generateSecretToken(), { mode: 0o600 });
    await cluster.startNode(0);
    await cluster.startNode(1, { extraArgs: ['--nginx-mode', 'managed'] });
    for (const i of [0, 1]) await cliOk(i, ['join', '--secret-file', secretFile]);
    await waitForPeerCounts(cluster, { timeoutMs: 30_000 });
    ca = await createTestCa(join(cluster.lab.tmpDir, 'ca'), [HOST, OTHER_HOST], cluster.lab.prefix);
    await startOriginApp(cluster.lab, 0, 8080);
    await cliOk(0, ['expose', 'add', 'blog', TARGET, '--hostname', HOST, '--health-path', '/healthz']);
    await cliOk(1, ['edge', 'enable', '--cert-dir', ca.certDir, '--max-body', '1g']);
    // Serving: the edge applied a config with the site and told the origin so.
    await cluster.waitFor(async () => {
      const list = (snakeKeys(JSON.parse(await cliOk(0, ['expose', 'list', '--json']))) as { sites: { name: string; edges: { state: string }[] }[] }).sites;
      return list.find((s) => s.name === 'blog')?.edges.some((e) => e.state === 'serving') ?? false;
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'the edge to serve blog' });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('lists the edge on the origin with nginx running and the lab certificate\'s hostnames', async () => {
    const edgeMesh = meshAddress((await cluster.statusJson(1)).mesh_ipv4);
    const edgeKey = (await cluster.statusJson(1)).public_key;
    const list = await cluster.waitFor(async () => {
      const l = await edges();
      if (l.length === 1 && l[0]?.nginx.running && l[0].config.state === 'applied') return l;
      throw new Error(JSON.stringify(l));
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'the origin to hear the edge\'s capability report' });
    expect(list[0]).toMatchObject({
      public_key: edgeKey, hostname: 'node1', mesh_ipv4: edgeMesh, nginx: { available: true, running: true },
      config: { state: 'applied' }, https_port: 443, cert_dir: ca.certDir, certificates: [HOST, OTHER_HOST].sort(),
    });
    expect(list[0]?.acme_webroot).toMatch(/^\//);
    // The edge lists itself too; the origin is no edge.
    const own = (snakeKeys(JSON.parse(await cliOk(1, ['edges', '--json']))) as { edges: EdgeJson[] }).edges;
    expect(own.map((e) => e.public_key)).toEqual([edgeKey]);
    const text = await cliOk(0, ['edges']);
    expect(text).toMatch(new RegExp(`\\nnode1 +${edgeMesh?.replace(/\./g, '\\.')} +running +applied +80/443 `));
  });

  it('passes request, websocket, SSE and upload through the real edge', async () => {
    const { code, done, stderr } = await verify([]);
    expect(code, stderr).toBe(0);
    const s = stepsOf(done);
    expect(done.steps.map((x) => [x.check, x.state])).toEqual([['request', 'passed'], ['websocket', 'passed'], ['sse', 'passed'], ['upload', 'passed']]);
    expect(s.request?.edge_hostname).toBe('node1');
    // The lab CA is not trusted by this machine: the check goes on and says so.
    expect(s.request?.detail).toMatch(/^200 in \d+ ms, X-Cache-Status \S+; certificate not trusted by this machine/);
    expect(s.websocket?.detail).toMatch(/^101 Switching Protocols, echo ok/);
    expect(s.sse?.detail).toMatch(/^first event after \d+ ms with the stream open/);
    expect(s.upload?.detail).toMatch(/^200 like the service, 8\.0 MiB in /);
    expect(done.ok).toBe(true);
    expect(done.public_urls).toEqual([`https://${HOST}/`]);
    const text = await cli(0, ['expose', 'verify', 'blog', '--upload-path', '/upload', '--upload-size', '1m']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^node1 +request +running\n/);
    expect(text.stdout).toMatch(/\nnode1 +upload +0%\n/);
    expect(text.stdout).toMatch(/\nnode1 +upload +passed +200 like the service, 1\.0 MiB in /);
    expect(text.stdout).toContain(`Every check passed through 1 edge. Live at https://${HOST}/\n`);
  });

  it('fails the upload with the 413 advice when the edge\'s --max-body is below the upload size', async () => {
    await cliOk(1, ['edge', 'enable', '--cert-dir', ca.certDir, '--max-body', '4m']);
    // The restarted edge keeps the running config for one announcement round, then applies the new limit.
    await cluster.waitFor(async () => {
      const st = snakeKeys(JSON.parse(await cliOk(1, ['edge', 'status', '--json']))) as { settings?: { max_body: string }; config: { state: string }; sites: { hostname: string }[] };
      return st.settings?.max_body === '4m' && st.config.state === 'applied' && st.sites.some((x) => x.hostname === HOST);
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'the edge to apply --max-body 4m' });
    const { code, done } = await verify(['--edge', 'node1']);
    expect(code).toBe(1);
    expect(done.ok).toBe(false);
    const s = stepsOf(done);
    expect(s.upload).toMatchObject({
      state: 'failed', detail: 'the edge\'s body limit is below 8.0 MiB: cloudroof edge enable --max-body 8m (or more) on that edge',
    });
    expect(s.request?.state).toBe('passed');
    const small = await verify(['--upload-size', '2m']);
    expect([small.code, stepsOf(small.done).upload?.state]).toEqual([0, 'passed']);
  });
});
