/**
 * Local health checks of exposed sites (issue 5): one HTTP GET of the site's health path on
 * its local target ({@link checkHttp}), and a {@link HealthMonitor} that repeats it per site.
 *
 * Lifecycle of the monitor: set(key, spec) checks at once, then again `intervalS` after each
 * check finishes (never two checks of one key at a time); delete(key) or stop() cancel. Timers
 * are unref'd, so a monitor never keeps the process alive.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { HealthCheck } from '../../shared/protocol/site-schemas';

/** One HTTP health check: `GET scheme://host:port/path`. */
export interface HttpCheckSpec {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Starts with `/`. */
  path: string;
  /** Host header (and TLS SNI); default `host:port` as the URL gives it. */
  hostHeader?: string;
  /** The whole check (connect, TLS, answer headers) must finish in this time. */
  timeoutMs: number;
}

/** Text of a duration for messages: `3 s`, `1.5 s`, `0.2 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** A short, human reason for a failed request; never the raw stack or a long OpenSSL string. */
export function describeError(err: NodeJS.ErrnoException, timeoutMs: number): string {
  const code = err.code ?? '';
  // OpenSSL: "…:error:0A00010B:SSL routines:<function, may be empty>:<reason>:<file>:<line>:".
  const tls = /SSL routines:[^:\n]*:([^:\n]+)/.exec(err.message);
  if (err instanceof TimeoutError) return `timed out after ${seconds(timeoutMs)}`;
  if (tls) return `TLS error: ${tls[1]?.trim() ?? 'handshake failed'}`;
  if (/before secure TLS connection/.test(err.message)) return 'TLS error: connection closed during the handshake';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') return `TLS error: ${short(err.message)}`;
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NONAME': return 'host not found';
    case 'ECONNRESET': return err.message === 'socket hang up' ? 'connection closed without an answer' : 'connection reset';
    case 'EHOSTUNREACH': return 'host unreachable';
    case 'ENETUNREACH': return 'network unreachable';
    case 'EADDRNOTAVAIL': return 'address not available';
    default:
      if (code.startsWith('HPE_')) return 'not an HTTP answer';
      return short(err.message || code || 'request failed');
  }
}

function short(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

class TimeoutError extends Error {}

/**
 * Runs one check. Healthy iff an answer arrives with status < 500 (a 404 or a login redirect
 * still means the service is up); the body is discarded. Never rejects: failures come back as
 * `unhealthy` with a short `error` ('connection refused', 'timed out after 3 s',
 * 'host not found', 'TLS error: …', 'answered 503').
 */
export function checkHttp(spec: HttpCheckSpec): Promise<HealthCheck> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (result: Omit<HealthCheck, 'checkedAt'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...result, checkedAt: Date.now() });
    };
    const hostHeader = spec.hostHeader ?? `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
    const sniName = hostHeader.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
    const options: https.RequestOptions = {
      host: spec.host,
      port: spec.port,
      path: spec.path,
      method: 'GET',
      agent: false,
      headers: { host: hostHeader, 'user-agent': 'cloudroof-health/1', accept: '*/*', connection: 'close' },
    };
    if (spec.scheme === 'https') {
      // The target is the user's own service on this machine or LAN, usually with a
      // self-signed or internal certificate; the check asks "is it up", not "is it trusted"
      // (the edge serves the public certificate), so the certificate is not verified.
      options.rejectUnauthorized = false;
      if (isIP(sniName) === 0) options.servername = sniName;
    }
    let req: http.ClientRequest;
    try {
      req = (spec.scheme === 'https' ? https : http).request(options);
    } catch (err) {
      finish({ state: 'unhealthy', error: short((err as Error).message) });
      return;
    }
    const timer = setTimeout(() => req.destroy(new TimeoutError('timeout')), spec.timeoutMs);
    timer.unref();
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      finish({ state: 'unhealthy', error: describeError(err, spec.timeoutMs) });
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      finish(status < 500
        ? { state: 'healthy', status, latencyMs }
        : { state: 'unhealthy', status, latencyMs, error: `answered ${status}` });
      // Discard the body; the deadline timer still bounds a body that never ends.
      res.on('error', () => {});
      res.on('end', () => clearTimeout(timer));
      res.on('close', () => clearTimeout(timer));
      res.resume();
    });
    req.end();
  });
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
