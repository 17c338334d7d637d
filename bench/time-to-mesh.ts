/**
 * Time-to-mesh on a LAN: N cloudroofd nodes in namespaces on one bridge join together; we
 * measure from the moment the joins are sent until (a) every node has a completed WireGuard
 * handshake with every other and (b) every node pings every other node's mesh IPv4 and IPv6.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabCluster } from '../src/cli/lab/cluster';
import { generateSecretToken } from '../src/shared/mesh/secret';
import { callJson } from './control-http';

const run = promisify(execFile);

/** One measured run. */
export interface MeshRun {
  nodes: number;
  joinMs: number;
  handshakesMs: number;
  pingsMs: number;
}

interface StatusLite { meshIPv4?: string; meshIPv6?: string }
interface PeersLite { peers: { lastHandshakeTime: number | null }[] }

/** Builds an N-node lab, forms the mesh, measures, and tears everything down. */
export async function measureTimeToMesh(n: number, log: (s: string) => void, keep?: (c: LabCluster) => Promise<void>): Promise<MeshRun> {
  const cluster = await LabCluster.create({ nodes: n, ipv6: true });
  try {
    const secret = generateSecretToken();
    const nodes = Array.from({ length: n }, (_, i) => i);
    await Promise.all(nodes.map((i) => cluster.startNode(i, { extraArgs: ['--log-level', 'info'] })));
    const t0 = performance.now();
    await Promise.all(nodes.map((i) => callJson(cluster.socketPath(i), 'POST', '/v1/join', { secret })));
    const joinMs = performance.now() - t0;
    const statuses = await Promise.all(nodes.map((i) => callJson(cluster.socketPath(i), 'GET', '/v1/status') as Promise<StatusLite>));
    const [handshakesMs, pingsMs] = await Promise.all([
      waitHandshakes(cluster, n, t0),
      waitPings(cluster, statuses, t0),
    ]);
    log(`  N=${n}: joins ${joinMs.toFixed(0)} ms, all handshakes ${handshakesMs.toFixed(0)} ms, all pings ${pingsMs.toFixed(0)} ms`);
    if (keep) await keep(cluster);
    return { nodes: n, joinMs, handshakesMs, pingsMs };
  } finally {
    await cluster.destroy();
  }
}

async function waitHandshakes(cluster: LabCluster, n: number, t0: number): Promise<number> {
  for (;;) {
    const all = await Promise.all(Array.from({ length: n }, (_, i) => callJson(cluster.socketPath(i), 'GET', '/v1/peers') as Promise<PeersLite>));
    if (all.every((p) => p.peers.length === n - 1 && p.peers.every((x) => x.lastHandshakeTime !== null))) return performance.now() - t0;
    if (performance.now() - t0 > 60_000) throw new Error('handshakes not complete after 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Each node pings all others' mesh addresses with fping until every pair answered once. */
async function waitPings(cluster: LabCluster, statuses: readonly StatusLite[], t0: number): Promise<number> {
  const pending = statuses.map((_, from) => new Set(statuses.flatMap((s, to) => (to === from ? [] : [s.meshIPv4, s.meshIPv6]).filter((x): x is string => !!x))));
  for (;;) {
    await Promise.all(pending.map(async (targets, from) => {
      if (targets.size === 0) return;
      const r = await run('ip', ['netns', 'exec', cluster.lab.nodeNs(from), 'fping', '-a', '-r', '0', '-t', '150', ...targets]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
      for (const ip of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) targets.delete(ip);
    }));
    if (pending.every((p) => p.size === 0)) return performance.now() - t0;
    if (performance.now() - t0 > 60_000) throw new Error(`pings incomplete after 60 s: ${pending.map((p) => p.size).join(',')}`);
  }
}

/** Writes a result file under bench/results/. */
export function writeResult(root: string, name: string, value: unknown): string {
  const file = join(root, 'bench', 'results', `${name}.json`);
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  return file;
}
