/**
 * The origin side of a joined node (issue 5): for every exposed site, a forwarder from the
 * node's mesh addresses to the local target, a firewall rule that keeps that port mesh-only,
 * a local health check, and the site list announced to every peer; edges' reports come back
 * and are kept per edge and site.
 *
 * Lifecycle: created when the node joins; `apply(sites)` reconciles forwarders and rules with the
 * desired list (a failure restores the previous set and rethrows); `announce()` runs on change
 * and on the runtime's tick; `stop()` closes forwarders, removes the rules and says the site
 * list is empty (so edges withdraw at once rather than after their grace period).
 */
import { ControlError, type ExposedSite, type HealthCheck, type SiteConfig, type SiteEdge } from '../../shared/protocol';
import { formatTarget, parseTarget } from '../../shared/sites';
import type { Clock } from '../clock';
import type { OriginFirewall } from '../engine/firewall/origin-firewall';
import type { Logger } from '../log';
import { encodeSites, SITES_TYPE, type AnnouncedSite, type EdgeReport } from '../mesh/site-messages';
import { chooseMeshPort, SiteForwarder } from './forwarder';
import { HealthMonitor } from './health';

/** A report is shown for this long after the edge last sent it. */
const REPORT_TTL_MS = 45_000;

/** A mesh peer the site list is sent to. */
export interface SitePeer {
  publicKey: string;
  hostname: string;
  meshIp: string;
}

/** What the origin manager needs. */
export interface OriginManagerDeps {
  iface: string;
  /** This node's mesh IPv4 and IPv6. */
  meshAddresses: string[];
  publicKey: string;
  firewall: OriginFirewall;
  clock: Clock;
  logger: Logger;
  peers: () => SitePeer[];
  send: (type: string, plaintext: string, toIp: string) => void;
  onChanged: () => void;
}

interface Running {
  config: SiteConfig;
  forwarder: SiteForwarder;
}

/** Exposed sites of this node while it is joined. */
export class OriginManager {
  private running = new Map<string, Running>();
  private readonly health = new HealthMonitor();
  private readonly reports = new Map<string, { report: EdgeReport; at: number; peer: SitePeer | undefined }>();
  private seq: number;
  private errors = new Map<string, string>();

  constructor(private readonly d: OriginManagerDeps) {
    this.seq = d.clock.now();
    this.health.onChange(() => d.onChanged());
  }

  /**
   * Makes the running forwarders match `sites`; sites without a mesh port get one. Resolves
   * with the list as applied (ports filled in). On failure everything is as before and the
   * error (e.g. `port-in-use`) is thrown.
   */
  async apply(sites: readonly SiteConfig[]): Promise<SiteConfig[]> {
    const before = this.running;
    const next = new Map<string, Running>();
    const started: SiteForwarder[] = [];
    const stopped: SiteForwarder[] = [];
    const taken = new Set<number>();
    const applied: SiteConfig[] = [];
    try {
      for (const s of sites) {
        const old = before.get(s.name);
        if (old && sameSite(old.config, s)) {
          const config = { ...s, meshPort: old.config.meshPort };
          next.set(s.name, { config, forwarder: old.forwarder });
          taken.add(config.meshPort ?? 0);
          applied.push(config);
          continue;
        }
        const target = parseTarget(s.target);
        const reuse = old?.config.meshPort;
        if (old) {
          await old.forwarder.stop(); // frees the port if this site keeps it
          stopped.push(old.forwarder);
        }
        const port = s.meshPort ?? reuse ?? await chooseMeshPort(this.d.meshAddresses, target.port, taken);
        const config = { ...s, meshPort: port };
        const forwarder = new SiteForwarder({ addresses: this.d.meshAddresses, port, target: { host: target.host, port: target.port }, logger: this.d.logger });
        await forwarder.start();
        started.push(forwarder);
        taken.add(port);
        next.set(s.name, { config, forwarder });
        applied.push(config);
      }
      await this.applyFirewall([...taken]);
    } catch (err) {
      for (const f of started) await f.stop().catch(() => undefined);
      for (const f of stopped) await f.start().catch(() => undefined);
      await this.applyFirewall([...before.values()].map((r) => r.config.meshPort ?? 0)).catch(() => undefined);
      const code = (err as { code?: unknown }).code;
      if (code === 'port-in-use') throw new ControlError('port-in-use', (err as Error).message);
      throw err;
    }
    for (const [name, r] of before) if (!next.has(name)) await r.forwarder.stop().catch(() => undefined);
    this.running = next;
    for (const name of before.keys()) if (!next.has(name)) this.health.delete(name);
    for (const c of applied) {
      const t = parseTarget(c.target);
      this.health.set(c.name, { scheme: t.scheme, host: t.host, port: t.port, path: c.healthPath, hostHeader: c.hostnames[0], timeoutMs: 3000, intervalS: c.healthIntervalS });
    }
    this.announce();
    this.d.onChanged();
    return applied;
  }

  /** Sends the site list to every peer (Go nodes never see it: see the site channel). */
  announce(): void {
    const sites: AnnouncedSite[] = [...this.running.values()].map(({ config: c }) => ({
      name: c.name, hostnames: c.hostnames, port: c.meshPort ?? 0, scheme: parseTarget(c.target).scheme, healthPath: c.healthPath,
    }));
    this.seq = Math.max(this.seq + 1, this.d.clock.now());
    const text = encodeSites({ wgPubkey: this.d.publicKey, seq: this.seq, sites }, this.d.clock.now() / 1000);
    for (const p of this.d.peers()) if (p.meshIp) this.d.send(SITES_TYPE, text, p.meshIp);
  }

  /** An edge's report, already authenticated as coming from `peer`. */
  onEdgeReport(report: EdgeReport, peer: SitePeer | undefined): void {
    const prev = this.reports.get(report.wgPubkey);
    if (prev && prev.report.seq >= report.seq) return;
    const changed = JSON.stringify(prev?.report.sites) !== JSON.stringify(report.sites);
    this.reports.set(report.wgPubkey, { report, at: this.d.clock.now(), peer });
    if (changed) this.d.onChanged();
  }

  /** The sites as shown by `expose list`, for the given intent. */
  views(sites: readonly SiteConfig[]): ExposedSite[] {
    const now = this.d.clock.now();
    return sites.map((s) => {
      const r = this.running.get(s.name);
      const edges = this.edgesOf(s.name, now);
      const serving = edges.some((e) => e.state === 'serving' && e.tls);
      const error = this.errors.get(s.name);
      return {
        ...s, meshPort: r?.config.meshPort ?? s.meshPort,
        forwarding: r ? { state: 'active' as const } : error ? { state: 'error' as const, error } : { state: 'pending' as const },
        health: this.health.get(s.name) ?? unknownHealth, edges,
        publicUrls: serving ? s.hostnames.map((h) => `https://${h}/`) : [],
      };
    });
  }

  /**
   * Stops forwarders and checks and removes the rules. With `withdraw` (leaving the mesh), the
   * edges are told the list is empty and drop the sites at once; without (a restart), they keep
   * them for their grace period, so a service restart does not take the sites down.
   */
  async stop(withdraw = true): Promise<void> {
    const had = this.running.size > 0;
    for (const r of this.running.values()) await r.forwarder.stop().catch(() => undefined);
    this.running = new Map();
    this.health.stop();
    if (had && withdraw) this.announce();
    await this.d.firewall.remove().catch((err: Error) => this.d.logger.warn('could not remove the origin firewall rules', { error: err.message }));
  }

  /** Ends health checks that are no longer wanted (a site failed to start). */
  setError(name: string, message: string | undefined): void {
    if (message === undefined) this.errors.delete(name);
    else this.errors.set(name, message);
  }

  private edgesOf(site: string, now: number): SiteEdge[] {
    const out: SiteEdge[] = [];
    for (const [key, { report, at, peer }] of this.reports) {
      if (now - at > REPORT_TTL_MS) continue;
      const e = report.sites.find((x) => x.name === site);
      if (!e) continue;
      out.push({
        publicKey: key, ...(peer?.hostname ? { hostname: peer.hostname } : {}), ...(peer?.meshIp ? { meshIPv4: peer.meshIp } : {}),
        state: e.state, tls: e.tls, ...(e.reason ? { reason: e.reason } : {}), reportedAt: at,
      });
    }
    return out.sort((a, b) => (a.hostname ?? a.publicKey).localeCompare(b.hostname ?? b.publicKey));
  }

  private async applyFirewall(ports: number[]): Promise<void> {
    const list = [...new Set(ports.filter((p) => p > 0))].sort((a, b) => a - b);
    if (list.length === 0) return this.d.firewall.remove();
    await this.d.firewall.apply({ meshInterface: this.d.iface, meshAddresses: this.d.meshAddresses, ports: list });
  }
}

const unknownHealth: HealthCheck = { state: 'unknown' };

function sameSite(a: SiteConfig, b: SiteConfig): boolean {
  return formatTarget(parseTarget(a.target)) === formatTarget(parseTarget(b.target))
    && (b.meshPort === undefined || a.meshPort === b.meshPort);
}
