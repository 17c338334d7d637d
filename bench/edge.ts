/**
 * Edge mode: what the nginx edge adds on top of the mesh, measured side by side in one lab (node 0 =
 * origin running the origin app, node 1 = edge with `--nginx-mode managed`, a visitor on the
 * internet segment):
 *  (a) 100 MiB download visitor → edge (HTTPS; HTTP/2 as browsers get it, and HTTP/1.1) → mesh →
 *      origin, uncacheable (`/big-nocache`: no-store, a per-run query, `Cache-Control: no-cache`,
 *      and the origin's counter must show every one), against the raw tunnel: plain HTTP from the
 *      edge's namespace to the origin's mesh IP:port. Interleaved runs; medians and ratios.
 *  (b) small-request latency with wrk on `/small-nocache`: through the edge (HTTPS) against the raw
 *      tunnel (HTTP). `-t1 -c8 -d5s` on one URL is the headline; `-c1` (unloaded) and `-c8` with a
 *      unique URL per request (no cache-lock contention) tell where added latency comes from.
 *  (c) cache HITs (wrk on `/small`, proven: the origin's counter does not move) against origin
 *      fetches through the same edge (the /small-nocache runs of (b)).
 * Prints a table and returns the summary for bench/results/edge.json. Never fails for slowness.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snakeKeys } from '../src/cli/json-case';
import { LabCluster } from '../src/cli/lab/cluster';
import { createInternet, createTestCa, type Internet } from '../src/cli/lab/edge-lab';
import { CURL_WRITE_OUT, parseCurl, visitorCurl, type VisitorTarget } from '../src/cli/lab/edge-visitor';
import { waitForPeerCounts } from '../src/cli/lab/mesh-check';
import { BIG_FILE_BYTES, startOriginApp } from '../src/cli/lab/origin-app';
import { generateSecretToken } from '../src/shared/mesh/secret';
import { callJson } from './control-http';
import { median, round } from './stats';

const HOST = 'www.example.test';
const PORT = 8080;
const TARGETS = { throughputRatio: 0.9, addedP50Ms: 1, cacheRatio: 10 };

/** Latency percentiles (ms), requests/s and failures of one wrk run. */
export interface WrkRun {
  p50Ms: number;
  p99Ms: number;
  rps: number;
  requests: number;
  /** Non-2xx/3xx responses plus socket errors (incl. wrk's 2 s timeouts). */
  failures: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Parses wrk's `--latency` output. */
export function parseWrk(out: string): WrkRun {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([0-9.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk output has no ${p}% line:\n${out}`);
    return Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
  };
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    p50Ms: pct('50'), p99Ms: pct('99'),
    rps: num(/Requests\/sec:\s+([0-9.]+)/), requests: num(/^\s*(\d+) requests in/m),
    failures: num(/Non-2xx or 3xx responses:\s+(\d+)/) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/** The running lab: a visitor target, the raw tunnel URL and the origin's request counters. */
interface Ctx {
  cluster: LabCluster;
  inet: Internet;
  visitor: VisitorTarget;
  raw: string;
  nginx: string;
  count(): Promise<{ paths: Record<string, number>; urls: Record<string, number> }>;
}

/** Runs the edge benchmark and returns its summary. */
export async function measureEdge(log: (s: string) => void): Promise<Record<string, unknown>> {
  const cluster = await LabCluster.create({ nodes: 2 });
  let inet: Internet | undefined;
  try {
    inet = await setUp(cluster);
    const ctx = await serving(cluster, inet);
    const throughput = await measureThroughput(ctx, Number(process.env.BENCH_EDGE_DOWNLOADS ?? 5), log);
    const { latency, cache } = await measureWrk(ctx, Number(process.env.BENCH_EDGE_WRK_RUNS ?? 3), log);
    const summary = { machine: machineNote(ctx.nginx), throughput, latency, cache, notes: notes(latency) };
    printTable(log, summary);
    return summary;
  } finally {
    await inet?.destroy();
    await cluster.destroy();
  }
}

async function setUp(cluster: LabCluster): Promise<Internet> {
  await Promise.all([0, 1].map((i) => cluster.startNode(i, { extraArgs: [...(i === 1 ? ['--nginx-mode', 'managed'] : []), '--log-level', 'info'] })));
  const secret = generateSecretToken();
  await Promise.all([0, 1].map((i) => callJson(cluster.socketPath(i), 'POST', '/v1/join', { secret })));
  await waitForPeerCounts(cluster, { timeoutMs: 30_000 });
  const inet = await createInternet(cluster, [1]);
  inet.setHosts({ [HOST]: inet.edgeAddress(1) }); // for wrk, which has no --resolve
  return inet;
}

/** Starts the app, exposes it, enables the edge and waits until the visitor is served. */
async function serving(cluster: LabCluster, inet: Internet): Promise<Ctx> {
  const ca = await createTestCa(join(cluster.lab.tmpDir, 'ca'), [HOST], cluster.lab.prefix);
  await startOriginApp(cluster.lab, 0, PORT);
  await cliOk(cluster, 0, ['expose', 'add', 'blog', `http://127.0.0.1:${PORT}`, '--hostname', HOST, '--health-path', '/healthz']);
  await cliOk(cluster, 1, ['edge', 'enable', '--cert-dir', ca.certDir, '--cache-size', '2g', '--max-body', '1g']);
  const visitor = { edge: 1, host: HOST, caFile: ca.caFile };
  const origin = await cluster.waitFor(async () => {
    const st = snakeKeys(JSON.parse(await cliOk(cluster, 1, ['edge', 'status', '--json']))) as EdgeStatus;
    const o = st.sites.find((s) => s.hostname === HOST)?.origins[0];
    if (!o || (await visitorCurl(inet, { ...visitor, path: '/healthz', maxTimeS: 2 })).status !== 200) throw new Error(JSON.stringify(st));
    return { raw: `http://${o.mesh_ipv4}:${o.port}`, nginx: st.nginx.version ?? '?' };
  }, { timeoutMs: 30_000, what: 'the edge to serve the site' });
  const count = async () => JSON.parse((await cluster.lab.exec(0, ['curl', '-sS', `http://127.0.0.1:${PORT}/count`])).stdout) as Awaited<ReturnType<Ctx['count']>>;
  return { cluster, inet, visitor, ...origin, count };
}

async function measureThroughput(ctx: Ctx, runs: number, log: (s: string) => void): Promise<Record<string, unknown>> {
  const mbit = { h2: [] as number[], h1: [] as number[], raw: [] as number[] };
  const viaEdge = async (k: number, http1: boolean): Promise<number> => {
    const e = await visitorCurl(ctx.inet, { ...ctx.visitor, path: `/big-nocache?run=${http1 ? 'h1' : 'h2'}-${k}`, http1,
      headers: { 'Cache-Control': 'no-cache' }, discardBody: true, maxTimeS: 120 });
    if (e.status !== 200 || e.sizeDownload !== BIG_FILE_BYTES || e.headers['x-cache-status'] === 'HIT' || e.httpVersion !== (http1 ? '1.1' : '2')) {
      throw new Error(`download via the edge: ${e.status} HTTP/${e.httpVersion} ${e.sizeDownload} bytes ${e.error}`);
    }
    return (e.speedDownload * 8) / 1e6;
  };
  for (let k = 0; k < runs; k++) {
    mbit.h2.push(await viaEdge(k, false));
    mbit.h1.push(await viaEdge(k, true));
    const r = await ctx.cluster.lab.exec(1, ['curl', '-sS', '-o', '/dev/null', '-w', CURL_WRITE_OUT, '-H', `Host: ${HOST}`, `${ctx.raw}/big-nocache?run=raw-${k}`], { timeoutMs: 130_000 });
    const d = parseCurl(r.stdout, r.stderr, r.code);
    if (d.status !== 200 || d.sizeDownload !== BIG_FILE_BYTES) throw new Error(`raw download: ${d.status} ${d.sizeDownload} ${d.error}`);
    mbit.raw.push((d.speedDownload * 8) / 1e6);
    log(`  download ${k + 1}/${runs}: via edge HTTP/2 ${mbit.h2[k]!.toFixed(0)}, HTTP/1.1 ${mbit.h1[k]!.toFixed(0)}, raw tunnel ${mbit.raw[k]!.toFixed(0)} Mbit/s`);
  }
  const urls = (await ctx.count()).urls;
  const unseen = ['h2', 'h1'].flatMap((v) => Array.from({ length: runs }, (_, k) => `/big-nocache?run=${v}-${k}`)).filter((u) => urls[u] !== 1);
  if (unseen.length > 0) throw new Error(`downloads via the edge that did not reach the origin exactly once: ${unseen.join(', ')}`);
  const m = { h2: median(mbit.h2), h1: median(mbit.h1), raw: median(mbit.raw) };
  return {
    runs, bytes: BIG_FILE_BYTES, every_edge_download_reached_origin: true,
    via_edge_h2_mbit: mbit.h2.map((x) => round(x, 0)), via_edge_h1_mbit: mbit.h1.map((x) => round(x, 0)), raw_tunnel_mbit: mbit.raw.map((x) => round(x, 0)),
    via_edge_h2_median_mbit: round(m.h2, 0), via_edge_h1_median_mbit: round(m.h1, 0), raw_tunnel_median_mbit: round(m.raw, 0),
    ratio: round(m.h2 / m.raw, 3), ratio_http1: round(m.h1 / m.raw, 3), target_ratio: TARGETS.throughputRatio,
    target_met: m.h2 / m.raw >= TARGETS.throughputRatio, target_met_http1: m.h1 / m.raw >= TARGETS.throughputRatio,
  };
}

type WrkCase = 'raw' | 'edge' | 'rawC1' | 'edgeC1' | 'edgeUnique' | 'hit';

async function measureWrk(ctx: Ctx, runs: number, log: (s: string) => void): Promise<{ latency: Record<string, unknown>; cache: Record<string, unknown> }> {
  for (let k = 0; k < 2; k++) await visitorCurl(ctx.inet, { ...ctx.visitor, path: '/small' });
  const warm = await visitorCurl(ctx.inet, { ...ctx.visitor, path: '/small' });
  if (warm.headers['x-cache-status'] !== 'HIT') throw new Error(`/small is not a cache HIT: ${JSON.stringify(warm.headers)}`);
  const lua = join(ctx.cluster.lab.tmpDir, 'unique-urls.lua');
  writeFileSync(lua, 'local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, "/small-nocache?n=" .. n)\nend\n');
  const edgeUrl = `https://${HOST}`;
  const cases: Record<WrkCase, { edgeNs: boolean; args: string[] }> = {
    raw: { edgeNs: true, args: ['-c8', '-H', `Host: ${HOST}`, `${ctx.raw}/small-nocache`] },
    edge: { edgeNs: false, args: ['-c8', `${edgeUrl}/small-nocache`] },
    rawC1: { edgeNs: true, args: ['-c1', '-H', `Host: ${HOST}`, `${ctx.raw}/small-nocache`] },
    edgeC1: { edgeNs: false, args: ['-c1', `${edgeUrl}/small-nocache`] },
    edgeUnique: { edgeNs: false, args: ['-c8', '-s', lua, `${edgeUrl}/small-nocache`] },
    hit: { edgeNs: false, args: ['-c8', `${edgeUrl}/small`] },
  };
  const out = Object.fromEntries(Object.keys(cases).map((c) => [c, [] as WrkRun[]])) as Record<WrkCase, WrkRun[]>;
  const smallBefore = (await ctx.count()).paths['/small'] ?? 0;
  for (let k = 0; k < runs; k++) {
    for (const [name, c] of Object.entries(cases) as [WrkCase, (typeof cases)[WrkCase]][]) {
      const argv = ['wrk', '-t1', '-d5s', '--latency', ...c.args];
      const r = c.edgeNs ? await ctx.cluster.lab.exec(1, argv, { timeoutMs: 30_000 }) : await ctx.inet.exec(argv, { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`wrk ${c.args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
      out[name].push(parseWrk(r.stdout));
    }
    const f = (c: WrkCase) => `${out[c][k]!.p50Ms.toFixed(2)}/${out[c][k]!.p99Ms.toFixed(1)} ms`;
    log(`  wrk ${k + 1}/${runs} p50/p99: raw ${f('raw')}, edge ${f('edge')} (unique URLs ${f('edgeUnique')}; -c1 raw ${f('rawC1')}, edge ${f('edgeC1')}); ` +
      `req/s edge→origin ${out.edge[k]!.rps.toFixed(0)}, HIT ${out.hit[k]!.rps.toFixed(0)}`);
  }
  const originSawDuringHits = ((await ctx.count()).paths['/small'] ?? 0) - smallBefore;
  const med = (c: WrkCase, f: (r: WrkRun) => number): number => median(out[c].map(f));
  const p50 = (c: WrkCase) => med(c, (r) => r.p50Ms);
  const p99 = (c: WrkCase) => med(c, (r) => r.p99Ms);
  const stats = (c: WrkCase) => ({ p50_median_ms: round(p50(c)), p99_median_ms: round(p99(c)), rps_median: round(med(c, (r) => r.rps), 0),
    failures: out[c].reduce((a, r) => a + r.failures, 0), runs: out[c] });
  const latency = {
    runs, wrk: '-t1 -d5s --latency', path: '/small-nocache',
    raw_c8: stats('raw'), edge_c8: stats('edge'), raw_c1: stats('rawC1'), edge_c1: stats('edgeC1'), edge_c8_unique_urls: stats('edgeUnique'),
    added_p50_ms: round(p50('edge') - p50('raw')), added_p99_ms: round(p99('edge') - p99('raw')),
    added_p50_unloaded_ms: round(p50('edgeC1') - p50('rawC1')), added_p50_unique_urls_ms: round(p50('edgeUnique') - p50('raw')),
    target_added_p50_ms: TARGETS.addedP50Ms, target_met: p50('edge') - p50('raw') <= TARGETS.addedP50Ms,
    target_met_unloaded: p50('edgeC1') - p50('rawC1') <= TARGETS.addedP50Ms,
  };
  const rps = { hit: med('hit', (r) => r.rps), origin: med('edge', (r) => r.rps), unique: med('edgeUnique', (r) => r.rps) };
  const cache = {
    runs, hit_rps_median: round(rps.hit, 0), origin_fetch_rps_median: round(rps.origin, 0), origin_fetch_unique_urls_rps_median: round(rps.unique, 0),
    ratio: round(rps.hit / rps.origin, 2), ratio_vs_unique_urls: round(rps.hit / rps.unique, 2),
    target_ratio: TARGETS.cacheRatio, target_met: rps.hit / rps.origin >= TARGETS.cacheRatio,
    origin_requests_during_hit_runs: originSawDuringHits, hit_failures: out.hit.reduce((a, r) => a + r.failures, 0), hit_runs: out.hit,
  };
  return { latency, cache };
}

/** Plain-language readings of patterns worth a look. */
function notes(lat: Record<string, unknown>): string[] {
  const same = lat.edge_c8 as { p99_median_ms: number; failures: number };
  const unique = lat.edge_c8_unique_urls as { p99_median_ms: number; failures: number };
  const out: string[] = [];
  if (same.failures > unique.failures || same.p99_median_ms > 10 * Math.max(unique.p99_median_ms, 1)) {
    out.push(`concurrent requests for ONE uncacheable URL stall (p99 ${same.p99_median_ms} ms, ${same.failures} wrk failures) while unique URLs do not ` +
      `(p99 ${unique.p99_median_ms} ms, ${unique.failures} failures): requests wait on nginx's proxy_cache_lock (polled every 500 ms) even though the ` +
      'answer is no-store; under that stall the -c8 p50 is not comparable with the raw tunnel (see added_p50_unloaded_ms)');
  }
  return out;
}

/** The fields of `edge status --json` used here (snake_case, as the CLI prints; snakeKeys() also takes camelCase). */
interface EdgeStatus {
  nginx: { version?: string };
  sites: { hostname: string; origins: { mesh_ipv4: string; port: number }[] }[];
}

async function cliOk(cluster: LabCluster, i: number, args: string[]): Promise<string> {
  const r = await cluster.cli(i, args);
  if (r.code !== 0) throw new Error(`cloudroof ${args.join(' ')} on node ${i}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

function machineNote(nginx: string): Record<string, unknown> {
  const cpus = readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
  return {
    cpus, node: process.version, nginx,
    note: `${cpus} vCPUs shared by the client (curl/wrk), nginx, two wireguard-go and the origin app; ` +
      'userspace WireGuard is the data-path limit, so compare the ratios, not the absolute figures',
  };
}

type Summary = { throughput: Record<string, unknown>; latency: Record<string, unknown>; cache: Record<string, unknown>; notes: string[] };

function printTable(log: (s: string) => void, s: Summary): void {
  const yes = (v: unknown): string => (v ? 'met' : 'NOT met');
  const { throughput: t, latency: l, cache: c } = s;
  const st = (k: string) => l[k] as { p50_median_ms: number; p99_median_ms: number };
  const rows: string[][] = [
    ['measure', 'via edge', 'reference', 'result', `target`],
    ['100 MiB download HTTP/2, Mbit/s', String(t.via_edge_h2_median_mbit), `${String(t.raw_tunnel_median_mbit)} raw tunnel`, `ratio ${String(t.ratio)}`, `≥ ${TARGETS.throughputRatio} ${yes(t.target_met)}`],
    ['100 MiB download HTTP/1.1, Mbit/s', String(t.via_edge_h1_median_mbit), `${String(t.raw_tunnel_median_mbit)} raw tunnel`, `ratio ${String(t.ratio_http1)}`, `≥ ${TARGETS.throughputRatio} ${yes(t.target_met_http1)}`],
    ['small request p50, ms (-c8)', String(st('edge_c8').p50_median_ms), `${String(st('raw_c8').p50_median_ms)} raw tunnel`, `+${String(l.added_p50_ms)} ms`, `≤ ${TARGETS.addedP50Ms} ms ${yes(l.target_met)}`],
    ['small request p99, ms (-c8)', String(st('edge_c8').p99_median_ms), `${String(st('raw_c8').p99_median_ms)} raw tunnel`, `+${String(l.added_p99_ms)} ms`, '-'],
    ['  unique URLs p50/p99, ms (-c8)', `${st('edge_c8_unique_urls').p50_median_ms}/${st('edge_c8_unique_urls').p99_median_ms}`, '', `+${String(l.added_p50_unique_urls_ms)} ms p50`, '-'],
    ['  unloaded p50, ms (-c1)', String(st('edge_c1').p50_median_ms), `${String(st('raw_c1').p50_median_ms)} raw tunnel`, `+${String(l.added_p50_unloaded_ms)} ms`, `≤ ${TARGETS.addedP50Ms} ms ${yes(l.target_met_unloaded)}`],
    ['requests/s, cache HIT vs origin', String(c.hit_rps_median), `${String(c.origin_fetch_rps_median)} origin fetch`, `${String(c.ratio)}×`, `≥ ${TARGETS.cacheRatio}× ${yes(c.target_met)}`],
    ['  vs origin, unique URLs', String(c.hit_rps_median), `${String(c.origin_fetch_unique_urls_rps_median)} origin fetch`, `${String(c.ratio_vs_unique_urls)}×`, '-'],
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) log(`  ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`);
  log(`  origin requests during the HIT runs: ${String(c.origin_requests_during_hit_runs)} (HIT-run failures ${String(c.hit_failures)})`);
  for (const n of s.notes) log(`  note: ${n}`);
}
