/**
 * In-memory {@link WireGuardDevice} for unit tests of the backend: applies PeerOps with the
 * same semantics as the UAPI, records every call, and lets a test play the network (handshakes,
 * roaming, a crash of the device process).
 */
import { canonicalCidr, canonicalEndpoint } from './addr';
import type { WireGuardDevice } from './device';
import { publicKeyFromPrivate } from './keys';
import type { DeviceState, PeerOp, PeerState } from './uapi';

/**
 * Applies `ops` to `peers` in place with UAPI semantics (remove; set creates unless
 * `updateOnly`; allowed IPs appended or replaced; an allowed IP moves from any other peer).
 */
export function applyPeerOps(peers: PeerState[], ops: readonly PeerOp[]): void {
  for (const op of ops) {
    const idx = peers.findIndex((p) => p.publicKey === op.publicKey);
    if (op.type === 'remove') {
      if (idx >= 0) peers.splice(idx, 1);
      continue;
    }
    let peer = peers[idx];
    if (!peer) {
      if (op.updateOnly) continue;
      peer = { publicKey: op.publicKey, allowedIps: [], persistentKeepaliveInterval: 0, lastHandshakeTime: 0, rxBytes: 0, txBytes: 0 };
      peers.push(peer);
    }
    if (op.presharedKey !== undefined) peer.presharedKey = op.presharedKey;
    if (op.endpoint !== undefined) peer.endpoint = canonicalEndpoint(op.endpoint);
    if (op.persistentKeepaliveInterval !== undefined) peer.persistentKeepaliveInterval = op.persistentKeepaliveInterval;
    if (op.replaceAllowedIps) peer.allowedIps = [];
    for (const ip of (op.allowedIps ?? []).map(canonicalCidr)) {
      for (const other of peers) other.allowedIps = other.allowedIps.filter((x) => x !== ip);
      peer.allowedIps.push(ip);
    }
  }
}

/** A {@link WireGuardDevice} that lives in memory. */
export class FakeWireGuardDevice implements WireGuardDevice {
  /** Every call, in order, e.g. `create`, `configure`, `applyPeers`, `get`, `destroy`. */
  readonly calls: string[] = [];
  /** The op lists passed to applyPeers, in order. */
  readonly applied: PeerOp[][] = [];
  /** Whether the device currently exists. */
  exists = false;
  private state: DeviceState = { listenPort: 0, peers: [] };
  private readonly exitListeners: ((reason: string) => void)[] = [];
  private failures: Error[] = [];

  constructor(readonly name = 'wgfake0') {}

  /** Makes the next call (of any method) reject with `err`. */
  failNext(err: Error): void {
    this.failures.push(err);
  }

  async create(): Promise<void> {
    this.begin('create', false);
    this.exists = true;
    this.state = { listenPort: 0, peers: [] };
  }

  async configure(c: { privateKey: string; listenPort: number }): Promise<void> {
    this.begin('configure');
    this.state.privateKey = c.privateKey;
    this.state.publicKey = publicKeyFromPrivate(c.privateKey);
    this.state.listenPort = c.listenPort;
  }

  async get(): Promise<DeviceState> {
    this.begin('get');
    return structuredClone(this.state);
  }

  async applyPeers(ops: PeerOp[]): Promise<void> {
    this.begin('applyPeers');
    this.applied.push(structuredClone(ops));
    applyPeerOps(this.state.peers, ops);
  }

  async destroy(): Promise<void> {
    this.calls.push('destroy');
    this.exists = false;
    this.state = { listenPort: 0, peers: [] };
  }

  onExit(cb: (reason: string) => void): void {
    this.exitListeners.push(cb);
  }

  /** Test hook: the device process died. Listeners run; the device no longer exists. */
  simulateExit(reason = 'simulated exit'): void {
    this.exists = false;
    for (const cb of this.exitListeners) cb(reason);
  }

  /** Test hook: traffic/handshake with a peer (fields overwrite the observed counters). */
  simulateTraffic(publicKey: string, t: Partial<Pick<PeerState, 'lastHandshakeTime' | 'rxBytes' | 'txBytes'>>): void {
    const p = this.peer(publicKey);
    Object.assign(p, t);
  }

  /** Test hook: the peer roamed, so WireGuard now reports another endpoint. */
  simulateRoam(publicKey: string, endpoint: string): void {
    this.peer(publicKey).endpoint = canonicalEndpoint(endpoint);
  }

  private peer(publicKey: string): PeerState {
    const p = this.state.peers.find((x) => x.publicKey === publicKey);
    if (!p) throw new Error(`FakeWireGuardDevice: no peer ${publicKey}`);
    return p;
  }

  private begin(call: string, mustExist = true): void {
    this.calls.push(call);
    const err = this.failures.shift();
    if (err) throw err;
    if (mustExist && !this.exists) throw new Error(`${this.name}: device does not exist`);
  }
}
