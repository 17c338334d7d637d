// Finding and removing everything a lab leaves on the machine: processes inside its namespaces, the
// namespaces, /etc/netns overrides, stale wireguard-go UAPI sockets and temp dirs. Everything is found
// by the lab's prefix, so leftovers of a crashed run with the same prefix are removed as well.
//
// Why synchronous: the same code runs from process 'exit' and signal handlers, where nothing
// asynchronous completes. The async path only adds waiting for our own children without blocking.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Directory holding wireguard-go UAPI sockets; shared by every namespace on the machine. */
const WG_RUN_DIR = '/var/run/wireguard';

/** Allowed lab prefixes: short enough that `<prefix>w<i>` stays a valid 15-char interface name. */
export const PREFIX_RE = /^[a-z][a-z0-9]{0,9}$/;

/** Throws unless `prefix` matches {@link PREFIX_RE}. */
export function checkPrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix)) throw new Error(`invalid lab prefix ${JSON.stringify(prefix)} (want ${PREFIX_RE})`);
}

/** Name prefix of a lab's temp dirs in os.tmpdir(), so a stale one can be found again. */
export function tmpDirPrefix(prefix: string): string {
  return `cloudroof-lab-${prefix}-`;
}

/** Namespaces that belong to the lab `prefix` (`<prefix>-hub`, `<prefix>-n<i>`, and the extra segments `-home`, `-inet`), from `ip netns list`. */
export function listLabNamespaces(prefix: string): string[] {
  const re = new RegExp(`^${prefix}-(hub|n\\d+|home|inet)$`);
  let out: string;
  try {
    out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => re.test(n));
}

/** PIDs of every process whose network namespace is `ns` (`ip netns pids`). */
export function namespacePids(ns: string): number[] {
  try {
    const out = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split(/\s+/).filter(Boolean).map(Number).filter((p) => Number.isInteger(p) && p > 1);
  } catch {
    return [];
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Sends `signal` to the process group led by `pid` and to `pid` itself; errors (already gone) are ignored. */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      /* gone already, or not a group leader */
    }
  }
}

/** Blocks the thread for `ms` milliseconds (only for the synchronous exit path). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Sends `signal` to one process; errors (already gone) are ignored. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already */
  }
}

/** Processes inside the lab's namespaces (never this process itself). */
function labPids(prefix: string): number[] {
  return listLabNamespaces(prefix).flatMap(namespacePids).filter((p) => p !== process.pid);
}

/**
 * Synchronous best-effort removal of the lab `prefix`: SIGTERM to `groups` (our children, as process
 * groups) and to every process inside the lab's namespaces, up to `graceMs` for them to exit,
 * SIGKILL for the rest, then the namespaces, their /etc/netns dirs, `<prefix>w*` UAPI sockets and
 * the lab's temp dirs. For exit and signal handlers; async code uses {@link cleanupLab}.
 */
export function cleanupLabSync(prefix: string, groups: readonly number[] = [], graceMs = 2000): void {
  const inside = labPids(prefix);
  for (const pid of groups) signalTree(pid, 'SIGTERM');
  for (const pid of inside) signalPid(pid, 'SIGTERM');
  const all = [...groups, ...inside];
  const deadline = Date.now() + graceMs;
  while (all.some(isAlive) && Date.now() < deadline) sleepSync(50);
  for (const pid of groups) if (isAlive(pid)) signalTree(pid, 'SIGKILL');
  removeLabNamespaces(prefix);
  removeLabFiles(prefix);
}

/**
 * Asynchronous removal of the lab `prefix` (see {@link cleanupLabSync}) for processes the caller did
 * not start itself: SIGTERM to everything inside the lab's namespaces, up to `graceMs` without
 * blocking the event loop, then SIGKILL, namespaces and files.
 */
export async function cleanupLab(prefix: string, graceMs = 3000): Promise<void> {
  const inside = labPids(prefix);
  for (const pid of inside) signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (inside.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  removeLabNamespaces(prefix);
  removeLabFiles(prefix);
}

/** Deletes the lab's namespaces and /etc/netns/<ns> dirs; kills (SIGKILL) anything still inside first. */
export function removeLabNamespaces(prefix: string): void {
  for (const ns of listLabNamespaces(prefix)) {
    for (const pid of namespacePids(ns)) if (pid !== process.pid) signalPid(pid, 'SIGKILL');
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* raced with another cleanup */
    }
    rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  }
}

/** Removes UAPI sockets named `<prefix>w*` and temp dirs named `cloudroof-lab-<prefix>-*`. */
export function removeLabFiles(prefix: string): void {
  for (const [dir, start] of [[WG_RUN_DIR, `${prefix}w`], [tmpdir(), tmpDirPrefix(prefix)]] as const) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.startsWith(start)) rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** What the exit/signal handlers need to know about a live lab. */
export interface CleanupTarget {
  readonly prefix: string;
  /** PIDs of the processes the lab started and that still run. */
  pids(): number[];
}

const live = new Set<CleanupTarget>();
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onExit(): void {
  for (const target of [...live]) cleanupLabSync(target.prefix, target.pids());
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else (e.g. the demo) handles this signal: let it shut down gracefully and call
  // destroy(); the 'exit' handler remains the safety net if it exits without doing so.
  if (process.listenerCount(signal) > 1) return;
  onExit();
  process.exit(128 + (constants.signals[signal] ?? 0));
}

/** Registers a live lab so a process exit or an unhandled SIGINT/SIGTERM/SIGHUP removes it. */
export function trackLab(target: CleanupTarget): void {
  if (live.size === 0) {
    process.on('exit', onExit);
    for (const s of signals) process.on(s, onSignal);
  }
  live.add(target);
}

/** Forgets a lab (after destroy()); removes the handlers when no lab is left. */
export function untrackLab(target: CleanupTarget): void {
  if (!live.delete(target) || live.size > 0) return;
  process.off('exit', onExit);
  for (const s of signals) process.off(s, onSignal);
}
