/**
 * The service's Prometheus registry (prom-client), built once at start-up when `--metrics` is
 * given. Most values are read from the service at scrape time (collect() callbacks, no timers);
 * three are recorded as they happen through {@link ServiceMetrics.hooks}: peer-store updates by
 * discovery layer, the duration of each reconcile pass and NAT traversal attempts/successes.
 *
 * Lifecycle: construct → pass `hooks` to the backend → `attach(backend)` → `render()` per
 * scrape. Before `attach` only the constant metrics are shown. Nothing here exposes the mesh
 * secret, a private key or a whole public key (peers are labelled with 8 key characters).
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { ConnectionObservers } from '../backend/connection';
import type { Clock } from '../clock';
import type { CacheLogTailer } from '../edge/cache-log';
import type { MetricsSource, ScrapeView } from './collect';
import { registerMeshCollectors } from './mesh-collectors';
import { registerSiteCollectors } from './site-collectors';

export type { MetricsSource } from './collect';

/** Reconcile passes take milliseconds normally (one UAPI get and maybe a set), seconds when stuck. */
const RECONCILE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Options of {@link ServiceMetrics}. */
export interface ServiceMetricsOptions {
  version: string;
  clock: Clock;
  /** The edge's cache log; polled on each scrape and handed to the edge through `hooks`. */
  cacheLog?: CacheLogTailer;
}

/** The registry and its hooks; see the module comment for the lifecycle. */
export class ServiceMetrics {
  /** The prom-client registry (only this service's metrics; no process defaults). */
  readonly registry = new Registry();
  /** What the backend calls as things happen (pass as ServiceBackendOptions.metrics). */
  readonly hooks: ConnectionObservers;
  private source: MetricsSource | undefined;
  /** This scrape's reading, shared by every collector of one render(). */
  private current: Promise<ScrapeView | undefined> | undefined;

  constructor(private readonly o: ServiceMetricsOptions) {
    const view = (): Promise<ScrapeView | undefined> => this.current ?? this.read();
    registerMeshCollectors(this.registry, view, o.version);
    const discovery = new Counter({
      name: 'cloudroof_discovery_events_total', help: 'Peers discovered or refreshed, by the discovery layer that reported them.',
      labelNames: ['layer'], registers: [this.registry],
    });
    const reconcile = new Histogram({
      name: 'cloudroof_reconcile_duration_seconds', help: 'Duration of each WireGuard peer reconcile pass.',
      buckets: RECONCILE_BUCKETS, registers: [this.registry],
    });
    const traversal = new Counter({
      name: 'cloudroof_nat_traversal_total', help: 'NAT traversal: attempts and successes (a new WireGuard handshake), by path (direct punch, rendezvous, offers sent).',
      labelNames: ['method', 'outcome'], registers: [this.registry],
    });
    registerSiteCollectors(this.registry, view);
    this.hooks = {
      onDiscovery: (method) => discovery.inc({ layer: method }),
      onReconciled: (seconds) => reconcile.observe(seconds),
      onNatTraversal: (method, outcome) => traversal.inc({ method, outcome }),
      ...(o.cacheLog ? { cacheLog: o.cacheLog } : {}),
    };
  }

  /** Content-Type of {@link render}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Where the scrape-time values come from (the backend, once it exists). */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  /** The metrics in Prometheus text format, read now. */
  async render(): Promise<string> {
    const reading = this.read();
    this.current = reading;
    try {
      return await this.registry.metrics();
    } finally {
      if (this.current === reading) this.current = undefined;
    }
  }

  private async read(): Promise<ScrapeView | undefined> {
    const src = this.source;
    if (!src) return undefined;
    await this.o.cacheLog?.poll();
    const status = src.status();
    // Only in edge mode: otherwise edge() would probe nginx (a process) just for a 0.
    const edge = status.sites?.edge ? await src.edge().catch(() => undefined) : undefined;
    return { status, peers: src.peers(), sites: src.sites(), edge, cacheLog: this.o.cacheLog, now: this.o.clock.now() };
  }
}
