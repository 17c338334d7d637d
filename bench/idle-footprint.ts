/**
 * Steady-state footprint of one node in a meshed cluster: RSS of cloudroofd (and of its
 * wireguard-go), CPU seconds per idle minute, and processes spawned per minute (target 0; the
 * Go wgmesh spawns 141–243 per minute, TESTING.md).
 */
import { execFileSync } from 'node:child_process';
import type { LabCluster } from '../src/cli/lab/cluster';
import { callJson } from './control-http';
import { cpuTicks, rssKiB } from './proc';
import { round } from './stats';
import { measureTimeToMesh } from './time-to-mesh';

interface Sample { rssKiB: number; cpuTicks: number; spawned: number }

/** Meshes `nodes` nodes, then watches node 0 for `seconds`. */
export async function measureIdleFootprint(nodes: number, seconds: number, log: (s: string) => void): Promise<Record<string, number>> {
  let result: Record<string, number> = {};
  await measureTimeToMesh(nodes, log, async (cluster) => {
    const pid = pidOf(cluster);
    const wgPid = Number(execFileSync('pgrep', ['-P', String(pid), 'wireguard-go'], { encoding: 'utf8' }).trim().split('\n')[0]);
    await new Promise((r) => setTimeout(r, 5000)); // let start-up work settle
    const a = await sample(cluster, pid);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const b = await sample(cluster, pid);
    const minutes = seconds / 60;
    result = {
      peers: nodes - 1,
      idle_seconds: seconds,
      rss_mib: round(b.rssKiB / 1024, 1),
      wireguard_go_rss_mib: wgPid ? round(rssKiB(wgPid) / 1024, 1) : -1,
      cpu_seconds_per_idle_minute: round((b.cpuTicks - a.cpuTicks) / 100 / minutes, 3),
      processes_spawned_per_minute: round((b.spawned - a.spawned) / minutes, 2),
    };
    log(`idle footprint with ${nodes - 1} peers over ${seconds} s: RSS ${result.rss_mib} MiB (wireguard-go ${result.wireguard_go_rss_mib} MiB), ` +
      `${result.cpu_seconds_per_idle_minute} CPU s/min, ${result.processes_spawned_per_minute} processes spawned/min`);
  });
  return result;
}

function pidOf(cluster: LabCluster): number {
  const out = execFileSync('pgrep', ['-f', '--', `--socket ${cluster.socketPath(0)}`], { encoding: 'utf8' }).trim().split('\n');
  return Number(out[0]);
}

async function sample(cluster: LabCluster, pid: number): Promise<Sample> {
  const status = await callJson(cluster.socketPath(0), 'GET', '/v1/status') as { processesSpawned?: number };
  return { rssKiB: rssKiB(pid), cpuTicks: cpuTicks(pid), spawned: status.processesSpawned ?? Number.NaN };
}
