/**
 * LAN route advertising: time from `routes advertise` until a remote mesh node reaches a plain
 * host on the router's LAN (median of 5), and throughput remote → LAN host through the router
 * against remote → the router's own mesh IP, measured side by side (iperf3, median of 3 each).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { LabCluster } from '../src/cli/lab/cluster';
import { createHomeLan, HOME_HOST, HOME_LAN } from '../src/cli/lab/home-lan';
import { waitForPeerCounts } from '../src/cli/lab/mesh-check';
import { generateSecretToken } from '../src/shared/mesh/secret';
import { callJson } from './control-http';
import { median, round } from './stats';

const run = promisify(execFile);

/** Runs the routes benchmark and returns its summary. */
export async function measureRoutes(log: (s: string) => void): Promise<Record<string, unknown>> {
  const cluster = await LabCluster.create({ nodes: 2 });
  const home = createHomeLan(cluster, [1]);
  const servers: ChildProcess[] = [];
  try {
    const secret = generateSecretToken();
    await Promise.all([0, 1].map((i) => cluster.startNode(i, { extraArgs: ['--log-level', 'info'] })));
    await Promise.all([0, 1].map((i) => callJson(cluster.socketPath(i), 'POST', '/v1/join', { secret })));
    await waitForPeerCounts(cluster, { timeoutMs: 20_000 });
    const reach = (): Promise<boolean> => run('ip', ['netns', 'exec', cluster.lab.nodeNs(0), 'fping', '-q', '-r', '0', '-t', '100', HOME_HOST]).then(() => true, () => false);
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      await callJson(cluster.socketPath(1), 'POST', '/v1/routes/advertise', { prefixes: [HOME_LAN] });
      while (!(await reach())) if (performance.now() - t0 > 30_000) throw new Error('LAN host not reachable after 30 s');
      times.push(performance.now() - t0);
      await callJson(cluster.socketPath(1), 'POST', '/v1/routes/withdraw', { prefixes: [HOME_LAN] });
      while (await reach()) await new Promise((r) => setTimeout(r, 100));
    }
    log(`  advertise → LAN host reachable: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    await callJson(cluster.socketPath(1), 'POST', '/v1/routes/advertise', { prefixes: [HOME_LAN] });
    while (!(await reach())) await new Promise((r) => setTimeout(r, 100));
    servers.push(home.spawnOnHost(['iperf3', '-s']), cluster.lab.spawn(1, ['iperf3', '-s'], { logName: 'iperf3' }));
    await new Promise((r) => setTimeout(r, 500));
    const routerMesh = ((await callJson(cluster.socketPath(1), 'GET', '/v1/status')) as { meshIPv4: string }).meshIPv4;
    const viaRouter: number[] = [];
    const toRouter: number[] = [];
    for (let k = 0; k < 3; k++) {
      viaRouter.push(await iperf(cluster, HOME_HOST));
      toRouter.push(await iperf(cluster, routerMesh));
    }
    const summary = {
      advertise_to_reachable_median_ms: round(median(times), 0),
      advertise_to_reachable_runs_ms: times.map((t) => round(t, 0)),
      throughput_via_router_median_mbit: round(median(viaRouter), 0),
      throughput_to_router_mesh_ip_median_mbit: round(median(toRouter), 0),
      ratio_via_router_to_direct: round(median(viaRouter) / median(toRouter), 2),
    };
    log(`  throughput remote → LAN host via the router ${summary.throughput_via_router_median_mbit} Mbit/s, remote → router mesh IP ${summary.throughput_to_router_mesh_ip_median_mbit} Mbit/s (ratio ${summary.ratio_via_router_to_direct})`);
    return summary;
  } finally {
    for (const s of servers) s.kill('SIGKILL');
    home.destroy();
    await cluster.destroy();
  }
}

async function iperf(cluster: LabCluster, target: string): Promise<number> {
  const { stdout } = await run('ip', ['netns', 'exec', cluster.lab.nodeNs(0), 'iperf3', '-c', target, '-t', '3', '-J']);
  const result = JSON.parse(stdout) as { end: { sum_received: { bits_per_second: number } } };
  return result.end.sum_received.bits_per_second / 1e6;
}
