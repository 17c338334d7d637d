/**
 * Bodies of the control API (main/CLI/web ↔ cloudroofd), as zod schemas with inferred types.
 *
 * Request schemas are strict (unknown members are rejected: the service allow-lists what it
 * accepts). Response schemas are not strict, so an older client tolerates members a newer
 * service adds; parsing with them also strips anything not declared, which is how the service
 * makes sure nothing undeclared (such as the mesh secret) ever leaves it.
 */
import { z } from 'zod';
import { DiscoverySettings } from '../discovery';
import { AdvertisedRouteConfig, RoutesSummary } from './route-schemas';

/** Version of the control contract; bumped on incompatible changes (paths move to /v2). */
export const PROTOCOL_VERSION = 1;

/** Observed tunnel state (the service's view), as opposed to the `wantConnected` intent. */
export const TunnelState = z.enum(['disconnected', 'connecting', 'connected', 'error']);
/** Observed tunnel state. */
export type TunnelState = z.infer<typeof TunnelState>;

/** A code/message pair describing the last failure. */
export const ErrorInfo = z.object({ code: z.string(), message: z.string() });
/** A code/message pair. */
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/** Receive-pipeline counters: messages received, accepted, and dropped per reason. */
export const Counters = z.object({
  received: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  dropped: z.record(z.string(), z.number().int().nonnegative()),
});
/** Receive-pipeline counters. */
export type Counters = z.infer<typeof Counters>;

/** Discovery beyond the LAN as the service sees it (issue 3). */
export const DiscoveryStatus = z.object({
  lan: z.boolean(),
  /** Absent when the DHT is off. */
  dht: z.object({
    state: z.enum(['off', 'bootstrapping', 'ready', 'failed']),
    nodes: z.number().int().nonnegative(),
    port: z.number().int().optional(),
    /** Unix milliseconds. */
    lastAnnounceAt: z.number().optional(),
    lastAnnounceOk: z.boolean().optional(),
    lastQueryAt: z.number().optional(),
    peersFound: z.number().int().nonnegative(),
    error: z.string().optional(),
  }).optional(),
  /** How the endpoint was found: a public IPv6 address on an interface, STUN, or not yet. */
  endpointSource: z.enum(['ipv6', 'stun', 'none']),
  /** Why STUN gave nothing, if it did not. */
  stunError: z.string().optional(),
  introducer: z.boolean(),
  gossip: z.boolean(),
  punching: z.boolean(),
});
/** Discovery state. */
export type DiscoveryStatus = z.infer<typeof DiscoveryStatus>;

/** This node's state: intent, observation and identity. Never contains the mesh secret. */
export const Status = z.object({
  version: z.string(),
  protocolVersion: z.number().int(),
  tunnelState: TunnelState,
  wantConnected: z.boolean(),
  lastError: ErrorInfo.optional(),
  interface: z.string(),
  publicKey: z.string().optional(),
  meshIPv4: z.string().optional(),
  meshIPv6: z.string().optional(),
  meshSubnet: z.string().optional(),
  listenPort: z.number().int().optional(),
  gossipPort: z.number().int().optional(),
  networkId: z.string().optional(),
  endpoint: z.string().optional(),
  natType: z.string().optional(),
  discovery: DiscoveryStatus.optional(),
  peerCount: z.number().int().nonnegative(),
  hostname: z.string(),
  /** Unix milliseconds. */
  startedAt: z.number(),
  counters: Counters,
  /** Child processes the service has started since it began (ip, wg, wireguard-go…). */
  processesSpawned: z.number().int().nonnegative().optional(),
  /** LAN routes: advertised here, accepted from others, accepted but not installed (conflicts). */
  routes: RoutesSummary.optional(),
  /** Sites (issue 5): exposed here and live through an edge; hostnames served in edge mode. */
  sites: z.object({
    exposed: z.number().int().nonnegative(),
    live: z.number().int().nonnegative(),
    edge: z.object({ hostnames: z.number().int().nonnegative(), config: z.string() }).optional(),
  }).optional(),
});
/** This node's state. */
export type Status = z.infer<typeof Status>;

/** How traffic reaches a peer. */
export const PeerPath = z.enum(['direct', 'direct-lan', 'relay', 'none']);
/** How traffic reaches a peer. */
export type PeerPath = z.infer<typeof PeerPath>;

/** One mesh peer as the service sees it (WireGuard vocabulary, camelCased from UAPI). */
export const Peer = z.object({
  publicKey: z.string(),
  hostname: z.string().optional(),
  meshIPv4: z.string(),
  meshIPv6: z.string().optional(),
  endpoint: z.string().optional(),
  /** Unix milliseconds, or null before the first handshake. */
  lastHandshakeTime: z.number().nullable(),
  rxBytes: z.number().nonnegative(),
  txBytes: z.number().nonnegative(),
  discoveredVia: z.array(z.string()),
  path: PeerPath,
  relayVia: z.string().optional(),
  /** Unix milliseconds. */
  lastSeen: z.number(),
  natType: z.string().optional(),
  routableNetworks: z.array(z.string()).optional(),
  latencyMs: z.number().nonnegative().optional(),
});
/** One mesh peer. */
export type Peer = z.infer<typeof Peer>;

/** Body of GET /v1/peers. */
export const PeersResponse = z.object({ peers: z.array(Peer) });
/** Body of GET /v1/peers. */
export type PeersResponse = z.infer<typeof PeersResponse>;

/**
 * Body of POST /v1/join. `secret` is the token or raw secret as the user gave it (the service
 * parses it); `switch` allows replacing a mesh this node is already in.
 */
export const JoinRequest = z.strictObject({
  secret: z.string().min(1).max(4096),
  /** Discovery settings for this mesh; absent = keep the stored ones (defaults on first join). */
  discovery: DiscoverySettings.optional(),
  meshSubnet: z.string().max(64).optional(),
  switch: z.boolean().optional(),
});
/** Body of POST /v1/join. */
export type JoinRequest = z.infer<typeof JoinRequest>;

/** Body of POST /v1/leave (empty object; an empty body is accepted too). */
export const LeaveRequest = z.strictObject({});
/** Body of POST /v1/leave. */
export type LeaveRequest = z.infer<typeof LeaveRequest>;

/** Log verbosity of the service. */
export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);
/** Log verbosity of the service. */
export type LogLevel = z.infer<typeof LogLevel>;

/** Persisted user intent (what the service reconciles towards). */
export const Prefs = z.object({
  wantConnected: z.boolean(),
  meshSubnet: z.string().max(64).optional(),
  logLevel: LogLevel,
  /** LAN routes this node advertises (changed through /v1/routes/advertise and withdraw). */
  advertiseRoutes: z.array(AdvertisedRouteConfig).default([]),
  /** Install the routes other nodes advertise. */
  acceptRoutes: z.boolean().default(true),
  /** WireGuard interface to use; absent = the service's `--interface` (default cloudroof0). */
  interfaceName: z.string().optional(),
  /** WireGuard UDP port; absent = the service's `--listen-port` (default 51820, or the next free one). */
  listenPort: z.number().int().optional(),
});
/** Persisted user intent. */
export type Prefs = z.infer<typeof Prefs>;

/**
 * Body of PATCH /v1/prefs: any subset of {@link Prefs} except `advertiseRoutes` (which goes
 * through the routes endpoints, so each prefix is checked against this machine's networks);
 * unknown members are rejected. Spelled out rather than `Prefs.partial()`, which would fill in
 * the defaults and so reset members the patch does not mention.
 */
export const PrefsPatch = z.strictObject({
  wantConnected: z.boolean().optional(),
  meshSubnet: z.string().max(64).optional(),
  logLevel: LogLevel.optional(),
  acceptRoutes: z.boolean().optional(),
  /**
   * Interface name (checked by the service against the platform's rules: ≤ 15 characters of
   * `a-z A-Z 0-9 _ . -` on Linux, `utunN` on macOS). A change while joined reconnects.
   */
  interfaceName: z.string().min(1).max(15).optional(),
  /** WireGuard UDP port; `port-in-use` when taken (nothing changed). A change while joined reconnects. */
  listenPort: z.number().int().min(1).max(65535).optional(),
});
/** Body of PATCH /v1/prefs. */
export type PrefsPatch = z.infer<typeof PrefsPatch>;

/** Body of GET /v1/version. */
export const VersionInfo = z.object({ version: z.string(), protocolVersion: z.number().int() });
/** Body of GET /v1/version. */
export type VersionInfo = z.infer<typeof VersionInfo>;

/**
 * One line of the GET /v1/watch NDJSON stream. The first line is always a `snapshot`; later
 * lines carry whatever changed (a full Status, or the full peer list).
 */
export const WatchEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot'), status: Status, peers: z.array(Peer) }),
  z.object({ type: z.literal('status'), status: Status }),
  z.object({ type: z.literal('peers'), peers: z.array(Peer) }),
]);
/** One line of the watch stream. */
export type WatchEvent = z.infer<typeof WatchEvent>;
