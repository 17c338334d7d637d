/**
 * A home LAN behind mesh routers, for the route tests and benchmarks: a bridge in its own
 * namespace `<prefix>-home` holding the plain host's address (no WireGuard, no route back to
 * the mesh), and one veth leg from each router node (router r gets 10.77.0.1r/24). Named with
 * the lab's prefix, so the lab's cleanup removes it too.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { LabCluster } from './cluster';

/** The LAN every home network here uses. */
export const HOME_LAN = '10.77.0.0/24';
/** The plain host's address. */
export const HOME_HOST = '10.77.0.2';

/** A built home LAN; `destroy()` removes its namespace and processes. */
export interface HomeLan {
  ns: string;
  /** Router r's address on the home LAN. */
  routerAddress(r: number): string;
  /** Runs a long-lived program on the plain host (killed by destroy()). */
  spawnOnHost(argv: string[]): ChildProcess;
  destroy(): void;
}

const run = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });

/** Builds the home LAN with legs to the given router nodes. */
export function createHomeLan(cluster: LabCluster, routers: readonly number[]): HomeLan {
  const prefix = cluster.lab.prefix;
  const ns = `${prefix}-home`;
  const children: ChildProcess[] = [];
  run(['ip', 'netns', 'add', ns]);
  run(['ip', '-n', ns, 'link', 'add', 'br0', 'type', 'bridge']);
  run(['ip', '-n', ns, 'addr', 'add', `${HOME_HOST}/24`, 'dev', 'br0']);
  run(['ip', '-n', ns, 'link', 'set', 'br0', 'up']);
  run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  for (const r of routers) {
    const [h, n] = [`${prefix}h${r}`, `${prefix}r${r}`];
    run(['ip', 'link', 'add', h, 'type', 'veth', 'peer', 'name', n]);
    run(['ip', 'link', 'set', h, 'netns', ns]);
    run(['ip', 'link', 'set', n, 'netns', cluster.lab.nodeNs(r)]);
    run(['ip', '-n', ns, 'link', 'set', h, 'master', 'br0', 'up']);
    run(['ip', '-n', cluster.lab.nodeNs(r), 'addr', 'add', `10.77.0.1${r}/24`, 'dev', n]);
    run(['ip', '-n', cluster.lab.nodeNs(r), 'link', 'set', n, 'up']);
  }
  return {
    ns,
    routerAddress: (r) => `10.77.0.1${r}`,
    spawnOnHost: (argv) => {
      const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' });
      children.push(child);
      return child;
    },
    destroy: () => {
      for (const c of children) c.kill('SIGKILL');
      try { run(['ip', 'netns', 'del', ns]); } catch { /* already gone */ }
    },
  };
}
