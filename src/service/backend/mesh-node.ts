/**
 * One running mesh membership: the WireGuard device, the control socket, LAN discovery, the
 * probe responder and the peer store, tied together by an event-driven reconcile.
 *
 * Lifecycle: `start()` brings everything up in order and, if any step fails, undoes the steps
 * already done before rethrowing (no half-configured interface). While running, every store
 * change schedules a reconcile (coalesced; one UAPI get + at most one UAPI set, no process
 * spawned); a 5 s tick re-runs it, announces and sweeps. `stop()` says GOODBYE, closes sockets,
 * saves the peer cache and deletes the interface.
 */
import type { MeshSubnet } from '../../shared/mesh/address';
import type { MeshKeys } from '../../shared/mesh/derive';
import type { Clock } from '../clock';
import { SkewTracker } from '../diagnostics/skew';
import { PacketCounters } from '../discovery/counters';
import { ExchangeSocket } from '../discovery/exchange';
import { LanDiscovery } from '../discovery/lan';
import { ProbeResponder } from '../discovery/probe';
import type { WireGuardDevice } from '../engine/wireguard/device';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { Router } from '../engine/router/router';
import type { Logger } from '../log';
import type { Identity } from '../state/identity';
import { restorePeerCache, savePeerCache } from '../state/peer-cache';
import { Activation } from './activation';
import { MeshProtocol } from './mesh-protocol';
import { PeerReconciler } from './peer-reconciler';
import { PeerStore, type DiscoveryMethod } from './peer-store';
import type { RouteManager } from './route-manager';

/** Everything a node needs; all OS effects come in through these seams. */
export interface MeshNodeOptions {
  rawSecret: string;
  keys: MeshKeys;
  subnet: MeshSubnet;
  identity: Identity;
  interfaceName: string;
  listenPort: number;
  hostname: string;
  stateDir: string;
  device: WireGuardDevice;
  router: Router;
  clock: Clock;
  logger: Logger;
  mtu?: number;
  /** Subnet routing (advertised and accepted prefixes); absent = none. */
  routes?: RouteManager;
  /** The prefixes advertised in announcements. */
  advertisedRoutes?: () => readonly string[];
  /** Called after observable changes (peers, handshakes, endpoint). */
  onChanged: () => void;
  /** Called when the device vanished under us (wireguard-go died). */
  onDeviceLost: (reason: string) => void;
  /** Metrics: every peer-store update, by discovery layer (see PeerStore). */
  onDiscovery?: (method: DiscoveryMethod) => void;
  /** Metrics: the duration of each reconcile pass, in seconds (see PeerReconciler). */
  onReconciled?: (seconds: number) => void;
}

/** A joined node. */
export class MeshNode {
  readonly store: PeerStore;
  readonly counters = new PacketCounters();
  /** Peers' clocks as seen in their messages (doctor's clock-skew check). */
  readonly skew = new SkewTracker();
  private readonly exchange: ExchangeSocket;
  private readonly lan: LanDiscovery;
  private readonly probe: ProbeResponder;
  private readonly protocol: MeshProtocol;
  private readonly reconciler: PeerReconciler;
  private timers: NodeJS.Timeout[] = [];
  private readonly routes: RouteManager | undefined;
  private stopped = false;

  constructor(private readonly o: MeshNodeOptions) {
    const log = o.logger;
    this.store = new PeerStore(o.clock, o.onDiscovery);
    const activation = new Activation({ ownKey: o.identity.publicKey });
    this.reconciler = new PeerReconciler({ ...o, store: this.store, activation, logger: log.child('reconcile') });
    this.routes = o.routes;
    this.protocol = new MeshProtocol({ ...o, store: this.store, activation, reconciler: this.reconciler, logger: log.child('protocol'), send: (d, to) => this.exchange.send(d, to), exchangeWith: (to, d) => this.exchange.exchange(to, d),
      onPeerTimestamp: (key, host, ts) => this.skew.record(key, host, ts, o.clock.now()) });
    this.exchange = new ExchangeSocket({
      port: o.keys.gossipPort, gossipKey: o.keys.gossipKey, clock: o.clock, logger: log.child('exchange'), counters: this.counters,
      onMessage: (type, payload, src) => this.protocol.onControlMessage(type, payload, src),
    });
    this.lan = new LanDiscovery({
      group: o.keys.multicastGroup, gossipKey: o.keys.gossipKey, ownKey: o.identity.publicKey, clock: o.clock,
      logger: log.child('lan'), counters: this.counters,
      buildAnnounce: () => this.protocol.sealAnnounce(),
      onPeer: (a, ip) => this.protocol.onLanAnnouncement(a, ip),
    });
    this.probe = new ProbeResponder(log.child('probe'));
    this.store.onChanged((e) => {
      this.o.onChanged();
      // The cache must not outlive a departure: a crash before the next periodic save would
      // otherwise restore a peer that has left.
      if (e.kind === 'removed') this.scheduleCacheSave();
    });
    this.reconciler.onObserved(() => this.o.onChanged());
  }

  /** Brings the node up; on failure everything done so far is undone and the error rethrown. */
  async start(): Promise<void> {
    const { device, router, identity, interfaceName: iface, logger } = this.o;
    const undo: (() => Promise<void> | void)[] = [];
    let mark = performance.now();
    const step = (name: string): void => {
      const now = performance.now();
      logger.debug('start step done', { step: name, ms: Math.round(now - mark) });
      mark = now;
    };
    try {
      await device.create();
      step('device created');
      undo.push(() => device.destroy());
      device.onExit((reason) => { if (!this.stopped) this.o.onDeviceLost(reason); });
      await device.configure({ privateKey: identity.privateKey, listenPort: this.o.listenPort });
      await router.configureInterface(iface, {
        ipv4Cidr: `${identity.meshIPv4}/${this.o.subnet.prefixLen}`,
        ipv6Cidr: `${identity.meshIPv6}/64`,
      }, this.o.mtu ?? 1420);
      step('interface configured');
      if (this.routes) {
        const routes = this.routes;
        undo.push(() => routes.teardown());
        await routes.applyAdvertising();
      }
      await this.exchange.bind().catch((err: NodeJS.ErrnoException) => {
        throw Object.assign(new Error(err.code === 'EADDRINUSE'
          ? `control port ${this.o.keys.gossipPort}/udp is already in use (another wgmesh or cloudroofd joined to this mesh on this host?)`
          : `cannot open control port ${this.o.keys.gossipPort}/udp: ${err.message}`), { code: 'port-in-use' });
      });
      undo.push(() => this.exchange.close());
      await this.probe.start([identity.meshIPv4, identity.meshIPv6], this.o.keys.probePort);
      undo.push(() => this.probe.stop());
      const restored = await restorePeerCache(this.o.stateDir, this.store, this.o.clock.now(),
        (key, ip) => key !== identity.publicKey && ip !== '');
      if (restored) logger.info('restored peers from cache', { count: restored });
      await this.lan.start();
      undo.push(() => this.lan.stop());
      step('sockets open');
      this.protocol.helloCachedPeers();
      this.timers.push(setInterval(() => this.tick(), 5000));
      // Handshakes show within 250 ms while some are pending, every 2 s once all are done.
      let ticks = 0;
      this.timers.push(setInterval(() => {
        if (this.reconciler.awaitingHandshakes || ++ticks % 8 === 0) void this.reconciler.refreshStats();
      }, 250));
      this.timers.push(setInterval(() => void this.saveCache(), 5 * 60_000));
      await this.reconciler.reconcileNow();
      step('first reconcile');
    } catch (err) {
      this.stopped = true;
      for (const u of undo.reverse()) await Promise.resolve().then(u).catch(() => undefined);
      throw err;
    }
  }

  /** Leaves: GOODBYE to every known peer, sockets closed, cache saved, interface deleted. */
  async stop(opts: { goodbye?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    clearTimeout(this.cacheSaveTimer);
    if (opts.goodbye !== false) await this.protocol.sayGoodbye();
    this.lan.stop();
    this.exchange.close();
    this.probe.stop();
    this.reconciler.stop();
    await this.routes?.teardown().catch((err: Error) => this.o.logger.warn('routing teardown failed', { error: err.message }));
    await this.saveCache();
    await this.o.device.destroy().catch((err: Error) => this.o.logger.warn('device teardown failed', { error: err.message }));
  }

  /**
   * The advertised prefixes or the accept setting changed: apply forwarding and firewall,
   * tell the LAN at once, and reconcile (AllowedIPs and kernel routes).
   */
  async routesChanged(): Promise<void> {
    await this.routes?.applyAdvertising();
    this.lan.announce();
    await this.reconciler.reconcileNow();
  }

  /** The endpoint we currently advertise. */
  get advertisedEndpoint(): string {
    return this.protocol.advertisedEndpoint;
  }

  /** The last observed device state (peers' handshakes and counters). */
  get deviceState(): DeviceState | undefined {
    return this.reconciler.observed;
  }

  /** Whether `publicKey` is configured on the device. */
  isConfigured(publicKey: string): boolean {
    return this.reconciler.isConfigured(publicKey);
  }

  private tick(): void {
    this.store.sweep();
    void this.reconciler.reconcileNow();
  }

  private cacheSaveTimer: NodeJS.Timeout | undefined;

  /** Saves the peer cache at once (coalesced within 20 ms). */
  private scheduleCacheSave(): void {
    if (this.cacheSaveTimer || this.stopped) return;
    this.cacheSaveTimer = setTimeout(() => { this.cacheSaveTimer = undefined; void this.saveCache(); }, 20);
    this.cacheSaveTimer.unref();
  }

  private saving: Promise<void> = Promise.resolve();

  /** Writes the cache; writes are serialised (two in the same millisecond would share a temp name). */
  private saveCache(): Promise<void> {
    this.saving = this.saving.then(() => savePeerCache(this.o.stateDir, this.store.all(), this.o.clock.now(), this.store.departures())
      .catch((err: Error) => this.o.logger.warn('peer cache not saved', { error: err.message })));
    return this.saving;
  }
}
