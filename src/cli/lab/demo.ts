// `cloudroof demo`: a mesh of real cloudroofd nodes in network namespaces on this one machine.
//
// Lifecycle: preflight (Linux, root, tools, built bundles) → lab of N namespaces → one cloudroofd per
// namespace → a generated secret, handed to every node through a 0600 file (never on argv) → wait
// for full peer counts and pings over the mesh → `cloudroof peers` → live table until Ctrl-C (or exit
// with --once). The lab is removed in every case: `finally` for the normal path and errors, the
// lab's own exit handler if the process is made to exit (a second Ctrl-C).
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { bundlePaths, findRepoRoot, LabCluster, type LabNodeStatus } from './cluster';
import { formatNodeTable, waitForMeshPings, waitForPeerCounts } from './mesh-check';

/** Help text of `cloudroof demo`. */
export const DEMO_USAGE = `usage: cloudroof demo [--nodes N] [--once]

Builds a LAN of N network namespaces on this machine (nothing is added to the host's own network),
runs cloudroofd in each, joins them with one generated secret and shows the WireGuard mesh forming.
Needs Linux, root, iproute2, wireguard-go and iputils-ping.

  --nodes N   number of nodes, 2-20 (default 3)
  --once      exit right after showing the peers (default: a live peer table every 5 s until Ctrl-C)`;

/** Parsed `cloudroof demo` arguments. */
export interface DemoArgs {
  nodes: number;
  once: boolean;
  help: boolean;
}

/** Parses `cloudroof demo` arguments; returns an error message for invalid ones. */
export function parseDemoArgs(args: readonly string[]): DemoArgs | string {
  const out: DemoArgs = { nodes: 3, once: false, help: false };
  for (let k = 0; k < args.length; k++) {
    const a = args[k] ?? '';
    if (a === '--once') out.once = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--nodes' || a.startsWith('--nodes=')) {
      const v = a === '--nodes' ? args[++k] : a.slice('--nodes='.length);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 2 || n > 20) return `--nodes wants an integer from 2 to 20, got ${JSON.stringify(v)}`;
      out.nodes = n;
    } else return `unknown argument ${JSON.stringify(a)}`;
  }
  return out;
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir || '.', cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Everything that stops the demo from running here, as sentences for the user (empty: ready). */
export function demoPreflight(): string[] {
  if (process.platform !== 'linux') return [`the demo needs Linux (network namespaces); this is ${process.platform}`];
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('it needs root to create network namespaces: run `sudo cloudroof demo`');
  const tools = [['ip', 'iproute2'], ['wireguard-go', 'wireguard-go'], ['ping', 'iputils-ping']] as const;
  const missing = tools.filter(([cmd]) => !onPath(cmd));
  if (missing.length > 0) {
    problems.push(`missing ${missing.map(([c]) => c).join(', ')}: apt-get install ${missing.map(([, p]) => p).join(' ')}`);
  }
  try {
    const root = findRepoRoot();
    for (const f of Object.values(bundlePaths(root))) {
      if (!existsSync(f)) problems.push(`${f} is missing: run \`npm run build\` in ${root}`);
    }
  } catch (err) {
    problems.push((err as Error).message);
  }
  return problems;
}

const say = (s: string) => process.stdout.write(`${s}\n`);
const warn = (s: string) => process.stderr.write(`${s}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs `cloudroof demo` (see {@link DEMO_USAGE}); resolves with the process exit code. */
export async function runDemo(args: string[]): Promise<number> {
  const parsed = parseDemoArgs(args);
  if (typeof parsed === 'string') {
    warn(`cloudroof demo: ${parsed}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    say(DEMO_USAGE);
    return 0;
  }
  const problems = demoPreflight();
  if (problems.length > 0) {
    warn(`cloudroof demo cannot run here:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  // Registered before the lab's own handlers, so the lab defers to this graceful path; a second
  // signal exits at once and the lab's exit handler removes everything synchronously.
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(130);
    say(`\n${sig}: stopping and cleaning up (again to force)…`);
    abort.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let cluster: LabCluster | undefined;
  try {
    say(`creating ${parsed.nodes} namespaces…`);
    cluster = await LabCluster.create({ nodes: parsed.nodes });
    await showMesh(cluster, abort.signal);
    if (!parsed.once) await liveTable(cluster, abort.signal);
    return 0;
  } catch (err) {
    if (abort.signal.aborted) return 130;
    warn(`cloudroof demo failed: ${(err as Error).message}`);
    if (cluster) dumpLogs(cluster);
    return 1;
  } finally {
    if (cluster) {
      say('removing the namespaces…');
      await cluster.destroy();
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Starts the nodes, joins them, waits for the mesh and prints the timings and node 0's peers. */
async function showMesh(cluster: LabCluster, signal: AbortSignal): Promise<void> {
  const nodes = Array.from({ length: cluster.size }, (_, i) => i);
  for (const i of nodes) {
    say(`starting cloudroofd in ${cluster.lab.nodeNs(i)} (LAN ${cluster.lab.lanIp(i)}, interface ${cluster.interfaceName(i)})…`);
  }
  await Promise.all(nodes.map((i) => cluster.startNode(i)));
  signal.throwIfAborted();

  say('joining with a generated secret…');
  const init = await cluster.cli(0, ['init', '--secret']);
  const secret = init.stdout.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  if (init.code !== 0 || !secret) throw new Error(`cloudroof init --secret failed (exit ${init.code}): ${init.stderr.trim()}`);
  // The secret is a credential: handed over in a 0600 file, never on argv, never printed.
  const secretFile = join(cluster.lab.tmpDir, 'mesh-secret');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  const joins = await Promise.all(nodes.map((i) => cluster.cli(i, ['join', '--secret-file', secretFile])));
  const lastJoin = performance.now();
  joins.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`cloudroof join on node ${i} failed (exit ${r.code}): ${r.stderr.trim()}`);
  });
  signal.throwIfAborted();

  say('waiting for the mesh…');
  const statuses = await waitForPeerCounts(cluster, { timeoutMs: 120_000, signal });
  const peersAt = performance.now() - lastJoin;
  say(`  every node sees ${cluster.size - 1} peers ${seconds(peersAt)} after the last join`);
  const pairs = await waitForMeshPings(cluster, statuses, { timeoutMs: 120_000, signal });
  const pingsAt = performance.now() - lastJoin;
  say(`  every node pings every other node's mesh addresses (${pairs} pings) ${seconds(pingsAt)} after the last join`);
  say(`\n${formatNodeTable(cluster, statuses)}\n`);
  const peers = await cluster.cli(0, ['peers']);
  say(`cloudroof peers (on ${cluster.lab.nodeNs(0)}):\n${peers.stdout.trimEnd() || peers.stderr.trimEnd()}`);
}

/** Prints the node table and node 0's peers every 5 s until `signal` aborts. */
async function liveTable(cluster: LabCluster, signal: AbortSignal): Promise<void> {
  say('\nlive peer table every 5 s; Ctrl-C stops the demo and removes the namespaces');
  for (;;) {
    try {
      await delay(5000, undefined, { signal });
    } catch {
      return;
    }
    const nodes = Array.from({ length: cluster.size }, (_, i) => i);
    const statuses = await Promise.all(
      nodes.map((i) => cluster.statusJson(i).catch((): LabNodeStatus | undefined => undefined)),
    );
    const peers = await cluster.cli(0, ['peers']);
    if (signal.aborted) return;
    say(`\n── ${new Date().toLocaleTimeString()} ──\n${formatNodeTable(cluster, statuses)}\n`);
    say(`cloudroof peers (on ${cluster.lab.nodeNs(0)}):\n${peers.stdout.trimEnd() || peers.stderr.trimEnd()}`);
  }
}

/** After a failure: the tail of every node's cloudroofd log, before destroy() removes them. */
function dumpLogs(cluster: LabCluster): void {
  for (let i = 0; i < cluster.size; i++) {
    const tail = cluster.logTail(i, 20).trim();
    if (tail) warn(`--- cloudroofd log of ${cluster.lab.nodeNs(i)} (last 20 lines) ---\n${tail}`);
  }
}
