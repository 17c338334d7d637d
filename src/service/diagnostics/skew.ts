/**
 * Clock skew against peers, for `cloudroof doctor`. wgmesh drops every envelope whose timestamp
 * is more than 600 s away from the receiver's clock (spec 2.2 step 6), so a node whose clock
 * drifts silently loses its peers. Each accepted HELLO, REPLY and LAN ANNOUNCE carries the
 * sender's clock (`timestamp`, Unix seconds); the tracker keeps `peer timestamp − local now`
 * per peer. Pure and bounded: at most {@link SKEW_MAX_PEERS} peers (the least recently heard is
 * forgotten) and {@link SKEW_SAMPLES_PER_PEER} samples each.
 */

/** Most peers tracked. */
export const SKEW_MAX_PEERS = 256;
/** Samples kept per peer (the newest). */
export const SKEW_SAMPLES_PER_PEER = 16;
/** Samples older than this are ignored by {@link SkewTracker.summary}. */
export const SKEW_SAMPLE_MAX_AGE_MS = 15 * 60_000;

/** What the tracker knows about one peer's clock. */
export interface PeerSkew {
  publicKey: string;
  /** The name the peer announces ('' when none). */
  hostname: string;
  /** Median of `peer timestamp − local now` over the recent samples, seconds (negative: the peer is behind). */
  medianS: number;
  samples: number;
  /** Unix ms of the newest sample. */
  lastAt: number;
}

interface Entry {
  hostname: string;
  /** [skew seconds, local unix ms] */
  samples: [number, number][];
  lastAt: number;
}

/** Per-peer clock skew from message timestamps. */
export class SkewTracker {
  private readonly peers = new Map<string, Entry>();

  /**
   * Records one accepted message: `timestampS` is the sender's Unix seconds, `nowMs` our clock.
   * Non-finite timestamps are ignored.
   */
  record(publicKey: string, hostname: string, timestampS: number, nowMs: number): void {
    // Called before the peer store validates the announcement: keep only well-formed keys and a
    // bounded hostname, so a flood of junk cannot make entries large.
    if (!Number.isFinite(timestampS) || !/^[A-Za-z0-9+/]{43}=$/.test(publicKey)) return;
    hostname = hostname.slice(0, 253);
    // Timestamps are whole seconds, cut (not rounded) from the sender's clock: compare alike.
    const skew = Math.round(timestampS) - Math.floor(nowMs / 1000);
    let e = this.peers.get(publicKey);
    if (e) this.peers.delete(publicKey); // re-inserted below: Map order is least recently heard first
    else e = { hostname, samples: [], lastAt: nowMs };
    e.hostname = hostname || e.hostname;
    e.lastAt = nowMs;
    e.samples.push([skew, nowMs]);
    if (e.samples.length > SKEW_SAMPLES_PER_PEER) e.samples.shift();
    this.peers.set(publicKey, e);
    if (this.peers.size > SKEW_MAX_PEERS) this.peers.delete(this.peers.keys().next().value!);
  }

  /** Number of peers tracked. */
  get size(): number {
    return this.peers.size;
  }

  /** Each peer with samples younger than {@link SKEW_SAMPLE_MAX_AGE_MS} at `nowMs`. */
  summary(nowMs: number): PeerSkew[] {
    const out: PeerSkew[] = [];
    for (const [publicKey, e] of this.peers) {
      const recent = e.samples.filter(([, at]) => nowMs - at <= SKEW_SAMPLE_MAX_AGE_MS).map(([s]) => s);
      if (recent.length === 0) continue;
      out.push({ publicKey, hostname: e.hostname, medianS: median(recent), samples: recent.length, lastAt: e.lastAt });
    }
    return out;
  }
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
