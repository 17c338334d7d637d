/**
 * The introducer (rendezvous server) of spec 3.8, active only with the `introducer` setting and
 * punching on: collects RENDEZVOUS_OFFERs per pair and, once both sides are known (or the target
 * can be synthesised from the store), tells both to start punching toward each other at the same
 * moment with a RENDEZVOUS_START.
 *
 * Lifecycle: stateless until an offer arrives; every offer first garbage-collects expired
 * sessions (20 s) and START records (16 s). Memory is bounded: at most {@link MAX_SESSIONS}
 * sessions and START records (oldest evicted), at most {@link MAX_OFFERED_CANDIDATES} candidates
 * taken from an offer. Offers are not validated beyond the envelope in Go (spec 7.4 item 13);
 * we also drop keys that are not WireGuard keys.
 */
import type { Source } from '../discovery/exchange';
import { sourceKey } from '../discovery/exchange';
import { isValidKey } from '../engine/wireguard/keys';
import { decodeRendezvousOffer, encodeRendezvousStart, type RendezvousOffer } from '../mesh/messages';
import { pairId } from '../mesh/pair';
import { controlEndpointFrom, introducerCandidates } from '../mesh/rendezvous-rules';
import { endpointSource, type TraversalContext } from './traversal-context';

/** A session is forgotten this long after its first offer (Go `RendezvousSessionTTL`). */
export const SESSION_TTL_MS = 20_000;
/** No second START for a pair within this (Go `RendezvousStartCooldown`). */
export const START_COOLDOWN_MS = 8000;
/** START records are kept twice the cooldown. */
export const START_RECORD_TTL_MS = 2 * START_COOLDOWN_MS;
/** Participants start punching this long after the START is sent (Go `RendezvousStartLeadTime`). */
export const START_LEAD_MS = 1800;
/** Most pair sessions (and START records) kept at once. */
export const MAX_SESSIONS = 1024;
/**
 * Most requester candidates taken from one offer. Go requesters send none; with the observed
 * address and the ±2 spread, 2 keep the list within the participant's 16 (the observed address,
 * added last, must not be cut).
 */
export const MAX_OFFERED_CANDIDATES = 2;

interface Side {
  candidates: string[];
  /** Where this side's START goes. */
  endpoint: string;
}

interface Session {
  createdAt: number;
  /** The two keys of the pair, as the first offer named them. */
  keys: readonly [string, string];
  sides: Map<string, Side>;
}

/** Serves rendezvous offers. */
export class RendezvousIntroducer {
  private readonly sessions = new Map<string, Session>();
  private readonly starts = new Map<string, number>();

  constructor(private readonly ctx: TraversalContext) {}

  /** Whether offers are served at all (spec 3.8 step 1). */
  get enabled(): boolean {
    return this.ctx.settings.punching && this.ctx.settings.introducer;
  }

  /** Number of open sessions (tests, diagnostics). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** A RENDEZVOUS_OFFER from `src` (spec 3.8). */
  onOffer(payload: Record<string, unknown>, src: Source): void {
    if (!this.enabled) return;
    let offer: RendezvousOffer;
    try { offer = decodeRendezvousOffer(payload); } catch { return; }
    const { fromPubkey: from, targetPubkey: target } = offer;
    const own = this.ctx.ownKey;
    // Canonical keys only (as `wg` reads them): Go's lenient base64 would also pass newlines and stray bits on to both sides.
    if (!isValidKey(from) || !isValidKey(target) || from === own || target === own || from === target) return;
    const pid = pairId(from, target);
    if (offer.pairId !== '' && offer.pairId !== pid) return;
    const filter = { noIpv6: !this.ctx.settings.ipv6 };
    const observed = sourceKey(src);
    const candidates = introducerCandidates([...offer.candidates.slice(0, MAX_OFFERED_CANDIDATES), observed], filter);
    const now = this.ctx.clock.now();
    this.collectGarbage(now);
    const session = this.sessionFor(pid, from, target, now);
    if (!session) return;
    session.sides.set(from, { candidates, endpoint: observed });
    if (!session.sides.has(target)) this.synthesise(session, target, filter);
    const a = session.sides.get(from);
    const b = session.sides.get(target);
    if (!a || !b) {
      this.ctx.logger.debug('rendezvous offer waiting for the other side', { pair: pid });
      return;
    }
    const last = this.starts.get(pid);
    if (last !== undefined && now - last < START_COOLDOWN_MS) return;
    this.remember(this.starts, pid, now);
    const startAt = now + START_LEAD_MS;
    this.sendStart(pid, a.endpoint, target, b.candidates, startAt);
    this.sendStart(pid, b.endpoint, from, a.candidates, startAt);
    this.sessions.delete(pid);
    this.ctx.logger.info('rendezvous started', { pair: pid, a: from.slice(0, 8), b: target.slice(0, 8) });
  }

  /** The session of `pid`, created if new; undefined if `pid` belongs to another pair (a hash collision). */
  private sessionFor(pid: string, from: string, target: string, now: number): Session | undefined {
    const existing = this.sessions.get(pid);
    if (existing) return existing.keys.includes(from) && existing.keys.includes(target) ? existing : undefined;
    const s: Session = { createdAt: now, keys: [from, target], sides: new Map() };
    this.remember(this.sessions, pid, s);
    return s;
  }

  /** Spec 3.8 step 6: the target's side from the store, `<endpoint host>:G`, if it has an endpoint. */
  private synthesise(session: Session, target: string, filter: { noIpv6: boolean }): void {
    const peer = this.ctx.store.get(target);
    const control = peer ? controlEndpointFrom(peer.endpoint, this.ctx.gossipPort) : '';
    if (!control || !endpointSource(control)) return;
    const candidates = introducerCandidates([control], filter);
    if (candidates.length) session.sides.set(target, { candidates, endpoint: control });
  }

  private sendStart(pid: string, endpoint: string, peerPubkey: string, peerCandidates: string[], startAt: number): void {
    const to = endpointSource(endpoint);
    if (!to) return;
    const json = encodeRendezvousStart({
      timestamp: Math.floor(this.ctx.clock.now() / 1000), pairId: pid, peerPubkey, peerCandidates,
      startAtUnixMs: startAt, introducerKey: this.ctx.ownKey,
    });
    this.ctx.sendMessage('RENDEZVOUS_START', json, to);
  }

  /** Spec 3.8 step 4 (punch records are the participant's). */
  private collectGarbage(now: number): void {
    for (const [id, s] of this.sessions) if (now - s.createdAt > SESSION_TTL_MS) this.sessions.delete(id);
    for (const [id, at] of this.starts) if (now - at > START_RECORD_TTL_MS) this.starts.delete(id);
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_SESSIONS) map.delete(map.keys().next().value!);
  }
}
