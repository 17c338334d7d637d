/**
 * The service's state machine behind the control API: intent (`wantConnected`, secret, subnet)
 * is persisted, and the running MeshNode is reconciled towards it at start-up, on join/leave,
 * on prefs changes, on SIGHUP and after the device dies. Operations are serialised; a failed
 * join leaves nothing behind (the node rolls itself back) and persists nothing.
 */
import { defaultMeshSubnet, meshIPv6Network, parseMeshSubnet, type MeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys, type MeshKeys } from '../../shared/mesh/derive';
import { parseSecret, SecretError } from '../../shared/mesh/secret';
import {
  ControlError, PROTOCOL_VERSION, type JoinRequest, type LocalNetwork, type Peer, type Prefs, type PrefsPatch, type RoutesCheck,
  type RoutesState, type Status, type WatchEvent, type AdvertiseRequest, type WithdrawRequest,
} from '../../shared/protocol';
import type { Clock } from '../clock';
import type { Backend, WatchListener } from '../control/backend';
import { spawnedProcessCount } from '../engine/exec';
import type { WireGuardDevice } from '../engine/wireguard/device';
import type { Router } from '../engine/router/router';
import type { CommandRunner } from '../engine/exec';
import type { Firewall } from '../engine/firewall/firewall';
import { ForwardingGuard, type Sysctl } from '../engine/sysctl';
import path from 'node:path';
import type { Logger, LogLevel } from '../log';
import { loadIdentity } from '../state/identity';
import { defaultPrefs, type PrefsFile, type StoredPrefs } from '../state/prefs';
import { MeshNode } from './mesh-node';
import { RouteControl } from './route-control';
import { RouteManager } from './route-manager';
import { peerViews } from './peer-view';

/** Seams and settings of the backend. */
export interface ServiceBackendOptions {
  stateDir: string;
  interfaceName: string;
  listenPort: number;
  /** The user chose the port: a busy port is an error instead of a fallback. */
  listenPortExplicit: boolean;
  hostname: string;
  version: string;
  clock: Clock;
  logger: Logger;
  prefsFile: PrefsFile;
  router: Router;
  firewall: Firewall;
  sysctl: Sysctl;
  runner: CommandRunner;
  createDevice: (name: string) => Promise<WireGuardDevice>;
  findListenPort: (preferred: number, explicit: boolean) => Promise<number>;
  setLogLevel: (level: LogLevel) => void;
  /** Told the raw secret in use, so the logger can scrub it. */
  onSecret: (raw: string | undefined) => void;
}

interface Mesh { raw: string; keys: MeshKeys; subnet: MeshSubnet }

/** Backend of the control API. */
export class ServiceBackend implements Backend {
  private prefs: StoredPrefs = defaultPrefs();
  private mesh: Mesh | undefined;
  private node: MeshNode | undefined;
  private tunnelState: Status['tunnelState'] = 'disconnected';
  private lastError: { code: string; message: string } | undefined;
  private listenPort: number | undefined;
  private readonly listeners = new Set<WatchListener>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly startedAt: number;
  private lastPeersJson = '';
  private peersTimer: NodeJS.Timeout | undefined;
  private identity: { publicKey: string; meshIPv4: string; meshIPv6: string } | undefined;
  private routeManager: RouteManager | undefined;
  private meshNetworks: string[] = [];
  private readonly routeControl: RouteControl;
  private readonly forwarding: ForwardingGuard;

  constructor(private readonly o: ServiceBackendOptions) {
    this.startedAt = o.clock.now();
    this.forwarding = new ForwardingGuard(o.sysctl, path.join(o.stateDir, 'forwarding.json'));
    this.routeControl = new RouteControl({
      iface: o.interfaceName, platform: process.platform, runner: o.runner, sysctl: o.sysctl,
      prefs: () => this.prefs, savePrefs: (p) => this.savePrefs(p),
      joined: () => (this.node && this.routeManager ? { node: this.node, routes: this.routeManager, meshNetworks: this.meshNetworks } : undefined),
    });
  }

  /** Loads the persisted intent and reconnects if it says so (errors end up in status). */
  async init(): Promise<void> {
    this.prefs = await this.o.prefsFile.load((m) => this.o.logger.warn(m));
    this.o.setLogLevel(this.prefs.logLevel);
    await this.serial(() => this.converge());
    // After a crash while not rejoining: nothing of ours may stay behind (rules, forwarding).
    if (!this.node) await this.cleanupRouting();
  }

  private async cleanupRouting(): Promise<void> {
    await this.o.firewall.remove().catch((err: Error) => this.o.logger.warn('could not remove firewall rules', { error: err.message }));
    await this.forwarding.restore().catch((err: Error) => this.o.logger.warn('could not restore forwarding', { error: err.message }));
  }

  status(): Status {
    const m = this.mesh;
    const s: Status = {
      version: this.o.version, protocolVersion: PROTOCOL_VERSION, tunnelState: this.tunnelState,
      wantConnected: this.prefs.wantConnected, interface: this.o.interfaceName, hostname: this.o.hostname,
      peerCount: this.node ? this.peers().length : 0, startedAt: this.startedAt,
      counters: this.node?.counters.snapshot() ?? { received: 0, accepted: 0, dropped: {} },
      processesSpawned: spawnedProcessCount(),
    };
    if (this.lastError) s.lastError = this.lastError;
    const accepted = this.routeManager?.accepted() ?? [];
    if (this.prefs.advertiseRoutes.length || accepted.length) {
      s.routes = {
        advertised: this.prefs.advertiseRoutes.length,
        accepted: accepted.filter((a) => a.installed).length,
        conflicts: accepted.filter((a) => a.conflict !== undefined).length,
      };
    }
    if (m) {
      s.meshSubnet = m.subnet.cidr;
      s.gossipPort = m.keys.gossipPort;
      s.networkId = Buffer.from(m.keys.networkId.subarray(0, 8)).toString('hex');
    }
    const id = this.node && this.identity;
    if (id) Object.assign(s, { publicKey: id.publicKey, meshIPv4: id.meshIPv4, meshIPv6: id.meshIPv6 });
    if (this.node) {
      s.endpoint = this.node.advertisedEndpoint;
      if (this.listenPort !== undefined) s.listenPort = this.listenPort;
    }
    return s;
  }

  peers(): Peer[] {
    const n = this.node;
    return n ? peerViews(n.store.active(), n.deviceState, (k) => n.isConfigured(k)) : [];
  }

  join(req: JoinRequest): Promise<Status> {
    return this.serial(async () => {
      const mesh = this.parseMesh(req.secret, req.meshSubnet ?? this.prefs.meshSubnet);
      if (this.node && this.mesh && this.mesh.raw === mesh.raw && this.mesh.subnet.cidr === mesh.subnet.cidr) return this.status();
      if (this.node && !req.switch) {
        throw new ControlError('already-joined', 'this node is already in another mesh; run `cloudroof leave` first, or join with --switch to move to the new one');
      }
      if (this.node) await this.disconnect(true);
      // The intent is written while the interface comes up (either can take a while on a busy
      // host); if the join fails, the previous intent is put back, so a failed join changes nothing.
      const previous = { secret: await this.o.prefsFile.loadSecret(), prefs: this.prefs };
      const next: StoredPrefs = { ...this.prefs, wantConnected: true };
      if (req.meshSubnet) next.meshSubnet = mesh.subnet.cidr;
      const saving = this.o.prefsFile.saveSecret(req.secret.trim()).then(() => this.savePrefs(next));
      try {
        await this.connect(mesh);
        await saving;
      } catch (err) {
        await saving.catch(() => undefined);
        await this.o.prefsFile.restoreSecret(previous.secret).catch(() => undefined);
        await this.savePrefs(previous.prefs).catch(() => undefined);
        throw err;
      }
      return this.status();
    });
  }

  leave(): Promise<Status> {
    return this.serial(async () => {
      if (!this.node && !this.prefs.wantConnected) throw new ControlError('not-joined', 'this node is not in a mesh');
      await this.disconnect(true);
      await this.savePrefs({ ...this.prefs, wantConnected: false });
      this.lastError = undefined;
      this.emitStatus();
      return this.status();
    });
  }

  getPrefs(): Prefs {
    return { ...this.prefs };
  }

  patchPrefs(patch: PrefsPatch): Promise<Prefs> {
    return this.serial(async () => {
      if (patch.meshSubnet !== undefined) this.parseSubnet(patch.meshSubnet);
      if (patch.wantConnected && !(await this.o.prefsFile.loadSecret())) {
        throw new ControlError('not-joined', 'no mesh secret is stored yet; join with a secret first (cloudroof join)');
      }
      const subnetChanged = patch.meshSubnet !== undefined && patch.meshSubnet !== this.prefs.meshSubnet;
      await this.savePrefs({ ...this.prefs, ...patch });
      if (patch.logLevel) this.o.setLogLevel(patch.logLevel);
      if (patch.acceptRoutes !== undefined) await this.routeControl.acceptChanged();
      if (subnetChanged && this.node) await this.disconnect(true);
      await this.converge();
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
      this.emitStatus();
      return state;
    });
  }

  withdrawRoutes(req: WithdrawRequest): Promise<RoutesState> {
    return this.serial(async () => {
      const state = await this.routeControl.withdraw(req);
      this.emitStatus();
      return state;
    });
  }

  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** SIGHUP: re-read prefs from disk and converge to them. */
  reload(): Promise<void> {
    return this.serial(async () => {
      this.prefs = await this.o.prefsFile.load((m) => this.o.logger.warn(m));
      this.o.setLogLevel(this.prefs.logLevel);
      await this.converge();
    });
  }

  /** SIGTERM: leave the device cleanly but keep the intent, so the next start rejoins. */
  shutdown(): Promise<void> {
    return this.serial(() => this.disconnect(true));
  }

  /** Brings the running state in line with `prefs` (and the stored secret). */
  private async converge(): Promise<void> {
    if (!this.prefs.wantConnected) {
      if (this.node) await this.disconnect(true);
      return;
    }
    if (this.node) return;
    const secret = await this.o.prefsFile.loadSecret();
    if (!secret) {
      this.fail('not-joined', 'wantConnected is set but no secret is stored; join again');
      return;
    }
    try {
      await this.connect(this.parseMesh(secret, this.prefs.meshSubnet));
    } catch (err) {
      this.o.logger.error('could not rejoin the mesh', { error: (err as Error).message });
    }
  }

  private async connect(mesh: Mesh): Promise<void> {
    this.tunnelState = 'connecting';
    this.lastError = undefined;
    this.o.onSecret(mesh.raw);
    this.mesh = mesh;
    this.emitStatus();
    try {
      const t0 = performance.now();
      const identity = await loadIdentity(this.o.stateDir, mesh.keys, mesh.raw, mesh.subnet);
      this.listenPort = await this.o.findListenPort(this.o.listenPort, this.o.listenPortExplicit);
      const device = await this.o.createDevice(this.o.interfaceName);
      const meshNetworks = [mesh.subnet.cidr, meshIPv6Network(mesh.keys)];
      const routes = new RouteManager({
        iface: this.o.interfaceName, meshNetworks, router: this.o.router, firewall: this.o.firewall, forwarding: this.forwarding,
        logger: this.o.logger.child('routes'), advertised: () => this.prefs.advertiseRoutes, acceptRoutes: () => this.prefs.acceptRoutes,
      });
      this.o.logger.debug('identity, port and device chosen', { ms: Math.round(performance.now() - t0) });
      const node = new MeshNode({
        rawSecret: mesh.raw, keys: mesh.keys, subnet: mesh.subnet, identity, interfaceName: this.o.interfaceName,
        listenPort: this.listenPort, hostname: this.o.hostname, stateDir: this.o.stateDir, device, router: this.o.router,
        clock: this.o.clock, logger: this.o.logger.child('mesh'),
        routes, advertisedRoutes: () => this.prefs.advertiseRoutes.map((r) => r.prefix),
        onChanged: () => this.emitPeersSoon(),
        onDeviceLost: (reason) => void this.onDeviceLost(reason),
      });
      await node.start();
      this.node = node;
      this.identity = identity;
      this.routeManager = routes;
      this.meshNetworks = meshNetworks;
      this.tunnelState = 'connected';
      this.o.logger.info('joined the mesh', { iface: this.o.interfaceName, meshIPv4: identity.meshIPv4, meshIPv6: identity.meshIPv6, port: this.listenPort });
      this.emitStatus();
    } catch (err) {
      this.mesh = undefined;
      this.o.onSecret(undefined);
      const ce = toControlError(err);
      this.fail(ce.code, ce.message);
      throw ce;
    }
  }

  private async disconnect(goodbye: boolean): Promise<void> {
    const node = this.node;
    this.node = undefined;
    this.identity = undefined;
    this.routeManager = undefined;
    this.mesh = undefined;
    this.tunnelState = 'disconnected';
    if (node) await node.stop({ goodbye });
    this.o.onSecret(undefined);
    this.emitStatus();
    this.emitPeersIfChanged();
  }

  private async onDeviceLost(reason: string): Promise<void> {
    this.o.logger.error('WireGuard device lost; rebuilding it', { reason });
    await this.serial(async () => {
      if (!this.node) return;
      await this.disconnect(false);
      await new Promise((r) => setTimeout(r, 500));
      await this.converge();
    });
  }

  private parseMesh(secretInput: string, subnetInput: string | undefined): Mesh {
    let raw: string;
    try {
      raw = parseSecret(secretInput);
    } catch (err) {
      if (err instanceof SecretError) throw new ControlError('invalid-secret', err.message);
      throw new ControlError('invalid-secret', 'the secret could not be read');
    }
    const keys = deriveMeshKeys(raw);
    const subnet = subnetInput ? this.parseSubnet(subnetInput) : defaultMeshSubnet(keys);
    return { raw, keys, subnet };
  }

  private parseSubnet(cidr: string): MeshSubnet {
    try {
      return parseMeshSubnet(cidr);
    } catch (err) {
      throw new ControlError('invalid-subnet', (err as Error).message);
    }
  }

  private fail(code: string, message: string): void {
    this.tunnelState = 'error';
    this.lastError = { code, message };
    this.emitStatus();
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

  private emit(e: WatchEvent): void {
    for (const l of this.listeners) l(e);
  }

  private emitStatus(): void {
    this.emit({ type: 'status', status: this.status() });
  }

  /** Coalesces bursts of changes (a REPLY can touch dozens of peers) into one watch event. */
  private emitPeersSoon(): void {
    if (this.peersTimer || this.listeners.size === 0) return;
    this.peersTimer = setTimeout(() => {
      this.peersTimer = undefined;
      this.emitPeersIfChanged();
    }, 100);
  }

  private emitPeersIfChanged(): void {
    const peers = this.peers();
    const json = JSON.stringify(peers);
    if (json === this.lastPeersJson) return;
    this.lastPeersJson = json;
    this.emit({ type: 'peers', peers });
    this.emitStatus();
  }
}

function toControlError(err: unknown): ControlError {
  if (err instanceof ControlError) return err;
  const e = err as Error & { code?: string; missingBinary?: boolean; packageHint?: string };
  if (e.missingBinary) return new ControlError('wireguard-unavailable', e.message);
  if (e.code === 'port-in-use') return new ControlError('port-in-use', e.message);
  if (e.code === 'state-dir-unusable') return new ControlError('system-error', e.message);
  return new ControlError('system-error', e.message ?? String(err));
}
