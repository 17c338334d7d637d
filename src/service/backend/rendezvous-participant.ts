/**
 * The rendezvous participant of spec 3.9: on a RENDEZVOUS_START naming our pair, waits until the
 * agreed moment, then runs a HELLO exchange with each of the peer's candidates in order; a REPLY
 * from the peer is followed by a wait for a new WireGuard handshake, and success stores the peer
 * with method `dht-rendezvous`.
 *
 * Lifecycle: each accepted START becomes one job (at most {@link MAX_JOBS} at once, one per peer);
 * a pair has a 6 s cooldown after its job starts and after it ends. Any key holder can send a START (spec 7.4
 * item 14), so the start time is honoured only up to {@link MAX_START_DELAY_MS} ahead and at most
 * {@link MAX_CANDIDATES} candidates are tried; at most {@link MAX_PUNCH_RECORDS} cooldown records are kept. `stop()`
 * makes running jobs end at their next step.
 */
import type { Source } from '../discovery/exchange';
import { normalizeCandidates, resolvePeerEndpoint } from '../mesh/endpoint';
import { isValidKey } from '../engine/wireguard/keys';
import { decodeRendezvousStart, type RendezvousStart } from '../mesh/messages';
import { pairId } from '../mesh/pair';
import { endpointSource, waitForHandshake, type TraversalContext } from './traversal-context';

/** A pair's punch job may not start again within this of its last start or end (Go `RendezvousPunchCooldown`). */
export const PUNCH_COOLDOWN_MS = 6000;
/** Punch records are kept twice the cooldown. */
export const PUNCH_RECORD_TTL_MS = 2 * PUNCH_COOLDOWN_MS;
/** The longest we wait for `start_at_unix_ms` (Go waits for any time; a hostile START could park a job). */
export const MAX_START_DELAY_MS = 10_000;
/** Start delay when the START carries no time (spec 3.9 step 2). */
export const DEFAULT_START_DELAY_MS = 100;
/** Most candidates tried per START (each can take 4 s + 10 s). */
export const MAX_CANDIDATES = 16;
/** Most punch jobs running at once. */
export const MAX_JOBS = 8;
/** Most pair cooldown records kept (oldest forgotten first): jobs that end at once could otherwise add one per START. */
export const MAX_PUNCH_RECORDS = 1024;

/** Runs rendezvous punch jobs. */
export class RendezvousParticipant {
  private readonly punches = new Map<string, number>();
  /** Peers a job is punching toward now. */
  private readonly targets = new Set<string>();
  private jobs = 0;
  private stopped = false;

  constructor(private readonly ctx: TraversalContext) {}

  /** Number of running jobs (tests, diagnostics). */
  get running(): number {
    return this.jobs;
  }

  /**
   * A RENDEZVOUS_START from `src` (spec 3.9). Returns the job's promise when one was started
   * (resolving to whether it succeeded), else undefined.
   */
  onStart(payload: Record<string, unknown>, src: Source): Promise<boolean> | undefined {
    if (!this.ctx.settings.punching || this.stopped) return undefined;
    let start: RendezvousStart;
    try { start = decodeRendezvousStart(payload); } catch { return undefined; }
    const peer = start.peerPubkey;
    // A WireGuard key as `wg` reads it (canonical base64 of 32 bytes): Go's lenient base64 also takes newlines and stray bits.
    if (!peer || !start.pairId || peer === this.ctx.ownKey || !isValidKey(peer)) return undefined;
    if (start.pairId !== pairId(this.ctx.ownKey, peer)) return undefined;
    const now = this.ctx.clock.now();
    const startAt = start.startAtUnixMs > 0 ? start.startAtUnixMs : now + DEFAULT_START_DELAY_MS;
    const candidates = normalizeCandidates(start.peerCandidates.slice(0, 4 * MAX_CANDIDATES), { noIpv6: !this.ctx.settings.ipv6 })
      .filter((c) => endpointSource(c) !== undefined)
      .slice(0, MAX_CANDIDATES);
    if (candidates.length === 0) return undefined;
    for (const [id, at] of this.punches) if (now - at > PUNCH_RECORD_TTL_MS) this.punches.delete(id);
    const last = this.punches.get(start.pairId);
    if ((last !== undefined && now - last < PUNCH_COOLDOWN_MS) || this.targets.has(peer)) return undefined; // beyond Go: never two jobs for one peer
    if (this.jobs >= MAX_JOBS) {
      this.ctx.logger.debug('rendezvous START ignored: too many punch jobs', { pair: start.pairId });
      return undefined;
    }
    this.ctx.logger.info('rendezvous START', { pair: start.pairId, peer: peer.slice(0, 8), from: `${src.ip}:${src.port}`, candidates: candidates.length });
    this.record(start.pairId, now);
    this.jobs++;
    this.targets.add(peer);
    const delay = Math.min(Math.max(0, startAt - now), MAX_START_DELAY_MS);
    return this.run(peer, candidates, delay).finally(() => {
      this.jobs--;
      this.targets.delete(peer);
      this.record(start.pairId, this.ctx.clock.now());
    });
  }

  /** Notes a pair's job start or end (bounded: the oldest record goes first). */
  private record(pair: string, at: number): void {
    this.punches.delete(pair);
    this.punches.set(pair, at);
    if (this.punches.size > MAX_PUNCH_RECORDS) this.punches.delete(this.punches.keys().next().value!);
  }

  /** Whether a job is punching toward `peerKey` now. */
  isPunching(peerKey: string): boolean {
    return this.targets.has(peerKey);
  }

  /** Lets running jobs end at their next step; later STARTs are ignored. */
  stop(): void {
    this.stopped = true;
  }

  private async run(peer: string, candidates: readonly string[], delayMs: number): Promise<boolean> {
    const ctx = this.ctx;
    if (delayMs > 0) await ctx.sleep(delayMs);
    ctx.onTraversal?.('rendezvous', 'attempt');
    await ctx.refreshHandshakes();
    const baseline = ctx.handshakeAt(peer);
    for (const candidate of candidates) {
      if (this.stopped) return false;
      const to = endpointSource(candidate)!;
      const reply = await ctx.exchangeWithPeer(to);
      if (!reply || reply.wgPubkey !== peer) continue; // no answer, or another node at that address
      ctx.onPunchReply?.(peer);
      if (!(await waitForHandshake(ctx, peer, baseline, undefined, () => this.stopped))) {
        ctx.logger.debug('control path reached but no WireGuard handshake', { peer: peer.slice(0, 8), candidate });
        continue;
      }
      ctx.storePeer(reply, resolvePeerEndpoint(reply.wgEndpoint, to), 'dht-rendezvous');
      ctx.onTraversal?.('rendezvous', 'success');
      ctx.logger.info('rendezvous punch succeeded', { peer: peer.slice(0, 8), candidate });
      return true;
    }
    ctx.logger.info('rendezvous punch failed', { peer: peer.slice(0, 8) });
    return false;
  }
}
