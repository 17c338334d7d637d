/**
 * Desired WireGuard peers from the peer store, diffed against what the device reports, applied
 * as the minimum change (spec 4.5, but event-driven and through UAPI instead of `wg set` per
 * peer). Unchanged peers are never re-applied, so WireGuard's endpoint roaming is not fought.
 *
 * Lifecycle: `reconcileNow()` coalesces callers: a call made while a run is queued joins it, a
 * call made during a run queues exactly one more. Runs never overlap. `stop()` cancels timers.
 */
import { meshIPInSubnet, type MeshSubnet } from '../../shared/mesh/address';
import type { MeshKeys } from '../../shared/mesh/derive';
import type { Clock } from '../clock';
import type { WireGuardDevice } from '../engine/wireguard/device';
import { planPeers, validateDesiredPeer, type DesiredPeer } from '../engine/wireguard/reconcile';
import type { DeviceState, PeerOp } from '../engine/wireguard/uapi';
import type { Logger } from '../log';
import type { Identity } from '../state/identity';
import type { Activation } from './activation';
import type { PeerRecord, PeerStore } from './peer-store';
import { RelayRouting, type RelayInfo, type RelayRoutingOptions } from './relay-routing';
import type { RouteManager } from './route-manager';
import type { RouteAdvertiser } from './route-plan';

/** WireGuard persistent keepalive for every active peer (spec 4.4). */
export const KEEPALIVE_S = 25;

/** Options of {@link PeerReconciler}. */
export interface PeerReconcilerOptions {
  device: WireGuardDevice;
  store: PeerStore;
  activation: Activation;
  identity: Identity;
  keys: MeshKeys;
  subnet: MeshSubnet;
  clock: Clock;
  logger: Logger;
  /** Subnet routes: extra AllowedIPs per peer and the kernel routes that go with them. */
  routes?: RouteManager;
  /** Told how long each reconcile pass took, in seconds, failed ones included (metrics). */
  onReconciled?: (seconds: number) => void;
  /** Peers evicted by the health monitor and not to be configured yet (spec 4.7); default none. */
  isOffline?: (publicKey: string) => boolean;
  /** Relay routing settings (spec 3.15): `introducer`, `forceRelay`, `ipv6`; absent = off, off, on. */
  discovery?: RelayRoutingOptions['discovery'];
  /** This node's NAT type from STUN, for the relay decision (spec 3.15 rule 9); default ''. */
  localNatType?: () => string;
  /** Subnets of the local interfaces (spec 3.15 rule 4); default from os.networkInterfaces(). */
  localSubnets?: () => readonly string[];
  /** Whether IPv6 endpoints are usable here (see RelayRoutingOptions.ipv6Usable). */
  ipv6Usable?: () => boolean;
}

/** Keeps the device's peers equal to the desired set. */
export class PeerReconciler {
  observed: DeviceState | undefined;
  private queued: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private previous = new Map<string, DesiredPeer>();
  private fallbackTimer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly observers: (() => void)[] = [];
  private readonly reapplying = new Set<string>();
  /** Which peers go through an introducer (spec 3.15), recomputed on every pass. */
  private readonly relays: RelayRouting;

  constructor(private readonly o: PeerReconcilerOptions) {
    this.relays = new RelayRouting(o);
    o.store.onChanged((e) => {
      if (e.kind === 'removed') o.activation.forget(e.peer.publicKey);
      this.reconcileSoon();
    });
  }

  /** Registers a callback run after each observation of the device. */
  onObserved(cb: () => void): void {
    this.observers.push(cb);
  }

  /** Runs a reconcile that starts after this call; resolves when it is done (never rejects). */
  reconcileNow(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(async () => {
      this.queued = undefined;
      if (!this.stopped) await this.timed();
    }).catch((err: Error) => this.o.logger.warn('reconcile failed', { error: err.message }));
    this.queued = run;
    this.chain = run;
    return run;
  }

  /** Schedules a reconcile a few milliseconds from now, so a burst of store events costs one. */
  reconcileSoon(): void {
    if (this.soonTimer || this.stopped) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined;
      void this.reconcileNow();
    }, 5);
  }

  /** Re-reads handshakes and counters; a reconcile follows when a peer needs a kick. */
  async refreshStats(): Promise<void> {
    if (this.stopped) return;
    try {
      this.observe(await this.o.device.get());
      if (this.o.activation.dueForKick(this.o.clock.now(), { peek: true }).length > 0) void this.reconcileNow();
    } catch (err) {
      this.o.logger.debug('device read failed', { error: (err as Error).message });
    }
  }

  /** True while a configured peer has no handshake yet: callers then poll faster. */
  get awaitingHandshakes(): boolean {
    const seen = new Set(this.observed?.peers.filter((p) => p.lastHandshakeTime > 0).map((p) => p.publicKey));
    return [...this.previous.keys()].some((k) => !seen.has(k));
  }

  /**
   * Re-sets one peer in full on the next pass, as Go's health monitor re-issues `wg set` for a
   * stale peer (spec 4.7): its previous entry is forgotten, so the endpoint converges back to
   * the advertised one, and a full `set` is sent even when nothing differs.
   */
  reapply(publicKey: string): Promise<void> {
    this.previous.delete(publicKey);
    this.reapplying.add(publicKey);
    return this.reconcileNow();
  }

  /** How long `publicKey` has gone through its current relay (ms), or undefined when direct. */
  relayedFor(publicKey: string): number | undefined {
    const r = this.relays.relayOf(publicKey);
    return r && this.o.clock.now() - r.since;
  }

  /** The introducer `publicKey` is relayed through (spec 3.15), or undefined when direct. */
  relayOf(publicKey: string): RelayInfo | undefined {
    return this.relays.relayOf(publicKey);
  }

  /** Whether the device has `publicKey` as a peer. */
  isConfigured(publicKey: string): boolean {
    return this.previous.has(publicKey);
  }

  /** Stops timers; later calls do nothing. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.fallbackTimer);
    clearTimeout(this.soonTimer);
  }

  /** The peers that should be on the device now. */
  desired(): DesiredPeer[] {
    const now = this.o.clock.now();
    const out: DesiredPeer[] = [];
    for (const p of this.o.store.active()) {
      if (!this.configurable(p)) continue;
      // A relayed peer's addresses ride on the relay's entry (spec 3.15). Go removes the peer's
      // own entry; we keep one without AllowedIPs while a direct path may exist, so WireGuard
      // keeps trying a direct handshake through the NATs (both sides initiate): once one
      // completes, rule 7 makes both ends go direct. A Go peer has no entry for us, so with it
      // no handshake completes and both ends stay relayed, as they must.
      const relay = this.relays.relayOf(p.publicKey);
      if (relay && !this.directProbeWorthwhile(p)) continue;
      const allowedIps = relay ? [] : [`${p.meshIp}/32`];
      if (p.meshIpv6 && !relay) allowedIps.push(`${p.meshIpv6}/128`);
      if (!relay) allowedIps.push(...this.relays.carriedBy(p.publicKey), ...(this.o.routes?.allowedIpsOf(p.publicKey) ?? []));
      const d: DesiredPeer = {
        publicKey: p.publicKey,
        presharedKey: this.o.keys.pskBase64,
        endpoint: p.endpoint,
        allowedIps,
        persistentKeepaliveInterval: this.o.activation.isActive(p.publicKey, now) ? KEEPALIVE_S : 0,
      };
      // One unusable peer (a DNS-name endpoint, say) must not block the others (spec 7.4 item 4).
      const problem = validateDesiredPeer(d);
      if (problem) this.o.logger.debug('peer not configurable', { peer: p.publicKey.slice(0, 8), problem });
      else out.push(d);
    }
    return out;
  }

  /** A direct handshake with a relayed peer can succeed: not both behind symmetric NATs, and an endpoint of a family we can use. */
  private directProbeWorthwhile(p: PeerRecord): boolean {
    if (p.natType === 'symmetric' && this.o.localNatType?.() === 'symmetric') return false;
    return !p.endpoint.startsWith('[') || this.o.ipv6Usable?.() !== false;
  }

  private configurable(p: PeerRecord): boolean {
    if (p.publicKey === this.o.identity.publicKey || !p.meshIp || !p.endpoint) return false;
    if (this.o.isOffline?.(p.publicKey)) return false;
    if (/^(0\.0\.0\.0|\[::\]|):/.test(p.endpoint)) return false;
    return meshIPInSubnet(p.meshIp, this.o.subnet);
  }

  private async timed(): Promise<void> {
    const t0 = performance.now();
    try {
      await this.run();
    } finally {
      this.o.onReconciled?.((performance.now() - t0) / 1000);
    }
  }

  private async run(): Promise<void> {
    const state = await this.o.device.get();
    this.observe(state);
    this.relays.update(this.o.store.active(), state, this.o.clock.now(), (relay) => this.configurable(relay));
    this.o.routes?.update(this.advertisers(state));
    const desired = this.desired();
    const now0 = this.o.clock.now();
    for (const d of desired) {
      if (d.persistentKeepaliveInterval > 0 && this.previous.get(d.publicKey)?.persistentKeepaliveInterval !== d.persistentKeepaliveInterval) {
        this.o.activation.initiated(d.publicKey, now0);
      }
    }
    const ops = [...planPeers(state.peers, desired, this.previous), ...this.kickOps(desired, now0), ...this.reapplyOps(desired)];
    if (ops.length > 0) {
      await this.o.device.applyPeers(ops);
      this.o.logger.debug('applied peer changes', { ops: ops.length });
    }
    const now = this.o.clock.now();
    this.previous = new Map(desired.map((d) => [d.publicKey, d]));
    for (const d of desired) this.o.activation.configured(d.publicKey, now);
    this.scheduleFallback(now);
    await this.o.routes?.applyKernelRoutes().catch((err: Error) => this.o.logger.warn('mesh routes not applied', { error: err.message }));
  }

  /**
   * Active, configurable peers that advertise routes, with whether the tunnel to them is alive:
   * a handshake within 180 s (WireGuard re-keys every 2 minutes while traffic flows or
   * keepalives run), so a silently dead advertiser loses its routes to a standby.
   */
  private advertisers(state: DeviceState): RouteAdvertiser[] {
    const now = this.o.clock.now();
    const handshaken = new Set(state.peers.filter((p) => p.lastHandshakeTime > 0 && now - p.lastHandshakeTime < 180_000).map((p) => p.publicKey));
    return this.o.store.active()
      .filter((p) => p.routableNetworks.length > 0 && (this.configurable(p) || this.relays.relayOf(p.publicKey)))
      .map((p) => {
        const relay = this.relays.relayOf(p.publicKey);
        return { publicKey: p.publicKey, hostname: p.hostname, meshIp: p.meshIp, meshIpv6: p.meshIpv6,
          routableNetworks: p.routableNetworks, reachable: handshaken.has(relay?.publicKey ?? p.publicKey), ...(relay ? { relay } : {}) };
      });
  }

  /** Remove + full set for desired peers due a kick (see Activation.dueForKick). */
  private kickOps(desired: readonly DesiredPeer[], now: number): PeerOp[] {
    const due = new Set(this.o.activation.dueForKick(now));
    const kicked = desired.filter((d) => due.has(d.publicKey));
    if (kicked.length) this.o.logger.debug('re-adding peers without a handshake', { peers: kicked.map((d) => d.publicKey.slice(0, 8)) });
    return kicked.flatMap((d) => [{ type: 'remove', publicKey: d.publicKey }, { type: 'set', ...d }]);
  }

  /** Full `set` ops for the desired peers {@link reapply} asked for (others are dropped). */
  private reapplyOps(desired: readonly DesiredPeer[]): PeerOp[] {
    const ops: PeerOp[] = desired.filter((d) => this.reapplying.has(d.publicKey))
      .map((d) => ({ type: 'set', ...d, replaceAllowedIps: true }));
    this.reapplying.clear();
    return ops;
  }

  private observe(state: DeviceState): void {
    this.observed = state;
    for (const p of state.peers) {
      if (p.lastHandshakeTime > 0 && this.o.activation.handshake(p.publicKey)) {
        this.o.logger.debug('first handshake', { peer: p.publicKey.slice(0, 8) });
      }
    }
    for (const cb of this.observers) cb();
  }

  private scheduleFallback(now: number): void {
    clearTimeout(this.fallbackTimer);
    const due = this.o.activation.nextFallbackIn(now);
    if (due !== undefined && !this.stopped) this.fallbackTimer = setTimeout(() => void this.reconcileNow(), due + 5);
  }
}
