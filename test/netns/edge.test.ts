// Edge mode end to end: a visitor on an "internet" segment reaches a hidden origin through two
// nginx edges and the WireGuard mesh. Node 0 = origin (the origin app on its 127.0.0.1:8080 only),
// nodes 1 and 2 = edges (`--nginx-mode managed`, public 203.0.113.1<e> / 2001:db8:1::1<e>), node 3 =
// a second origin of the same site, exposed only for the failover test. The visitor trusts a test CA
// and pins www.example.test to one edge's address per request. Root only; everything is removed in
// afterAll (the internet namespace by its destroy(), the rest by the lab).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snakeKeys } from '../../src/cli/json-case';
import { LabCluster } from '../../src/cli/lab/cluster';
import { createInternet, createTestCa, type Internet, type TestCa } from '../../src/cli/lab/edge-lab';
import { visitorCurl, visitorSse, visitorWsEcho, type VisitorCurlOptions, type VisitorResponse } from '../../src/cli/lab/edge-visitor';
import { meshAddress, waitForPeerCounts } from '../../src/cli/lab/mesh-check';
import { SMALL_BYTES, startOriginApp, type OriginApp } from '../../src/cli/lab/origin-app';
import { generateSecretToken } from '../../src/shared/mesh/secret';
import { netnsSkipReason } from './support/requirements';

const canRun = netnsSkipReason('edge', ['wireguard-go', 'ip', 'nft', 'nginx', 'openssl', 'curl', 'fping']) === '';
const HOST = 'www.example.test';
const PORT = 8080;
const TARGET = `http://127.0.0.1:${PORT}`;
const EDGES = [1, 2] as const;
const FAMILIES = [4, 6] as const;
const run = randomBytes(4).toString('hex'); // keeps cache keys of this run apart

// The CLI's --json speaks snake_case (json-case.ts); snakeKeys() also accepts camelCase output.
/** The fields of `expose list --json` this suite relies on. */
interface SiteJson {
  name: string;
  target: string;
  hostnames: string[];
  mesh_port?: number;
  forwarding: { state: string; error?: string };
  health: { state: string; error?: string };
  edges: { public_key: string; state: string; tls: boolean; reason?: string }[];
  public_urls: string[];
}

/** The fields of `edge status --json` this suite relies on. */
interface EdgeStatusJson {
  enabled: boolean;
  nginx: { available: boolean; running: boolean; error?: string };
  config: { state: string; last_error?: string };
  sites: { hostname: string; site: string; tls: string; origins: { public_key: string; mesh_ipv4: string; port: number; health: { state: string } }[] }[];
}

/** What the origin app answers on /echo and /count. */
interface Echo { app: string; url: string; host: string; xForwardedFor?: string; xForwardedProto?: string }
interface Counts { paths: Record<string, number>; urls: Record<string, number> }

describe.skipIf(!canRun)('edge mode: visitor → nginx edge → mesh → origin (netns)', () => {
  let cluster: LabCluster;
  let inet: Internet | undefined;
  let ca: TestCa;
  const apps = new Map<number, OriginApp>();

  const cliOk = (i: number, args: string[]): Promise<string> => cluster.cliOk(i, args);
  const cliJson = async (i: number, args: string[]): Promise<unknown> => snakeKeys(JSON.parse(await cliOk(i, args)));
  const sites = async (i: number): Promise<SiteJson[]> => ((await cliJson(i, ['expose', 'list', '--json'])) as { sites: SiteJson[] }).sites;
  const blog = async (i: number): Promise<SiteJson | undefined> => (await sites(i)).find((s) => s.name === 'blog');
  const edgeStatus = async (e: number): Promise<EdgeStatusJson> => (await cliJson(e, ['edge', 'status', '--json'])) as EdgeStatusJson;
  const get = (edge: number, path: string, o: Partial<VisitorCurlOptions> = {}): Promise<VisitorResponse> =>
    visitorCurl(inet!, { edge, host: HOST, caFile: ca.caFile, path, ...o });
  const echo = (r: VisitorResponse): Echo => JSON.parse(r.body) as Echo;
  const counts = async (node = 0): Promise<Counts> => {
    const r = await cluster.lab.exec(node, ['curl', '-sS', '--max-time', '3', `http://127.0.0.1:${PORT}/count`]);
    return JSON.parse(r.stdout) as Counts;
  };
  const isAppError = (r: VisitorResponse) => [502, 503, 504].includes(r.status) && /Cloudroof/.test(r.body);

  /** Waits until `expose list` on `origin` shows blog served by both edges. */
  const waitServing = (origin: number, timeoutMs: number) => cluster.waitFor(async () => {
    const s = await blog(origin);
    const serving = s?.edges.filter((e) => e.state === 'serving') ?? [];
    if (serving.length === EDGES.length) return s;
    throw new Error(`blog on node ${origin}: ${JSON.stringify(s)}`);
  }, { timeoutMs, intervalMs: 250, what: `both edges to serve blog of node ${origin}` });

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 4 });
    const secretFile = join(cluster.lab.nodeDir(0), 'secret');
    writeFileSync(secretFile, generateSecretToken(), { mode: 0o600 });
    await Promise.all([0, 1, 2, 3].map((i) =>
      cluster.startNode(i, (EDGES as readonly number[]).includes(i) ? { extraArgs: ['--nginx-mode', 'managed'] } : {})));
    for (const i of [0, 1, 2, 3]) await cliOk(i, ['join', '--secret-file', secretFile]);
    await waitForPeerCounts(cluster, { timeoutMs: 30_000 });
    inet = await createInternet(cluster, [...EDGES]);
    ca = await createTestCa(join(cluster.lab.tmpDir, 'ca'), [HOST], cluster.lab.prefix);
    apps.set(0, await startOriginApp(cluster.lab, 0, PORT));
    apps.set(3, await startOriginApp(cluster.lab, 3, PORT));

    await cliOk(0, ['expose', 'add', 'blog', TARGET, '--hostname', HOST, '--health-path', '/healthz']);
    // Edge 2 gets a smaller body limit, so the upload test can see --max-body at work.
    await cliOk(1, ['edge', 'enable', '--cert-dir', ca.certDir, '--cache-size', '1g', '--max-body', '1g']);
    await cliOk(2, ['edge', 'enable', '--cert-dir', ca.certDir, '--cache-size', '1g', '--max-body', '150m']);
    await waitServing(0, 20_000);
    // 'serving' is reported once nginx accepted the config; allow its reload a moment to take over.
    await cluster.waitFor(async () => {
      for (const e of EDGES) if ((await get(e, '/healthz', { maxTimeS: 2 })).status !== 200) return false;
      return true;
    }, { timeoutMs: 5_000, what: 'both edges to answer for the site' });
  });

  afterAll(async () => {
    await inet?.destroy();
    await cluster?.destroy();
  });

  it('the internet reaches the edges\' public addresses and nothing behind them', async () => {
    for (const e of EDGES) for (const f of FAMILIES) {
      expect((await inet!.exec(['fping', '-q', '-r', '1', '-t', '300', inet!.edgeAddress(e, f)])).code).toBe(0);
    }
    const originMesh = meshAddress((await cluster.statusJson(0)).mesh_ipv4);
    for (const addr of [cluster.lab.lanIp(0), cluster.lab.lanIp(1), originMesh ?? '']) {
      expect((await inet!.exec(['fping', '-q', '-r', '0', '-t', '300', addr])).code, `visitor → ${addr}`).not.toBe(0);
    }
    const direct = await inet!.exec(['curl', '-sS', '--max-time', '2', `http://${cluster.lab.lanIp(0)}:${PORT}/healthz`]);
    expect(direct.code).not.toBe(0);
  });

  it('refuses an invalid hostname with a clear message and changes nothing', async () => {
    const shape = async () => (await sites(0)).map((s) => ({ name: s.name, target: s.target, hostnames: s.hostnames }));
    const before = await shape();
    const edgeBefore = (await edgeStatus(1)).sites.map((s) => s.hostname);
    for (const name of ['blog', 'blog2']) {
      const r = await cluster.cli(0, ['expose', 'add', name, TARGET, '--hostname', 'bad;host']);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toContain('bad;host');
      expect(r.stderr).toMatch(/hostname/i);
    }
    expect(await shape()).toEqual(before);
    expect((await edgeStatus(1)).sites.map((s) => s.hostname)).toEqual(edgeBefore);
  });

  it('reports the site on the origin and on both edges', async () => {
    // The first local health check may still be pending (one interval, 10 s by default).
    const site = await cluster.waitFor(async () => {
      const s = await blog(0);
      if (s?.health.state === 'healthy') return s;
      throw new Error(`health ${JSON.stringify(s?.health)}`);
    }, { timeoutMs: 15_000, what: 'the origin to report blog healthy' });
    expect(site).toMatchObject({ name: 'blog', hostnames: [HOST], forwarding: { state: 'active' } });
    expect(site.edges.map((e) => [e.state, e.tls])).toEqual([['serving', true], ['serving', true]]);
    expect(site.public_urls.some((u) => u.startsWith(`https://${HOST}`))).toBe(true);
    const originMesh = meshAddress((await cluster.statusJson(0)).mesh_ipv4);
    for (const e of EDGES) {
      const st = await edgeStatus(e);
      expect(st).toMatchObject({ enabled: true, nginx: { available: true, running: true }, config: { state: 'applied' } });
      const entry = st.sites.find((s) => s.hostname === HOST);
      expect(entry).toMatchObject({ site: 'blog', tls: 'ok' });
      expect(entry!.origins.map((o) => o.mesh_ipv4)).toEqual([originMesh]);
      if (site.mesh_port !== undefined) expect(entry!.origins[0]?.port).toBe(site.mesh_port);
    }
  });

  it('serves HTTPS through each edge over IPv4 and IPv6 with Host and X-Forwarded-*', async () => {
    for (const e of EDGES) for (const family of FAMILIES) {
      const r = await get(e, '/echo', { family });
      expect(r.status, `edge ${e} IPv${family}: ${r.error}`).toBe(200);
      expect(echo(r)).toMatchObject({ app: 'node0', url: '/echo', host: HOST,
        xForwardedFor: inet!.visitorAddress(family), xForwardedProto: 'https' });
    }
  });

  it('redirects HTTP to HTTPS with 308 and negotiates HTTP/2', async () => {
    for (const e of EDGES) for (const family of FAMILIES) {
      const r = await get(e, '/echo?x=1', { family, scheme: 'http' });
      expect(r.status).toBe(308);
      expect(r.headers.location).toBe(`https://${HOST}/echo?x=1`);
    }
    for (const e of EDGES) expect((await get(e, '/echo')).httpVersion).toBe('2');
  });

  it('caches what Cache-Control allows: the second GET is a HIT the origin never saw', async () => {
    const path = `/small?k=${run}`;
    const first = await get(1, path);
    const second = await get(1, path);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.body.length).toBe(SMALL_BYTES);
    expect((await counts()).urls[path]).toBe(1);
  });

  it('never answers from cache for Set-Cookie, no-store or Authorization', async () => {
    const twice = async (path: string, headers: Record<string, string> = {}) => {
      const rs = [await get(1, path, { headers }), await get(1, path, { headers })];
      for (const r of rs) {
        expect(r.status).toBe(200);
        expect(r.headers['x-cache-status'] ?? '', `${path} ${JSON.stringify(headers)}`).not.toBe('HIT');
      }
      return rs;
    };
    const cookies = await twice(`/cookie?k=${run}`);
    expect(cookies.map((r) => r.headers['set-cookie'])).toEqual([expect.stringMatching(/^session=/), expect.stringMatching(/^session=/)]);
    await twice(`/small-nocache?k=${run}`);
    const auth = { Authorization: 'Bearer lab-token' };
    await twice(`/small?auth=${run}`, auth);
    await twice(`/small?k=${run}`, auth); // cached for anonymous visitors by the previous test
    const c = await counts();
    expect([c.urls[`/cookie?k=${run}`], c.urls[`/small-nocache?k=${run}`], c.urls[`/small?auth=${run}`], c.urls[`/small?k=${run}`]])
      .toEqual([2, 2, 2, 3]);
  });

  it('passes a 200 MB upload intact, and enforces --max-body', async () => {
    const file = join(cluster.lab.tmpDir, 'upload.bin');
    const block = randomBytes(1 << 20);
    const hash = createHash('sha256');
    const fd = openSync(file, 'w');
    try {
      for (let k = 0; k < 200; k++) {
        block.writeUInt32BE(k, 0); // no two MiB alike
        writeSync(fd, block);
        hash.update(block);
      }
    } finally {
      closeSync(fd);
    }
    const r = await get(1, '/upload', { method: 'POST', dataFile: file, maxTimeS: 90 });
    expect(r.status, r.error).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ bytes: 200 << 20, sha256: hash.digest('hex') });
    const limited = await get(2, '/upload', { method: 'POST', dataFile: file, maxTimeS: 30 });
    expect(limited.status).toBe(413); // edge 2 runs with --max-body 150m
  });

  it('proxies websockets (text and binary echo)', async () => {
    for (const [edge, family] of [[1, 4], [2, 6]] as const) {
      const res = await visitorWsEcho(inet!, { edge, family, host: HOST, caFile: ca.caFile }, ['hello', `run ${run}`, 'wörld']);
      expect(res.error, `edge ${edge} IPv${family}`).toBeUndefined();
      expect(res.got).toEqual(['hello', `run ${run}`, 'wörld', { binaryBytes: 100_000, same: true }]);
    }
  });

  it('streams server-sent events as they are sent, not batched', async () => {
    const res = await visitorSse(inet!, { edge: 1, host: HOST, caFile: ca.caFile });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.events.map((e) => e.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const arrivals = res.events.map((e) => e.at);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual(1000);
    expect(new Set(arrivals).size).toBeGreaterThanOrEqual(5);
  });

  it('answers with the Cloudroof error page while the origin app is down, and recovers', async () => {
    await apps.get(0)!.stop();
    let k = 0;
    await cluster.waitFor(async () => {
      for (const e of EDGES) {
        const r = await get(e, `/echo?down=${k++}`, { maxTimeS: 4 });
        if (!isAppError(r)) throw new Error(`edge ${e}: ${r.status} ${r.error} ${r.body.slice(0, 120)}`);
      }
      return true;
    }, { timeoutMs: 5_000, intervalMs: 200, what: 'both edges to answer 502/503/504 with the Cloudroof page' });
    apps.set(0, await startOriginApp(cluster.lab, 0, PORT));
    await cluster.waitFor(async () => {
      for (const e of EDGES) {
        const r = await get(e, `/echo?up=${k++}`, { maxTimeS: 4 });
        if (r.status !== 200) throw new Error(`edge ${e}: ${r.status} ${r.error}`);
      }
      return true;
    }, { timeoutMs: 10_000, intervalMs: 200, what: 'both edges to serve again' });
  });

  it('keeps the site through a restart of the origin\'s and an edge\'s service', async () => {
    // The origin restarts (an upgrade): edges keep the site for their grace period, and the
    // origin re-offers it when it is back — no 404 in between.
    expect((await get(1, '/static/hello.txt', { maxTimeS: 5 })).status).toBe(200); // now in edge 1's cache
    await cluster.stopNode(0);
    await new Promise((r) => setTimeout(r, 6_000)); // more than one announcement round
    for (const e of EDGES) expect((await edgeStatus(e)).sites.map((x) => x.hostname)).toContain(HOST);
    expect((await get(1, '/static/hello.txt', { maxTimeS: 5 })).status).toBe(200); // cached content still served
    await cluster.startNode(0);
    await waitServing(0, 30_000);
    // An edge restarts: its nginx keeps serving while the service is away, and the service
    // adopts it when it is back.
    await cluster.stopNode(1);
    expect((await get(1, '/static/hello.txt', { maxTimeS: 5 })).status).toBe(200);
    await cluster.startNode(1, { extraArgs: ['--nginx-mode', 'managed'] });
    await waitServing(0, 30_000);
    expect((await get(1, `/echo?restarted=${run}`, { maxTimeS: 5 })).status).toBe(200);
  });

  it('keeps serving through a second origin when the first one\'s app stops', async () => {
    await cliOk(3, ['expose', 'add', 'blog', TARGET, '--hostname', HOST, '--health-path', '/healthz']);
    await waitServing(3, 20_000);
    await cluster.waitFor(async () => {
      for (const e of EDGES) {
        const entry = (await edgeStatus(e)).sites.find((s) => s.hostname === HOST);
        if (entry?.origins.length !== 2) throw new Error(`edge ${e}: ${JSON.stringify(entry)}`);
      }
      return true;
    }, { timeoutMs: 20_000, what: 'both edges to know both origins' });
    // Knowing is not serving: nginx takes the new upstream once the applied config reloaded.
    let n = 0;
    await cluster.waitFor(async () => {
      for (const e of EDGES) {
        const seen = new Set<string>();
        for (let k = 0; k < 4; k++) seen.add(echo(await get(e, `/echo?both=${n++}`, { maxTimeS: 5 })).app);
        if (!seen.has('node3')) return false;
      }
      return true;
    }, { timeoutMs: 20_000, what: 'both edges to send requests to the second origin' });
    await apps.get(0)!.stop();
    for (let k = 0; k < 10; k++) {
      for (const e of EDGES) {
        const r = await get(e, `/echo?failover=${k}`, { maxTimeS: 5 });
        expect(r.status, `request ${k} via edge ${e}: ${r.error} ${r.body.slice(0, 120)}`).toBe(200);
        expect(echo(r).app).toBe('node3');
      }
    }
  });

  it('stops serving the site on every edge once its origins remove it', async () => {
    await cliOk(0, ['expose', 'remove', 'blog']);
    await cliOk(3, ['expose', 'remove', 'blog']);
    expect(await blog(0)).toBeUndefined();
    expect(await blog(3)).toBeUndefined();
    await cluster.waitFor(async () => {
      for (const e of EDGES) {
        const st = await edgeStatus(e);
        if (st.sites.some((s) => s.hostname === HOST)) throw new Error(`edge ${e} still lists ${HOST}`);
        const r = await get(e, `/echo?gone=${run}`, { maxTimeS: 3 });
        // No server for that name: 404/421, or no TLS for it at all (curl fails, no status).
        if (![0, 404, 421].includes(r.status)) throw new Error(`edge ${e} still answers ${r.status}`);
      }
      return true;
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'the edges to drop the site' });
  });
});
