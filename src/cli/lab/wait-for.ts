// Polling with a deadline, for conditions the lab cannot be notified about (a mesh forming, a socket
// appearing, a ping getting through).
import { setTimeout as delay } from 'node:timers/promises';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 250 ms). */
  intervalMs?: number;
  /** Named in the timeout error: "timed out … waiting for <what>". */
  what?: string;
  /** Aborts the wait (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Reject on the first exception of the predicate instead of treating it as "not yet". */
  failFast?: boolean;
}

/**
 * Calls `predicate` until it returns a truthy value and resolves with that value. An exception
 * counts as "not yet" (unless `failFast`), and the last one is quoted when the deadline passes.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const v = await predicate();
      if (v) return v;
      lastError = undefined;
    } catch (err) {
      if (opts.failFast) throw err;
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const why = lastError === undefined ? '' : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${why}`);
    }
    await delay(Math.min(opts.intervalMs ?? 250, left), undefined, { signal: opts.signal });
  }
}
