/**
 * Time-to-mesh across the internet (issue 3), in the internet lab (src/cli/lab/internet-lab.ts):
 * a public VPS (introducer), two homes behind cone NATs and two behind symmetric NATs, joined with
 * `--no-lan-discovery`, our DHT bootstrap node and our STUN servers. The VPS, cone-a and sym-c
 * join once; then, per run, cone-b and sym-d start from a fresh state dir (a new identity, so no
 * peer cache and nobody knows them) and join, and we time from the join until the first ping of
 * each target's mesh IPv4 answers:
 *   public↔NAT   cone-b → vps
 *   NAT↔NAT      cone-b → cone-a   (hole punching; the path reached is reported)
 *   relayed      sym-d  → sym-c    (symmetric↔symmetric, through the introducer)
 * The join and the polls go straight to the control API (no CLI start-up in the figures). The split
 * comes from polling the joiner's /v1/status and /v1/peers every 100 ms: first DHT value
 * (`discovery.dht.peersFound` > 0), target listed (HELLO/REPLY done), first WireGuard handshake
 * towards it (for a relayed target: with the relay). Medians over BENCH_NAT_RUNS (default 5).
 * Prints a table and returns the summary for bench/results/nat.json. Never fails for slowness.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_SITES, InternetLab } from '../src/cli/lab/internet-lab';
import { meshAddress } from '../src/cli/lab/mesh-check';
import { generateSecretToken } from '../src/shared/mesh/secret';
import { callJson } from './control-http';
import { median, round } from './stats';

type Site = 'vps' | 'cone-a' | 'cone-b' | 'sym-c' | 'sym-d';
const KINDS = [
  { kind: 'public↔NAT', joiner: 'cone-b', target: 'vps' },
  { kind: 'NAT↔NAT', joiner: 'cone-b', target: 'cone-a' },
  { kind: 'relayed', joiner: 'sym-d', target: 'sym-c' },
] as const satisfies readonly { kind: string; joiner: Site; target: Site }[];
const TIMEOUT_MS = 120_000;

/** One joiner → target measurement (ms after the join was sent; null = not seen before the timeout). */
export interface NatRun {
  kind: string;
  joinMs: number;
  dhtValueMs: number | null;
  discoveredMs: number | null;
  handshakeMs: number | null;
  pingMs: number | null;
  /** `path` of the target in the joiner's peer list when the first ping answered. */
  path: string | null;
}

/** Runs the NAT benchmark and returns its summary. */
export async function measureNat(log: (s: string) => void): Promise<Record<string, unknown>> {
  const runs = Math.max(1, Number(process.env.BENCH_NAT_RUNS ?? 5));
  const net = await InternetLab.create({ sites: DEFAULT_SITES.slice(0, 5) });
  try {
    const secret = generateSecretToken();
    const secretFile = join(net.cluster.lab.tmpDir, 'secret');
    writeFileSync(secretFile, secret + '\n', { mode: 0o600 });
    const quiet = { extraArgs: ['--log-level', 'info'] };
    await Promise.all((['vps', 'cone-a', 'sym-c'] as const).map(async (s) => {
      await net.startNode(s, quiet);
      await joinOk(net, s, secretFile, s === 'vps' ? ['--introducer'] : []);
    }));
    const ids = new Map<Site, string>();
    for (const s of ['vps', 'cone-a', 'sym-c'] as const) ids.set(s, meshAddress((await net.cluster.statusJson(net.node(s))).mesh_ipv4) ?? '');
    await net.cluster.waitFor(async () => (await Promise.all([
      net.cluster.ping(net.node('cone-a'), ids.get('vps') ?? ''), net.cluster.ping(net.node('sym-c'), ids.get('vps') ?? ''),
    ])).every(Boolean), { timeoutMs: TIMEOUT_MS, what: 'cone-a and sym-c to reach the vps' });
    const results: NatRun[] = [];
    for (let k = 0; k < runs; k++) {
      for (const joiner of ['cone-b', 'sym-d'] as const) {
        const kinds = KINDS.filter((x) => x.joiner === joiner);
        const got = await freshJoin(net, joiner, kinds.map((x) => ({ kind: x.kind, ip: ids.get(x.target) ?? '' })), secret, quiet);
        results.push(...got);
        log(`  run ${k + 1}/${runs} ${joiner}: ${got.map((r) => `${r.kind} ${fmt(r.pingMs)} (${r.path ?? '-'})`).join(', ')}`);
      }
    }
    const summary = KINDS.map(({ kind, joiner, target }) => summarize(kind, `${joiner} → ${target}`, results.filter((r) => r.kind === kind)));
    printTable(log, summary);
    return {
      machine: { note: 'wireguard-go in network namespaces on one machine; NAT by nftables masquerade (cone) / masquerade random (symmetric)' },
      summary, runs: results,
    };
  } finally {
    await net.destroy();
  }
}

async function joinOk(net: InternetLab, s: Site, secretFile: string, extra: string[] = []): Promise<void> {
  const r = await net.join(s, secretFile, extra);
  if (r.code !== 0) throw new Error(`join on ${s} failed: ${r.stderr.trim()}`);
}

/** Restarts `joiner` with an empty state dir, joins through the control API, and times each target. */
async function freshJoin(
  net: InternetLab, joiner: Site, targets: { kind: string; ip: string }[], secret: string, opts: { extraArgs: string[] },
): Promise<NatRun[]> {
  const i = net.node(joiner);
  const sock = net.cluster.socketPath(i);
  await net.cluster.stopNode(i);
  rmSync(net.cluster.stateDir(i), { recursive: true, force: true });
  await net.startNode(joiner, opts);
  const discovery = { lan: false, dhtBootstrap: net.dhtBootstrap, stunServers: net.stunServers };
  const t0 = performance.now();
  await callJson(sock, 'POST', '/v1/join', { secret, discovery });
  const joinMs = performance.now() - t0;
  const at = () => performance.now() - t0;
  const out = targets.map((t) => ({ kind: t.kind, joinMs, dhtValueMs: null, discoveredMs: null, handshakeMs: null, pingMs: null, path: null } as NatRun));
  const done = () => out.every((r) => r.pingMs !== null) || at() > TIMEOUT_MS;
  const pinger = Promise.all(targets.map(async (t, k) => {
    const r = out[k]!;
    while (!done() && r.pingMs === null) {
      if (await net.cluster.ping(i, t.ip, { timeoutS: 1 })) {
        r.pingMs = at();
        const now = await callJson(sock, 'GET', '/v1/peers').then((v) => (v as { peers: ApiPeer[] }).peers).catch(() => [] as ApiPeer[]);
        r.path = now.find((p) => meshAddress(p.meshIPv4) === t.ip)?.path ?? null;
      } else await delay(50);
    }
  }));
  while (!done()) {
    const [status, peers] = await Promise.all([
      callJson(sock, 'GET', '/v1/status').catch(() => undefined) as Promise<{ discovery?: { dht?: { peersFound?: number } } } | undefined>,
      callJson(sock, 'GET', '/v1/peers').then((v) => (v as { peers: ApiPeer[] }).peers).catch(() => [] as ApiPeer[]),
    ]);
    const found = status?.discovery?.dht?.peersFound ?? 0;
    targets.forEach((t, k) => {
      const r = out[k]!;
      if (r.dhtValueMs === null && found > 0) r.dhtValueMs = at();
      const p = peers.find((x) => meshAddress(x.meshIPv4) === t.ip);
      if (!p) return;
      r.discoveredMs ??= at();
      const hsPeer = p.path === 'relay' ? peers.find((x) => [x.publicKey, x.hostname, x.meshIPv4].includes(p.relayVia)) : p;
      if (r.handshakeMs === null && typeof hsPeer?.lastHandshakeTime === 'number') r.handshakeMs = at();
    });
    await delay(100);
  }
  await pinger;
  return out;
}

/** The fields of a /v1/peers entry used here. */
interface ApiPeer {
  publicKey: string;
  hostname?: string;
  meshIPv4: string;
  path: string;
  relayVia?: string;
  lastHandshakeTime: number | null;
}

function summarize(kind: string, pair: string, rs: NatRun[]): Record<string, unknown> {
  const med = (pick: (r: NatRun) => number | null): number | null => {
    const xs = rs.map(pick).filter((x): x is number => x !== null);
    return xs.length > 0 ? round(median(xs), 0) : null;
  };
  const pings = rs.map((r) => r.pingMs).filter((x): x is number => x !== null);
  const paths = [...new Set(rs.filter((r) => r.pingMs !== null).map((r) => r.path ?? '?'))]; // as seen when the first ping answered
  return {
    kind, pair, runs: rs.length, succeeded: pings.length,
    ping_median_ms: med((r) => r.pingMs), ping_max_ms: pings.length > 0 ? round(Math.max(...pings), 0) : null,
    dht_value_median_ms: med((r) => r.dhtValueMs), discovered_median_ms: med((r) => r.discoveredMs),
    handshake_median_ms: med((r) => r.handshakeMs), join_median_ms: med((r) => r.joinMs), paths,
  };
}

function fmt(ms: unknown): string {
  return typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : 'timeout';
}

function printTable(log: (s: string) => void, summary: Record<string, unknown>[]): void {
  const rows = [['kind', 'pair', 'ok/runs', 'ping median', 'ping max', 'DHT value', 'listed', 'handshake', 'path']];
  for (const s of summary) {
    rows.push([String(s.kind), String(s.pair), `${String(s.succeeded)}/${String(s.runs)}`, fmt(s.ping_median_ms), fmt(s.ping_max_ms),
      fmt(s.dht_value_median_ms), fmt(s.discovered_median_ms), fmt(s.handshake_median_ms), (s.paths as string[]).join(',')]);
  }
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) log(`  ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()}`);
  log('  (medians, from the join; "listed" = HELLO/REPLY done, "handshake" = first WireGuard handshake on the path used)');
}
