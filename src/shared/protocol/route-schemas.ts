/**
 * Bodies of the LAN route endpoints (`/v1/routes…`): routes this node advertises to the mesh,
 * routes it accepts from others, local network detection and the preflight check. Same rules
 * as schemas.ts: requests strict, responses lenient (and stripped of undeclared members).
 *
 * Prefix strings in requests are only length-checked here; the service canonicalises each
 * with `parseAdvertisedPrefix` (shared/routes.ts) and answers `invalid-route` with its message.
 */
import { z } from 'zod';

const Prefix = z.string().min(1).max(64);
/** Most prefixes one advertise/withdraw request may carry. */
export const MAX_ROUTES_PER_REQUEST = 100;

/** One advertised route as persisted in the prefs (intent). */
export const AdvertisedRouteConfig = z.object({
  prefix: z.string(),
  /** Source-NAT mesh traffic to the LAN address, so LAN devices need no return route. */
  masquerade: z.boolean(),
});
/** One advertised route (intent). */
export type AdvertisedRouteConfig = z.infer<typeof AdvertisedRouteConfig>;

/** Observed state of an advertised route on this node. */
export const AdvertisedRouteState = z.enum(['active', 'pending', 'error']);
/** Observed state of an advertised route. */
export type AdvertisedRouteState = z.infer<typeof AdvertisedRouteState>;

/** A route this node advertises, with what the service observed applying it. */
export const AdvertisedRoute = AdvertisedRouteConfig.extend({
  /** The local interface the prefix is reached through, once known. */
  lanInterface: z.string().optional(),
  state: AdvertisedRouteState,
  /** Why `state` is `error`, safe to show. */
  error: z.string().optional(),
});
/** A route this node advertises. */
export type AdvertisedRoute = z.infer<typeof AdvertisedRoute>;

/** A mesh peer named in route state. */
export const RoutePeer = z.object({ publicKey: z.string(), hostname: z.string().optional() });
/** A mesh peer named in route state. */
export type RoutePeer = z.infer<typeof RoutePeer>;

/**
 * A prefix other nodes advertise. `via` is the advertiser chosen (deterministically) to carry
 * it; `standby` the others, in failover order. `installed` says whether the kernel route
 * through the mesh interface is in place; `conflict` why it is not (e.g. it overlaps a network
 * this node is attached to, or accepting routes is off).
 */
export const AcceptedRoute = z.object({
  prefix: z.string(),
  via: RoutePeer.extend({ meshIPv4: z.string() }),
  installed: z.boolean(),
  conflict: z.string().optional(),
  standby: z.array(RoutePeer),
});
/** A prefix other nodes advertise. */
export type AcceptedRoute = z.infer<typeof AcceptedRoute>;

/** Body of GET /v1/routes (and of advertise/withdraw responses). */
export const RoutesState = z.object({
  /** Whether routes advertised by others are installed (the `acceptRoutes` pref). */
  acceptRoutes: z.boolean(),
  advertised: z.array(AdvertisedRoute),
  accepted: z.array(AcceptedRoute),
  /** Whether IP forwarding is on, when this node advertises anything. */
  forwarding: z.object({ ipv4: z.boolean(), ipv6: z.boolean() }).optional(),
});
/** Body of GET /v1/routes. */
export type RoutesState = z.infer<typeof RoutesState>;

/** Counts of route state for the Status body. */
export const RoutesSummary = z.object({
  advertised: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  /** Accepted prefixes not installed because of a conflict. */
  conflicts: z.number().int().nonnegative(),
});
/** Counts of route state. */
export type RoutesSummary = z.infer<typeof RoutesSummary>;

/** A network this machine is attached to (an address on an interface). */
export const LocalNetwork = z.object({
  iface: z.string(),
  /** The interface's address, e.g. `192.168.1.23`. */
  address: z.string(),
  /** The network it is in, canonical, e.g. `192.168.1.0/24`. */
  cidr: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  /** The default route of this family leaves through this interface. */
  defaultRoute: z.boolean(),
});
/** A network this machine is attached to. */
export type LocalNetwork = z.infer<typeof LocalNetwork>;

/** Body of GET /v1/routes/detect. */
export const DetectResponse = z.object({ networks: z.array(LocalNetwork) });
/** Body of GET /v1/routes/detect. */
export type DetectResponse = z.infer<typeof DetectResponse>;

/** Severity of a preflight finding: `error` breaks routing, `warning` may. */
export const FindingSeverity = z.enum(['error', 'warning']);
/** Severity of a preflight finding. */
export type FindingSeverity = z.infer<typeof FindingSeverity>;

/** One preflight problem, with the fix to apply (a command or an instruction). */
export const Finding = z.object({
  /** Stable kebab-case id, e.g. `ip-forwarding-off`, `rp-filter-strict`. */
  id: z.string(),
  severity: FindingSeverity,
  message: z.string(),
  fix: z.string(),
});
/** One preflight problem. */
export type Finding = z.infer<typeof Finding>;

/** Body of GET /v1/routes/check; `ok` is false when any finding is an error. */
export const RoutesCheck = z.object({ ok: z.boolean(), findings: z.array(Finding) });
/** Body of GET /v1/routes/check. */
export type RoutesCheck = z.infer<typeof RoutesCheck>;

/**
 * Body of POST /v1/routes/advertise: either `prefixes` (non-empty) or `auto: true` (the
 * networks detection proposes), not both. `masquerade` defaults to true; `force` skips the
 * check that each prefix overlaps one of this machine's networks. Advertising a prefix again
 * updates its `masquerade`.
 */
export const AdvertiseRequest = z.strictObject({
  prefixes: z.array(Prefix).max(MAX_ROUTES_PER_REQUEST).default([]),
  auto: z.boolean().optional(),
  masquerade: z.boolean().optional(),
  force: z.boolean().optional(),
}).refine((r) => (r.prefixes.length > 0) !== (r.auto === true), {
  path: ['prefixes'],
  message: 'give either prefixes or auto: true',
});
/** Body of POST /v1/routes/advertise. */
export type AdvertiseRequest = z.infer<typeof AdvertiseRequest>;

/** Body of POST /v1/routes/withdraw: either `prefixes` (non-empty) or `all: true`. */
export const WithdrawRequest = z.strictObject({
  prefixes: z.array(Prefix).max(MAX_ROUTES_PER_REQUEST).optional(),
  all: z.boolean().optional(),
}).refine((r) => ((r.prefixes?.length ?? 0) > 0) !== (r.all === true), {
  path: ['prefixes'],
  message: 'give either prefixes or all: true',
});
/** Body of POST /v1/routes/withdraw. */
export type WithdrawRequest = z.infer<typeof WithdrawRequest>;
