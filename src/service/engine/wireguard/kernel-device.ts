/**
 * WireGuard through the Linux kernel module, driven by `ip` and `wg` via a CommandRunner
 * (the kernel has no UAPI socket). Keys never appear in argv, which any local user can read
 * in /proc: the private key goes through stdin, preshared keys through 0600 files in a 0700
 * temporary directory that is removed right after the command.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../exec';
import type { CommandRunner } from '../exec';
import { canonicalCidr, canonicalEndpoint } from './addr';
import type { WireGuardDevice } from './device';
import { isValidKey, publicKeyFromPrivate } from './keys';
import type { DeviceState, PeerOp, PeerState } from './uapi';

/** Options of {@link KernelWireGuardDevice}. */
export interface KernelWireGuardDeviceOptions {
  /** Where the short-lived preshared-key directory is made; default os.tmpdir(). */
  tmpDir?: string;
}

const none = '(none)';

function dumpKey(v: string | undefined): string | undefined {
  return v === undefined || v === none || !isValidKey(v) ? undefined : v;
}

function num(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/**
 * Parses `wg show <iface> dump`: a device line (private key, public key, listen port, fwmark)
 * then one tab-separated line per peer. Handshake seconds become milliseconds.
 */
export function parseWgDump(text: string): DeviceState {
  const [first = '', ...rest] = text.split('\n').filter((l) => l.length > 0);
  const [priv, , port] = first.split('\t');
  const state: DeviceState = { listenPort: num(port), peers: [] };
  const privateKey = dumpKey(priv);
  if (privateKey) {
    state.privateKey = privateKey;
    state.publicKey = publicKeyFromPrivate(privateKey);
  }
  for (const line of rest) {
    const [pub, psk, endpoint, ips, hs, rx, tx, keepalive] = line.split('\t');
    const publicKey = dumpKey(pub);
    if (!publicKey) continue;
    const peer: PeerState = {
      publicKey,
      allowedIps: ips === undefined || ips === none ? [] : ips.split(','),
      persistentKeepaliveInterval: keepalive === 'off' ? 0 : num(keepalive),
      lastHandshakeTime: num(hs) * 1000,
      rxBytes: num(rx),
      txBytes: num(tx),
    };
    const presharedKey = dumpKey(psk);
    if (presharedKey) peer.presharedKey = presharedKey;
    if (endpoint && endpoint !== none) peer.endpoint = endpoint;
    state.peers.push(peer);
  }
  return state;
}

/**
 * The argv after `wg set <iface>` for `ops`. `pskFile` maps a preshared key to the file that
 * holds it. `current` (the observed peers) is needed only for `updateOnly` and for appending
 * allowed IPs without `replaceAllowedIps`, which `wg set` cannot express directly.
 */
export function wgSetPeerArgs(ops: readonly PeerOp[], pskFile: (psk: string) => string, current?: DeviceState): string[] {
  const args: string[] = [];
  const known = new Map((current?.peers ?? []).map((p) => [p.publicKey, p]));
  for (const op of ops) {
    if (!isValidKey(op.publicKey)) throw new Error('invalid WireGuard public key in peer operation');
    if (op.type === 'remove') {
      args.push('peer', op.publicKey, 'remove');
      known.delete(op.publicKey);
      continue;
    }
    const existing = known.get(op.publicKey);
    if (op.updateOnly && !existing) continue;
    args.push('peer', op.publicKey);
    if (op.presharedKey !== undefined) {
      if (!isValidKey(op.presharedKey)) throw new Error('invalid WireGuard preshared key in peer operation');
      args.push('preshared-key', pskFile(op.presharedKey));
    }
    if (op.endpoint !== undefined) args.push('endpoint', canonicalEndpoint(op.endpoint));
    const ka = op.persistentKeepaliveInterval;
    if (ka !== undefined) args.push('persistent-keepalive', ka === 0 ? 'off' : String(ka));
    const ips = (op.allowedIps ?? []).map(canonicalCidr);
    if (op.replaceAllowedIps) args.push('allowed-ips', ips.join(','));
    else if (ips.length > 0) args.push('allowed-ips', [...new Set([...(existing?.allowedIps ?? []), ...ips])].join(','));
    known.set(op.publicKey, existing ?? { publicKey: op.publicKey, allowedIps: ips, persistentKeepaliveInterval: 0, lastHandshakeTime: 0, rxBytes: 0, txBytes: 0 });
  }
  return args;
}

/** {@link WireGuardDevice} on the Linux kernel module (`ip link … type wireguard`, `wg`). */
export class KernelWireGuardDevice implements WireGuardDevice {
  constructor(readonly name: string, private readonly runner: CommandRunner, private readonly opts: KernelWireGuardDeviceOptions = {}) {}

  /** Spec 4.4 step 1: reuse an existing link after resetting it, else add one. */
  async create(): Promise<void> {
    if (await this.linkExists()) {
      await this.runner.run(['ip', 'link', 'set', 'dev', this.name, 'down']);
      await this.runner.run(['ip', 'addr', 'flush', 'dev', this.name]);
      // An empty config drops every peer (and the old key, which configure() replaces).
      await this.runner.run(['wg', 'setconf', this.name, '/dev/stdin'], { input: '[Interface]\n' });
      return;
    }
    await this.runner.run(['ip', 'link', 'add', 'dev', this.name, 'type', 'wireguard']);
  }

  async configure(c: { privateKey: string; listenPort: number }): Promise<void> {
    if (!isValidKey(c.privateKey)) throw new Error('invalid WireGuard private key');
    if (!Number.isInteger(c.listenPort) || c.listenPort < 0 || c.listenPort > 65535) throw new Error(`invalid listen port ${c.listenPort}`);
    await this.runner.run(['wg', 'set', this.name, 'private-key', '/dev/stdin', 'listen-port', String(c.listenPort)], {
      input: c.privateKey + '\n',
    });
  }

  async get(): Promise<DeviceState> {
    const { stdout } = await this.runner.run(['wg', 'show', this.name, 'dump']);
    return parseWgDump(stdout);
  }

  async applyPeers(ops: PeerOp[]): Promise<void> {
    if (ops.length === 0) return;
    const needsState = ops.some((o) => o.type === 'set' && (o.updateOnly || (!o.replaceAllowedIps && (o.allowedIps?.length ?? 0) > 0)));
    const current = needsState ? await this.get() : undefined;
    const psks = new Map<string, string>();
    for (const op of ops) if (op.type === 'set' && op.presharedKey !== undefined) psks.set(op.presharedKey, '');
    const dir = psks.size > 0 ? await mkdtemp(join(this.opts.tmpDir ?? tmpdir(), 'cloudroof-wg-')) : undefined;
    try {
      let i = 0;
      for (const psk of psks.keys()) {
        const file = join(dir ?? '', `psk${i++}`);
        await writeFile(file, psk + '\n', { mode: 0o600, flag: 'wx' });
        psks.set(psk, file);
      }
      const args = wgSetPeerArgs(ops, (psk) => psks.get(psk) ?? '', current);
      if (args.length > 0) await this.runner.run(['wg', 'set', this.name, ...args]);
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  async destroy(): Promise<void> {
    try {
      await this.runner.run(['ip', 'link', 'delete', 'dev', this.name]);
    } catch (e) {
      if (!(e instanceof CommandError && /Cannot find device|does not exist/.test(e.stderr))) throw e;
    }
  }

  /** The kernel device has no process that could exit; callbacks are never called. */
  onExit(_cb: (reason: string) => void): void {}

  private async linkExists(): Promise<boolean> {
    try {
      await this.runner.run(['ip', 'link', 'show', 'dev', this.name]);
      return true;
    } catch (e) {
      if (e instanceof CommandError && /does not exist|Cannot find device/.test(e.stderr)) return false;
      throw e;
    }
  }
}
