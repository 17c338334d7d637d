/**
 * WireGuard in userspace: `wireguard-go -f <iface>` as a supervised child of the service,
 * configured over its UAPI socket (no process per call).
 *
 * Lifecycle: create() removes a leftover link and a stale socket of the same name, spawns the
 * child in the foreground — never daemonized, because an orphaned daemon is nobody's to stop —
 * and waits until the socket answers. destroy() stops it by PID. An exit that destroy() did not
 * ask for is reported through onExit().
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log';
import { silentLogger } from '../../log';
import { CommandError, noteProcessSpawned } from '../exec';
import type { CommandRunner } from '../exec';
import type { WireGuardDevice } from './device';
import type { DeviceState, PeerOp } from './uapi';
import { UapiClient, defaultSocketDir } from './uapi-client';

/** Options of {@link UserspaceWireGuardDevice}. */
export interface UserspaceWireGuardDeviceOptions {
  /** Runs `ip link` for leftover cleanup; must use the same namespace as `spawnPrefix`. */
  runner: CommandRunner;
  /** Prepended to the wireguard-go argv, e.g. `['ip', 'netns', 'exec', 'ns1']`. */
  spawnPrefix?: readonly string[];
  /** Program to run; default `wireguard-go`. */
  binary?: string;
  socketDir?: string;
  /** How long create() waits for the UAPI socket; default 5 s. */
  startTimeoutMs?: number;
  platform?: NodeJS.Platform;
  logger?: Logger;
}

const outputTail = 4096;

/** {@link WireGuardDevice} backed by a wireguard-go child process. */
export class UserspaceWireGuardDevice implements WireGuardDevice {
  private readonly uapi: UapiClient;
  private readonly socketPath: string;
  private readonly log: Logger;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private output = '';
  private spawnError: NodeJS.ErrnoException | undefined;
  private readonly exitListeners: ((reason: string) => void)[] = [];

  constructor(readonly name: string, private readonly opts: UserspaceWireGuardDeviceOptions) {
    this.socketPath = join(opts.socketDir ?? defaultSocketDir, `${name}.sock`);
    this.uapi = new UapiClient(name, { socketPath: this.socketPath });
    this.log = (opts.logger ?? silentLogger).child(name);
  }

  /** PID of the running wireguard-go, if any. */
  get pid(): number | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  async create(): Promise<void> {
    if (this.pid !== undefined) throw new Error(`${this.name}: already created`);
    await this.removeLeftovers();
    const argv = [...(this.opts.spawnPrefix ?? []), this.opts.binary ?? 'wireguard-go', '-f', this.name];
    this.spawnChild(argv);
    try {
      await this.waitForSocket(argv);
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.log.info('wireguard-go started', { pid: this.pid });
  }

  async configure(c: { privateKey: string; listenPort: number }): Promise<void> {
    await this.uapi.set({ privateKey: c.privateKey, listenPort: c.listenPort });
  }

  get(): Promise<DeviceState> {
    return this.uapi.get();
  }

  async applyPeers(ops: PeerOp[]): Promise<void> {
    if (ops.length > 0) await this.uapi.set({ peers: ops });
  }

  async destroy(): Promise<void> {
    // Only clean up what this object started: the name may belong to someone else otherwise.
    if (!this.child) return;
    this.uapi.close();
    await this.stop();
    // wireguard-go removes its tun and socket on a clean exit; after a SIGKILL they may linger.
    await this.deleteLinkIfPresent();
    this.removeSocketFile();
  }

  onExit(cb: (reason: string) => void): void {
    this.exitListeners.push(cb);
  }

  private spawnChild(argv: string[]): void {
    const [file, ...args] = argv;
    const env: NodeJS.ProcessEnv = { ...process.env, WG_PROCESS_FOREGROUND: '1' };
    // Inherited descriptors would make wireguard-go adopt someone else's tun or socket.
    delete env.WG_TUN_FD;
    delete env.WG_UAPI_FD;
    this.output = '';
    this.spawnError = undefined;
    this.stopping = false;
    const child = spawn(file ?? 'wireguard-go', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    noteProcessSpawned();
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-outputTail);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Safety net: if the service exits without destroy(), do not leave an orphan behind.
    const killOnExit = (): void => { child.kill('SIGKILL'); };
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        this.spawnError = e;
        process.removeListener('exit', killOnExit);
        resolve();
      });
      child.once('exit', (code, signal) => {
        process.removeListener('exit', killOnExit);
        resolve();
        if (this.stopping) return;
        const reason = `wireguard-go for ${this.name} exited (${signal ?? `code ${code}`}): ${this.output.trim() || 'no output'}`;
        this.log.error('wireguard-go exited unexpectedly', { code, signal });
        for (const cb of this.exitListeners) cb(reason);
      });
    });
  }

  private async waitForSocket(argv: string[]): Promise<void> {
    const child = this.child;
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 5_000);
    let lastError = 'no socket';
    const probe = new UapiClient(this.name, { socketPath: this.socketPath, timeoutMs: 500 });
    while (Date.now() < deadline) {
      if (this.spawnError) {
        if (this.spawnError.code === 'ENOENT') throw new CommandError(argv, { exitCode: null, stderr: '', missingBinary: true });
        throw new Error(`${argv.join(' ')}: ${this.spawnError.message}`);
      }
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        const viaNetns = /exec of "([^"]+)" failed: No such file or directory/.exec(this.output);
        if (viaNetns) throw new CommandError([viaNetns[1] ?? 'wireguard-go'], { exitCode: null, stderr: '', missingBinary: true });
        const status = child?.signalCode ?? `code ${child?.exitCode ?? '?'}`;
        throw new Error(`${argv.join(' ')} exited (${status}) before its UAPI socket came up: ${this.output.trim() || 'no output'}`);
      }
      try {
        await probe.get();
        return;
      } catch (e) {
        lastError = (e as Error).message;
      }
      await sleep(50);
    }
    throw new Error(`${argv.join(' ')}: UAPI socket ${this.socketPath} did not answer within ` +
      `${this.opts.startTimeoutMs ?? 5_000} ms (${lastError}); output: ${this.output.trim() || 'none'}`);
  }

  /** SIGTERM by PID, SIGKILL after 3 s; resolves once the child has exited. */
  private async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    this.stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
    this.log.info('wireguard-go stopped', { pid: child.pid });
  }

  /**
   * A previous run that crashed can leave a wireguard-go orphan (its tun still up) and a socket
   * file. Deleting the link makes such an orphan exit; a socket that still answers afterwards
   * belongs to a live process elsewhere (another namespace), and we must not steal its name.
   */
  private async removeLeftovers(): Promise<void> {
    if (await this.deleteLinkIfPresent()) this.log.warn('removed a leftover interface of the same name');
    if (!existsSync(this.socketPath)) return;
    const probe = new UapiClient(this.name, { socketPath: this.socketPath, timeoutMs: 300 });
    for (let i = 0; i < 10; i++) {
      if (!(await probe.get().then(() => true, () => false))) {
        this.removeSocketFile();
        return;
      }
      await sleep(100);
    }
    throw new Error(`${this.name}: ${this.socketPath} is served by another running WireGuard process; choose another interface name`);
  }

  private async deleteLinkIfPresent(): Promise<boolean> {
    if ((this.opts.platform ?? process.platform) !== 'linux') return false; // utun dies with its process
    // Without a namespace prefix our /sys is the device's: no process needed to see it is absent.
    if (!this.opts.spawnPrefix && !existsSync(`/sys/class/net/${this.name}`)) return false;
    try {
      await this.opts.runner.run(['ip', 'link', 'show', 'dev', this.name]);
    } catch {
      return false;
    }
    await this.opts.runner.run(['ip', 'link', 'delete', 'dev', this.name]);
    return true;
  }

  private removeSocketFile(): void {
    try {
      unlinkSync(this.socketPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
