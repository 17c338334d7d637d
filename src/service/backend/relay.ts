/**
 * Relay routing through an introducer, decided exactly as Go wgmesh decides it (spec 3.15,
 * 6.1.8): which peers may relay, whether a peer is relayed, the 3-cycle hysteresis, and which
 * introducer carries a relayed peer. Pure: time, handshakes and local subnets are inputs.
 *
 * Interop: WireGuard drops a packet whose inner source is not in the sending peer's
 * AllowedIPs, so relaying only works when both ends relay through the same introducer; hence
 * the same decision order and the same (asymmetric) relay hash as Go (spec 7.4 items 15, 22).
 */
import { cidrContains, parseCidr, parseIp, toIPv4, type ParsedCidr } from '../../shared/mesh/ip';
import { isIPv6Endpoint, splitHostPort } from '../mesh/endpoint';
import { relayIndex } from '../mesh/pair';

/** A relay candidate must have been heard within this long (spec 3.15). */
export const RELAY_CANDIDATE_FRESH_MS = 90_000;
/** A WireGuard handshake younger than this proves the direct path (spec 3.15 rule 7). */
export const RELAY_HANDSHAKE_FRESH_MS = 150_000;
/** A relayed peer goes direct only after this many consecutive "no" cycles (spec 3.15). */
export const RELAY_HYSTERESIS_CYCLES = 3;
/** Go's reconcile period: one hysteresis cycle (spec 4.5). */
export const RELAY_CYCLE_MS = 5000;

/** The peer fields the relay logic reads (a subset of PeerRecord). */
export interface RelayPeer {
  publicKey: string;
  endpoint: string;
  introducer: boolean;
  natType: string;
  lastSeen: number;
  discoveredVia: readonly string[];
}

/**
 * Relay candidates (spec 3.15): peers with `introducer`, a non-empty endpoint, heard within
 * {@link RELAY_CANDIDATE_FRESH_MS} and not temporarily offline. `active` are the store's
 * active peers (self excluded by the caller).
 */
export function relayCandidates<P extends RelayPeer>(active: readonly P[], now: number, isOffline?: (publicKey: string) => boolean): P[] {
  return active.filter((p) => p.publicKey !== '' && p.introducer && p.endpoint !== ''
    && now - p.lastSeen < RELAY_CANDIDATE_FRESH_MS && !isOffline?.(p.publicKey));
}

/** What {@link shouldRelay} needs besides the peer. */
export interface RelayDecisionInput {
  /** This node is an introducer (Go's `--introducer`). */
  localIntroducer: boolean;
  /** Go's `--force-relay`. */
  forceRelay: boolean;
  /** IPv6 underlay enabled (off = Go's `--no-ipv6`). */
  ipv6: boolean;
  /** This node's NAT type from STUN (`cone`, `symmetric`, `unknown` or ''). */
  localNatType: string;
  /** Number of relay candidates ({@link relayCandidates}). */
  candidates: number;
  /** The last WireGuard handshake with the peer, Unix ms; 0 or undefined = none. */
  handshakeMs: number | undefined;
  now: number;
  /** CIDRs of the up, non-loopback local interfaces; called only when needed. */
  localSubnets: () => readonly string[];
}

/** Go's `shouldRelayPeer` (spec 3.15): the first matching rule wins. */
export function shouldRelay(peer: RelayPeer, d: RelayDecisionInput): boolean {
  if (d.localIntroducer) return false; // 1: introducers are always direct
  if (peer.introducer) return false; // 2: never relay to an introducer
  if (peer.discoveredVia.includes('lan')) return false; // 3
  if (endpointOnAnyLocalSubnet(peer.endpoint, d.localSubnets())) return false; // 4
  if (d.forceRelay) return d.candidates > 0; // 5
  if (d.candidates === 0) return false; // 6
  if (d.handshakeMs) return d.now - d.handshakeMs >= RELAY_HANDSHAKE_FRESH_MS; // 7
  if (d.ipv6 && isIPv6Endpoint(peer.endpoint)) return false; // 8
  if (d.localNatType === 'symmetric' && peer.natType === 'symmetric') return true; // 9
  return peer.discoveredVia.includes('dht-transitive'); // 10 (no handshake), else 11
}

/**
 * Go's `selectRelayForPeer` (spec 3.15): candidates with a key and an endpoint, sorted by key
 * (byte-wise), index FNV64a(local ‖ 0 ‖ peer) mod n — asymmetric, as Go. Undefined without any.
 */
export function selectRelayForPeer<P extends Pick<RelayPeer, 'publicKey' | 'endpoint'>>(localKey: string, peerKey: string, candidates: readonly P[]): P | undefined {
  const sorted = candidates.filter((c) => c.publicKey !== '' && c.endpoint !== '')
    .sort((a, b) => (a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0));
  return sorted[relayIndex(localKey, peerKey, sorted.length)];
}

/**
 * Whether the IP of `endpoint` (`host:port`) lies in one of `subnets` (CIDR text). Host names
 * and unparsable endpoints are never on a local subnet (Go's `endpointOnAnyLocalSubnet`).
 */
export function endpointOnAnyLocalSubnet(endpoint: string, subnets: readonly string[]): boolean {
  const host = splitHostPort(endpoint)?.host;
  const raw = host ? parseIp(host) : null;
  if (!raw) return false;
  const ip = toIPv4(raw) ?? raw;
  return subnets.some((s) => {
    const c: ParsedCidr | null = parseCidr(s);
    return c !== null && cidrContains(c, ip);
  });
}

/**
 * The hysteresis of spec 3.15: a relayed peer stays relayed until {@link shouldRelay} was false
 * for {@link RELAY_HYSTERESIS_CYCLES} consecutive cycles. Go decides once per 5 s reconcile;
 * our reconcile is event-driven and may run many times a second, so a "no" counts as a cycle
 * only when about {@link RELAY_CYCLE_MS} (90 %, for timer jitter) passed since the last counted one.
 */
export class RelayTracker {
  /** Relayed peers → consecutive "no" cycles so far. */
  private readonly relayed = new Map<string, number>();
  private lastCycle = -Infinity;

  constructor(private readonly cycleMs = RELAY_CYCLE_MS) {}

  /**
   * Takes this pass's raw decisions (every peer evaluated; peers not listed are forgotten) and
   * returns the keys to relay.
   */
  update(decisions: ReadonlyMap<string, boolean>, now: number): Set<string> {
    const counts = now - this.lastCycle >= this.cycleMs * 0.9;
    if (counts) this.lastCycle = now;
    for (const key of [...this.relayed.keys()]) if (!decisions.has(key)) this.relayed.delete(key);
    for (const [key, relay] of decisions) {
      const misses = this.relayed.get(key);
      if (relay) this.relayed.set(key, 0);
      else if (misses !== undefined && counts) {
        if (misses + 1 >= RELAY_HYSTERESIS_CYCLES) this.relayed.delete(key);
        else this.relayed.set(key, misses + 1);
      }
    }
    return new Set(this.relayed.keys());
  }

  /** Whether `publicKey` is relayed after the last {@link update}. */
  has(publicKey: string): boolean {
    return this.relayed.has(publicKey);
  }
}
