/**
 * The NAT traversal initiator of spec 3.7 (off with `punching: false`): for peers without a
 * recent WireGuard handshake, asks up to three introducers for a synchronised rendezvous, or —
 * when none is known — punches directly with a HELLO burst to the peer's control endpoint.
 *
 * Lifecycle: `start()` schedules a pass over the active peers, subscribes to store events and
 * starts the 10 s rendezvous-window tick; `stop()` undoes all three. Triggers are debounced per
 * peer ({@link TRIGGER_DEBOUNCE_MS}: a LAN or HELLO-found peer usually handshakes within it, and
 * a burst of store events costs one attempt) and respect a per-peer backoff (3 s doubling to
 * 30 s, cleared on success); at most one attempt per peer runs at a time.
 */
import { isIPv6Endpoint, isWildcardHost, parseEndpoint, resolvePeerEndpoint } from '../mesh/endpoint';
import { encodeRendezvousOffer } from '../mesh/messages';
import { pairId, rendezvousWindowOpen } from '../mesh/pair';
import { controlEndpointFrom, PunchBackoff, selectIntroducers, Throttle } from '../mesh/rendezvous-rules';
import type { PeerRecord } from './peer-store';
import { endpointSource, waitForHandshake, type TraversalContext } from './traversal-context';

/** A handshake younger than this means the peer needs no help (spec 3.7 step 1). */
export const RECENT_HANDSHAKE_MS = 2 * 60_000;
/** Store events skip peers found by rendezvous and seen within this (spec 3.7 trigger b). */
export const RECENT_RENDEZVOUS_MS = 2 * 60_000;
/** Offers to one introducer, and direct punches to one address, at most this often. */
export const PUNCH_THROTTLE_MS = 20_000;
/** Period of the rendezvous-window check (spec 3.7 trigger c). */
export const WINDOW_TICK_MS = 10_000;
/** Delay between a trigger and the attempt; triggers within it coalesce. */
export const TRIGGER_DEBOUNCE_MS = 1000;
/** Most attempts running at once (each may take 4 s + 10 s); triggers beyond it are skipped. */
export const MAX_ATTEMPTS = 32;

/** What {@link PunchInitiator.tryPeer} did, for tests and logs. */
export type PunchOutcome = 'skipped' | 'offered' | 'throttled' | 'punched' | 'failed';

/** Runs the initiator side. */
export class PunchInitiator {
  readonly backoff = new PunchBackoff();
  private readonly throttle = new Throttle();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private tick: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  /** `busy(key)`: a rendezvous job is punching toward that peer right now (its HELLOs must not be superseded). */
  constructor(private readonly ctx: TraversalContext, private readonly busy: (key: string) => boolean = () => false) {}

  /** Starts the three triggers (no-op with punching off). */
  start(): void {
    if (!this.ctx.settings.punching || this.started || this.stopped) return;
    this.started = true;
    for (const p of this.ctx.store.active()) if (p.endpoint) this.schedule(p.publicKey);
    this.unsubscribe = this.ctx.store.onChanged((e) => {
      if (e.kind === 'removed' || e.peer.publicKey === this.ctx.ownKey) return;
      const recentRendezvous = e.peer.discoveredVia.includes('dht-rendezvous') && this.ctx.clock.now() - e.peer.lastSeen < RECENT_RENDEZVOUS_MS;
      if (!recentRendezvous) this.schedule(e.peer.publicKey);
    });
    this.tick = setInterval(() => this.windowTick(), WINDOW_TICK_MS);
    this.tick.unref();
  }

  /** Stops the triggers for good; attempts in progress end at their next step. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.tick);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  /** Trigger (c): active peers with an endpoint whose pair window is open now. */
  windowTick(): void {
    const nowS = Math.floor(this.ctx.clock.now() / 1000);
    for (const p of this.ctx.store.active()) {
      if (p.publicKey !== this.ctx.ownKey && p.endpoint && rendezvousWindowOpen(this.ctx.ownKey, p.publicKey, nowS)) void this.attempt(p.publicKey);
    }
  }

  private schedule(key: string): void {
    if (this.stopped || this.pending.has(key)) return;
    const t = setTimeout(() => {
      this.pending.delete(key);
      void this.attempt(key);
    }, TRIGGER_DEBOUNCE_MS);
    t.unref();
    this.pending.set(key, t);
  }

  /** Runs {@link tryPeer} for `key` unless backed off, already running (here or as a rendezvous job), or gone. */
  async attempt(key: string): Promise<PunchOutcome> {
    const peer = this.ctx.store.get(key);
    const now = this.ctx.clock.now();
    if (this.stopped || !peer || this.inflight.has(key) || this.inflight.size >= MAX_ATTEMPTS || this.busy(key)) return 'skipped';
    if (!this.backoff.canAttempt(key, now)) return 'skipped';
    this.inflight.add(key);
    try {
      return await this.tryPeer(peer);
    } finally {
      this.inflight.delete(key);
    }
  }

  /** `tryRendezvousForPeer` (spec 3.7 steps 1, 2, 4–6; the IPv6 sync of step 3 is not done). */
  async tryPeer(peer: PeerRecord): Promise<PunchOutcome> {
    const { ctx } = this;
    const key = peer.publicKey;
    const now = ctx.clock.now();
    const hs = ctx.handshakeAt(key);
    if (key === ctx.ownKey || (hs > 0 && now - hs < RECENT_HANDSHAKE_MS)) return 'skipped';
    const noIpv6 = !ctx.settings.ipv6;
    const ep = parseEndpoint(peer.endpoint);
    const hasDirectRoute = ep !== null && !isWildcardHost(ep.host) && !(noIpv6 && isIPv6Endpoint(peer.endpoint));
    const introducers = selectIntroducers(ctx.store.active(), {
      ownKey: ctx.ownKey, targetKey: key, nowMs: now, gossipPort: ctx.gossipPort, noIpv6, handshakeAt: (k) => ctx.handshakeAt(k),
    });
    if (introducers.length > 0) return this.offer(key, introducers.map((i) => i.controlEndpoint));
    if (!hasDirectRoute) return 'skipped';
    const control = peer.controlEndpoint ?? controlEndpointFrom(peer.endpoint, ctx.gossipPort);
    const to = endpointSource(control);
    if (!to || !this.throttle.mark(`direct|${control}`, PUNCH_THROTTLE_MS, now)) return 'throttled';
    return this.punch(peer, control);
  }

  /** Step 5: an offer to each introducer not contacted in the last 20 s. */
  private offer(target: string, controls: readonly string[]): PunchOutcome {
    const { ctx } = this;
    const now = ctx.clock.now();
    const json = encodeRendezvousOffer({
      timestamp: Math.floor(now / 1000), fromPubkey: ctx.ownKey, targetPubkey: target, pairId: pairId(ctx.ownKey, target),
      candidates: [], observedAddr: '', introducerKey: '',
    });
    let sent = 0;
    for (const control of controls) {
      const to = endpointSource(control);
      if (!to) continue; // a DNS-name control endpoint: we send to addresses only
      if (!this.throttle.mark(`offer|${control}`, PUNCH_THROTTLE_MS, now)) continue;
      ctx.sendMessage('RENDEZVOUS_OFFER', json, to);
      ctx.onTraversal?.('offer', 'attempt');
      sent++;
    }
    if (sent) ctx.logger.debug('rendezvous offers sent', { peer: target.slice(0, 8), introducers: sent });
    return sent ? 'offered' : 'throttled';
  }

  /** Step 6: HELLO burst to the control endpoint, then wait for a new handshake. */
  private async punch(peer: PeerRecord, control: string): Promise<PunchOutcome> {
    const { ctx } = this;
    const key = peer.publicKey;
    const to = endpointSource(control)!;
    ctx.onTraversal?.('direct', 'attempt');
    const baseline = ctx.handshakeAt(key);
    const reply = await ctx.exchangeWithPeer(to);
    let ok = false;
    if (reply && reply.wgPubkey === key && !this.stopped) {
      ctx.onPunchReply?.(key);
      ok = await waitForHandshake(ctx, key, baseline, undefined, () => this.stopped);
      if (ok) {
        ctx.store.setControlEndpoint(key, control);
        ctx.storePeer(reply, resolvePeerEndpoint(reply.wgEndpoint, to), 'dht-transitive');
        ctx.onTraversal?.('direct', 'success');
        ctx.logger.info('direct punch succeeded', { peer: key.slice(0, 8), control });
      }
    }
    this.backoff.record(key, ok, ctx.clock.now());
    return ok ? 'punched' : 'failed';
  }
}
