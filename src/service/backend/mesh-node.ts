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
import { DEFAULT_STUN_SERVERS, type DiscoverySettings } from '../../shared/discovery';
import { meshIPv6Network, type MeshSubnet } from '../../shared/mesh/address';
import type { MeshKeys } from '../../shared/mesh/derive';
import type { DiscoveryStatus } from '../../shared/protocol';
import type { Clock } from '../clock';
import { SkewTracker } from '../diagnostics/skew';
import { PacketCounters } from '../discovery/counters';
import { EndpointDetector } from '../discovery/endpoint-detector';
import { ExchangeSocket } from '../discovery/exchange';
import { LanDiscovery } from '../discovery/lan';
import { ProbeClient, ProbeResponder } from '../discovery/probe';
import type { WireGuardDevice } from '../engine/wireguard/device';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { Router } from '../engine/router/router';
import type { Logger } from '../log';
import type { Identity } from '../state/identity';
import { restorePeerCache, savePeerCache } from '../state/peer-cache';
import { Activation } from './activation';
import { MeshDht } from './mesh-dht';
import { MeshProtocol } from './mesh-protocol';
import { NatTraversal } from './nat-traversal';
import { HEALTH_CHECK_INTERVAL_MS, PeerHealth, PROBE_INTERVAL_MS } from './peer-health';
import { PeerReconciler } from './peer-reconciler';
import { PeerStore, type DiscoveryMethod } from './peer-store';
import type { TraversalMethod } from './traversal-context';
import type { RouteManager } from './route-manager';

/** How long a peer must have been relayed before the health probe may evict it for that. */
const RELAY_PROBE_GRACE_MS = 30_000;

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
  /** Discovery layers and their servers (read at start; a change means a reconnect). */
  discovery: DiscoverySettings;
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
  /** Metrics: NAT traversal attempts and successes, by path (see NatTraversal). */
  onNatTraversal?: (method: TraversalMethod, outcome: 'attempt' | 'success') => void;
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
  /** BitTorrent DHT discovery (spec 3.5), when on. */
  private readonly dht: MeshDht;
  /** Public endpoint and NAT type (STUN / public IPv6), and address-change watching. */
  readonly endpoints: EndpointDetector;
  private readonly probe: ProbeResponder;
  private readonly probeClient: ProbeClient;
  /** Peer health: stale-handshake monitor, mesh probes, eviction (spec 4.7). */
  readonly health: PeerHealth;
  private readonly protocol: MeshProtocol;
  /** Hole punching, rendezvous (client and introducer) and in-mesh gossip (spec 3.7–3.9, 3.11). */
  private readonly nat: NatTraversal;
  private readonly reconciler: PeerReconciler;
  private timers: NodeJS.Timeout[] = [];
  private readonly routes: RouteManager | undefined;
  private stopped = false;

  constructor(private readonly o: MeshNodeOptions) {
    const log = o.logger;
    this.store = new PeerStore(o.clock, o.onDiscovery);
    const activation = new Activation({ ownKey: o.identity.publicKey });
    this.reconciler = new PeerReconciler({ ...o, store: this.store, activation, logger: log.child('reconcile'),
      isOffline: (key) => this.health.isOffline(key), localNatType: () => this.protocol.natType,
      ipv6Usable: () => this.endpoints.hasPublicIPv6() });
    this.routes = o.routes;
    this.protocol = new MeshProtocol({ ...o, store: this.store, activation, reconciler: this.reconciler, logger: log.child('protocol'), send: (d, to) => this.exchange.send(d, to), exchangeWith: (to, d) => this.exchange.exchange(to, d),
      canUseIPv6: () => this.endpoints.hasPublicIPv6(),
      onTraversalMessage: (type, payload, src) => this.nat.onMessage(type, payload, src),
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
    this.dht = new MeshDht({ ...o, logger: log.child('dht'),
      onPeer: (to) => this.protocol.contactDhtPeer(to), peerCount: () => this.store.size,
      publicIPv4: () => this.endpoints.current?.publicIPv4 });
    this.endpoints = new EndpointDetector({
      listenPort: o.listenPort, stunServers: o.discovery.stunServers ?? DEFAULT_STUN_SERVERS, ipv6: o.discovery.ipv6,
      logger: log.child('endpoint'),
      onDetected: (d) => {
        this.protocol.endpointDetected(d.endpoint, d.natType);
        if (o.discovery.lan) this.lan.announce();
        // Peers decide relays on our NAT type and configure our endpoint: tell them now.
        this.protocol.helloPeers({ force: true });
        this.o.onChanged();
      },
      // Tell every peer at once: they learn our new address from the HELLO (spec 3.4) instead
      // of waiting for WireGuard to roam or for the next discovery round.
      onRoam: () => {
        if (o.discovery.lan) this.lan.announce();
        this.protocol.helloPeers({ force: true });
      },
    });
    this.probe = new ProbeResponder(log.child('probe'));
    // Probes go to the peers' mesh addresses, IPv6 first: mesh IPv6 is always assigned, so
    // discovery.ipv6 (underlay endpoints) does not apply.
    this.probeClient = new ProbeClient({ port: o.keys.probePort, localIPv4: o.identity.meshIPv4, localIPv6: o.identity.meshIPv6 });
    this.health = new PeerHealth({
      store: this.store, clock: o.clock, logger: log.child('health'), ownKey: o.identity.publicKey,
      deviceState: () => this.reconciler.observed,
      // Probe a relayed peer only once the relay had time to carry it both ways: the other end
      // may decide to relay a few cycles later, and evicting meanwhile makes the pair flap.
      isRelayed: (key) => (this.reconciler.relayedFor(key) ?? 0) >= RELAY_PROBE_GRACE_MS,
      reapply: (key) => void this.reconciler.reapply(key),
      reconcile: () => this.reconciler.reconcileSoon(),
      probe: (p) => this.probeClient.probe(p.publicKey, { ipv4: p.meshIp, ipv6: p.meshIpv6 || undefined }),
      closeProbe: (key) => this.probeClient.close(key),
    });
    this.nat = new NatTraversal({
      keys: o.keys, subnet: o.subnet, ownKey: o.identity.publicKey, meshNetworks: [o.subnet.cidr, meshIPv6Network(o.keys)],
      discovery: o.discovery, clock: o.clock, logger: log.child('nat'), store: this.store,
      send: (d, to) => this.exchange.send(d, to), exchange: (to, d) => this.exchange.exchange(to, d),
      announcement: () => this.protocol.announcement(), reconcileNow: () => this.reconciler.reconcileNow(),
      observed: () => this.reconciler.observed, refreshStats: () => this.reconciler.refreshStats(),
      onPunchReply: (key) => { if (activation.punched(key)) void this.reconciler.reconcileNow(); },
      ...(o.onNatTraversal ? { onTraversal: o.onNatTraversal } : {}),
    });
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
      // In the background: resolving the bootstrap names can take seconds (or hang on a host
      // without DNS) and must not hold up the join; failures show in status.
      void this.dht.start();
      undo.push(() => this.dht.stop());
      await this.probe.start([identity.meshIPv4, identity.meshIPv6], this.o.keys.probePort);
      undo.push(() => this.probe.stop());
      const restored = await restorePeerCache(this.o.stateDir, this.store, this.o.clock.now(),
        (key, ip) => key !== identity.publicKey && ip !== '');
      if (restored) logger.info('restored peers from cache', { count: restored });
      if (this.o.discovery.lan) {
        await this.lan.start();
        undo.push(() => this.lan.stop());
      }
      this.endpoints.start();
      undo.push(() => this.endpoints.stop());
      step('sockets open');
      this.protocol.helloCachedPeers();
      this.nat.start(); // punch initiator (unless punching is off), gossip sender (only if on)
      undo.push(() => this.nat.stop());
      this.timers.push(setInterval(() => this.tick(), 5000));
      // Handshakes show within 250 ms while some are pending, every 2 s once all are done.
      let ticks = 0;
      this.timers.push(setInterval(() => {
        if (this.reconciler.awaitingHandshakes || ++ticks % 8 === 0) void this.reconciler.refreshStats();
      }, 250));
      this.timers.push(setInterval(() => void this.saveCache(), 5 * 60_000));
      this.timers.push(setInterval(() => this.health.checkWireGuard(), HEALTH_CHECK_INTERVAL_MS));
      this.timers.push(setInterval(() => void this.health.probeTick(), PROBE_INTERVAL_MS));
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
    // Everything that sends stops first: a HELLO still being resent after our GOODBYE would
    // make the others take us back (found by the churn suite).
    this.endpoints.stop();
    this.lan.stop();
    this.nat.stop();
    this.protocol.stop();
    this.exchange.cancelPending();
    await this.dht.stop();
    if (opts.goodbye !== false) await this.protocol.sayGoodbye();
    this.exchange.close();
    this.probe.stop();
    this.probeClient.stop();
    this.health.clear();
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
    if (this.o.discovery.lan) this.lan.announce();
    await this.reconciler.reconcileNow();
  }

  /** The endpoint we currently advertise. */
  get advertisedEndpoint(): string {
    return this.protocol.advertisedEndpoint;
  }

  /** Discovery layers' state for the status API. */
  discoveryStatus(): DiscoveryStatus {
    const d = this.o.discovery;
    const found = this.endpoints.current;
    return {
      lan: d.lan, endpointSource: found?.source ?? 'none', introducer: d.introducer, gossip: d.gossip, punching: d.punching,
      ...(this.endpoints.lastError ? { stunError: this.endpoints.lastError } : {}),
      ...(d.dht ? { dht: this.dht.status() } : {}),
    };
  }

  /** Our NAT type from STUN ('' until known). */
  get natType(): string {
    return this.protocol.natType;
  }

  /** The last observed device state (peers' handshakes and counters). */
  get deviceState(): DeviceState | undefined {
    return this.reconciler.observed;
  }

  /** Whether `publicKey` is configured on the device. */
  isConfigured(publicKey: string): boolean {
    return this.reconciler.isConfigured(publicKey);
  }

  /** The introducer `publicKey` is relayed through (spec 3.15), or undefined when direct. */
  relayOf(publicKey: string): { publicKey: string; hostname: string } | undefined {
    return this.reconciler.relayOf(publicKey);
  }

  private tick(): void {
    this.store.sweep();
    this.protocol.helloPeers();
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
