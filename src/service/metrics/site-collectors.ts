/**
 * The sites' metrics, read at scrape time. Origin side: exposed sites by forwarding state, each
 * site's local health and how many edges serve it. Edge side: whether edge mode is on, whether
 * the last config applied, each origin's health as the edge checks it, and the cache results
 * from the cache log. Health that has not been checked yet is left out rather than shown as 0.
 */
import type { Registry } from 'prom-client';
import type { HealthCheck } from '../../shared/protocol';
import { CACHE_STATUSES } from '../edge/cache-log';
import { liveCounter, liveGauge, peerLabel, type ViewFn } from './collect';

const FORWARDING_STATES = ['active', 'pending', 'error'] as const;

/** 1 healthy, 0 unhealthy, undefined not checked yet. */
function up(h: HealthCheck): number | undefined {
  return h.state === 'healthy' ? 1 : h.state === 'unhealthy' ? 0 : undefined;
}

/** Registers the site and edge collectors on `registry`. */
export function registerSiteCollectors(registry: Registry, view: ViewFn): void {
  liveGauge(registry, view, { name: 'cloudroof_sites', help: 'Sites exposed by this node, by the state of their mesh-side forwarder.', labelNames: ['state'] }, (g, v) => {
    for (const state of FORWARDING_STATES) g.set({ state }, v.sites.sites.filter((s) => s.forwarding.state === state).length);
  });
  liveGauge(registry, view, { name: 'cloudroof_site_healthy', help: 'Local health check of each exposed site: 1 healthy, 0 unhealthy (absent until checked).', labelNames: ['site'] }, (g, v) => {
    for (const s of v.sites.sites) {
      const value = up(s.health);
      if (value !== undefined) g.set({ site: s.name }, value);
    }
  });
  liveGauge(registry, view, { name: 'cloudroof_site_edges_serving', help: 'Edges that report serving each exposed site.', labelNames: ['site'] }, (g, v) => {
    for (const s of v.sites.sites) g.set({ site: s.name }, s.edges.filter((e) => e.state === 'serving').length);
  });
  registerEdgeCollectors(registry, view);
}

function registerEdgeCollectors(registry: Registry, view: ViewFn): void {
  liveGauge(registry, view, { name: 'cloudroof_edge_enabled', help: '1 while edge mode is on.' }, (g, v) => g.set(v.edge ? 1 : 0));
  liveGauge(registry, view, { name: 'cloudroof_edge_config_ok', help: 'Edge mode: 1 when nginx accepted the last config, 0 when it was refused or is pending (absent when edge mode is off).' }, (g, v) => {
    if (v.edge) g.set(v.edge.config.state === 'applied' ? 1 : 0);
    else g.remove({});
  });
  liveGauge(registry, view, { name: 'cloudroof_edge_origin_up', help: 'Edge mode: the edge\'s check of each origin of each hostname, 1 up, 0 down (absent until checked).', labelNames: ['hostname', 'origin'] }, (g, v) => {
    for (const site of v.edge?.sites ?? []) {
      if (site.conflict) continue;
      for (const o of site.origins) {
        const value = up(o.health);
        if (value !== undefined) g.set({ hostname: site.hostname, origin: o.hostname || peerLabel(o.publicKey) }, value);
      }
    }
  });
  liveCounter(registry, view, { name: 'cloudroof_edge_cache_requests_total', help: 'Edge requests by cache result (nginx $upstream_cache_status; none: the cache was not consulted).', labelNames: ['status'] },
    (v) => (v.cacheLog ? CACHE_STATUSES.map((status) => [{ status }, v.cacheLog?.counts()[status] ?? 0]) : []));
  liveGauge(registry, view, { name: 'cloudroof_edge_cache_hit_ratio', help: 'Share of cache lookups answered from the cache (hit, stale, updating, revalidated) since start; NaN before any.' }, (g, v) => {
    if (v.cacheLog) g.set(v.cacheLog.hitRatio());
    else g.remove({});
  });
}
