/**
 * The peer store shared by every discovery layer (wgmesh spec 3.1): one record per WireGuard
 * public key, merged with the spec's ranking rules so that our endpoint choice matches a Go
 * peer's. Pure: time comes from the injected Clock; listeners are called synchronously.
 */
import type { Clock } from '../clock';

/** Discovery method labels, as Go names them (spec 3.1). */
export type DiscoveryMethod =
  | 'lan' | 'dht' | 'dht-transitive' | 'dht-rendezvous' | 'dht-ipv6-sync'
  | 'gossip' | 'gossip-transitive' | 'cache';

/** What a discovery path learned about a peer. Empty/undefined members mean "unknown". */
export interface PeerInput {
  publicKey: string;
  hostname?: string;
  meshIp?: string;
  meshIpv6?: string;
  endpoint?: string;
  introducer?: boolean;
  routableNetworks?: readonly string[];
  natType?: string;
  /** Only cache restores carry a last-seen time (unix ms). */
  lastSeen?: number;
  /**
   * The sender itself said this is its whole route list (a direct announcement), so an empty
   * list withdraws. Go never propagates a withdrawal (spec 7.4 item 10); we do, for direct
   * announcements only — transitive entries carry no routes at all.
   */
  routesAuthoritative?: boolean;
}

/** A stored peer. */
export interface PeerRecord {
  publicKey: string;
  hostname: string;
  meshIp: string;
  meshIpv6: string;
  endpoint: string;
  endpointMethod: DiscoveryMethod | '';
  introducer: boolean;
  routableNetworks: string[];
  natType: string;
  lastSeen: number;
  discoveredVia: DiscoveryMethod[];
  latencyMs?: number;
  /** Address that last answered a HELLO from us (spec 3.4), else derived from the endpoint. */
  controlEndpoint?: string;
}

/** Store change notifications. */
/** `updated` is sent only when a field other than last_seen changed, or activity did. */
export type PeerEvent = { kind: 'new' | 'updated' | 'removed'; peer: PeerRecord };

/** Spec 3.1 limits and timers. */
export const MAX_PEERS = 1000;
export const PEER_ACTIVE_MS = 5 * 60_000;
export const PEER_REMOVE_MS = 10 * 60_000;

/** Endpoint rank of a discovery method (`endpointMethodRank`, spec 3.1). */
export function endpointMethodRank(method: string): number {
  if (method === '') return 0;
  if (method === 'lan') return 100;
  if (method.includes('dht-rendezvous')) return 90;
  if (method === 'dht') return 70;
  if (method === 'gossip') return 65;
  if (method.includes('dht-transitive')) return 40;
  if (method.startsWith('gossip') && method.includes('transitive')) return 35;
  if (method === 'cache') return 20;
  return 30;
}

const isV6Endpoint = (ep: string): boolean => ep.startsWith('[');

/** `shouldUpdateEndpoint` of spec 3.1: may `next` (found by `nextMethod`) replace `current`? */
export function shouldUpdateEndpoint(current: string, currentMethod: string, next: string, nextMethod: string): boolean {
  if (current === '') return true;
  const a = endpointMethodRank(currentMethod);
  const b = endpointMethodRank(nextMethod);
  if (b !== a) return b > a;
  if (isV6Endpoint(current) && !isV6Endpoint(next)) return false;
  return true;
}

/** The fields listeners care about, as one comparable string (activity included). */
function material(p: PeerRecord, now: number): string {
  return `${p.endpoint}|${p.meshIp}|${p.meshIpv6}|${p.hostname}|${p.natType}|${p.introducer}|${p.routableNetworks.join(',')}|${p.discoveredVia.length}|${now - p.lastSeen < PEER_ACTIVE_MS}`;
}

/** In-memory peer store with Go's merge semantics. */
export class PeerStore {
  private readonly peers = new Map<string, PeerRecord>();
  private readonly listeners = new Set<(e: PeerEvent) => void>();

  /** Peers that said GOODBYE, with when (bounded; oldest forgotten first). */
  private readonly departed = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    /** Told of every accepted update, new or refresh, with the layer that found it (metrics). */
    private readonly onDiscovery?: (method: DiscoveryMethod) => void,
  ) {}

  /** Subscribes to changes; returns the unsubscribe function. */
  onChanged(listener: (e: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Merges what `method` learned about a peer (spec 3.1 insert/update). Returns the record, or null if refused. */
  update(input: PeerInput, method: DiscoveryMethod): PeerRecord | null {
    const now = this.clock.now();
    const existing = this.peers.get(input.publicKey);
    const left = this.departed.get(input.publicKey);
    if (left !== undefined) {
      // A peer that said GOODBYE comes back only when heard directly: a peer cache written
      // before it left, or another node's known_peers list, would otherwise resurrect it
      // everywhere for another five minutes (found by the churn suite).
      const secondHand = method === 'cache' || method.includes('transitive');
      if (secondHand && now - left < PEER_REMOVE_MS) return null;
      this.departed.delete(input.publicKey);
    }
    if (!existing) {
      if (this.peers.size >= MAX_PEERS) return null;
      const rec: PeerRecord = {
        publicKey: input.publicKey,
        hostname: input.hostname ?? '',
        meshIp: input.meshIp ?? '',
        meshIpv6: input.meshIpv6 ?? '',
        endpoint: input.endpoint ?? '',
        endpointMethod: input.endpoint ? method : '',
        introducer: input.introducer ?? false,
        routableNetworks: [...(input.routableNetworks ?? [])],
        natType: input.natType ?? '',
        lastSeen: input.lastSeen ?? now,
        discoveredVia: [method],
      };
      this.peers.set(rec.publicKey, rec);
      this.onDiscovery?.(method);
      this.emit({ kind: 'new', peer: rec });
      return rec;
    }
    const before = material(existing, now);
    if (input.endpoint && shouldUpdateEndpoint(existing.endpoint, existing.endpointMethod, input.endpoint, method)) {
      existing.endpoint = input.endpoint;
      existing.endpointMethod = method;
    }
    if (input.routableNetworks && (input.routableNetworks.length > 0 || input.routesAuthoritative)) existing.routableNetworks = [...input.routableNetworks];
    if (input.meshIp) existing.meshIp = input.meshIp;
    if (input.meshIpv6) existing.meshIpv6 = input.meshIpv6;
    if (input.hostname) existing.hostname = input.hostname;
    if (input.natType) existing.natType = input.natType;
    existing.introducer = input.introducer ?? false;
    if (method === 'cache' || method.includes('transitive')) {
      if (input.lastSeen !== undefined && input.lastSeen > existing.lastSeen) existing.lastSeen = input.lastSeen;
    } else {
      existing.lastSeen = now;
    }
    if (!existing.discoveredVia.includes(method)) existing.discoveredVia.push(method);
    this.onDiscovery?.(method);
    // A refresh of last_seen alone is not news: announcements arrive every few seconds from
    // every peer, and listeners (reconcile, watch streams) only care about what they show.
    if (material(existing, now) !== before) this.emit({ kind: 'updated', peer: existing });
    return existing;
  }

  /** Records that `publicKey` said GOODBYE at `at` (Unix ms); also used when restoring the cache. */
  rememberDeparture(publicKey: string, at: number): void {
    if (this.clock.now() - at >= PEER_REMOVE_MS) return;
    this.departed.delete(publicKey);
    this.departed.set(publicKey, at);
    if (this.departed.size > MAX_PEERS) this.departed.delete(this.departed.keys().next().value!);
  }

  /** Departures still remembered, as `[publicKey, Unix ms]`. */
  departures(): [string, number][] {
    const now = this.clock.now();
    return [...this.departed].filter(([, at]) => now - at < PEER_REMOVE_MS);
  }

  /** Records the control endpoint that answered our HELLO. */
  setControlEndpoint(publicKey: string, endpoint: string): void {
    const rec = this.peers.get(publicKey);
    if (rec) rec.controlEndpoint = endpoint;
  }

  /** Records a probe round-trip time. */
  setLatency(publicKey: string, ms: number): void {
    const rec = this.peers.get(publicKey);
    if (rec) rec.latencyMs = ms;
  }

  /**
   * Removes a peer (GOODBYE, eviction). Returns whether it was present. With `goodbye`, the
   * departure is remembered for {@link PEER_REMOVE_MS}: until the peer is heard directly again,
   * second-hand reports (peer cache, known_peers) do not bring it back.
   */
  remove(publicKey: string, opts: { goodbye?: boolean } = {}): boolean {
    if (opts.goodbye) this.rememberDeparture(publicKey, this.clock.now());
    const rec = this.peers.get(publicKey);
    if (!rec) return false;
    this.peers.delete(publicKey);
    this.emit({ kind: 'removed', peer: rec });
    return true;
  }

  /** Looks a peer up by key, dead or alive. */
  get(publicKey: string): PeerRecord | undefined {
    return this.peers.get(publicKey);
  }

  /** Every stored peer, dead ones included. */
  all(): PeerRecord[] {
    return [...this.peers.values()];
  }

  /** Peers heard directly within the last 5 minutes. */
  active(): PeerRecord[] {
    const now = this.clock.now();
    return this.all().filter((p) => now - p.lastSeen < PEER_ACTIVE_MS);
  }

  /** Deletes peers unseen for 10 minutes (the 1-minute sweep); returns the removed keys. */
  sweep(): string[] {
    const now = this.clock.now();
    const gone = this.all().filter((p) => now - p.lastSeen > PEER_REMOVE_MS).map((p) => p.publicKey);
    for (const k of gone) this.remove(k);
    return gone;
  }

  /** Number of stored peers. */
  get size(): number {
    return this.peers.size;
  }

  private emit(e: PeerEvent): void {
    for (const l of this.listeners) l(e);
  }
}
