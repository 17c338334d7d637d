/**
 * Fixtures for main's unit tests: a Status, peers and an AppState in a chosen state, and a
 * scriptable stand-in for the service connection (calls answered from a table, watch events and
 * connection states pushed by the test).
 */
import type { AppState, ConnectionState } from '../shared/ipc';
import type { Peer, Status, UnaryEndpointName, WatchEvent } from '../shared/protocol';
import type { ServiceConnection, Snapshot } from './service-connection';

/** A status of a node (disconnected unless `patch` says otherwise). */
export function status(patch: Partial<Status> = {}): Status {
  return {
    version: '1.2.3', protocolVersion: 1, tunnelState: 'disconnected', wantConnected: false, interface: 'cloudroof0',
    peerCount: 0, hostname: 'laptop', startedAt: 1_800_000_000_000, counters: { received: 0, accepted: 0, dropped: {} },
    ...patch,
  };
}

/** A connected status with `peers` peers and mesh IPs. */
export function connected(peers = 2, patch: Partial<Status> = {}): Status {
  return status({ tunnelState: 'connected', wantConnected: true, peerCount: peers, meshIPv4: '10.42.7.1', meshIPv6: 'fd00:42::1', networkId: '99a6ba99fb00b3bf', ...patch });
}

/** A peer. */
export function peer(n: number, patch: Partial<Peer> = {}): Peer {
  return {
    publicKey: `K${n}`.padEnd(43, 'A') + '=', hostname: `node-${n}`, meshIPv4: `10.42.0.${n}`, lastHandshakeTime: null,
    rxBytes: 0, txBytes: 0, discoveredVia: ['lan'], path: 'direct', lastSeen: 1_800_000_000_000, ...patch,
  };
}

/** An AppState with `connection` (connected by default). */
export function appState(connection: ConnectionState['state'] = 'connected', patch: Partial<AppState> = {}): AppState {
  return {
    environment: 'electron', appVersion: '1.2.3', platform: 'linux',
    connection: connection === 'connected' ? { state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 } : { state: connection, message: `${connection} message` },
    update: { state: 'idle' },
    ...patch,
  };
}

/** A scripted answer: a value, an Error to throw, or a function of the request body. */
type Answer = ((body: unknown) => unknown) | object | null;

/** A stand-in for {@link ServiceConnection}: answers calls from `answers`, records them, lets the test push events. */
export class FakeConnection implements Pick<ServiceConnection, 'call' | 'stream' | 'onWatch' | 'onState' | 'snapshot' | 'current' | 'reconnectNow'> {
  readonly calls: { name: string; body: unknown }[] = [];
  snap: Snapshot | null = null;
  state: ConnectionState = { state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 };
  reconnects = 0;
  private readonly watchers = new Set<(e: WatchEvent) => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();

  constructor(readonly answers: Partial<Record<UnaryEndpointName, Answer>> = {}) {}

  async call(name: UnaryEndpointName, body?: unknown): Promise<unknown> {
    this.calls.push({ name, body });
    const a = this.answers[name];
    if (a === undefined) throw Object.assign(new Error(`no answer for ${name}`), { code: 'internal' });
    const value = typeof a === 'function' ? (a as (b: unknown) => unknown)(body) : a;
    if (value instanceof Error) throw value;
    return value;
  }
  async stream(): Promise<void> { /* no streams in these tests */ }
  onWatch(l: (e: WatchEvent) => void): () => void { this.watchers.add(l); return () => this.watchers.delete(l); }
  onState(l: (s: ConnectionState) => void): () => void { this.stateListeners.add(l); return () => this.stateListeners.delete(l); }
  snapshot(): Snapshot | null { return this.snap; }
  current(): ConnectionState { return this.state; }
  reconnectNow(): void { this.reconnects++; }

  /** Pushes a status (as the watch stream would) and keeps it in the snapshot. */
  pushStatus(s: Status): void {
    this.snap = { status: s, peers: this.snap?.peers ?? [] };
    for (const w of this.watchers) w({ type: 'status', status: s });
  }
  /** Pushes a peer list. */
  pushPeers(peers: Peer[]): void {
    this.snap = { status: this.snap?.status ?? status(), peers };
    for (const w of this.watchers) w({ type: 'peers', peers });
  }
  /** Changes the connection state. */
  setState(s: ConnectionState): void {
    this.state = s;
    if (s.state !== 'connected') this.snap = null;
    for (const l of this.stateListeners) l(s);
  }
  /** Names of the calls so far. */
  names(): string[] { return this.calls.map((c) => c.name); }
}
