/**
 * When to let WireGuard initiate a handshake with a newly configured peer.
 *
 * Why: when two nodes add each other within milliseconds and both initiate, each drops the
 * other's response and the pair waits for WireGuard's 5 s retry (measured on Go wgmesh, see
 * TESTING.md). So a new peer is first configured *passive* (no persistent keepalive, nothing
 * sent) and becomes *active* (keepalive 25 s, which makes WireGuard initiate at once) when:
 *  - a handshake has happened (nothing left to race), or
 *  - the peer showed that it has configured us (we only send HELLO/REPLY after configuring the
 *    recipient) and our key sorts first — exactly one side of a pair initiates, or
 *  - `fallbackMs` passed without evidence (peers that never send any, such as Go nodes on a
 *    LAN), or the much longer `evidenceFallbackMs` with evidence: then the other side, having
 *    the smaller key, initiates (Go peers initiate as soon as their reconcile adds us), and our
 *    initiating as well would only risk the collision under load.
 * Pure: the caller passes the time.
 */

/** Options of {@link Activation}. */
export interface ActivationOptions {
  ownKey: string;
  fallbackMs?: number;
  evidenceFallbackMs?: number;
}

/** Tracks which peers may initiate. */
export class Activation {
  private readonly configuredAt = new Map<string, number>();
  private readonly active = new Set<string>();
  private readonly handshaken = new Set<string>();
  private readonly fallbackMs: number;
  private readonly evidenceFallbackMs: number;
  private readonly evidenced = new Set<string>();
  private readonly initiatedAt = new Map<string, number>();
  private readonly kicks = new Map<string, { at: number; count: number }>();

  constructor(private readonly opts: ActivationOptions) {
    this.fallbackMs = opts.fallbackMs ?? 3000;
    this.evidenceFallbackMs = opts.evidenceFallbackMs ?? 15_000;
  }

  /** Notes that `key` is (now) configured on the device. */
  configured(key: string, nowMs: number): void {
    if (!this.configuredAt.has(key)) this.configuredAt.set(key, nowMs);
  }

  /** The peer has configured us (it sent a HELLO or REPLY). Returns true if this activated it. */
  evidence(key: string): boolean {
    this.evidenced.add(key);
    if (this.active.has(key) || this.opts.ownKey >= key) return false;
    this.active.add(key);
    return true;
  }

  /** A handshake with `key` completed. Returns true the first time for this peer. */
  handshake(key: string): boolean {
    if (this.handshaken.has(key)) return false;
    this.handshaken.add(key);
    this.active.add(key);
    return true;
  }

  /**
   * A NAT hole punch reached the peer (spec 3.7, 3.9): behind NATs both sides must send for the
   * WireGuard holes to open, so the key order does not apply. Returns true if this activated it.
   */
  punched(key: string): boolean {
    this.evidenced.add(key);
    if (this.active.has(key)) return false;
    this.active.add(key);
    return true;
  }

  /** Whether `key` may initiate now (falls back to active after `fallbackMs`). */
  isActive(key: string, nowMs: number): boolean {
    if (this.active.has(key)) return true;
    const at = this.configuredAt.get(key);
    if (at !== undefined && nowMs - at >= this.fallbackOf(key)) {
      this.active.add(key);
      return true;
    }
    return false;
  }

  /** Milliseconds until the next passive peer falls back to active, or undefined. */
  nextFallbackIn(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const [k, at] of this.configuredAt) {
      if (this.active.has(k)) continue;
      const due = Math.max(0, at + this.fallbackOf(k) - nowMs);
      next = next === undefined ? due : Math.min(next, due);
    }
    return next;
  }

  /** Notes that WireGuard was just told to initiate with `key` (keepalive switched on). */
  initiated(key: string, nowMs: number): void {
    if (!this.initiatedAt.has(key)) this.initiatedAt.set(key, nowMs);
  }

  /**
   * Peers whose handshake we initiated (smaller key) but that have none `kickAfterMs` later:
   * their first initiation was most likely lost in a collision (traffic from the other side
   * made it initiate too). WireGuard would retry only after 5 s; re-adding the peer makes it
   * initiate at once. At most `maxKicks` per peer; the caller re-adds the returned peers
   * (`peek` only looks, without counting a kick).
   */
  dueForKick(nowMs: number, opts: { peek?: boolean; kickAfterMs?: number; maxKicks?: number } = {}): string[] {
    const { peek = false, kickAfterMs = 2000, maxKicks = 3 } = opts;
    const due: string[] = [];
    for (const [key, at] of this.initiatedAt) {
      if (this.handshaken.has(key) || this.opts.ownKey >= key) continue;
      const k = this.kicks.get(key) ?? { at, count: 0 };
      if (k.count >= maxKicks || nowMs - Math.max(at, k.at) < kickAfterMs) continue;
      if (!peek) this.kicks.set(key, { at: nowMs, count: k.count + 1 });
      due.push(key);
    }
    return due;
  }

  private fallbackOf(key: string): number {
    return this.evidenced.has(key) ? this.evidenceFallbackMs : this.fallbackMs;
  }

  /** Forgets a removed peer. */
  forget(key: string): void {
    this.configuredAt.delete(key);
    this.active.delete(key);
    this.handshaken.delete(key);
    this.evidenced.delete(key);
    this.initiatedAt.delete(key);
    this.kicks.delete(key);
  }
}
