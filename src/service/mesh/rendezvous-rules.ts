/**
 * Pure rules of NAT traversal (spec 3.7–3.9): candidate port spread, "likely public" endpoints,
 * control endpoints, introducer selection, and the per-peer backoff and per-address throttle the
 * initiator uses. Time is passed in (Unix ms); nothing here touches a socket or a timer.
 */
import { parseIp, toIPv4 } from '../../shared/mesh/ip';
import { filterEndpoint, formatHostPort, isPrivateOrLocal, isWildcardHost, normalizeCandidates, parseEndpoint, type EndpointFilter } from './endpoint';
import { pairSeed } from './pair';

/** Ports tried on each side of a candidate's port (Go `RendezvousPortSpread`). */
export const RENDEZVOUS_PORT_SPREAD = 2;
/** Most introducers one attempt sends offers to (spec 3.7 step 4). */
export const MAX_INTRODUCERS = 3;
/** An auto introducer must have been seen, and have handshaken, within this (spec 3.7 step 4). */
export const AUTO_INTRODUCER_MAX_AGE_MS = 2 * 60_000;

/**
 * Spec 3.8 step 3 port spread: each candidate as `p, p−1, p+1, p−2, p+2` (ports kept within
 * 1–65535), duplicates removed keeping the first; unparsable entries dropped.
 */
export function expandCandidatePorts(candidates: readonly string[], spread = RENDEZVOUS_PORT_SPREAD): string[] {
  const out: string[] = [];
  const add = (host: string, port: number): void => {
    const text = formatHostPort(host, port);
    if (port >= 1 && port <= 65535 && !out.includes(text)) out.push(text);
  };
  for (const c of candidates) {
    const ep = parseEndpoint(c);
    if (!ep) continue;
    add(ep.host, ep.port);
    for (let d = 1; d <= spread; d++) {
      add(ep.host, ep.port - d);
      add(ep.host, ep.port + d);
    }
  }
  return out;
}

/** Normalised (spec 3.8 step 3), spread by ±2 and filtered by the IPv6 setting. */
export function introducerCandidates(candidates: readonly string[], filter: EndpointFilter = {}): string[] {
  return expandCandidatePorts(normalizeCandidates(candidates, filter)).filter((c) => filterEndpoint(c, filter) !== '');
}

/**
 * Go `isLikelyPublicEndpoint`: the host is a DNS name (counts as public) or a global unicast
 * address that is not loopback, private, link-local or unspecified (beyond Go, 0/8 and 240/4
 * are not public either). Unparsable text → false.
 */
export function isLikelyPublicEndpoint(endpoint: string): boolean {
  const ep = parseEndpoint(endpoint);
  if (!ep || isWildcardHost(ep.host)) return false;
  const host = ep.host.split('%')[0] ?? '';
  const raw = parseIp(host);
  if (!raw) return true;
  if (isPrivateOrLocal(host)) return false;
  const b = toIPv4(raw) ?? raw;
  if (b.length === 4) return (b[0] ?? 0) !== 0 && (b[0] ?? 0) < 224; // not 0/8, multicast, class E, broadcast
  return b[0] !== 0xff && !b.subarray(0, 15).every((x) => x === 0);
}

/** `<endpoint host>:<port>` (Go `toControlEndpoint`); `''` for an unparsable or wildcard endpoint. */
export function controlEndpointFrom(endpoint: string, controlPort: number): string {
  const ep = parseEndpoint(endpoint);
  return ep && !isWildcardHost(ep.host) ? formatHostPort(ep.host, controlPort) : '';
}

/** What introducer selection needs to know about one stored peer. */
export interface IntroducerPeer {
  publicKey: string;
  endpoint: string;
  /** Address that answered our HELLO, if any. */
  controlEndpoint?: string | undefined;
  introducer: boolean;
  discoveredVia: readonly string[];
  lastSeen: number;
}

/** A chosen introducer. */
export interface Introducer {
  publicKey: string;
  endpoint: string;
  controlEndpoint: string;
}

/** Inputs of {@link selectIntroducers} besides the peers. */
export interface IntroducerQuery {
  ownKey: string;
  targetKey: string;
  nowMs: number;
  gossipPort: number;
  noIpv6?: boolean;
  /** Last WireGuard handshake with a peer, Unix ms (0 = never). */
  handshakeAt: (publicKey: string) => number;
  max?: number;
}

/**
 * Spec 3.7 step 4: among `peers` (the active ones) other than self and the target, those found
 * through some `dht…` method with a likely-public endpoint and control endpoint, each explicit
 * (`introducer` flag) or auto (recorded control endpoint, seen and handshaken < 2 min). Sorted
 * explicit first, then key, then endpoint; taken from index `pairSeed mod n`, up to 3, wrapping.
 */
export function selectIntroducers(peers: readonly IntroducerPeer[], q: IntroducerQuery): Introducer[] {
  const filter = { noIpv6: q.noIpv6 === true };
  const found: (Introducer & { explicit: boolean })[] = [];
  for (const p of peers) {
    if (p.publicKey === '' || p.publicKey === q.ownKey || p.publicKey === q.targetKey) continue;
    if (!p.discoveredVia.some((m) => m.startsWith('dht'))) continue;
    if (!isLikelyPublicEndpoint(p.endpoint) || filterEndpoint(p.endpoint, filter) === '') continue;
    const control = filterEndpoint(p.controlEndpoint ?? controlEndpointFrom(p.endpoint, q.gossipPort), filter);
    if (!isLikelyPublicEndpoint(control)) continue;
    const hs = q.handshakeAt(p.publicKey);
    const auto = p.controlEndpoint !== undefined && q.nowMs - p.lastSeen < AUTO_INTRODUCER_MAX_AGE_MS
      && hs > 0 && q.nowMs - hs < AUTO_INTRODUCER_MAX_AGE_MS;
    if (p.introducer || auto) found.push({ publicKey: p.publicKey, endpoint: p.endpoint, controlEndpoint: control, explicit: p.introducer });
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  found.sort((a, b) => (a.explicit !== b.explicit ? (a.explicit ? -1 : 1) : cmp(a.publicKey, b.publicKey) || cmp(a.endpoint, b.endpoint)));
  const n = found.length;
  if (n === 0) return [];
  const start = Number(pairSeed(q.ownKey, q.targetKey) % BigInt(n));
  const out: Introducer[] = [];
  for (let i = 0; i < Math.min(q.max ?? MAX_INTRODUCERS, n); i++) {
    const c = found[(start + i) % n]!;
    out.push({ publicKey: c.publicKey, endpoint: c.endpoint, controlEndpoint: c.controlEndpoint });
  }
  return out;
}

/** First wait after a failed attempt, and the cap (spec 3.7: 3 s doubling to 30 s). */
export const BACKOFF_MIN_MS = 3000;
export const BACKOFF_MAX_MS = 30_000;

/** Per-peer backoff of the initiator (spec 3.7); bounded to `cap` peers, oldest forgotten first. */
export class PunchBackoff {
  private readonly entries = new Map<string, { next: number; duration: number }>();
  constructor(private readonly cap = 4096) {}

  /** Whether an attempt for `key` may run at `nowMs`. */
  canAttempt(key: string, nowMs: number): boolean {
    const e = this.entries.get(key);
    return !e || nowMs >= e.next;
  }

  /** Records an outcome: success clears, failure waits 3 s, then double the previous wait, at most 30 s. */
  record(key: string, success: boolean, nowMs: number): void {
    const prev = this.entries.get(key);
    this.entries.delete(key);
    if (success) return;
    const duration = prev ? Math.min(Math.max(prev.duration * 2, BACKOFF_MIN_MS), BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
    this.entries.set(key, { next: nowMs + duration, duration });
    if (this.entries.size > this.cap) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The current wait for `key` in ms (0 = none), for tests and diagnostics. */
  durationOf(key: string): number {
    return this.entries.get(key)?.duration ?? 0;
  }
}

/** Go `markContacted`: true (and remembered) if `key` was not marked in the last `intervalMs`. Bounded. */
export class Throttle {
  private readonly last = new Map<string, number>();
  constructor(private readonly cap = 4096) {}

  mark(key: string, intervalMs: number, nowMs: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && nowMs - at < intervalMs) return false;
    this.last.delete(key);
    this.last.set(key, nowMs);
    if (this.last.size > this.cap) this.last.delete(this.last.keys().next().value!);
    return true;
  }
}
