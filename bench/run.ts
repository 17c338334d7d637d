/**
 * `npm run bench`: time-to-mesh (N = 2, 10, 20) against the static-WireGuard floor measured in
 * the same run, the idle footprint of a node with 10 peers, LAN routes, and edge mode (download
 * throughput, added latency and cache HITs, each against a reference measured side by side).
 * Prints figures and writes bench/results/*.json. Never fails because the machine is slow; root
 * and wireguard-go needed (edge mode also nginx, openssl, curl, wrk, fping).
 * `BENCH_ONLY=edge` runs only the edge benchmark; `BENCH_ONLY=nat` only time-to-mesh across NAT
 * routers (public↔NAT, NAT↔NAT, relayed; bench/nat.ts, also nftables); `BENCH_ONLY=desktop` only
 * the desktop app's figures (tray toggle, renderer bundle, idle CPU; bench/desktop.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '../src/cli/lab/cluster';
import { measureBundle, measureTray } from './desktop';
import { measureEdge } from './edge';
import { measureIdleFootprint } from './idle-footprint';
import { measureNat } from './nat';
import { measureRoutes } from './routes';
import { measureStaticFloor } from './reference-floor';
import { max, median, round } from './stats';
import { measureTimeToMesh, writeResult, type MeshRun } from './time-to-mesh';

const log = (s: string): void => console.log(s);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('bench: needs root (network namespaces, WireGuard)');
    process.exit(1);
  }
  const root = findRepoRoot();
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  if (process.env.BENCH_ONLY === 'edge') {
    await edgeBench(root);
    return;
  }
  if (process.env.BENCH_ONLY === 'nat') {
    await natBench(root);
    return;
  }
  if (process.env.BENCH_ONLY === 'desktop') {
    await desktopBench(root);
    return;
  }
  const plan: [number, number][] = [[2, Number(process.env.BENCH_RUNS_2 ?? 7)], [10, Number(process.env.BENCH_RUNS_10 ?? 3)], [20, Number(process.env.BENCH_RUNS_20 ?? 3)]];
  const floors: number[] = [];
  const runs: MeshRun[] = [];
  log('time-to-mesh on a LAN (namespaces on one bridge, wireguard-go):');
  for (const [n, count] of plan) {
    for (let k = 0; k < count; k++) {
      if (n === 2) floors.push(await measureStaticFloor());
      runs.push(await measureTimeToMesh(n, log));
    }
  }
  const floor = median(floors);
  const summary = plan.filter(([, count]) => count > 0).map(([n]) => {
    const rs = runs.filter((r) => r.nodes === n);
    const pings = rs.map((r) => r.pingsMs);
    const hs = rs.map((r) => r.handshakesMs);
    return {
      nodes: n, runs: rs.length,
      pings_median_ms: round(median(pings), 0), pings_max_ms: round(max(pings), 0),
      handshakes_median_ms: round(median(hs), 0), handshakes_max_ms: round(max(hs), 0),
      pings_after_last_join_median_ms: round(median(rs.map((r) => r.pingsMs - r.joinMs)), 0),
      ratio_to_static_floor: round(median(pings) / floor, 2),
    };
  });
  log(`static WireGuard floor (2 devices, no discovery): median ${floor.toFixed(0)} ms over ${floors.length} runs`);
  for (const s of summary) {
    log(`N=${s.nodes}: pings median ${s.pings_median_ms} ms (max ${s.pings_max_ms}; ${s.pings_after_last_join_median_ms} ms after the last join), ` +
      `handshakes median ${s.handshakes_median_ms} ms (max ${s.handshakes_max_ms}), ${s.ratio_to_static_floor}× the static floor`);
  }
  log('LAN route advertising (router + plain LAN host + remote):');
  const routes = await measureRoutes(log);
  writeResult(root, 'routes', { date: new Date().toISOString(), ...routes });
  await edgeBench(root);
  await natBench(root);
  await desktopBench(root);
  const footprint = await measureIdleFootprint(11, Number(process.env.BENCH_IDLE_S ?? 60), log);
  const file = writeResult(root, 'time-to-mesh', {
    date: new Date().toISOString(), machine: { cpus: cpuCount(), node: process.version },
    static_floor_ms: { median: round(floor, 0), runs: floors.map((f) => round(f, 0)) },
    summary, runs: runs.map((r) => ({ ...r, joinMs: round(r.joinMs, 0), handshakesMs: round(r.handshakesMs, 0), pingsMs: round(r.pingsMs, 0) })),
    idle_footprint: footprint,
  });
  log(`wrote ${file}`);
}

async function edgeBench(root: string): Promise<void> {
  log('edge mode (visitor → nginx edge → mesh → origin, against the raw tunnel and the origin):');
  const edge = await measureEdge(log);
  log(`wrote ${writeResult(root, 'edge', { date: new Date().toISOString(), ...edge })}`);
}

async function natBench(root: string): Promise<void> {
  log('time-to-mesh across NAT routers (internet lab: DHT bootstrap, STUN, cone and symmetric NAT, an introducer):');
  const nat = await measureNat(log);
  log(`wrote ${writeResult(root, 'nat', { date: new Date().toISOString(), ...nat })}`);
}

async function desktopBench(root: string): Promise<void> {
  log('desktop app (tray toggle against a real service, renderer bundle, idle CPU):');
  const bundle = await measureBundle(root, log);
  const tray = await measureTray(log, Number(process.env.BENCH_TRAY_RUNS ?? 7), Number(process.env.BENCH_IDLE_S ?? 30));
  log(`wrote ${writeResult(root, 'desktop', { date: new Date().toISOString(), bundle, tray })}`);
}

function cpuCount(): number {
  return readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
}

main().catch((err: Error) => {
  console.error(`bench: ${err.stack ?? err.message}`);
  process.exit(1);
});
