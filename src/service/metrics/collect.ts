/**
 * What the collectors read, and two helpers that make prom-client metrics whose values are
 * computed at scrape time: a `collect()` callback clears the previous values and sets the
 * current ones, so a peer or site that went away leaves the output with no timer involved.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EdgeState, Peer, SitesResponse, Status } from '../../shared/protocol';
import type { CacheLogTailer } from '../edge/cache-log';

/** The service state the metrics read (ServiceBackend provides it). Read-only. */
export interface MetricsSource {
  status(): Status;
  peers(): Peer[];
  sites(): SitesResponse;
  edge(): Promise<EdgeState>;
}

/** One consistent reading of the service, taken once per scrape. */
export interface ScrapeView {
  status: Status;
  peers: Peer[];
  sites: SitesResponse;
  /** Present while edge mode is on. */
  edge: EdgeState | undefined;
  /** The edge's cache results (polled for this scrape); absent without a cache log. */
  cacheLog: CacheLogTailer | undefined;
  /** Unix milliseconds. */
  now: number;
}

/** Returns this scrape's view, or undefined before a source is attached (then only constants are shown). */
export type ViewFn = () => Promise<ScrapeView | undefined>;

/** The label a peer is shown under: the first 8 characters of its public key (never the whole key). */
export function peerLabel(publicKey: string): string {
  return publicKey.slice(0, 8);
}

interface Spec<T extends string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
}

/** A gauge set by `fill` from the scrape's view on every scrape (nothing is shown without a view). */
export function liveGauge<T extends string>(registry: Registry, view: ViewFn, spec: Spec<T>, fill: (g: Gauge<T>, v: ScrapeView) => void): Gauge<T> {
  return new Gauge<T>({
    ...spec, registers: [registry],
    async collect() {
      this.reset();
      const v = await view();
      if (v) fill(this, v);
      else if (!spec.labelNames?.length) this.remove({});
    },
  });
}

/**
 * A counter whose totals are kept elsewhere (WireGuard, the packet counters, the cache log):
 * `fill` returns the current totals per label set, which replace the previous ones.
 */
export function liveCounter<T extends string>(
  registry: Registry, view: ViewFn, spec: Spec<T>, fill: (v: ScrapeView) => Iterable<[Partial<Record<T, string>>, number]>,
): Counter<T> {
  return new Counter<T>({
    ...spec, registers: [registry],
    async collect() {
      this.reset();
      const v = await view();
      if (!v) {
        if (!spec.labelNames?.length) this.remove({});
        return;
      }
      for (const [labels, total] of fill(v)) this.inc(labels, Math.max(0, total));
    },
  });
}
