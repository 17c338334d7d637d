/**
 * An in-memory {@link Backend} for tests of the control server, the CLI and clients: it joins
 * instantly, never touches the system, and lets a test push state changes and failures.
 * It keeps the secret it was given (as a real backend does) so tests can prove it never leaks.
 */
import {
  ControlError, PROTOCOL_VERSION,
  type AcceptedRoute, type AdvertiseRequest, type JoinRequest, type LocalNetwork, type Peer, type Prefs, type PrefsPatch,
  type RoutesCheck, type RoutesState, type RoutesSummary, type Status, type WatchEvent, type WithdrawRequest,
  type EdgeEnableRequest, type EdgeState, type ExposedSite, type ExposeRequest, type RemoveSiteRequest, type SitesResponse,
} from '../../shared/protocol';
import type { DoctorReport } from '../../shared/protocol';
import { formatTarget, parseHealthPath, parseHostnames, parseSiteName, parseTarget, SiteInputError } from '../../shared/sites';
import { cidrOverlaps } from '../../shared/routes';
import { collectDiagnostics } from '../diagnostics/collect';
import type { DiagnosticsMaterial } from '../diagnostics/redact';
import type { CommandRunner } from '../engine/exec';
import { FakeCommandRunner } from '../engine/fake';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { LogBuffer } from '../log-buffer';
import type {
  EdgesResponse, LocalService, LocalServicesResponse, ProbeSiteRequest, ProbeSiteResponse, RevealSecretRequest, RevealSecretResponse,
  VerifyEvent, VerifySiteRequest,
} from '../../shared/protocol';
import type { Backend, WatchListener } from './backend';
import { FakeVerify } from './fake-verify';
import { isCanonicalToken } from '../../shared/mesh/secret';
import { checkFakeInterfacePatch, defaultFakeLocalServices, fakeProbe, type FakeProbeAnswer } from './fake-local';

/** Public key the fake reports for this node. */
export const FAKE_PUBLIC_KEY = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';

/** Options of {@link FakeBackend}. */
export interface FakeBackendOptions {
  version?: string;
  hostname?: string;
  /** Unix ms reported as `startedAt`. */
  now?: number;
}

/** A scriptable in-memory backend. */
export class FakeBackend implements Backend {
  private current: Status;
  private peerList: Peer[] = [];
  private prefs: Prefs = { wantConnected: false, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true };
  private acceptedList: AcceptedRoute[] = [];
  private siteList: ExposedSite[] = [];
  private edgeState: EdgeState = { enabled: false, nginx: { available: true, version: '1.22.1', running: false }, config: { state: 'off' }, sites: [] };
  private secret: string | undefined;
  private readonly listeners = new Set<WatchListener>();
  /** When set, the next backend action throws it (then it is cleared). */
  nextError: Error | undefined;
  /** What `edges` answers and how `verifySite` streams (scriptable). */
  readonly verify = new FakeVerify();
  /** Options of the last join (without the secret). */
  lastJoin: Omit<JoinRequest, 'secret'> | undefined;
  /** What `detectNetworks` reports (a home LAN on eth0, IPv4 and IPv6, by default). */
  localNetworks: LocalNetwork[] = [
    { iface: 'eth0', address: '192.168.1.23', cidr: '192.168.1.0/24', family: 4, defaultRoute: true },
    { iface: 'eth0', address: 'fd00:1::23', cidr: 'fd00:1::/64', family: 6, defaultRoute: true },
  ];
  /** What `checkRoutes` answers. */
  checkResult: RoutesCheck = { ok: true, findings: [] };
  /** Answers the diagnostics' commands (`ip -d addr`…); unscripted ones print nothing. */
  diagnosticsRunner: CommandRunner = new FakeCommandRunner();
  /** The WireGuard device the diagnostics report, keys and all (absent: no device). */
  deviceState: DeviceState | undefined;
  /** Recent log entries for the diagnostics' logs.txt. */
  logs: LogBuffer | undefined;
  /** What `doctor` answers. */
  doctorResult: DoctorReport = { ok: true, findings: [], checked: ['wireguard', 'state-dir', 'mesh'] };
  /** What `localServices` lists (see fake-local.ts for the default). */
  localServiceList: LocalService[] = defaultFakeLocalServices();
  /** Probe answers by canonical target; other targets answer 200 on a listed port, else refused. */
  probeResults: Record<string, FakeProbeAnswer> = {};
  /** Every probe request, in order. */
  readonly probeRequests: ProbeSiteRequest[] = [];
  /** UDP ports a `listenPort` patch is refused for (`port-in-use`). */
  takenPorts = new Set<number>();
  /** How often the secret was revealed. */
  reveals = 0;

  constructor(opts: FakeBackendOptions = {}) {
    this.current = {
      version: opts.version ?? '0.0.0-fake',
      protocolVersion: PROTOCOL_VERSION,
      tunnelState: 'disconnected',
      wantConnected: false,
      interface: 'wg0',
      peerCount: 0,
      hostname: opts.hostname ?? 'fake-host',
      startedAt: opts.now ?? 1_800_000_000_000,
      counters: { received: 0, accepted: 0, dropped: {} },
    };
  }

  /** Whether the fake holds a secret (is joined). */
  get joined(): boolean { return this.secret !== undefined; }
  /** Number of live watch subscriptions. */
  get listenerCount(): number { return this.listeners.size; }

  status(): Status {
    const routes = this.routesSummary();
    return structuredClone(routes.advertised + routes.accepted > 0 ? { ...this.current, routes } : this.current);
  }
  peers(): Peer[] { return structuredClone(this.peerList); }
  getPrefs(): Prefs { return structuredClone(this.prefs); }

  async join(req: JoinRequest): Promise<Status> {
    this.throwPending();
    if (this.secret !== undefined && !req.switch) {
      throw new ControlError('already-joined', 'this node is already in a mesh; leave first or pass switch');
    }
    this.secret = req.secret;
    this.lastJoin = { meshSubnet: req.meshSubnet, switch: req.switch, discovery: req.discovery };
    this.prefs = { ...this.prefs, wantConnected: true, meshSubnet: req.meshSubnet };
    this.updateStatus({
      tunnelState: 'connected', wantConnected: true, publicKey: FAKE_PUBLIC_KEY,
      meshIPv4: '10.42.7.1', meshIPv6: 'fd00:42::1', meshSubnet: req.meshSubnet ?? '10.42.0.0/16',
      listenPort: 51820, gossipPort: 52316, networkId: '99a6ba99fb00b3bf',
    });
    return this.status();
  }

  async leave(): Promise<Status> {
    this.throwPending();
    if (this.secret === undefined) throw new ControlError('not-joined', 'this node is not in a mesh');
    this.secret = undefined;
    this.prefs = { ...this.prefs, wantConnected: false };
    this.peerList = [];
    const { version, protocolVersion, interface: iface, hostname, startedAt, counters } = this.current;
    this.current = { version, protocolVersion, interface: iface, hostname, startedAt, counters, tunnelState: 'disconnected', wantConnected: false, peerCount: 0 };
    this.emit({ type: 'status', status: this.status() });
    this.emit({ type: 'peers', peers: [] });
    return this.status();
  }

  async patchPrefs(patch: PrefsPatch): Promise<Prefs> {
    this.throwPending();
    checkFakeInterfacePatch(patch, this.takenPorts);
    this.prefs = { ...this.prefs, ...patch };
    const moved = {
      ...(patch.interfaceName !== undefined ? { interface: patch.interfaceName } : {}),
      ...(patch.listenPort !== undefined && this.joined ? { listenPort: patch.listenPort } : {}),
    };
    if (patch.wantConnected !== undefined || patch.acceptRoutes !== undefined || Object.keys(moved).length) {
      this.updateStatus({ wantConnected: this.prefs.wantConnected, ...moved });
    }
    return this.getPrefs();
  }

  routes(): RoutesState {
    const { advertiseRoutes, acceptRoutes } = this.prefs;
    const advertised = advertiseRoutes.map((r) => {
      const net = this.localNetworks.find((n) => cidrOverlaps(n.cidr, r.prefix));
      return net ? { ...r, lanInterface: net.iface, state: 'active' as const } : { ...r, state: 'pending' as const };
    });
    const accepted = this.acceptedList.map((r) =>
      acceptRoutes || !r.installed ? r : { ...r, installed: false, conflict: r.conflict ?? 'accepting routes is off on this node' });
    const v6 = advertiseRoutes.some((r) => r.prefix.includes(':'));
    return structuredClone({ acceptRoutes, advertised, accepted, ...(advertised.length > 0 ? { forwarding: { ipv4: true, ipv6: v6 } } : {}) });
  }

  async detectNetworks(): Promise<LocalNetwork[]> {
    this.throwPending();
    return structuredClone(this.localNetworks);
  }

  async checkRoutes(): Promise<RoutesCheck> {
    this.throwPending();
    return structuredClone(this.checkResult);
  }

  /** Advertises like a real backend would validate: mesh overlap, then the local-network guard. */
  async advertiseRoutes(req: AdvertiseRequest): Promise<RoutesState> {
    this.throwPending();
    const prefixes = req.auto ? this.localNetworks.filter((n) => n.family === 4).map((n) => n.cidr) : req.prefixes;
    if (prefixes.length === 0) throw new ControlError('route-not-local', 'no local network to advertise was detected');
    const mesh = this.current.meshSubnet;
    for (const p of prefixes) {
      if (mesh !== undefined && cidrOverlaps(p, mesh)) throw new ControlError('route-overlaps-mesh', `${p} overlaps the mesh subnet ${mesh}`);
      if (!req.force && !this.localNetworks.some((n) => cidrOverlaps(n.cidr, p))) {
        throw new ControlError('route-not-local', `${p} overlaps none of this machine's networks; check for a typo, or force (--force) to advertise it anyway`);
      }
    }
    const masquerade = req.masquerade ?? true;
    const current = this.prefs.advertiseRoutes.map((r) => (prefixes.includes(r.prefix) ? { ...r, masquerade } : r));
    const added = prefixes.filter((p) => !current.some((r) => r.prefix === p)).map((prefix) => ({ prefix, masquerade }));
    this.setAdvertised([...current, ...added]);
    return this.routes();
  }

  async withdrawRoutes(req: WithdrawRequest): Promise<RoutesState> {
    this.throwPending();
    const gone = req.all ? undefined : new Set(req.prefixes ?? []);
    for (const p of gone ?? []) {
      if (!this.prefs.advertiseRoutes.some((r) => r.prefix === p)) throw new ControlError('not-advertised', `${p} is not advertised by this node`);
    }
    this.setAdvertised(gone ? this.prefs.advertiseRoutes.filter((r) => !gone.has(r.prefix)) : []);
    return this.routes();
  }

  /** Replaces the routes other nodes advertise and emits a `status` event. */
  sites(): SitesResponse { return { sites: structuredClone(this.siteList) }; }

  async exposeSite(req: ExposeRequest): Promise<SitesResponse> {
    this.throwPending();
    let site: ExposedSite;
    try {
      site = {
        name: parseSiteName(req.name), target: formatTarget(parseTarget(req.target)), hostnames: parseHostnames(req.hostnames),
        healthPath: parseHealthPath(req.healthPath ?? '/'), healthIntervalS: req.healthIntervalS ?? 10, meshPort: 18080,
        forwarding: { state: 'active' }, health: { state: 'unknown' }, edges: [], publicUrls: [],
      };
    } catch (err) {
      if (err instanceof SiteInputError) throw new ControlError('invalid-site', err.message);
      throw err;
    }
    this.siteList = [...this.siteList.filter((x) => x.name !== site.name), site];
    return this.sites();
  }

  async removeSite(req: RemoveSiteRequest): Promise<SitesResponse> {
    this.throwPending();
    if (!this.siteList.some((s) => s.name === req.name)) throw new ControlError('site-not-found', `no site named ${req.name} is exposed here`);
    this.siteList = this.siteList.filter((s) => s.name !== req.name);
    return this.sites();
  }

  /** Replaces the exposed sites (e.g. with edge reports) for a test. */
  setSites(sites: ExposedSite[]): void { this.siteList = structuredClone(sites); }

  async edge(): Promise<EdgeState> { return structuredClone(this.edgeState); }

  async enableEdge(req: EdgeEnableRequest): Promise<EdgeState> {
    this.throwPending();
    const settings = { certDir: req.certDir ?? '/etc/cloudroof/certs', cacheSize: req.cacheSize ?? '1g', maxBody: req.maxBody ?? '1g', httpPort: req.httpPort ?? 80, httpsPort: req.httpsPort ?? 443 };
    this.edgeState = { ...this.edgeState, enabled: true, settings, nginx: { available: true, version: '1.22.1', running: true }, config: { state: 'applied', appliedAt: 0 } };
    return this.edge();
  }

  async disableEdge(): Promise<EdgeState> {
    this.throwPending();
    this.edgeState = { enabled: false, nginx: this.edgeState.nginx, config: { state: 'off' }, sites: [] };
    return this.edge();
  }

  /** Replaces the edge state for a test. */
  setEdgeState(state: EdgeState): void { this.edgeState = structuredClone(state); }

  async doctor(): Promise<DoctorReport> {
    this.throwPending();
    return structuredClone(this.doctorResult);
  }

  /** Collected like the real backend's (diagnostics/collect.ts), with the fake's own secret. */
  async diagnostics(): Promise<DiagnosticsMaterial> {
    this.throwPending();
    return collectDiagnostics({
      state: this, runner: this.diagnosticsRunner, logs: this.logs, device: this.deviceState, interfaceName: this.current.interface,
      secrets: [this.secret], meshNetworks: this.current.meshSubnet ? [this.current.meshSubnet] : [], now: Date.now(), platform: 'linux',
    });
  }

  setAcceptedRoutes(routes: AcceptedRoute[]): void {
    this.acceptedList = structuredClone(routes);
    this.updateStatus({});
  }

  // The wizard's and settings' endpoints (issue 6); their canned data in fake-local.ts and fake-verify.ts.
  async localServices(): Promise<LocalServicesResponse> {
    this.throwPending();
    return { services: structuredClone(this.localServiceList) };
  }

  async probeSite(req: ProbeSiteRequest): Promise<ProbeSiteResponse> {
    this.throwPending();
    this.probeRequests.push(structuredClone(req));
    return fakeProbe(req, this.probeResults, this.localServiceList);
  }

  async edges(): Promise<EdgesResponse> {
    this.throwPending();
    return { edges: structuredClone(this.verify.edges) };
  }

  async verifySite(req: VerifySiteRequest, emit: (event: VerifyEvent) => void, signal: AbortSignal): Promise<void> {
    this.throwPending();
    await this.verify.run(req, emit, signal, { known: this.siteList.some((s) => s.name === req.name), joined: this.joined });
  }

  /** The secret given to join (the one answer that carries it), or `not-joined`. */
  async revealSecret(_req: RevealSecretRequest): Promise<RevealSecretResponse> {
    this.throwPending();
    if (this.secret === undefined) throw new ControlError('not-joined', 'no mesh secret is stored on this node (join a mesh first)');
    this.reveals++;
    const secret = this.secret.trim();
    return { secret, token: isCanonicalToken(secret) };
  }

  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Merges `patch` into the status and emits a `status` event. */
  updateStatus(patch: Partial<Status>): void {
    this.current = { ...this.current, ...patch };
    this.emit({ type: 'status', status: this.status() });
  }

  /** Replaces the peer list (updating `peerCount`) and emits `peers` and `status` events. */
  setPeers(peers: Peer[]): void {
    this.peerList = structuredClone(peers);
    this.emit({ type: 'peers', peers: this.peers() });
    this.updateStatus({ peerCount: peers.length });
  }

  private setAdvertised(routes: Prefs['advertiseRoutes']): void {
    this.prefs = { ...this.prefs, advertiseRoutes: routes };
    this.updateStatus({});
  }

  private routesSummary(): RoutesSummary {
    const { advertised, accepted } = this.routes();
    return { advertised: advertised.length, accepted: accepted.length, conflicts: accepted.filter((r) => r.conflict !== undefined).length };
  }

  private emit(event: WatchEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  private throwPending(): void {
    const err = this.nextError;
    this.nextError = undefined;
    if (err) throw err;
  }
}
