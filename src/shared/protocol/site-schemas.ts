/**
 * Bodies of the site endpoints (issue 5): `/v1/sites…` on an origin (what it exposes, local
 * health, which edges serve each site) and `/v1/edge…` on an edge (edge mode, the sites it
 * serves, nginx and certificate state). Requests are strict and only length-checked here; the
 * service canonicalises every value with shared/sites.ts and answers `invalid-site` with its
 * message. Responses are lenient (and stripped of undeclared members).
 */
import { z } from 'zod';
import { MAX_SITE_HOSTNAMES } from '../sites';

const Text = (max: number) => z.string().min(1).max(max);

/** Body of POST /v1/sites/expose: add a site, or replace the one with the same name. */
export const ExposeRequest = z.strictObject({
  name: Text(64),
  target: Text(300),
  hostnames: z.array(Text(300)).min(1).max(MAX_SITE_HOSTNAMES),
  healthPath: Text(300).optional(),
  healthIntervalS: z.number().int().optional(),
});
/** Body of POST /v1/sites/expose. */
export type ExposeRequest = z.infer<typeof ExposeRequest>;

/** Body of POST /v1/sites/remove. */
export const RemoveSiteRequest = z.strictObject({ name: Text(64) });
/** Body of POST /v1/sites/remove. */
export type RemoveSiteRequest = z.infer<typeof RemoveSiteRequest>;

/** A site as persisted in the prefs (intent), values canonical. */
export const SiteConfig = z.object({
  name: z.string(),
  /** `scheme://host:port` of the local service. */
  target: z.string(),
  hostnames: z.array(z.string()),
  healthPath: z.string(),
  healthIntervalS: z.number().int(),
  /** The port the site is offered on at this node's mesh addresses (kept stable). */
  meshPort: z.number().int().optional(),
});
/** A site as persisted. */
export type SiteConfig = z.infer<typeof SiteConfig>;

/** Result of one health check. */
export const HealthCheck = z.object({
  state: z.enum(['healthy', 'unhealthy', 'unknown']),
  /** HTTP status of the last answer. */
  status: z.number().int().optional(),
  latencyMs: z.number().nonnegative().optional(),
  /** Why it is unhealthy, safe to show (e.g. `connection refused`). */
  error: z.string().optional(),
  /** Unix milliseconds. */
  checkedAt: z.number().optional(),
});
/** Result of one health check. */
export type HealthCheck = z.infer<typeof HealthCheck>;

/** How an edge that reported on a site is doing with it. */
export const SiteEdgeState = z.enum(['serving', 'unreachable', 'conflict', 'config-error', 'no-certificate']);
/** How an edge is doing with a site. */
export type SiteEdgeState = z.infer<typeof SiteEdgeState>;

/** One edge's report on one of our sites. */
export const SiteEdge = z.object({
  publicKey: z.string(),
  hostname: z.string().optional(),
  meshIPv4: z.string().optional(),
  state: SiteEdgeState,
  /** HTTPS available on the edge for every hostname of the site. */
  tls: z.boolean(),
  reason: z.string().optional(),
  /** Unix milliseconds. */
  reportedAt: z.number(),
});
/** One edge's report on one of our sites. */
export type SiteEdge = z.infer<typeof SiteEdge>;

/** A site this node exposes, with what the service observed. */
export const ExposedSite = SiteConfig.extend({
  /** Whether the mesh-side listener is up. */
  forwarding: z.object({ state: z.enum(['active', 'pending', 'error']), error: z.string().optional() }),
  health: HealthCheck,
  edges: z.array(SiteEdge),
  /** Public URLs that work now (served with TLS by at least one edge). */
  publicUrls: z.array(z.string()),
});
/** A site this node exposes. */
export type ExposedSite = z.infer<typeof ExposedSite>;

/** Body of GET /v1/sites (and of expose/remove). */
export const SitesResponse = z.object({ sites: z.array(ExposedSite) });
/** Body of GET /v1/sites. */
export type SitesResponse = z.infer<typeof SitesResponse>;

/** Edge settings (intent; defaults filled in by the service). */
export const EdgeSettings = z.object({
  certDir: z.string(),
  cacheSize: z.string(),
  maxBody: z.string(),
  httpPort: z.number().int(),
  httpsPort: z.number().int(),
});
/** Edge settings. */
export type EdgeSettings = z.infer<typeof EdgeSettings>;

/** Body of POST /v1/edge/enable; omitted members keep their current value or the default. */
export const EdgeEnableRequest = z.strictObject({
  certDir: Text(1024).optional(),
  cacheSize: Text(16).optional(),
  maxBody: Text(16).optional(),
  httpPort: z.number().int().min(1).max(65535).optional(),
  httpsPort: z.number().int().min(1).max(65535).optional(),
});
/** Body of POST /v1/edge/enable. */
export type EdgeEnableRequest = z.infer<typeof EdgeEnableRequest>;

/** Body of POST /v1/edge/disable (empty). */
export const EdgeDisableRequest = z.strictObject({});
/** Body of POST /v1/edge/disable. */
export type EdgeDisableRequest = z.infer<typeof EdgeDisableRequest>;

/** One origin of a site served by this edge. */
export const EdgeOrigin = z.object({
  publicKey: z.string(),
  hostname: z.string().optional(),
  meshIPv4: z.string(),
  port: z.number().int(),
  scheme: z.enum(['http', 'https']),
  /** The edge's own check of the origin over the mesh. */
  health: HealthCheck,
});
/** One origin of a served site. */
export type EdgeOrigin = z.infer<typeof EdgeOrigin>;

/** One public hostname this edge serves (or would, but for `conflict`). */
export const EdgeSite = z.object({
  hostname: z.string(),
  /** The site name the origins announce. */
  site: z.string(),
  origins: z.array(EdgeOrigin),
  tls: z.enum(['ok', 'missing']),
  /** Where the certificate is (or is expected). */
  certPath: z.string(),
  /** Another origin claims the hostname under a different site name; not served by this claim. */
  conflict: z.string().optional(),
});
/** One hostname this edge serves. */
export type EdgeSite = z.infer<typeof EdgeSite>;

/** State of an edge's nginx configuration: none (`off`), being applied, applied, or refused. */
export const EdgeConfigState = z.enum(['off', 'pending', 'applied', 'failed']);
/** State of an edge's nginx configuration. */
export type EdgeConfigState = z.infer<typeof EdgeConfigState>;

/** Body of GET /v1/edge (and of enable/disable). */
export const EdgeState = z.object({
  enabled: z.boolean(),
  settings: EdgeSettings.optional(),
  nginx: z.object({
    available: z.boolean(),
    version: z.string().optional(),
    running: z.boolean(),
    /** Why nginx cannot be used, with how to fix it. */
    error: z.string().optional(),
  }),
  config: z.object({
    state: EdgeConfigState,
    /** Unix milliseconds of the last config nginx accepted and reloaded. */
    appliedAt: z.number().optional(),
    /** Why the last render was refused (the previous config keeps serving). */
    lastError: z.string().optional(),
    lastAttemptAt: z.number().optional(),
  }),
  sites: z.array(EdgeSite),
  cache: z.object({ usedBytes: z.number().nonnegative(), maxSize: z.string() }).optional(),
});
/** Body of GET /v1/edge. */
export type EdgeState = z.infer<typeof EdgeState>;
