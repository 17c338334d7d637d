/**
 * Edge mode of a joined node (issue 5): follows the site lists origins announce, renders the
 * nginx configuration for them, applies it (validated by nginx before it goes live; a refused
 * render leaves the last good config serving), checks each origin over the mesh, and reports
 * per site back to each origin.
 *
 * Lifecycle: `start()` probes nginx; `onSites()` for every authenticated site list; `tick()`
 * every few seconds (expiry after the grace period, reports); `stop(remove)` ends checks and,
 * when `remove`, takes our config out of nginx. Applies are coalesced and serialised.
 */
import type { EdgeSettings, EdgeSite, EdgeState, HealthCheck } from '../../shared/protocol';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { EDGE_REPORT_TYPE, encodeEdgeReport, type EdgeReportEntry, type SitesMessage } from '../mesh/site-messages';
import { HealthMonitor } from '../origin/health';
import type { SitePeer } from '../origin/origin-manager';
import type { CacheLogTailer } from './cache-log';
import { certPaths, findCertificate, type CertPaths } from './certificates';
import { dirSize } from './dir-size';
import { planHosts, type HostPlan, type OriginEntry } from './edge-sites';
import { renderEdgeConfig, type EdgeVhost } from './nginx-config';
import type { EdgeNginx, NginxInfo } from './nginx';

/** An origin that has not refreshed its list for this long is dropped. */
export const ORIGIN_GRACE_MS = 60_000;
/** After a restart, how long the running config is kept before the first apply (one announce round). */
const WARM_UP_MS = 6_000;

/** What the edge manager needs. */
export interface EdgeManagerDeps {
  settings: EdgeSettings;
  nginx: EdgeNginx;
  publicKey: string;
  clock: Clock;
  logger: Logger;
  send: (type: string, plaintext: string, toIp: string) => void;
  onChanged: () => void;
  /** Whether this host can listen on IPv6. */
  ipv6: boolean;
  /** With metrics on: nginx logs each request's cache result to its file, polled (and trimmed) on every tick. */
  cacheLog?: CacheLogTailer;
}

type ConfigState = EdgeState['config'];

/** Edge mode while joined. */
export class EdgeManager {
  private readonly origins = new Map<string, OriginEntry>();
  private readonly claims = new Map<string, Map<string, number>>();
  private readonly health = new HealthMonitor();
  private healthKeys = new Set<string>();
  private plans: HostPlan[] = [];
  private info: NginxInfo = { available: false };
  private running = false;
  private config: ConfigState = { state: 'pending' };
  /** Hostnames in the config nginx accepted last. */
  private liveHosts = new Set<string>();
  private lastText: string | undefined;
  private applying: Promise<void> = Promise.resolve();
  private applyQueued = false;
  private seq: number;
  private stopped = false;
  private cacheBytes: number | undefined;
  private cacheMeasuredAt = 0;
  private warmUp: NodeJS.Timeout | undefined;

  constructor(private readonly d: EdgeManagerDeps) {
    this.seq = d.clock.now();
    this.health.onChange(() => { this.report(); d.onChanged(); });
  }

  /**
   * Probes nginx and applies the config so nginx runs and answers. When nginx already runs (a
   * service restart), the first apply waits one announcement round, so the config it serves is
   * not replaced by a partial one while origins are still being heard from.
   */
  async start(): Promise<void> {
    this.info = await this.d.nginx.probe();
    if (!this.info.available) this.d.logger.warn('nginx is not usable', { error: this.info.error });
    if (this.info.available && await this.d.nginx.isRunning()) {
      this.running = true;
      this.warmUp = setTimeout(() => { this.warmUp = undefined; this.scheduleApply(); }, WARM_UP_MS);
      return;
    }
    this.scheduleApply();
  }

  /** A site list from `peer` (authenticated by the caller). */
  onSites(msg: SitesMessage, peer: SitePeer): void {
    const prev = this.origins.get(msg.wgPubkey);
    if (prev && prev.message.seq >= msg.seq) return;
    const now = this.d.clock.now();
    if (msg.sites.length === 0) this.origins.delete(msg.wgPubkey);
    else this.origins.set(msg.wgPubkey, { publicKey: msg.wgPubkey, hostname: peer.hostname, meshIp: peer.meshIp, message: msg, heardAt: now });
    if (JSON.stringify(prev?.message.sites) !== JSON.stringify(msg.sites) || prev?.meshIp !== peer.meshIp) this.replan();
  }

  /** Expires silent origins and sends reports. */
  tick(): void {
    const now = this.d.clock.now();
    let changed = false;
    for (const [k, o] of this.origins) {
      if (now - o.heardAt > ORIGIN_GRACE_MS) {
        this.d.logger.info('origin gone longer than the grace period; its sites leave this edge', { origin: o.hostname || k.slice(0, 8) });
        this.origins.delete(k);
        changed = true;
      }
    }
    if (changed) this.replan();
    else this.report();
    void this.d.cacheLog?.poll();
    void this.d.nginx.isRunning().then((r) => { if (r !== this.running) { this.running = r; this.d.onChanged(); } });
    if (now - this.cacheMeasuredAt >= 30_000) {
      this.cacheMeasuredAt = now;
      void dirSize(this.d.nginx.paths.cacheDir).then((b) => { this.cacheBytes = b; });
    }
  }

  /** GET /v1/edge while joined. */
  state(): EdgeState {
    const sites: EdgeSite[] = this.plans.map((p) => ({
      hostname: p.hostname, site: p.site, tls: this.cert(p.hostname) ? 'ok' : 'missing', certPath: this.certPaths(p.hostname).certFile,
      origins: p.origins.map((o) => ({
        publicKey: o.publicKey, ...(o.hostname ? { hostname: o.hostname } : {}), meshIPv4: o.meshIp, port: o.site.port,
        scheme: o.site.scheme, health: this.health.get(healthKey(o.publicKey, o.site.name)) ?? { state: 'unknown' },
      })),
      ...(p.conflict ? { conflict: p.conflict } : {}),
    }));
    return {
      enabled: true, settings: this.d.settings, sites, config: this.config,
      ...(this.cacheBytes === undefined ? {} : { cache: { usedBytes: this.cacheBytes, maxSize: this.d.settings.cacheSize } }),
      nginx: { available: this.info.available, running: this.running, ...(this.info.version ? { version: this.info.version } : {}), ...(this.info.error ? { error: this.info.error } : {}) },
    };
  }

  /** The directory nginx serves ACME challenges from (`certbot certonly --webroot -w <it>`). */
  get acmeWebroot(): string {
    return this.d.nginx.paths.acmeRoot;
  }

  /** Ends checks and timers; with `remove`, takes our configuration out of nginx. */
  async stop(remove: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.warmUp);
    this.health.stop();
    await this.applying;
    if (remove) await this.d.nginx.remove().catch((err: Error) => this.d.logger.warn('could not remove the nginx config', { error: err.message }));
  }

  private replan(): void {
    this.plans = planHosts([...this.origins.values()], this.claims, this.d.clock.now());
    const wanted = new Set<string>();
    for (const p of this.plans) {
      for (const o of p.origins) {
        const key = healthKey(o.publicKey, o.site.name);
        wanted.add(key);
        this.health.set(key, { scheme: o.site.scheme, host: o.meshIp, port: o.site.port, path: o.site.healthPath, hostHeader: p.hostname, timeoutMs: 3000, intervalS: 5 });
      }
    }
    for (const k of this.healthKeys) if (!wanted.has(k)) this.health.delete(k);
    this.healthKeys = wanted;
    this.scheduleApply();
    this.d.onChanged();
  }

  private scheduleApply(): void {
    if (this.applyQueued || this.stopped || this.warmUp) return;
    this.applyQueued = true;
    this.applying = this.applying.then(async () => {
      await new Promise((r) => setTimeout(r, 100)); // coalesce bursts of announcements
      this.applyQueued = false;
      if (!this.stopped) await this.applyNow();
    });
  }

  private async applyNow(): Promise<void> {
    if (!this.info.available) {
      this.config = { state: 'failed', lastError: this.info.error ?? 'nginx is not available', lastAttemptAt: this.d.clock.now() };
      return;
    }
    const vhosts: EdgeVhost[] = this.plans.filter((p) => p.origins.length > 0).map((p) => ({
      hostname: p.hostname, site: p.site, scheme: p.origins[0]?.site.scheme ?? 'http',
      origins: p.origins.map((o) => ({ host: o.meshIp, port: o.site.port })), tls: this.cert(p.hostname),
    }));
    const s = this.d.settings;
    const paths = this.d.nginx.paths;
    const now = this.d.clock.now();
    try {
      const text = renderEdgeConfig(vhosts, {
        httpPort: s.httpPort, httpsPort: s.httpsPort, maxBody: s.maxBody, cacheSize: s.cacheSize, ipv6: this.d.ipv6,
        cacheDir: paths.cacheDir, errorPageRoot: paths.errorPageRoot, acmeRoot: paths.acmeRoot,
        defaultServer: this.d.nginx.mode === 'managed', nginxVersion: this.info.version ?? '1.22.0',
        ...(this.d.cacheLog ? { cacheLog: this.d.cacheLog.file } : {}),
      });
      if (text !== this.lastText) {
        await this.d.nginx.apply(text);
        this.lastText = text;
        this.d.logger.info('nginx configuration applied', { hostnames: vhosts.length });
      }
      this.liveHosts = new Set(vhosts.map((v) => v.hostname));
      this.config = { state: 'applied', appliedAt: now, lastAttemptAt: now };
      this.running = await this.d.nginx.isRunning();
    } catch (err) {
      const message = (err as Error).message;
      this.d.logger.error('nginx refused the new configuration; the previous one keeps serving', { error: message });
      this.config = { state: 'failed', lastError: message, lastAttemptAt: now, ...(this.config.appliedAt ? { appliedAt: this.config.appliedAt } : {}) };
    }
    this.report();
    this.d.onChanged();
  }

  /** Sends every origin the state of its sites here. */
  private report(): void {
    if (this.stopped) return;
    this.seq = Math.max(this.seq + 1, this.d.clock.now());
    for (const o of this.origins.values()) {
      const sites = o.message.sites.map((site) => this.entryFor(o, site.name, site.hostnames));
      this.d.send(EDGE_REPORT_TYPE, encodeEdgeReport({ wgPubkey: this.d.publicKey, seq: this.seq, sites }, this.d.clock.now() / 1000), o.meshIp);
    }
  }

  private entryFor(o: OriginEntry, name: string, hostnames: string[]): EdgeReportEntry {
    const tls = hostnames.every((h) => this.cert(h) !== null);
    const lost = this.plans.find((p) => hostnames.includes(p.hostname) && p.losers.some((l) => l.publicKey === o.publicKey && l.site.name === name));
    if (lost) return { name, state: 'conflict', tls, reason: lost.conflict ?? 'hostname conflict' };
    if (!hostnames.some((h) => this.liveHosts.has(h))) {
      return { name, state: 'config-error', tls, reason: this.config.lastError ?? 'not applied yet' };
    }
    const h: HealthCheck | undefined = this.health.get(healthKey(o.publicKey, name));
    if (h?.state === 'unhealthy') return { name, state: 'unreachable', tls, reason: h.error ?? 'health check failed' };
    if (!tls) {
      const missing = hostnames.filter((x) => !this.cert(x)).map((x) => this.certPaths(x).certFile);
      return { name, state: 'no-certificate', tls, reason: `no certificate: ${missing.join(', ')}` };
    }
    return { name, state: 'serving', tls };
  }

  private certPaths(hostname: string): CertPaths {
    return certPaths(this.d.settings.certDir, hostname);
  }

  private cert(hostname: string): CertPaths | null {
    return findCertificate(this.d.settings.certDir, hostname);
  }
}

function healthKey(publicKey: string, site: string): string {
  return `${publicKey}/${site}`;
}
