// Real cloudroofd nodes in a NetnsLab: one service per node namespace, each with its own state dir,
// control socket and a WireGuard interface name that is unique on the machine (wireguard-go's
// /var/run/wireguard is shared by all namespaces). The CLI runs outside the namespaces: it only
// talks to the service's unix socket.
//
// Lifecycle: create() → startNode(i) (resolves once the control socket accepts connections) →
// cli()/statusJson()/ping() → stopNode()/killNode() → destroy() (SIGTERM to every node so it can tear
// down its interface, then NetnsLab.destroy() removes whatever is left).
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execArgv, type ExecResult } from './exec';
import { NetnsLab, type NetnsLabOptions } from './netns-lab';
import { waitFor, type WaitForOptions } from './wait-for';

export { waitFor, type WaitForOptions } from './wait-for';

/** The fields of `cloudroof status --json` the lab relies on; everything else passes through. */
export interface LabNodeStatus {
  peer_count?: number;
  mesh_ipv4?: string;
  mesh_ipv6?: string;
  [key: string]: unknown;
}

/** Options of {@link LabCluster.startNode}. */
export interface StartNodeOptions {
  /** Passed as `--listen-port`. */
  listenPort?: number;
  /** Appended to the service's argv. */
  extraArgs?: string[];
  /** Extra environment for the service. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the control socket (default 20 s). */
  readyTimeoutMs?: number;
}

/**
 * The checkout or installed package this module runs from: the nearest ancestor directory of
 * `fromUrl` whose package.json is named `cloudroof`. Works from src/ (vitest) and dist/ (bundle).
 */
export function findRepoRoot(fromUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'cloudroof') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no cloudroof package.json above ${fileURLToPath(fromUrl)}`);
    dir = up;
  }
}

/** Paths of the bundled entry points inside a repo root. */
export function bundlePaths(root: string): { cli: string; service: string } {
  return { cli: join(root, 'dist', 'cloudroof.js'), service: join(root, 'dist', 'cloudroofd.js') };
}

/** A NetnsLab running one cloudroofd per node; see the module comment for the lifecycle. */
export class LabCluster {
  private readonly procs = new Map<number, ChildProcess>();
  private readonly bundle: { cli: string; service: string };

  /** Wraps an existing lab; `repoRoot` defaults to {@link findRepoRoot}. */
  constructor(
    /** The namespaces the nodes run in. */
    readonly lab: NetnsLab,
    /** Checkout whose dist/ bundles are run. */
    readonly repoRoot: string = findRepoRoot(),
  ) {
    this.bundle = bundlePaths(repoRoot);
  }

  /** Creates a NetnsLab (see {@link NetnsLab.create}) and wraps it; no node is started yet. */
  static async create(opts: NetnsLabOptions): Promise<LabCluster> {
    const root = findRepoRoot();
    const { service, cli } = bundlePaths(root);
    for (const f of [service, cli]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\``);
    return new LabCluster(await NetnsLab.create(opts), root);
  }

  /** Number of nodes in the lab. */
  get size(): number {
    return this.lab.nodeCount;
  }

  /** Control socket of node `i`: `<tmp>/n<i>/cloudroofd.sock`. */
  socketPath(i: number): string {
    return join(this.lab.nodeDir(i), 'cloudroofd.sock');
  }

  /** State dir of node `i`: `<tmp>/n<i>/state`. */
  stateDir(i: number): string {
    return join(this.lab.nodeDir(i), 'state');
  }

  /** WireGuard interface of node `i`: `<prefix>w<i>`, unique on the machine, at most 15 chars. */
  interfaceName(i: number): string {
    this.lab.nodeNs(i); // validates i
    return `${this.lab.prefix}w${i}`;
  }

  /** True while node `i`'s cloudroofd process runs. */
  isRunning(i: number): boolean {
    const p = this.procs.get(i);
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** PID of node `i`'s running cloudroofd (`ip netns exec` execs it in place), or undefined. */
  pid(i: number): number | undefined {
    return this.isRunning(i) ? this.procs.get(i)?.pid : undefined;
  }

  /**
   * Starts cloudroofd in node `i`'s namespace (log: `<tmp>/n<i>/cloudroofd.log`) and resolves once
   * its control socket accepts connections. Rejects, with the log's tail, if it exits or times out.
   */
  async startNode(i: number, opts: StartNodeOptions = {}): Promise<void> {
    if (this.isRunning(i)) throw new Error(`cloudroofd already runs on node ${i}`);
    mkdirSync(this.stateDir(i), { recursive: true, mode: 0o700 });
    const argv = [process.execPath, '--enable-source-maps', this.bundle.service,
      '--socket', this.socketPath(i), '--state-dir', this.stateDir(i),
      '--interface', this.interfaceName(i), '--log-level', 'debug'];
    if (opts.listenPort !== undefined) argv.push('--listen-port', String(opts.listenPort));
    argv.push(...(opts.extraArgs ?? []));
    const child = this.lab.spawn(i, argv, { logName: 'cloudroofd', env: { CLOUDROOF_HOSTNAME: `node${i}`, ...opts.env } });
    this.procs.set(i, child);
    try {
      await waitFor(async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`cloudroofd on node ${i} exited (${child.exitCode ?? child.signalCode})`);
        }
        return socketAccepts(this.socketPath(i));
      }, { timeoutMs: opts.readyTimeoutMs ?? 20_000, intervalMs: 100, what: `cloudroofd on node ${i} to listen`, failFast: true });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${this.lab.logPath(i, 'cloudroofd')} (tail) ---\n${this.logTail(i)}`, { cause: err });
    }
  }

  /**
   * Sends `signal` to node `i`'s cloudroofd (only to it, so it can stop its own children) and waits
   * for it to exit; after `timeoutMs` its whole process group gets SIGKILL. Resolves with the exit status.
   */
  async stopNode(i: number, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | NodeJS.Signals | null> {
    const p = this.procs.get(i);
    if (!p || !this.isRunning(i) || p.pid === undefined) return p?.exitCode ?? p?.signalCode ?? null;
    const exited = new Promise<number | NodeJS.Signals | null>((r) => p.once('exit', (code, sig) => r(code ?? sig)));
    try {
      process.kill(p.pid, signal);
    } catch {
      /* exited meanwhile; 'exit' follows */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(p.pid ?? 0), 'SIGKILL');
      } catch {
        /* exited meanwhile */
      }
    }, timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Crashes node `i`: SIGKILL to cloudroofd alone, as a real crash would, so children such as
   * wireguard-go may survive for the next start to find. destroy() removes them.
   */
  async killNode(i: number): Promise<void> {
    await this.stopNode(i, 'SIGKILL');
  }

  /** Runs `cloudroof --socket <node i's socket> ...args` (outside the namespace) with optional stdin. */
  cli(i: number, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const argv = ['--enable-source-maps', this.bundle.cli, '--socket', this.socketPath(i), ...args];
    return execArgv(process.execPath, argv, { input: opts.input, timeoutMs: opts.timeoutMs ?? 30_000 });
  }

  /** Polls `predicate` until it returns a truthy value; see {@link waitFor}. */
  waitFor<T>(predicate: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<T> {
    return waitFor(predicate, opts);
  }

  /** Pings `ip` (IPv4 or IPv6) from node `i`'s namespace; true if a reply came. */
  async ping(i: number, ip: string, opts: { count?: number; timeoutS?: number } = {}): Promise<boolean> {
    const argv = ['ping', '-n', '-q', '-c', String(opts.count ?? 1), '-W', String(opts.timeoutS ?? 1), ip];
    return (await this.lab.exec(i, argv)).code === 0;
  }

  /** `cloudroof status --json` of node `i`, parsed; rejects if the command fails. */
  async statusJson(i: number): Promise<LabNodeStatus> {
    return (await this.cliJson(i, ['status', '--json'])) as LabNodeStatus;
  }

  /** `cloudroof peers --json` of node `i`: the peer list (a bare array or the `peers` field). */
  async peersJson(i: number): Promise<Record<string, unknown>[]> {
    const v = (await this.cliJson(i, ['peers', '--json'])) as { peers?: unknown } | unknown[];
    const list = Array.isArray(v) ? v : v.peers;
    if (!Array.isArray(list)) throw new Error(`cloudroof peers --json on node ${i}: no peer list in output`);
    return list as Record<string, unknown>[];
  }

  /** The last `lines` lines of node `i`'s cloudroofd log. */
  logTail(i: number, lines = 40): string {
    return this.lab.readLog(i, 'cloudroofd').split('\n').slice(-lines - 1).join('\n');
  }

  /** Stops every node with SIGTERM (in parallel, so each removes its interface), then destroys the lab. Idempotent. */
  async destroy(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((i) => this.stopNode(i).catch(() => undefined)));
    await this.lab.destroy();
  }

  /** Runs the CLI like {@link cli} and resolves with its stdout; rejects (with stderr) on a non-zero exit. */
  async cliOk(i: number, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.cli(i, args, opts);
    if (r.code !== 0) throw new Error(`cloudroof ${args.join(' ')} on node ${i} failed (exit ${r.code}): ${r.stderr.trim()}\n${r.stdout}`);
    return r.stdout;
  }

  private async cliJson(i: number, args: string[]): Promise<unknown> {
    const stdout = await this.cliOk(i, args);
    try {
      return JSON.parse(stdout) as unknown;
    } catch {
      throw new Error(`cloudroof ${args.join(' ')} on node ${i}: not JSON: ${stdout.slice(0, 200)}`);
    }
  }
}

/** True if something accepts connections on the unix socket `path`. */
function socketAccepts(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
