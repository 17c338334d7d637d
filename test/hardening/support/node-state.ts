// What a lab node has actually done to its network namespace, read from the outside: the mesh
// interface, wireguard-go and nginx processes inside the namespace, routes via the mesh
// interface, nftables tables, forwarding sysctls, and the intent files in its state dir. The
// fault suite compares this with the intent after every crash and restart.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LabCluster } from '../../../src/cli/lab/cluster';
import { namespacePids } from '../../../src/cli/lab/cleanup';

/** The parts of prefs.json the suites look at. */
export interface PrefsView {
  wantConnected: boolean;
  advertiseRoutes: { prefix: string; masquerade: boolean }[];
  sites: { name: string; hostnames: string[] }[];
  edge?: { enabled: boolean };
}

/** A live process inside a node's namespace. */
export interface NsProcess {
  pid: number;
  ppid: number;
  comm: string;
  args: string;
}

/** The system state of one node, as observed from outside. */
export interface NodeSnapshot {
  iface: boolean;
  wireguardGo: NsProcess[];
  nginxMasters: NsProcess[];
  nginxAll: NsProcess[];
  /** `ip route` / `ip -6 route` lines with `dev <mesh iface>`. */
  meshRoutes: string[];
  /** nft tables, e.g. `inet cloudroof`. */
  tables: string[];
  forwarding: { v4: string; v6: string };
  /** `<state>/nginx` exists. */
  nginxDir: boolean;
  /** `<state>/forwarding.json` exists (a record of values to restore). */
  forwardingRecord: boolean;
  /** Temporary files of interrupted atomic writes at the top of the state dir. */
  tempFiles: string[];
  prefs: PrefsView | undefined;
}

const run = (argv: string[]): string => {
  try {
    return execFileSync(argv[0] ?? 'false', argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    throw new Error(`${argv.join(' ')} failed (exit ${e.status}): ${e.stderr ?? ''}`, { cause: err });
  }
};

/** Live (not zombie) processes whose network namespace is `ns`. */
export function nsProcesses(ns: string): NsProcess[] {
  const out: NsProcess[] = [];
  for (const pid of namespacePids(ns)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid, ppid: Number(ppid), comm, args });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** prefs.json of a state dir, or undefined when absent. Throws when it is not valid JSON. */
export function readPrefs(stateDir: string): PrefsView | undefined {
  const file = join(stateDir, 'prefs.json');
  if (!existsSync(file)) return undefined;
  const p = JSON.parse(readFileSync(file, 'utf8')) as Partial<PrefsView>;
  return { wantConnected: p.wantConnected ?? false, advertiseRoutes: p.advertiseRoutes ?? [], sites: p.sites ?? [], ...(p.edge ? { edge: p.edge } : {}) };
}

/** Everything of {@link NodeSnapshot} for node `i`. */
export function snapshot(cluster: LabCluster, i: number): NodeSnapshot {
  const ns = cluster.lab.nodeNs(i);
  const iface = cluster.interfaceName(i);
  const links = run(['ip', '-n', ns, '-o', 'link', 'show']);
  const hasIface = links.split('\n').some((l) => l.split(':')[1]?.trim().split('@')[0] === iface);
  const routes = hasIface
    ? [...run(['ip', '-n', ns, 'route', 'show', 'dev', iface]).split('\n'), ...run(['ip', '-n', ns, '-6', 'route', 'show', 'dev', iface]).split('\n')]
    : [];
  const procs = nsProcesses(ns);
  const tables = run(['ip', 'netns', 'exec', ns, 'nft', 'list', 'tables']).split('\n').map((l) => l.replace(/^table\s+/, '').trim()).filter(Boolean);
  const sysctl = (key: string) => run(['ip', 'netns', 'exec', ns, 'sysctl', '-n', key]).trim();
  const state = cluster.stateDir(i);
  const nginx = procs.filter((p) => p.comm === 'nginx');
  return {
    iface: hasIface,
    wireguardGo: procs.filter((p) => p.comm === 'wireguard-go'),
    nginxMasters: nginx.filter((p) => p.args.includes('master process')),
    nginxAll: nginx,
    // Kernel-generated routes of the interface's own addresses are part of the interface.
    meshRoutes: routes.map((l) => l.trim()).filter((l) => l && !/proto kernel/.test(l) && !l.startsWith('fe80::') && !l.startsWith('multicast')),
    tables,
    forwarding: { v4: sysctl('net.ipv4.ip_forward'), v6: sysctl('net.ipv6.conf.all.forwarding') },
    nginxDir: existsSync(join(state, 'nginx')),
    forwardingRecord: existsSync(join(state, 'forwarding.json')),
    tempFiles: readdirSync(state).filter((n) => n.endsWith('.tmp')),
    prefs: readPrefs(state),
  };
}

/** Names of the regular files in a state dir (top level), for the atomic-write checks. */
export function stateFiles(stateDir: string): string[] {
  return readdirSync(stateDir, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort();
}

/** What node `i` should look like for an intent. */
export interface Expectation {
  joined: boolean;
  advertised: boolean;
  sites: boolean;
  edge: boolean;
  /** The forwarding sysctls before anything ran. */
  baseline: { v4: string; v6: string };
  /** A prefix a peer advertises: installed via the mesh interface while joined. */
  acceptedPrefix?: string;
}

/** The expectation the intent in prefs.json implies. */
export function expectationOf(prefs: PrefsView | undefined, baseline: Expectation['baseline'], acceptedPrefix?: string): Expectation {
  return {
    joined: prefs?.wantConnected ?? false,
    advertised: (prefs?.advertiseRoutes.length ?? 0) > 0,
    sites: (prefs?.sites.length ?? 0) > 0,
    edge: prefs?.edge?.enabled ?? false,
    baseline,
    ...(acceptedPrefix ? { acceptedPrefix } : {}),
  };
}

/** A difference between a snapshot and an expectation; `leftover` = something present that must be gone. */
export interface Violation {
  what: string;
  leftover: boolean;
}

/** Every way `s` differs from `e` (empty = converged). */
export function violations(s: NodeSnapshot, e: Expectation): Violation[] {
  const v: Violation[] = [];
  const want = (ok: boolean, what: string, leftover: boolean) => { if (!ok) v.push({ what, leftover }); };
  const hasTable = (t: string) => s.tables.includes(`inet ${t}`);
  if (e.joined) {
    want(s.iface, 'mesh interface missing', false);
    want(s.wireguardGo.length === 1, `${s.wireguardGo.length} wireguard-go processes (want 1)`, s.wireguardGo.length > 1);
  } else {
    want(!s.iface, 'mesh interface left behind', true);
    want(s.wireguardGo.length === 0, `${s.wireguardGo.length} wireguard-go processes left behind`, true);
    want(s.meshRoutes.length === 0, `routes via the mesh interface left behind: ${s.meshRoutes.join('; ')}`, true);
  }
  const routing = e.joined && e.advertised;
  want(hasTable('cloudroof') === routing, routing ? 'table inet cloudroof missing' : 'table inet cloudroof left behind', !routing);
  if (routing) want(s.forwarding.v4 === '1', `ip_forward ${s.forwarding.v4} while advertising`, false);
  else {
    want(s.forwarding.v4 === e.baseline.v4 && s.forwarding.v6 === e.baseline.v6,
      `forwarding ${JSON.stringify(s.forwarding)} (before: ${JSON.stringify(e.baseline)})`, true);
    want(!s.forwardingRecord, 'forwarding.json record left behind', true);
  }
  const origin = e.joined && e.sites;
  want(hasTable('cloudroof_origin') === origin, origin ? 'table inet cloudroof_origin missing' : 'table inet cloudroof_origin left behind', !origin);
  const edge = e.joined && e.edge;
  if (edge) {
    want(s.nginxMasters.length === 1, `${s.nginxMasters.length} nginx masters (want 1)`, s.nginxMasters.length > 1);
  } else {
    want(s.nginxAll.length === 0, `${s.nginxAll.length} nginx processes left behind`, true);
    // Edge disabled on a joined node, or not joined at all (leave removes edge mode's files too).
    want(!s.nginxDir, '<state>/nginx left behind', true);
  }
  want(s.tempFiles.length === 0, `temporary files of interrupted writes left behind: ${s.tempFiles.join(', ')}`, true);
  if (e.joined && e.acceptedPrefix) {
    want(s.meshRoutes.some((r) => r.startsWith(`${e.acceptedPrefix} `)), `route to ${e.acceptedPrefix} via the mesh missing`, false);
  }
  return v;
}
