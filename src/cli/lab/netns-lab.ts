// A LAN of network namespaces on one machine: a hub namespace with a Linux bridge, and per node a
// namespace wired to it by a veth pair. Nothing is added to the host's root namespace.
//
// Lifecycle: create() builds hub + nodes (removing leftovers with the same prefix first) → exec()/
// spawn() run commands inside nodes → destroy() kills every process it started (by PID, as process
// groups) and everything else inside its namespaces, then deletes namespaces and temp dirs. A process
// exit or an unhandled SIGINT/SIGTERM runs a synchronous version of destroy() (see cleanup.ts).
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkPrefix, cleanupLab, isAlive, signalTree, tmpDirPrefix, trackLab, untrackLab,
  type CleanupTarget,
} from './cleanup';
import { execArgv, execChecked, type ExecOptions, type ExecResult } from './exec';

/** Options of {@link NetnsLab.create}. */
export interface NetnsLabOptions {
  /** Name prefix of every namespace/interface (default `cr` + 5 random hex chars). */
  prefix?: string;
  /** Number of node namespaces to create (1–240). */
  nodes: number;
  /** Also give every node an IPv6 ULA address (default false). */
  ipv6?: boolean;
  /**
   * Plug the initial nodes into the shared LAN bridge (default true). With `false` a node's
   * namespace has only `lo` up, for labs that wire their own topology (internet-lab.ts).
   */
  lan?: boolean;
  /** Progress lines (default: silent). */
  log?: (s: string) => void;
}

/** Options of {@link NetnsLab.spawn}. */
export interface LabSpawnOptions {
  /** Log file name inside the node's dir, without `.log` (default `proc`). stdout and stderr go there. */
  logName?: string;
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link NetnsLab.addNode}. */
export interface AddNodeOptions {
  /** Give the node a leg on the shared LAN bridge (default true); without it only `lo` is up. */
  lan?: boolean;
}

/** Name of every node's LAN interface (inside its own namespace). */
export const LAN_INTERFACE = 'lan0';
const MAX_NODES = 240;

/** A LAN of network namespaces; see the module comment for the lifecycle. */
export class NetnsLab {
  /** Name of the namespace holding the bridge. */
  readonly hubNs: string;
  /** Third octet of the LAN 192.168.<x>.0/24 (derived from the prefix). */
  readonly subnet: number;
  /** First 48 bits of the IPv6 ULA /64 in canonical text, e.g. `fd12:3456:789a`. */
  readonly ula: string;
  private count = 0;
  private readonly children = new Set<ChildProcess>();
  private destroying: Promise<void> | undefined;
  private readonly target: CleanupTarget;

  private constructor(
    /** Prefix of every name this lab creates. */
    readonly prefix: string,
    /** Temp dir of this lab: per-node dirs `n<i>/` with log files. */
    readonly tmpDir: string,
    /** Whether nodes have IPv6 ULA addresses. */
    readonly ipv6: boolean,
    private readonly log: (s: string) => void,
  ) {
    this.hubNs = `${prefix}-hub`;
    const h = createHash('sha256').update(prefix).digest();
    this.subnet = h[0] ?? 0;
    // Canonical text (no leading zeros, no zero group) so it matches what `ip addr` prints.
    const group = (k: number) => ((h.readUInt16BE(k) || 1).toString(16));
    this.ula = `fd${(h[1] ?? 0).toString(16).padStart(2, '0')}:${group(2)}:${group(4)}`;
    this.target = { prefix, pids: () => [...this.children].flatMap((c) => (c.pid ? [c.pid] : [])) };
  }

  /** Builds the hub and `opts.nodes` nodes; removes leftovers of an earlier run with the same prefix first. */
  static async create(opts: NetnsLabOptions): Promise<NetnsLab> {
    const prefix = opts.prefix ?? `cr${randomBytes(3).toString('hex').slice(0, 5)}`;
    checkPrefix(prefix);
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > MAX_NODES) {
      throw new Error(`nodes must be an integer in 1..${MAX_NODES}`);
    }
    await cleanupLab(prefix);
    const dir = await mkdtemp(join(tmpdir(), tmpDirPrefix(prefix)));
    const lab = new NetnsLab(prefix, dir, opts.ipv6 ?? false, opts.log ?? (() => undefined));
    trackLab(lab.target);
    try {
      await execChecked('ip', ['netns', 'add', lab.hubNs]);
      await lab.ipBatch(lab.hubNs, ['link set lo up', 'link add br0 type bridge mcast_snooping 0', 'link set br0 up']);
      for (let i = 0; i < opts.nodes; i++) await lab.addNode({ lan: opts.lan ?? true });
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  /** Removes everything of a lab with this prefix (namespaces, processes inside, files), e.g. after a crash. */
  static async cleanupStale(prefix: string): Promise<void> {
    checkPrefix(prefix);
    await cleanupLab(prefix);
  }

  /** Number of nodes created so far. */
  get nodeCount(): number {
    return this.count;
  }

  /** Namespace name of node `i`. */
  nodeNs(i: number): string {
    return `${this.prefix}-n${this.check(i)}`;
  }

  /** LAN IPv4 address of node `i` (192.168.<subnet>.<i+10>). */
  lanIp(i: number): string {
    return `192.168.${this.subnet}.${this.check(i) + 10}`;
  }

  /** LAN IPv6 ULA address of node `i` (only configured when the lab has `ipv6`). */
  lanIp6(i: number): string {
    return `${this.ula}::${this.check(i) + 10}`;
  }

  /** Per-node temp dir `<tmpDir>/n<i>` (exists once the node does). */
  nodeDir(i: number): string {
    return join(this.tmpDir, `n${this.check(i)}`);
  }

  /** Path of a node's log file written by {@link spawn}. */
  logPath(i: number, name = 'proc'): string {
    return join(this.nodeDir(i), `${name}.log`);
  }

  /** Contents of a node's log file ('' if there is none yet). */
  readLog(i: number, name = 'proc'): string {
    try {
      return readFileSync(this.logPath(i, name), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Adds one node (namespace, and unless `opts.lan` is false: veth to the bridge, addresses,
   * routes); returns its index.
   */
  async addNode(opts: AddNodeOptions = {}): Promise<number> {
    this.assertLive();
    if (this.count >= MAX_NODES) throw new Error(`a lab holds at most ${MAX_NODES} nodes`);
    const i = this.count++;
    const ns = this.nodeNs(i);
    mkdirSync(this.nodeDir(i), { recursive: true, mode: 0o700 });
    await execChecked('ip', ['netns', 'add', ns]);
    if (opts.lan === false) {
      await this.ipBatch(ns, ['link set lo up']);
      this.log(`lab: ${ns} up (no LAN leg)`);
      return i;
    }
    await execChecked('ip', ['-n', this.hubNs, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', LAN_INTERFACE, 'netns', ns]);
    await execChecked('ip', ['-n', this.hubNs, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
    // The default route through the LAN lets multicast (239.x.x.x) be sent without picking an interface.
    const cmds = ['link set lo up', `addr add ${this.lanIp(i)}/24 dev ${LAN_INTERFACE}`];
    if (this.ipv6) cmds.push(`addr add ${this.lanIp6(i)}/64 dev ${LAN_INTERFACE} nodad`);
    cmds.push(`link set ${LAN_INTERFACE} up`, `route add default dev ${LAN_INTERFACE}`);
    if (this.ipv6) cmds.push(`route add ::/0 dev ${LAN_INTERFACE}`);
    await this.ipBatch(ns, cmds);
    this.log(`lab: ${ns} up at ${this.lanIp(i)}${this.ipv6 ? ` and ${this.lanIp6(i)}` : ''}`);
    return i;
  }

  /** Unplugs node `i`'s cable (its bridge port goes down; the node keeps addresses and routes). */
  async setLinkDown(i: number): Promise<void> {
    await execChecked('ip', ['-n', this.hubNs, 'link', 'set', `v${this.check(i)}`, 'down']);
  }

  /** Plugs node `i`'s cable back in. */
  async setLinkUp(i: number): Promise<void> {
    await execChecked('ip', ['-n', this.hubNs, 'link', 'set', `v${this.check(i)}`, 'up']);
  }

  /** Runs `argv` inside node `i`'s namespace (`ip netns exec`, no shell) and returns output and exit code. */
  exec(i: number, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    this.assertLive();
    return execArgv('ip', ['netns', 'exec', this.nodeNs(i), ...argv], opts);
  }

  /**
   * Starts `argv` inside node `i`'s namespace as a tracked background process in its own process
   * group (detached), stdout and stderr appended to {@link logPath}. destroy() stops it.
   */
  spawn(i: number, argv: readonly string[], opts: LabSpawnOptions = {}): ChildProcess {
    this.assertLive();
    const out = openSync(this.logPath(i, opts.logName), 'a');
    try {
      const child = spawnChild('ip', ['netns', 'exec', this.nodeNs(i), ...argv], {
        detached: true,
        stdio: ['ignore', out, out],
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      });
      this.children.add(child);
      child.on('exit', () => this.children.delete(child));
      child.on('error', (err) => {
        this.children.delete(child);
        this.log(`lab: cannot start ${argv.join(' ')}: ${err.message}`);
      });
      return child;
    } finally {
      closeSync(out);
    }
  }

  /**
   * Stops every process this lab started (SIGTERM to its process group, SIGKILL after 3 s) and every
   * other process inside its namespaces, deletes all namespaces with its prefix and its temp dirs.
   * Idempotent; concurrent calls share one run.
   */
  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    const kids = [...this.children];
    for (const c of kids) if (c.pid) signalTree(c.pid, 'SIGTERM');
    await Promise.all(kids.map((c) => waitExit(c, 3000)));
    for (const c of kids) if (c.pid && running(c)) signalTree(c.pid, 'SIGKILL');
    await Promise.all(kids.map((c) => waitExit(c, 2000)));
    await cleanupLab(this.prefix); // also whatever runs in the namespaces that we did not start
    untrackLab(this.target);
    this.log(`lab: ${this.prefix} removed`);
  }

  private async ipBatch(ns: string, cmds: string[]): Promise<void> {
    await execChecked('ip', ['-n', ns, '-batch', '-'], { input: `${cmds.join('\n')}\n` });
  }

  private check(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new Error(`no node ${i} in lab ${this.prefix}`);
    return i;
  }

  private assertLive(): void {
    if (this.destroying) throw new Error(`lab ${this.prefix} is destroyed`);
  }
}

function running(c: ChildProcess): boolean {
  return c.exitCode === null && c.signalCode === null && c.pid !== undefined && isAlive(c.pid);
}

/** Resolves when `c` has exited (and been reaped) or after `ms`. */
function waitExit(c: ChildProcess, ms: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    c.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
