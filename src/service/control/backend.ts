/**
 * The port between the control server and the rest of the service. The server validates every
 * request against the shared schemas before calling a method, and validates (and so strips)
 * every result against the response schema before sending it.
 *
 * Contract for implementations:
 * - Throw `ControlError` (shared/protocol) for expected failures (`already-joined`, `not-joined`, `busy`,
 *   `invalid-secret`, `wireguard-unavailable`, …); its message goes to the client verbatim, so
 *   it must be safe to show and must never contain the secret. Any other exception becomes a
 *   generic `internal` error (logged, not sent).
 * - `status()`, `peers()`, `getPrefs()` and `routes()` are cheap, synchronous reads of current state.
 * - `subscribe` listeners are called synchronously, in order, after each state change; the
 *   returned function unsubscribes and is idempotent.
 */
import type {
  DoctorReport, EdgesResponse, LocalServicesResponse, ProbeSiteRequest, ProbeSiteResponse, RevealSecretRequest,
  RevealSecretResponse, VerifyEvent, VerifySiteRequest,
} from '../../shared/protocol';
import type {
  EdgeEnableRequest, EdgeState, ExposeRequest, RemoveSiteRequest, SitesResponse,
  AdvertiseRequest, JoinRequest, LocalNetwork, Peer, Prefs, PrefsPatch, RoutesCheck, RoutesState, Status, WatchEvent,
  WithdrawRequest,
} from '../../shared/protocol';
import type { DiagnosticsMaterial } from '../diagnostics/redact';

/** A watch listener; receives `status` and `peers` events (the server sends the snapshot). */
export type WatchListener = (event: WatchEvent) => void;

/** What the control server needs from the service. */
export interface Backend {
  /** Current state of this node. */
  status(): Status;
  /** Current peers. */
  peers(): Peer[];
  /**
   * Joins the mesh given by `req.secret` (already length-checked and parsed once by the server,
   * `meshSubnet` already canonical). Records the intent and returns the status right after.
   */
  join(req: JoinRequest): Promise<Status>;
  /** Leaves the mesh (forgets the secret, tears the tunnel down); returns the new status. */
  leave(): Promise<Status>;
  /** Current preferences. */
  getPrefs(): Prefs;
  /**
   * Applies a partial update of the preferences (validated) and returns the result. An
   * `interfaceName` the platform refuses or another interface already has is `invalid-interface`,
   * a new `listenPort` taken on this machine `port-in-use`, both with nothing changed. While
   * joined, a new interface or port reconnects on it; if that fails, the previous ones are put
   * back (and rejoined) and the failure is thrown.
   */
  patchPrefs(patch: PrefsPatch): Promise<Prefs>;
  /**
   * LAN routes: advertised here (intent plus observed state), accepted from other nodes (via
   * whom, installed or why not), the `acceptRoutes` pref and, while advertising, forwarding.
   */
  routes(): RoutesState;
  /**
   * Networks this machine is attached to (addresses on interfaces that are up, excluding
   * loopback and the mesh interface), for `routes detect` and the `route-not-local` check.
   */
  detectNetworks(): Promise<LocalNetwork[]>;
  /** Preflight for routing (forwarding, rp_filter, firewall, conflicting routes), each with its fix. */
  checkRoutes(): Promise<RoutesCheck>;
  /**
   * Adds prefixes to the advertised routes, persists the intent, and reconciles; returns the
   * state right after (entries may still be `pending`). `req.prefixes` arrive canonical and
   * deduplicated (the server ran `parseAdvertisedPrefix` on each). Re-advertising a prefix
   * updates its masquerade (default true). With `auto`, advertises what detection proposes.
   * Throws `route-overlaps-mesh` when a prefix overlaps the mesh subnet, `route-not-local` when
   * it overlaps none of {@link detectNetworks} and `force` is not set (also for `auto` when
   * nothing is detected); nothing is changed when any prefix is refused.
   */
  advertiseRoutes(req: AdvertiseRequest): Promise<RoutesState>;
  /**
   * Removes prefixes (canonical, as for advertise) or, with `all`, every advertised route;
   * persists and reconciles, restoring forwarding and rules once nothing is advertised.
   * Throws `not-advertised` (nothing changed) when a named prefix is not advertised.
   */
  withdrawRoutes(req: WithdrawRequest): Promise<RoutesState>;
  /** Sites this node exposes, with local health and the edges' reports. */
  sites(): SitesResponse;
  /**
   * Adds a site or replaces the one with the same name (values checked with shared/sites.ts:
   * `invalid-site`), starts its mesh-side listener when joined (`port-in-use` if it cannot;
   * nothing changed) and announces it. A target that does not answer is still added (unhealthy).
   */
  exposeSite(req: ExposeRequest): Promise<SitesResponse>;
  /** Removes a site (`site-not-found` when there is none by that name); edges drop it at once. */
  removeSite(req: RemoveSiteRequest): Promise<SitesResponse>;
  /** Edge mode: settings, nginx, the last config applied, the sites served. */
  edge(): Promise<EdgeState>;
  /** Turns edge mode on (or updates its settings); `nginx-unavailable` when nginx is missing. */
  enableEdge(req: EdgeEnableRequest): Promise<EdgeState>;
  /** Turns edge mode off and removes everything it put into nginx. */
  disableEdge(): Promise<EdgeState>;
  /**
   * Installation checks (`cloudroof doctor`): WireGuard, programs, state dir and secret modes,
   * interface and port, routes preflight, edge, sites, clock skew; each finding with its fix.
   * Read-only; `ok` is false when any finding is an error.
   */
  doctor(): Promise<DoctorReport>;
  /**
   * Material of a bug report (`GET /v1/diagnostics`; diagnostics/collect.ts): state, device,
   * logs, command outputs, and what redaction needs (the secrets, the known public keys). It is
   * unredacted; the handler passes it through diagnostics/redact.ts before anything is sent.
   */
  diagnostics(): Promise<DiagnosticsMaterial>;
  /**
   * Listening TCP sockets of this machine with their process names, for the exposure wizard
   * (`GET /v1/local-services`); the service's own and mesh-only sockets left out.
   */
  localServices(): Promise<LocalServicesResponse>;
  /** Checks once that a target answers HTTP (`POST /v1/sites/probe`); `invalid-site` for a bad target. */
  probeSite(req: ProbeSiteRequest): Promise<ProbeSiteResponse>;
  /** The edges of the mesh from their capability reports (`GET /v1/edges`). */
  edges(): Promise<EdgesResponse>;
  /**
   * Verifies an exposed site through its edges (`POST /v1/sites/verify`), calling `emit` per
   * progress line and once with `done`; stops early when `signal` aborts (the client left).
   * `site-not-found`, `not-joined`, `invalid-site` (a path) and `edge-not-found` (no edge
   * reported on the site, or a named one is unknown) before anything is emitted.
   */
  verifySite(req: VerifySiteRequest, emit: (event: VerifyEvent) => void, signal: AbortSignal): Promise<void>;
  /** The stored mesh secret (`POST /v1/secret/reveal`); `not-joined` when none is stored. */
  revealSecret(req: RevealSecretRequest): Promise<RevealSecretResponse>;
  /** Registers a listener for state changes; returns the unsubscribe function. */
  subscribe(listener: WatchListener): () => void;
}
