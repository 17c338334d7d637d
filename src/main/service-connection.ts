/**
 * Main's connection to cloudroofd. Lifecycle: `start()` connects (the client checks that the
 * socket is root's), asks GET /v1/version — a protocol other than ours is `incompatible`, and
 * the app drives nothing — then follows GET /v1/watch: the first line (a snapshot) makes the
 * state `connected`, later lines update the held snapshot and are forwarded to listeners. Any
 * failure maps to a ConnectionState (connection-state.ts) and a retry after a backoff of 0.5 s
 * doubling to 30 s, reset once connected. `reconnectNow()` retries at once (after an install);
 * `stop()` ends everything. A fresh client per attempt, so a socket replaced in between is
 * checked again.
 */
import { ControlClient } from '../client/control-client';
import {
  PROTOCOL_VERSION, type Peer, type PostStreamEndpointName, type RequestOf, type Status, type UnaryEndpointName, type VersionInfo, type WatchEvent,
} from '../shared/protocol';
import type { ConnectionState } from '../shared/ipc';
import { ConnectionError, connectionFailure, incompatibleState, nextDelay } from './connection-state';

/** What the connection needs from a control client (ControlClient, or a test's). */
export interface ServiceClient {
  version(): Promise<VersionInfo>;
  watch(onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>;
  call(name: UnaryEndpointName, body: unknown): Promise<unknown>;
  /** Runs a POST stream endpoint, calling `onItem` per line, until it ends. */
  stream(name: PostStreamEndpointName, body: unknown, onItem: (item: unknown) => void, signal?: AbortSignal): Promise<void>;
}

/** A ServiceClient over {@link ControlClient}. */
export function controlServiceClient(socketPath: string): ServiceClient {
  const c = new ControlClient({ socketPath });
  return {
    version: () => c.version(),
    watch: (onEvent, signal) => c.watch(onEvent, signal),
    call: (name, body) => (c.call as (n: UnaryEndpointName, b?: unknown) => Promise<unknown>)(name, body),
    stream: (name, body, onItem, signal) => c.stream(name, body as RequestOf<typeof name>, onItem, signal),
  };
}

/** The last watch snapshot: status and peers. */
export interface Snapshot { status: Status; peers: Peer[] }

/** Options of {@link ServiceConnection}. */
export interface ServiceConnectionOptions {
  socketPath: string;
  platform: string;
  /** Whether a service is installed (a unit or plist), to tell not-installed from not-running. */
  serviceInstalled: () => Promise<boolean>;
  createClient?: (socketPath: string) => ServiceClient;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** The connection to the service, with its state and the last snapshot. */
export class ServiceConnection {
  private state: ConnectionState = { state: 'connecting' };
  private snap: Snapshot | null = null;
  private client: ServiceClient | undefined;
  private abort: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay: number;
  private running = false;
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly watchListeners = new Set<(e: WatchEvent) => void>();
  private readonly createClient: (socketPath: string) => ServiceClient;

  constructor(private readonly o: ServiceConnectionOptions) {
    this.delay = o.initialDelayMs ?? 500;
    this.createClient = o.createClient ?? controlServiceClient;
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.attempt();
  }

  /** Stops: closes the watch, cancels the retry. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  /** Drops the current connection and connects again at once (after an install or upgrade). */
  reconnectNow(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.abort?.abort();
    this.delay = this.o.initialDelayMs ?? 500;
    this.setState({ state: 'connecting' });
    void this.attempt();
  }

  /** The current connection state. */
  current(): ConnectionState { return this.state; }

  /** The last snapshot (status and peers), null while not connected. */
  snapshot(): Snapshot | null { return this.snap; }

  /** Calls `listener` on every state change. */
  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => { this.stateListeners.delete(listener); };
  }

  /** Calls `listener` with every watch line (a snapshot first after each (re)connect). */
  onWatch(listener: (e: WatchEvent) => void): () => void {
    this.watchListeners.add(listener);
    return () => { this.watchListeners.delete(listener); };
  }

  /** Calls an endpoint; refused while the service speaks another protocol. */
  async call(name: UnaryEndpointName, body?: unknown): Promise<unknown> {
    return this.usable().call(name, body);
  }

  /** Runs a stream endpoint; refused while the service speaks another protocol. */
  async stream(name: PostStreamEndpointName, body: unknown, onItem: (item: unknown) => void, signal?: AbortSignal): Promise<void> {
    return this.usable().stream(name, body, onItem, signal);
  }

  private usable(): ServiceClient {
    if (this.state.state === 'incompatible') throw new ConnectionError('incompatible', this.state.message ?? 'the service speaks another protocol version');
    return this.client ?? this.createClient(this.o.socketPath);
  }

  private async attempt(): Promise<void> {
    const client = this.createClient(this.o.socketPath);
    const abort = new AbortController();
    this.abort = abort;
    try {
      const v = await client.version();
      if (abort.signal.aborted) return;
      if (v.protocolVersion !== PROTOCOL_VERSION) {
        this.lost(incompatibleState(v));
      } else {
        this.client = client;
        await client.watch((event) => this.onEvent(event, v), abort.signal);
        if (abort.signal.aborted) return;
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      this.lost(await connectionFailure(err, this.o));
    }
    this.retryLater();
  }

  private onEvent(event: WatchEvent, v: VersionInfo): void {
    if (event.type === 'snapshot') {
      this.snap = { status: event.status, peers: event.peers };
      this.delay = this.o.initialDelayMs ?? 500;
      this.setState({ state: 'connected', serviceVersion: v.version, serviceProtocol: v.protocolVersion });
    } else if (this.snap && event.type === 'status') {
      this.snap = { ...this.snap, status: event.status };
    } else if (this.snap && event.type === 'peers') {
      this.snap = { ...this.snap, peers: event.peers };
    }
    for (const l of this.watchListeners) l(event);
  }

  private lost(state: ConnectionState): void {
    this.client = undefined;
    this.snap = null;
    this.setState(state);
  }

  private retryLater(): void {
    if (!this.running) return;
    const delay = this.delay;
    this.delay = nextDelay(delay, this.o.maxDelayMs ?? 30_000);
    this.timer = setTimeout(() => { void this.attempt(); }, delay);
  }

  private setState(state: ConnectionState): void {
    const same = JSON.stringify(state) === JSON.stringify(this.state);
    this.state = state;
    if (!same) for (const l of this.stateListeners) l(state);
  }
}
