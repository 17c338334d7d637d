/**
 * Per-source token buckets (spec 3.3: 10 messages/s, burst 20, at most 4096 tracked sources,
 * least recently used evicted). Checked before any decryption so a flood costs little.
 */
import type { Clock } from '../clock';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  ratePerSec?: number;
  burst?: number;
  maxSources?: number;
}

/** Token-bucket rate limiter keyed by source address, with bounded memory. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly max: number;

  constructor(private readonly clock: Clock, opts: RateLimiterOptions = {}) {
    this.rate = opts.ratePerSec ?? 10;
    this.burst = opts.burst ?? 20;
    this.max = opts.maxSources ?? 4096;
  }

  /** Takes one token for `key`; false means drop the datagram. */
  allow(key: string): boolean {
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key); // re-insert: Map order is the LRU order
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
      b.at = now;
    } else {
      if (this.buckets.size >= this.max) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.burst, at: now };
    }
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Number of tracked sources (bounded by maxSources). */
  get size(): number {
    return this.buckets.size;
  }
}
