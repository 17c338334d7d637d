/**
 * An in-memory {@link Backend} for tests of the control server, the CLI and clients: it joins
 * instantly, never touches the system, and lets a test push state changes and failures.
 * It keeps the secret it was given (as a real backend does) so tests can prove it never leaks.
 */
import { ControlError, PROTOCOL_VERSION, type JoinRequest, type Peer, type Prefs, type PrefsPatch, type Status, type WatchEvent } from '../../shared/protocol';
import type { Backend, WatchListener } from './backend';

/** Public key the fake reports for this node. */
export const FAKE_PUBLIC_KEY = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';

/** Options of {@link FakeBackend}. */
export interface FakeBackendOptions {
  version?: string;
  hostname?: string;
  /** Unix ms reported as `startedAt`. */
  now?: number;
}

/** A scriptable in-memory backend. */
export class FakeBackend implements Backend {
  private current: Status;
  private peerList: Peer[] = [];
  private prefs: Prefs = { wantConnected: false, logLevel: 'info' };
  private secret: string | undefined;
  private readonly listeners = new Set<WatchListener>();
  /** When set, the next backend action throws it (then it is cleared). */
  nextError: Error | undefined;
  /** Options of the last join (without the secret). */
  lastJoin: Omit<JoinRequest, 'secret'> | undefined;

  constructor(opts: FakeBackendOptions = {}) {
    this.current = {
      version: opts.version ?? '0.0.0-fake',
      protocolVersion: PROTOCOL_VERSION,
      tunnelState: 'disconnected',
      wantConnected: false,
      interface: 'wg0',
      peerCount: 0,
      hostname: opts.hostname ?? 'fake-host',
      startedAt: opts.now ?? 1_800_000_000_000,
      counters: { received: 0, accepted: 0, dropped: {} },
    };
  }

  /** Whether the fake holds a secret (is joined). */
  get joined(): boolean { return this.secret !== undefined; }
  /** Number of live watch subscriptions. */
  get listenerCount(): number { return this.listeners.size; }

  status(): Status { return structuredClone(this.current); }
  peers(): Peer[] { return structuredClone(this.peerList); }
  getPrefs(): Prefs { return structuredClone(this.prefs); }

  async join(req: JoinRequest): Promise<Status> {
    this.throwPending();
    if (this.secret !== undefined && !req.switch) {
      throw new ControlError('already-joined', 'this node is already in a mesh; leave first or pass switch');
    }
    this.secret = req.secret;
    this.lastJoin = { meshSubnet: req.meshSubnet, switch: req.switch };
    this.prefs = { ...this.prefs, wantConnected: true, meshSubnet: req.meshSubnet };
    this.updateStatus({
      tunnelState: 'connected', wantConnected: true, publicKey: FAKE_PUBLIC_KEY,
      meshIPv4: '10.42.7.1', meshIPv6: 'fd00:42::1', meshSubnet: req.meshSubnet ?? '10.42.0.0/16',
      listenPort: 51820, gossipPort: 52316, networkId: '99a6ba99fb00b3bf',
    });
    return this.status();
  }

  async leave(): Promise<Status> {
    this.throwPending();
    if (this.secret === undefined) throw new ControlError('not-joined', 'this node is not in a mesh');
    this.secret = undefined;
    this.prefs = { ...this.prefs, wantConnected: false };
    this.peerList = [];
    const { version, protocolVersion, interface: iface, hostname, startedAt, counters } = this.current;
    this.current = { version, protocolVersion, interface: iface, hostname, startedAt, counters, tunnelState: 'disconnected', wantConnected: false, peerCount: 0 };
    this.emit({ type: 'status', status: this.status() });
    this.emit({ type: 'peers', peers: [] });
    return this.status();
  }

  async patchPrefs(patch: PrefsPatch): Promise<Prefs> {
    this.throwPending();
    this.prefs = { ...this.prefs, ...patch };
    if (patch.wantConnected !== undefined) this.updateStatus({ wantConnected: patch.wantConnected });
    return this.getPrefs();
  }

  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Merges `patch` into the status and emits a `status` event. */
  updateStatus(patch: Partial<Status>): void {
    this.current = { ...this.current, ...patch };
    this.emit({ type: 'status', status: this.status() });
  }

  /** Replaces the peer list (updating `peerCount`) and emits `peers` and `status` events. */
  setPeers(peers: Peer[]): void {
    this.peerList = structuredClone(peers);
    this.emit({ type: 'peers', peers: this.peers() });
    this.updateStatus({ peerCount: peers.length });
  }

  private emit(event: WatchEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  private throwPending(): void {
    const err = this.nextError;
    this.nextError = undefined;
    if (err) throw err;
  }
}
