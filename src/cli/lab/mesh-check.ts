// "Is the mesh up?" for a LabCluster, as the demo, the netns tests and the benchmarks ask it: every
// node reports all others as peers, and every node pings every other node's mesh addresses.
import type { LabCluster, LabNodeStatus } from './cluster';
import type { WaitForOptions } from './wait-for';

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A mesh address from `status --json` without a `/prefix` suffix, or undefined when absent. */
export function meshAddress(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.split('/')[0] : undefined;
}

/**
 * Polls `status --json` of every node until each reports `peer_count` = size − 1 and resolves with
 * those statuses (index = node). A timeout error names the counts last seen.
 */
export async function waitForPeerCounts(cluster: LabCluster, opts: WaitForOptions = {}): Promise<LabNodeStatus[]> {
  const want = cluster.size - 1;
  const nodes = Array.from({ length: cluster.size }, (_, i) => i);
  return cluster.waitFor(async () => {
    const all = await Promise.all(nodes.map((i) => cluster.statusJson(i)));
    if (all.every((s) => s.peer_count === want)) return all;
    throw new Error(`peer_count per node: ${all.map((s) => String(s.peer_count)).join(', ')} (want ${want})`);
  }, { what: `every node to report peer_count = ${want}`, ...opts });
}

/**
 * Waits until every node answers pings from every other node on its mesh IPv4 and IPv6 (taken from
 * `statuses`; an absent IPv6 is skipped, an absent IPv4 is an error). Resolves with the number of
 * (source, address) pairs proven; each pair is pinged until it answers once.
 */
export async function waitForMeshPings(
  cluster: LabCluster, statuses: readonly LabNodeStatus[], opts: WaitForOptions = {},
): Promise<number> {
  let pending: { from: number; ip: string }[] = [];
  statuses.forEach((s, to) => {
    const v4 = meshAddress(s.mesh_ipv4);
    if (!v4) throw new Error(`node ${to}: status --json has no mesh_ipv4`);
    for (const ip of [v4, meshAddress(s.mesh_ipv6)]) {
      if (!ip) continue;
      for (let from = 0; from < statuses.length; from++) if (from !== to) pending.push({ from, ip });
    }
  });
  const total = pending.length;
  await cluster.waitFor(async () => {
    const ok = await mapLimited(pending, 8, (p) => cluster.ping(p.from, p.ip));
    pending = pending.filter((_, k) => !ok[k]);
    const first = pending[0];
    if (!first) return true;
    throw new Error(`${pending.length} of ${total} pings unanswered, e.g. node ${first.from} → ${first.ip}`);
  }, { what: 'every node to ping every other node', intervalMs: 100, ...opts });
  return total;
}

/** One line per node: namespace, LAN address, mesh addresses, peer count — for humans. */
export function formatNodeTable(cluster: LabCluster, statuses: readonly (LabNodeStatus | undefined)[]): string {
  const rows = [['node', 'namespace', 'lan', 'mesh ipv4', 'mesh ipv6', 'peers']];
  statuses.forEach((s, i) => {
    rows.push([`n${i}`, cluster.lab.nodeNs(i), cluster.lab.lanIp(i), meshAddress(s?.mesh_ipv4) ?? '-',
      meshAddress(s?.mesh_ipv6) ?? '-', s ? String(s.peer_count ?? '?') : 'down']);
  });
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}
