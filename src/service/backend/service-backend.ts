/**
 * The service's state machine behind the control API: intent (`wantConnected`, secret, subnet,
 * routes) is persisted, and the running connection is reconciled towards it at start-up, on
 * join/leave, on prefs changes, on SIGHUP and after the device dies. Operations are serialised;
 * a failed join leaves nothing behind (the node rolls itself back) and restores the intent.
 */
import path from 'node:path';
import {
  ControlError, PROTOCOL_VERSION, type AdvertiseRequest, type JoinRequest, type LocalNetwork, type Peer, type Prefs,
  type PrefsPatch, type RoutesCheck, type RoutesState, type Status, type WithdrawRequest, type EdgeEnableRequest,
  type EdgeState, type ExposeRequest, type RemoveSiteRequest, type SitesResponse, type DoctorReport,
} from '../../shared/protocol';
import type {
  EdgesResponse, LocalServicesResponse, ProbeSiteRequest, ProbeSiteResponse, RevealSecretRequest, RevealSecretResponse,
  VerifyEvent, VerifySiteRequest,
} from '../../shared/protocol';
import type { Backend, WatchListener } from '../control/backend';
import { runDoctor, type DoctorSystem } from '../diagnostics/doctor';
import { hostDoctorSystem } from '../diagnostics/doctor-system';
import { collectDiagnostics } from '../diagnostics/collect';
import type { DiagnosticsMaterial } from '../diagnostics/redact';
import { spawnedProcessCount, type CommandRunner } from '../engine/exec';
import type { Firewall } from '../engine/firewall/firewall';
import { ForwardingGuard, type Sysctl } from '../engine/sysctl';
import type { LogLevel } from '../log';
import type { LogBuffer } from '../log-buffer';
import { defaultPrefs, type PrefsFile, type StoredPrefs } from '../state/prefs';
import { closeConnection, openConnection, type Connection, type ConnectionDeps } from './connection';
import { checkDiscovery, sameDiscovery } from './discovery-settings';
import { parseMesh, parseSubnet, toControlError, type Mesh } from './mesh-params';
import { peerViews } from './peer-view';
import { RouteControl } from './route-control';
import { SiteControl } from './site-control';
import { meshEdges, verifySite, type SiteVerifyDeps } from './site-verify';
import { WatchHub } from './watch-hub';
import type { ProcFs } from '../engine/net/proc-sockets';
import { checkInterfacePatch, effectiveSettings, InterfaceRecord, needsReconnect, type InterfaceSettings } from './interface-settings';
import { LocalControl } from './local-control';

/** Seams and settings of the backend. */
export interface ServiceBackendOptions extends Omit<ConnectionDeps, 'forwarding' | 'prefs' | 'onChanged' | 'onDeviceLost'> {
  version: string;
  prefsFile: PrefsFile;
  firewall: Firewall;
  sysctl: Sysctl;
  runner: CommandRunner;
  setLogLevel: (level: LogLevel) => void;
  /** Told the raw secret in use, so the logger can scrub it. */
  onSecret: (raw: string | undefined) => void;
  /** The machine as `cloudroof doctor` sees it; default the real host (tests pass a fake). */
  doctorSystem?: DoctorSystem;
  /** Recent log entries, for the bug report's logs.txt. */
  logs?: LogBuffer;
  /** The /proc reader behind `GET /v1/local-services` on Linux (default the real /proc). */
  procFs?: ProcFs;
}

/** Backend of the control API. */
export class ServiceBackend implements Backend {
  private prefs: StoredPrefs = defaultPrefs();
  private conn: Connection | undefined;
  /** The mesh being joined, shown while connecting. */
  private joining: Mesh | undefined;
  private tunnelState: Status['tunnelState'] = 'disconnected';
  private lastError: { code: string; message: string } | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly startedAt: number;
  private readonly forwarding: ForwardingGuard;
  private readonly routeControl: RouteControl;
  private readonly siteControl: SiteControl;
  private readonly local: LocalControl;
  private readonly interfaces: InterfaceRecord;
  private readonly watch = new WatchHub(() => this.status(), () => this.peers());

  constructor(private readonly o: ServiceBackendOptions) {
    this.startedAt = o.clock.now();
    this.forwarding = new ForwardingGuard(o.sysctl, path.join(o.stateDir, 'forwarding.json'));
    this.routeControl = new RouteControl({
      iface: () => this.iface(), platform: process.platform, runner: o.runner, sysctl: o.sysctl,
      prefs: () => this.prefs, savePrefs: (p) => this.savePrefs(p),
      joined: () => this.conn && { node: this.conn.node, routes: this.conn.routes, meshNetworks: this.conn.meshNetworks },
    });
    this.siteControl = new SiteControl({
      prefs: () => this.prefs, savePrefs: (p) => this.savePrefs(p), runtime: () => this.conn?.sites, createNginx: o.createNginx,
    });
    this.interfaces = new InterfaceRecord({ prefsFile: o.prefsFile, router: o.router, logger: o.logger });
    this.local = new LocalControl({
      platform: process.platform, runner: o.runner, logger: o.logger, prefsFile: o.prefsFile, prefs: () => this.prefs,
      meshAddresses: () => (this.conn ? [this.conn.identity.meshIPv4, this.conn.identity.meshIPv6] : []),
      ...(o.procFs ? { procFs: o.procFs } : {}),
    });
  }

  /** Loads the persisted intent and reconnects if it says so (errors end up in status). */
  async init(): Promise<void> {
    this.prefs = await this.o.prefsFile.load((m) => this.o.logger.warn(m));
    this.o.setLogLevel(this.prefs.logLevel);
    // A crash may have left the interface of an earlier name behind (a changed `interfaceName`
    // or `--interface`), holding the mesh addresses and the port: removed before rejoining.
    const last = await this.interfaces.load();
    if (process.platform === 'linux' && last !== this.iface()) await this.interfaces.removeLeftovers([last]);
    await this.serial(() => this.converge());
    // After a crash while not rejoining: nothing of ours may stay behind (rules, forwarding).
    if (!this.conn) {
      await this.o.firewall.remove().catch((err: Error) => this.o.logger.warn('could not remove firewall rules', { error: err.message }));
      await this.forwarding.restore().catch((err: Error) => this.o.logger.warn('could not restore forwarding', { error: err.message }));
      await this.o.originFirewall.remove().catch((err: Error) => this.o.logger.warn('could not remove origin firewall rules', { error: err.message }));
      // A crash during join (before the intent was saved) or leave (after) leaves the interface,
      // and with it an orphaned wireguard-go, which exits once its interface is deleted.
      if (process.platform === 'linux') await this.interfaces.removeLeftovers([this.iface()]);
    }
    // After a crash during `edge disable` or a failed start: no nginx of ours without edge mode.
    if (!this.prefs.wantConnected || !this.prefs.edge?.enabled) {
      await this.o.createNginx().remove().catch((err: Error) => this.o.logger.warn('could not remove the edge nginx config', { error: err.message }));
    }
  }

  status(): Status {
    const c = this.conn;
    const mesh = c?.mesh ?? this.joining;
    const s: Status = {
      version: this.o.version, protocolVersion: PROTOCOL_VERSION, tunnelState: this.tunnelState,
      wantConnected: this.prefs.wantConnected, interface: this.iface(), hostname: this.o.hostname,
      peerCount: c ? this.peers().length : 0, startedAt: this.startedAt,
      counters: c?.node.counters.snapshot() ?? { received: 0, accepted: 0, dropped: {} },
      processesSpawned: spawnedProcessCount(),
    };
    if (this.lastError) s.lastError = this.lastError;
    const accepted = c?.routes.accepted() ?? [];
    if (this.prefs.advertiseRoutes.length || accepted.length) {
      s.routes = {
        advertised: this.prefs.advertiseRoutes.length,
        accepted: accepted.filter((a) => a.installed).length,
        conflicts: accepted.filter((a) => a.conflict !== undefined).length,
      };
    }
    const sites = this.siteControl.summary();
    if (sites) s.sites = sites;
    if (mesh) {
      s.meshSubnet = mesh.subnet.cidr;
      s.gossipPort = mesh.keys.gossipPort;
      s.networkId = Buffer.from(mesh.keys.networkId.subarray(0, 8)).toString('hex');
    }
    if (c) {
      Object.assign(s, { publicKey: c.identity.publicKey, meshIPv4: c.identity.meshIPv4, meshIPv6: c.identity.meshIPv6 });
      s.endpoint = c.node.advertisedEndpoint;
      if (c.node.natType) s.natType = c.node.natType;
      s.discovery = c.node.discoveryStatus();
      s.listenPort = c.listenPort;
    }
    return s;
  }

  peers(): Peer[] {
    const n = this.conn?.node;
    return n ? peerViews(n.store.active(), n.deviceState, (k) => n.isConfigured(k), (k) => n.relayOf(k)) : [];
  }

  join(req: JoinRequest): Promise<Status> {
    return this.serial(async () => {
      const mesh = parseMesh(req.secret, req.meshSubnet ?? this.prefs.meshSubnet);
      const discovery = req.discovery && checkDiscovery(req.discovery);
      const current = this.conn?.mesh;
      const sameMesh = current && current.raw === mesh.raw && current.subnet.cidr === mesh.subnet.cidr;
      if (sameMesh && (!discovery || sameDiscovery(discovery, this.prefs.discovery))) return this.status();
      if (current && !sameMesh && !req.switch) {
        throw new ControlError('already-joined', 'this node is already in another mesh; run `cloudroof leave` first, or join with --switch to move to the new one');
      }
      if (current) await this.disconnect(true);
      // The intent is written while the interface comes up (either can take a while on a busy
      // host); if the join fails, the previous intent is put back, so a failed join changes nothing.
      const previous = { secret: await this.o.prefsFile.loadSecret(), prefs: this.prefs };
      const next: StoredPrefs = { ...this.prefs, wantConnected: true, ...(discovery ? { discovery } : {}) };
      if (req.meshSubnet) next.meshSubnet = mesh.subnet.cidr;
      const saving = this.o.prefsFile.saveSecret(req.secret.trim()).then(() => this.savePrefs(next));
      // Awaited below, after connect(); until then a failed save (a full disk) must not count as
      // an unhandled rejection, which would end the service.
      saving.catch(() => undefined);
      try {
        await this.connect(mesh, next.discovery);
        await saving;
      } catch (err) {
        await saving.catch(() => undefined);
        // Connected, but the intent could not be saved: undo the connection too.
        if (this.conn) await this.disconnect(false);
        await this.o.prefsFile.restoreSecret(previous.secret).catch(() => undefined);
        await this.savePrefs(previous.prefs).catch(() => undefined);
        throw err;
      }
      return this.status();
    });
  }

  leave(): Promise<Status> {
    return this.serial(async () => {
      if (!this.conn && !this.prefs.wantConnected) throw new ControlError('not-joined', 'this node is not in a mesh');
      // The intent first: a leave that cannot be recorded (a full disk) changes nothing, and a
      // crash after it is finished by the next start (init removes whatever is left).
      await this.savePrefs({ ...this.prefs, wantConnected: false });
      await this.disconnect(true);
      this.lastError = undefined;
      this.watch.statusChanged();
      return this.status();
    });
  }

  getPrefs(): Prefs {
    return { ...this.prefs };
  }

  patchPrefs(patch: PrefsPatch): Promise<Prefs> {
    return this.serial(async () => {
      if (patch.meshSubnet !== undefined) parseSubnet(patch.meshSubnet);
      if (patch.wantConnected && !(await this.o.prefsFile.loadSecret())) {
        throw new ControlError('not-joined', 'no mesh secret is stored yet; join with a secret first (cloudroof join)');
      }
      await checkInterfacePatch(patch, {
        platform: process.platform, router: this.o.router, findListenPort: this.o.findListenPort, prefs: this.prefs,
        ownInterfaces: [this.iface(), this.settings().interfaceName, this.interfaces.last], portInUse: this.conn?.listenPort,
      });
      const subnetChanged = patch.meshSubnet !== undefined && patch.meshSubnet !== this.prefs.meshSubnet;
      const previous = this.prefs;
      await this.savePrefs({ ...this.prefs, ...patch });
      if (patch.logLevel) this.o.setLogLevel(patch.logLevel);
      if (patch.acceptRoutes !== undefined) await this.routeControl.acceptChanged();
      const moved = this.conn !== undefined && needsReconnect(this.conn, this.settings());
      // A move keeps the edge's nginx config (the node comes straight back); a new subnet does not.
      if ((subnetChanged || moved) && this.conn) await this.disconnect(true, subnetChanged);
      await this.converge();
      if (moved && !this.conn && this.prefs.wantConnected) await this.undoMove(previous);
      if (patch.interfaceName !== undefined) this.watch.statusChanged();
      return this.getPrefs();
    });
  }

  routes(): RoutesState {
    return this.routeControl.state();
  }

  detectNetworks(): Promise<LocalNetwork[]> {
    return this.routeControl.detect();
  }

  checkRoutes(): Promise<RoutesCheck> {
    return this.routeControl.check();
  }

  advertiseRoutes(req: AdvertiseRequest): Promise<RoutesState> {
    return this.serial(async () => {
      const state = await this.routeControl.advertise(req);
      this.watch.statusChanged();
      return state;
    });
  }

  withdrawRoutes(req: WithdrawRequest): Promise<RoutesState> {
    return this.serial(async () => {
      const state = await this.routeControl.withdraw(req);
      this.watch.statusChanged();
      return state;
    });
  }

  sites(): SitesResponse {
    return this.siteControl.sites();
  }

  exposeSite(req: ExposeRequest): Promise<SitesResponse> {
    return this.serial(() => this.siteControl.expose(req));
  }

  removeSite(req: RemoveSiteRequest): Promise<SitesResponse> {
    return this.serial(() => this.siteControl.remove(req));
  }

  edge(): Promise<EdgeState> {
    return this.siteControl.edge();
  }

  enableEdge(req: EdgeEnableRequest): Promise<EdgeState> {
    return this.serial(() => this.siteControl.enableEdge(req));
  }

  disableEdge(): Promise<EdgeState> {
    return this.serial(() => this.siteControl.disableEdge());
  }

  /** GET /v1/doctor: the installation checks (diagnostics/doctor.ts); read-only. */
  doctor(): Promise<DoctorReport> {
    const nginx = this.o.createNginx();
    return runDoctor(this.o.doctorSystem ?? hostDoctorSystem(this.o.runner), {
      stateDir: this.o.stateDir, status: () => this.status(), routes: () => this.routes(), checkRoutes: () => this.checkRoutes(),
      edge: () => this.edge(), sites: () => this.sites(), skew: () => this.conn?.node.skew.summary(this.o.clock.now()) ?? [],
      nginx: () => ({ mode: nginx.mode, acmeRoot: nginx.paths.acmeRoot }),
    });
  }

  /** GET /v1/diagnostics: unredacted material, with every secret this node holds for redaction. */
  async diagnostics(): Promise<DiagnosticsMaterial> {
    const stored = await this.o.prefsFile.loadSecret().catch(() => undefined);
    return collectDiagnostics({
      state: this, runner: this.o.runner, sysctl: this.o.sysctl, logs: this.o.logs, interfaceName: this.iface(),
      device: this.conn?.node.deviceState, meshNetworks: this.conn?.meshNetworks, now: this.o.clock.now(),
      secrets: [this.conn?.mesh.raw, this.joining?.raw, stored],
    });
  }

  // The wizard's and settings' endpoints (issue 6): local-control.ts and site-verify.ts.
  localServices(): Promise<LocalServicesResponse> { return this.local.localServices(); }
  probeSite(req: ProbeSiteRequest): Promise<ProbeSiteResponse> { return this.local.probeSite(req); }
  async edges(): Promise<EdgesResponse> { return meshEdges(this.verifyDeps()); }
  /** Not serialised with the other actions: it runs for a while and changes nothing. */
  verifySite(req: VerifySiteRequest, emit: (event: VerifyEvent) => void, signal: AbortSignal): Promise<void> { return verifySite(this.verifyDeps(), req, emit, signal); }
  private verifyDeps(): SiteVerifyDeps { return { prefs: () => this.prefs, runtime: () => this.conn?.sites, logger: this.o.logger.child('verify') }; }
  revealSecret(_req: RevealSecretRequest): Promise<RevealSecretResponse> { return this.local.revealSecret(); }

  subscribe(listener: WatchListener): () => void {
    return this.watch.subscribe(listener);
  }

  /** SIGHUP: re-read prefs from disk and converge to them. */
  reload(): Promise<void> {
    return this.serial(async () => {
      this.prefs = await this.o.prefsFile.load((m) => this.o.logger.warn(m));
      this.o.setLogLevel(this.prefs.logLevel);
      if (this.conn && needsReconnect(this.conn, this.settings())) await this.disconnect(true, false);
      await this.converge();
    });
  }

  /** SIGTERM: leave the device cleanly but keep the intent, so the next start rejoins. */
  shutdown(): Promise<void> {
    return this.serial(() => this.disconnect(true, false));
  }

  /** Brings the running state in line with `prefs` (and the stored secret). */
  private async converge(): Promise<void> {
    if (!this.prefs.wantConnected) {
      if (this.conn) await this.disconnect(true);
      return;
    }
    if (this.conn) return;
    const secret = await this.o.prefsFile.loadSecret();
    if (!secret) {
      this.fail('not-joined', 'wantConnected is set but no secret is stored; join again');
      return;
    }
    try {
      await this.connect(parseMesh(secret, this.prefs.meshSubnet));
    } catch (err) {
      this.o.logger.error('could not rejoin the mesh', { error: (err as Error).message });
    }
  }

  private async connect(mesh: Mesh, discovery = this.prefs.discovery): Promise<void> {
    this.tunnelState = 'connecting';
    this.lastError = undefined;
    this.joining = mesh;
    this.o.onSecret(mesh.raw);
    this.watch.statusChanged();
    try {
      const settings = this.settings();
      await this.interfaces.record(settings.interfaceName);
      this.conn = await openConnection({
        ...this.o, ...settings, forwarding: this.forwarding, prefs: () => ({ ...this.prefs, discovery }),
        onChanged: () => this.watch.peersMayHaveChanged(),
        onDeviceLost: (reason) => void this.onDeviceLost(reason),
      }, mesh);
      this.tunnelState = 'connected';
      await this.siteControl.applyStored(this.conn.sites, (msg) => this.o.logger.error('could not expose the stored sites', { error: msg }));
      const id = this.conn.identity;
      this.o.logger.info('joined the mesh', { iface: this.conn.interfaceName, meshIPv4: id.meshIPv4, meshIPv6: id.meshIPv6, port: this.conn.listenPort });
      this.watch.statusChanged();
    } catch (err) {
      this.o.onSecret(undefined);
      const ce = toControlError(err);
      this.fail(ce.code, ce.message);
      throw ce;
    } finally {
      this.joining = undefined;
    }
  }

  /** Closes the connection; `leaving` (default) also takes our config out of nginx. */
  private async disconnect(goodbye: boolean, leaving = true): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    this.tunnelState = 'disconnected';
    if (conn) await closeConnection(conn, { goodbye, leaving });
    this.o.onSecret(undefined);
    this.watch.statusChanged();
    this.watch.peersChanged();
  }

  private async onDeviceLost(reason: string): Promise<void> {
    this.o.logger.error('WireGuard device lost; rebuilding it', { reason });
    await this.serial(async () => {
      if (!this.conn) return;
      await this.disconnect(false, false);
      await new Promise((r) => setTimeout(r, 500));
      await this.converge();
    });
  }

  /** The interface and port to connect with: the flags, overridden by the prefs. */
  private settings(): InterfaceSettings {
    const { interfaceName, listenPort, listenPortExplicit } = this.o;
    return effectiveSettings(this.prefs, { interfaceName, listenPort, listenPortExplicit });
  }

  /** The interface in use while joined, else the one a join would create. */
  private iface(): string {
    return this.conn?.interfaceName ?? this.settings().interfaceName;
  }

  /**
   * A move to another interface or port failed to reconnect: the previous interface and port
   * come back (and the node on them), and the failure is the answer to the change.
   */
  private async undoMove(previous: StoredPrefs): Promise<never> {
    const failure = this.lastError ?? { code: 'system-error', message: 'could not reconnect' };
    const to = this.settings();
    await this.savePrefs({ ...this.prefs, interfaceName: previous.interfaceName, listenPort: previous.listenPort });
    await this.converge();
    throw new ControlError(failure.code, `could not reconnect on ${to.interfaceName} port ${to.listenPort}: ${failure.message}; the previous interface and port are kept`);
  }

  private fail(code: string, message: string): void {
    this.tunnelState = 'error';
    this.lastError = { code, message };
    this.watch.statusChanged();
  }

  private async savePrefs(next: StoredPrefs): Promise<void> {
    await this.o.prefsFile.save(next);
    this.prefs = next;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
