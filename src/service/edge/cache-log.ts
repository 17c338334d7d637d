/**
 * Counts the edge's cache results from the one-field access log nginx writes for it
 * (`log_format cloudroof_cache '$upstream_cache_status'`, see nginx-config.ts): one line per
 * proxied request, `HIT`, `MISS`, … or `-` when the cache was not consulted (SSE, errors).
 *
 * Lifecycle: nothing happens until `poll()`, which the edge manager calls on its tick and the
 * metrics on each scrape (calls are serialised). The first poll starts at the file's current
 * end: what is already there was written before this process (and counted by it, if at all).
 * Each later poll reads the bytes appended since the last one. A file that shrank or was
 * replaced (truncation, rotation) is read again from its start. Once the file exceeds
 * `maxBytes` it is truncated to nothing after reading: nginx opens its logs with O_APPEND, so
 * it keeps writing at the new end, and the file cannot grow without bound (a line written
 * between the read and the truncation is lost; counts are approximate by that much).
 */
import { promises as fs } from 'node:fs';

/** The cache results counted, named after nginx's `$upstream_cache_status` (lower case; `-` is `none`). */
export const CACHE_STATUSES = ['hit', 'miss', 'bypass', 'expired', 'stale', 'updating', 'revalidated', 'none'] as const;
/** One counted cache result. */
export type CacheStatus = (typeof CACHE_STATUSES)[number];

/** Results answered from the cache (fresh, stale while updating, or after a 304 from the origin). */
const SERVED_FROM_CACHE: readonly CacheStatus[] = ['hit', 'stale', 'updating', 'revalidated'];
/** Default size after which the file is truncated: 4 MiB (≈ 700 000 requests between polls). */
export const CACHE_LOG_MAX_BYTES = 4 * 1024 * 1024;
const CHUNK = 256 * 1024;

/** Options of {@link CacheLogTailer}. */
export interface CacheLogTailerOptions {
  /** Truncate the file once it is larger than this (bytes); default {@link CACHE_LOG_MAX_BYTES}. */
  maxBytes?: number;
}

/** Tails the edge's cache log and keeps running counts per {@link CacheStatus}. */
export class CacheLogTailer {
  private offset: number | undefined;
  private inode: number | undefined;
  private partial = '';
  private readonly totals = new Map<CacheStatus, number>(CACHE_STATUSES.map((s) => [s, 0]));
  private chain: Promise<void> = Promise.resolve();

  constructor(
    /** The log file nginx writes (absolute path; see EdgeNginxPaths.cacheLog). */
    readonly file: string,
    private readonly o: CacheLogTailerOptions = {},
  ) {}

  /** Reads what was appended since the last poll and counts it; never rejects (I/O errors are skipped). */
  poll(): Promise<void> {
    const run = this.chain.then(() => this.read()).catch(() => undefined);
    this.chain = run;
    return run;
  }

  /** Requests counted per cache result since this process started (every status present). */
  counts(): Record<CacheStatus, number> {
    return Object.fromEntries(this.totals) as Record<CacheStatus, number>;
  }

  /**
   * Share of cache lookups answered from the cache (hit, stale, updating, revalidated), over every
   * request that consulted the cache (`none` excluded); NaN before the first such request.
   */
  hitRatio(): number {
    let served = 0;
    let lookups = 0;
    for (const [s, n] of this.totals) {
      if (s === 'none') continue;
      lookups += n;
      if (SERVED_FROM_CACHE.includes(s)) served += n;
    }
    return lookups === 0 ? Number.NaN : served / lookups;
  }

  private async read(): Promise<void> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.file, 'r+');
    } catch (err) {
      // No file yet (or gone): whatever appears later is new.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.restart();
      return;
    }
    try {
      const st = await fh.stat();
      if (this.offset === undefined) {
        this.offset = st.size;
        this.inode = st.ino;
        return;
      }
      if (st.ino !== this.inode || st.size < this.offset) this.restart();
      this.inode = st.ino;
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.consume(buf.toString('latin1', 0, bytesRead));
      }
      if (this.offset > (this.o.maxBytes ?? CACHE_LOG_MAX_BYTES)) {
        await fh.truncate(0);
        this.restart();
      }
    } finally {
      await fh.close();
    }
  }

  /** The file starts over (truncated, rotated or gone): read it from its first byte. */
  private restart(): void {
    this.offset = 0;
    this.partial = '';
  }

  private consume(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 256) this.partial = ''; // not a line of ours
    for (const line of lines) {
      const s = statusOf(line.trim());
      if (s) this.totals.set(s, (this.totals.get(s) ?? 0) + 1);
    }
  }
}

/** The counted status of one log line, or undefined for a line that is not one of nginx's values. */
function statusOf(line: string): CacheStatus | undefined {
  if (line === '-') return 'none';
  const s = line.toLowerCase();
  return s !== 'none' && (CACHE_STATUSES as readonly string[]).includes(s) ? (s as CacheStatus) : undefined;
}
