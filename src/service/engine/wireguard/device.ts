/**
 * The WireGuard device seam and the one place that picks an implementation: the Linux kernel
 * module when it exists, wireguard-go otherwise (and always on macOS, with a utun name).
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { release as osRelease } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../log';
import { silentLogger } from '../../log';
import { ExecCommandRunner } from '../exec';
import type { CommandRunner } from '../exec';
import { assertInterfaceName } from './iface-name';
import { KernelWireGuardDevice } from './kernel-device';
import type { DeviceState, PeerOp } from './uapi';
import { UserspaceWireGuardDevice } from './userspace-device';

/**
 * One WireGuard interface. Lifecycle: `create` (removing leftovers of the same name) →
 * `configure` → `applyPeers`/`get` any number of times → `destroy`. Methods reject on failure;
 * none of them log or throw key material.
 */
export interface WireGuardDevice {
  /** Interface name (`wg0`, `utun20`). */
  readonly name: string;
  /** Creates the interface, replacing a leftover one of the same name. */
  create(): Promise<void>;
  /** Sets the private key and UDP listen port. */
  configure(c: { privateKey: string; listenPort: number }): Promise<void>;
  /** Reads keys, port, peers and their counters. */
  get(): Promise<DeviceState>;
  /** Applies peer changes in order, as one operation where the platform allows it. */
  applyPeers(ops: PeerOp[]): Promise<void>;
  /** Removes the interface (and stops its process). Safe to call twice. */
  destroy(): Promise<void>;
  /** Registers a callback for the device disappearing unexpectedly (wireguard-go exited). */
  onExit(cb: (reason: string) => void): void;
}

/** Options of {@link createWireGuardDevice}. */
export interface WireGuardDeviceOptions {
  /** Runs `ip`/`wg`; default an {@link ExecCommandRunner} with `spawnPrefix`. */
  runner?: CommandRunner;
  /** Prepended to spawned commands, e.g. `['ip', 'netns', 'exec', 'ns1']` (tests). */
  spawnPrefix?: readonly string[];
  platform?: NodeJS.Platform;
  /** Skip the kernel probe and use wireguard-go. */
  forceUserspace?: boolean;
  /**
   * A cheap look before the probe: false means "certainly no kernel module", so the probe (a
   * process, and a failing one) is skipped. See {@link kernelModuleMayExist}.
   */
  kernelModuleMayExist?: () => boolean;
  /** UAPI socket directory (default /var/run/wireguard). */
  socketDir?: string;
  logger?: Logger;
}

/**
 * False only when this kernel certainly has no WireGuard module: not loaded or built in
 * (/sys/module/wireguard, which a built-in WireGuard also has for its version), and not among
 * the loadable modules of the running release (no /lib/modules/<release> at all, as in many
 * VMs and containers, or no wireguard.ko listed). Anything else unreadable counts as "may
 * exist", so the real probe decides.
 */
export function kernelModuleMayExist(release = osRelease(), root = '/'): boolean {
  if (existsSync(join(root, 'sys/module/wireguard'))) return true;
  const dir = join(root, 'lib/modules', release);
  if (!existsSync(dir)) return false;
  try {
    const listed = ['modules.dep', 'modules.builtin'].map((f) => readFileSync(join(dir, f), 'utf8'));
    return listed.some((text) => /(^|\/)wireguard\.ko/m.test(text));
  } catch {
    return true;
  }
}

const kernelProbes = new WeakMap<CommandRunner, Promise<boolean>>();

/**
 * True when `ip link add … type wireguard` works. Probed once per runner (the service has one)
 * with a throwaway interface that is deleted again.
 */
export function probeKernelWireGuard(runner: CommandRunner): Promise<boolean> {
  const cached = kernelProbes.get(runner);
  if (cached) return cached;
  const probe = (async () => {
    const name = `crprobe${randomBytes(3).toString('hex')}`;
    try {
      await runner.run(['ip', 'link', 'add', 'dev', name, 'type', 'wireguard']);
    } catch {
      return false;
    }
    await runner.run(['ip', 'link', 'delete', 'dev', name]).catch(() => undefined);
    return true;
  })();
  kernelProbes.set(runner, probe);
  return probe;
}

/**
 * Builds (does not create) the device for this platform after validating `name`: macOS →
 * wireguard-go on a utun; Linux → kernel module if the probe succeeds, else wireguard-go.
 */
export async function createWireGuardDevice(name: string, opts: WireGuardDeviceOptions = {}): Promise<WireGuardDevice> {
  const platform = opts.platform ?? process.platform;
  assertInterfaceName(name, platform);
  const runner = opts.runner ?? new ExecCommandRunner(opts.spawnPrefix ? { prefix: opts.spawnPrefix } : {});
  const logger = (opts.logger ?? silentLogger).child('wireguard');
  const userspace = (): WireGuardDevice => new UserspaceWireGuardDevice(name, {
    runner, platform, logger,
    ...(opts.spawnPrefix ? { spawnPrefix: opts.spawnPrefix } : {}),
    ...(opts.socketDir ? { socketDir: opts.socketDir } : {}),
  });
  if (platform === 'darwin' || opts.forceUserspace || opts.kernelModuleMayExist?.() === false) return userspace();
  if (await probeKernelWireGuard(runner)) {
    logger.info('using the kernel WireGuard module', { iface: name });
    return new KernelWireGuardDevice(name, runner);
  }
  logger.info('kernel WireGuard unavailable; using wireguard-go', { iface: name });
  return userspace();
}

function canBind(type: 'udp4' | 'udp6', port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket({ type, ipv6Only: type === 'udp6' });
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      try { sock.close(); } catch { /* never bound */ }
      resolve(ok);
    };
    sock.once('error', (e: NodeJS.ErrnoException) => {
      // A host without IPv6 cannot conflict on IPv6: only "in use"-type errors count.
      done(type === 'udp6' && (e.code === 'EAFNOSUPPORT' || e.code === 'EADDRNOTAVAIL'));
    });
    sock.bind(port, type === 'udp4' ? '0.0.0.0' : '::', () => done(true));
  });
}

/**
 * First UDP port in `preferred … preferred+range` (capped at 65535) bindable on both the IPv4
 * and IPv6 wildcard (spec 4.4 step 2). Rejects when none is free. Racy by nature: WireGuard
 * binds the port a moment later.
 */
export async function findFreeListenPort(preferred: number, range = 100): Promise<number> {
  if (!Number.isInteger(preferred) || preferred < 1 || preferred > 65535) throw new Error(`invalid listen port ${preferred}`);
  for (let p = preferred; p <= Math.min(preferred + range, 65535); p++) {
    if ((await canBind('udp4', p)) && (await canBind('udp6', p))) return p;
  }
  throw new Error(`no free UDP port in ${preferred}-${Math.min(preferred + range, 65535)}`);
}
