/**
 * Local health checks of exposed sites (issue 5): one HTTP GET of the site's health path on
 * its local target ({@link checkHttp}), and a {@link HealthMonitor} that repeats it per site.
 *
 * Lifecycle of the monitor: set(key, spec) checks at once, then again `intervalS` after each
 * check finishes (never two checks of one key at a time); delete(key) or stop() cancel. Timers
 * are unref'd, so a monitor never keeps the process alive.
 */
import type { HealthCheck } from '../../shared/protocol/site-schemas';
import { httpGet, short, type HttpCheckSpec } from './http-get';

export { describeError, type HttpCheckSpec } from './http-get';

/**
 * Runs one check. Healthy iff an answer arrives with status < 500 (a 404 or a login redirect
 * still means the service is up); the body is discarded. Never rejects: failures come back as
 * `unhealthy` with a short `error` ('connection refused', 'timed out after 3 s',
 * 'host not found', 'TLS error: …', 'answered 503').
 */
export async function checkHttp(spec: HttpCheckSpec): Promise<HealthCheck> {
  const r = await httpGet(spec);
  const checkedAt = Date.now();
  if (!r.ok) return { state: 'unhealthy', error: r.error, checkedAt };
  const { status, latencyMs } = r;
  return status < 500
    ? { state: 'healthy', status, latencyMs, checkedAt }
    : { state: 'unhealthy', status, latencyMs, error: `answered ${status}`, checkedAt };
}

/** A check the {@link HealthMonitor} repeats: {@link HttpCheckSpec} every `intervalS` seconds. */
export interface MonitoredCheck extends HttpCheckSpec {
  intervalS: number;
}

/** Called with the key and its new result when a key's state, status or error changes. */
export type HealthChangeListener = (key: string, check: HealthCheck) => void;

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  /** The check to run; default {@link checkHttp} (tests inject a fake). */
  check?: (spec: HttpCheckSpec) => Promise<HealthCheck>;
}

interface Entry {
  spec: MonitoredCheck;
  result: HealthCheck;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  /** The spec changed during the running check: its result is stale, check again at once. */
  stale: boolean;
}

const UNKNOWN: HealthCheck = { state: 'unknown' };

function sameTarget(a: HttpCheckSpec, b: HttpCheckSpec): boolean {
  return a.scheme === b.scheme && a.host === b.host && a.port === b.port && a.path === b.path
    && a.hostHeader === b.hostHeader && a.timeoutMs === b.timeoutMs;
}

/** Keeps one periodic health check per key (a site name) and the latest result of each. */
export class HealthMonitor {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<HealthChangeListener>();
  private readonly check: (spec: HttpCheckSpec) => Promise<HealthCheck>;
  private stopped = false;

  constructor(opts: HealthMonitorOptions = {}) {
    this.check = opts.check ?? checkHttp;
  }

  /**
   * Starts checking `key` with `spec` (first check at once), or updates it. The same spec is a
   * no-op; a new interval only reschedules; any other change resets the result to `unknown`
   * and checks again as soon as no check of this key is running. Ignored after {@link stop}
   * (events may still arrive while the owner shuts down).
   */
  set(key: string, spec: MonitoredCheck): void {
    if (this.stopped) return;
    const entry = this.entries.get(key);
    if (!entry) {
      const fresh: Entry = { spec: { ...spec }, result: UNKNOWN, timer: undefined, running: false, stale: false };
      this.entries.set(key, fresh);
      this.run(key, fresh);
      return;
    }
    const retarget = !sameTarget(entry.spec, spec);
    if (!retarget && entry.spec.intervalS === spec.intervalS) return;
    entry.spec = { ...spec };
    if (entry.running) {
      entry.stale ||= retarget;
    } else if (retarget) {
      this.run(key, entry);
    } else {
      this.schedule(key, entry);
    }
    if (retarget) this.update(key, entry, UNKNOWN);
  }

  /** Stops checking `key` and forgets its result. */
  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
  }

  /** The latest result for `key`; `unknown` before the first check finishes or for an unknown key. */
  get(key: string): HealthCheck {
    return { ...(this.entries.get(key)?.result ?? UNKNOWN) };
  }

  /** The keys being checked. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Calls `cb` when a key's state, status or error changes; returns the unsubscribe function. */
  onChange(cb: HealthChangeListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Cancels every check for good; results of checks still running are dropped. */
  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
  }

  private run(key: string, entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.running = true;
    entry.stale = false;
    this.check(entry.spec)
      .catch((err: unknown): HealthCheck => ({ state: 'unhealthy', error: short(String((err as Error)?.message ?? err)), checkedAt: Date.now() }))
      .then((result) => {
        entry.running = false;
        if (this.stopped || this.entries.get(key) !== entry) return;
        if (entry.stale) return this.run(key, entry);
        this.update(key, entry, result);
        this.schedule(key, entry);
      });
  }

  private schedule(key: string, entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.run(key, entry), entry.spec.intervalS * 1000);
    entry.timer.unref();
  }

  private update(key: string, entry: Entry, result: HealthCheck): void {
    const prev = entry.result;
    entry.result = result;
    if (prev.state === result.state && prev.status === result.status && prev.error === result.error) return;
    for (const cb of this.listeners) {
      try {
        cb(key, { ...result });
      } catch {
        // A listener's failure must not stop the checks or the other listeners.
      }
    }
  }
}
