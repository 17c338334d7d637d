/**
 * Peer health (wgmesh spec 4.7): notices peers that vanished without a GOODBYE and evicts them,
 * as a Go node does, so a dead peer leaves WireGuard and the routes within about three minutes
 * instead of lingering for the store's 5-minute active window.
 *
 * Two checks, both driven by the caller's timers (pure otherwise: time from the Clock, the device
 * state, the probe and the reconciler come in through the options):
 *  - `checkWireGuard()` every 20 s: a handshake older than 150 s with no rx+tx growth since the
 *    previous check is *stale*; the first stale result re-applies the peer, the second in a row
 *    evicts it.
 *  - `probeTick()` every 1 s: a peer whose handshake is not fresh gets a TCP ping/pong probe over
 *    the tunnel (enforced only when it had a handshake, is relayed, or was not heard for 45 s);
 *    8 failures in a row evict it.
 * Eviction marks the peer temporarily offline for 30 s (the reconciler leaves it unconfigured,
 * even if a discovery path hears it again meanwhile) and deletes it from the store, which makes
 * the reconciler remove it from the device. When a mark expires a reconcile is asked for.
 */
import type { Clock } from '../clock';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { Logger } from '../log';
import type { PeerRecord, PeerStore } from './peer-store';

/** Spec 4.8 timers. */
export const HEALTH_CHECK_INTERVAL_MS = 20_000;
export const PROBE_INTERVAL_MS = 1000;
export const HANDSHAKE_STALE_MS = 150_000;
export const PROBE_GRACE_MS = 45_000;
export const PROBE_FAIL_LIMIT = 8;
export const TEMPORARY_OFFLINE_MS = 30_000;

/**
 * `shouldTreatPeerAsStale` of Go (spec 6.1.10): a handshake happened, is older than 150 s, and
 * the rx+tx total did not grow since the previous check (a counter reset counts as no growth).
 * `handshakeMs` is Unix ms, 0 for never.
 */
export function isHandshakeStale(handshakeMs: number, prevBytes: number, bytes: number, nowMs: number): boolean {
  if (handshakeMs <= 0 || nowMs - handshakeMs <= HANDSHAKE_STALE_MS) return false;
  return bytes <= prevBytes;
}

/** Options of {@link PeerHealth}. */
export interface PeerHealthOptions {
  store: PeerStore;
  clock: Clock;
  logger: Logger;
  /** Our own public key (never checked). */
  ownKey: string;
  /** The last observed device state (handshakes and counters). */
  deviceState: () => DeviceState | undefined;
  /** Re-sets one peer on the device in full (first stale result). */
  reapply: (publicKey: string) => void;
  /** Asks for a reconcile (an offline mark expired). */
  reconcile: () => void;
  /** Probes a peer over the tunnel: the round trip in ms, or null. Never rejects. */
  probe: (peer: PeerRecord) => Promise<number | null>;
  /** Drops the probe connection to a peer. */
  closeProbe: (publicKey: string) => void;
  /** Whether the peer's traffic goes through a relay (spec 3.15); default: never. */
  isRelayed?: (publicKey: string) => boolean;
}

/** Health of one peer, for diagnostics. */
export interface PeerHealthState {
  probeFailures: number;
  staleChecks: number;
  /** Unix ms until which the peer stays unconfigured, if marked. */
  offlineUntil?: number;
}

/** The health monitor; see the module comment. */
export class PeerHealth {
  private readonly prevBytes = new Map<string, number>();
  private readonly staleChecks = new Map<string, number>();
  private readonly probeFailures = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private readonly offline = new Map<string, number>();

  constructor(private readonly o: PeerHealthOptions) {}

  /** Whether `publicKey` is temporarily offline (evicted less than 30 s ago). */
  isOffline(publicKey: string, nowMs: number = this.o.clock.now()): boolean {
    const until = this.offline.get(publicKey);
    return until !== undefined && nowMs < until;
  }

  /** The health counters of one peer. */
  stateOf(publicKey: string): PeerHealthState {
    const s: PeerHealthState = { probeFailures: this.probeFailures.get(publicKey) ?? 0, staleChecks: this.staleChecks.get(publicKey) ?? 0 };
    const until = this.offline.get(publicKey);
    if (until !== undefined) s.offlineUntil = until;
    return s;
  }

  /** The 20 s WireGuard check: re-apply at the first stale result, evict at the second. */
  checkWireGuard(): void {
    const state = this.o.deviceState();
    if (!state) return;
    const now = this.o.clock.now();
    const wg = new Map(state.peers.map((p) => [p.publicKey, p]));
    const seen = new Set<string>();
    for (const p of this.o.store.active()) {
      if (p.publicKey === this.o.ownKey) continue;
      seen.add(p.publicKey);
      const w = wg.get(p.publicKey);
      const bytes = (w?.rxBytes ?? 0) + (w?.txBytes ?? 0);
      const prev = this.prevBytes.get(p.publicKey) ?? 0;
      this.prevBytes.set(p.publicKey, bytes);
      if (!isHandshakeStale(w?.lastHandshakeTime ?? 0, prev, bytes, now)) {
        this.staleChecks.delete(p.publicKey);
        continue;
      }
      const n = (this.staleChecks.get(p.publicKey) ?? 0) + 1;
      this.staleChecks.set(p.publicKey, n);
      if (n >= 2) {
        this.evict(p.publicKey, 'stale handshake, no traffic');
      } else {
        this.o.logger.info('stale handshake and no traffic, re-applying peer', { peer: short(p.publicKey) });
        this.o.reapply(p.publicKey);
      }
    }
    for (const m of [this.prevBytes, this.staleChecks]) for (const k of [...m.keys()]) if (!seen.has(k)) m.delete(k);
  }

  /**
   * The 1 s probe round: starts a probe for every peer that needs one and has none in flight.
   * Resolves when the probes started by this call have been accounted (tests await it).
   */
  probeTick(): Promise<void> {
    const now = this.o.clock.now();
    this.expireMarks(now);
    const handshakes = new Map((this.o.deviceState()?.peers ?? []).map((p) => [p.publicKey, p.lastHandshakeTime]));
    const seen = new Set<string>();
    const started: Promise<void>[] = [];
    for (const p of this.o.store.active()) {
      const key = p.publicKey;
      if (key === this.o.ownKey || !p.meshIp || this.isOffline(key, now)) continue;
      seen.add(key);
      const ts = handshakes.get(key) ?? 0;
      const fresh = ts > 0 && now - ts < HANDSHAKE_STALE_MS;
      const enforce = !fresh && (ts > 0 || (this.o.isRelayed?.(key) ?? false) || now - p.lastSeen > PROBE_GRACE_MS);
      if (!enforce) {
        this.resetProbe(key);
        continue;
      }
      if (this.inFlight.has(key)) continue;
      this.inFlight.add(key);
      if (!this.probeFailures.has(key)) this.probeFailures.set(key, 0); // an entry = may hold a connection
      started.push(this.o.probe(p).catch(() => null)
        .then((rtt) => this.probed(key, rtt))
        .finally(() => this.inFlight.delete(key)));
    }
    for (const k of [...this.probeFailures.keys()]) if (!seen.has(k)) this.resetProbe(k);
    return Promise.all(started).then(() => undefined);
  }

  /** Forgets everything (the node stops). */
  clear(): void {
    for (const k of [...this.probeFailures.keys()]) this.o.closeProbe(k);
    for (const m of [this.prevBytes, this.staleChecks, this.probeFailures, this.offline]) m.clear();
  }

  private probed(key: string, rtt: number | null): void {
    if (!this.o.store.get(key) || this.isOffline(key)) {
      this.o.closeProbe(key); // evicted or removed meanwhile: a late connection must not linger
      return;
    }
    if (rtt !== null) {
      this.probeFailures.set(key, 0);
      this.o.store.setLatency(key, rtt);
      return;
    }
    const n = (this.probeFailures.get(key) ?? 0) + 1;
    this.probeFailures.set(key, n);
    if (n >= PROBE_FAIL_LIMIT) this.evict(key, `probe failed ${n} times`);
  }

  private resetProbe(key: string): void {
    if (!this.probeFailures.has(key)) return;
    this.probeFailures.delete(key);
    this.o.closeProbe(key);
  }

  /** Marks the peer offline for 30 s, forgets its state and removes it from the store. */
  private evict(key: string, reason: string): void {
    this.offline.set(key, this.o.clock.now() + TEMPORARY_OFFLINE_MS);
    this.prevBytes.delete(key);
    this.staleChecks.delete(key);
    this.probeFailures.delete(key);
    this.o.closeProbe(key);
    this.o.logger.info('evicting unresponsive peer', { peer: short(key), reason });
    this.o.store.remove(key);
  }

  private expireMarks(now: number): void {
    let expired = false;
    for (const [k, until] of [...this.offline]) {
      if (now < until) continue;
      this.offline.delete(k);
      expired = true;
    }
    if (expired) this.o.reconcile();
  }
}

const short = (key: string): string => key.slice(0, 8);
