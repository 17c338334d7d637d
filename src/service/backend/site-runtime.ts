/**
 * Sites while joined (issue 5): the site channel, the origin manager (always) and the edge
 * manager (in edge mode), fed with authenticated messages. A message counts only when the
 * envelope opens (the sender holds the secret) AND its `wg_pubkey` is the peer whose mesh
 * address sent it: inside WireGuard a source address proves the sending key (cryptokey
 * routing), so one member cannot speak for another.
 *
 * Lifecycle: `start()` binds the channel on the mesh addresses and starts a 5 s tick (site
 * lists out, edge expiry and reports, edge capability reports out and expired); `setEdge()`
 * switches edge mode; `stop()` withdraws our sites, stops the edge (removing its nginx config
 * when asked) and closes the channel.
 */
import type { EdgeSettings, MeshEdge } from '../../shared/protocol';
import type { MeshKeys } from '../../shared/mesh/derive';
import type { Clock } from '../clock';
import type { PacketCounters } from '../discovery/counters';
import type { Source } from '../discovery/exchange';
import { SiteChannel } from '../discovery/site-channel';
import type { CacheLogTailer } from '../edge/cache-log';
import { EdgeDirectory } from '../edge/edge-directory';
import { EdgeInfoReporter, toMeshEdge } from '../edge/edge-info';
import type { EdgeNginx } from '../edge/nginx';
import { EdgeManager } from '../edge/edge-manager';
import type { OriginFirewall } from '../engine/firewall/origin-firewall';
import type { Logger } from '../log';
import { decodeEdgeInfo, decodeEdgeReport, decodeSites, EDGE_INFO_TYPE, SITES_TYPE, SiteMessageError } from '../mesh/site-messages';
import { OriginManager, type SitePeer } from '../origin/origin-manager';
import type { Identity } from '../state/identity';
import type { PeerStore } from './peer-store';

/** What the site runtime needs. */
export interface SiteRuntimeDeps {
  keys: MeshKeys;
  identity: Identity;
  iface: string;
  store: PeerStore;
  clock: Clock;
  logger: Logger;
  originFirewall: OriginFirewall;
  createNginx: () => EdgeNginx;
  ipv6: boolean;
  /** The node's packet counters: site-channel drops show in status like the others. */
  counters: PacketCounters;
  onChanged: () => void;
  /** With metrics on: the edge's cache log (see EdgeManagerDeps.cacheLog). */
  cacheLog?: CacheLogTailer;
  /** This node's name, shown for it in the list of the mesh's edges. */
  hostname?: string;
}

/** Origin and edge roles of a joined node. */
export class SiteRuntime {
  readonly origin: OriginManager;
  /** The mesh's edges, from their capability reports. */
  readonly edges: EdgeDirectory;
  private readonly edgeInfo: EdgeInfoReporter;
  private edgeManager: EdgeManager | undefined;
  private edgeSettings: string | undefined;
  private readonly channel: SiteChannel;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly d: SiteRuntimeDeps) {
    const send = (type: string, text: string, ip: string): void => this.channel.send(type, text, ip);
    this.channel = new SiteChannel({
      port: d.keys.probePort, gossipKey: d.keys.gossipKey, clock: d.clock, logger: d.logger.child('channel'),
      counters: d.counters, onMessage: (type, payload, src) => this.onMessage(type, payload, src),
    });
    this.origin = new OriginManager({
      iface: d.iface, meshAddresses: [d.identity.meshIPv4, d.identity.meshIPv6], publicKey: d.identity.publicKey,
      firewall: d.originFirewall, clock: d.clock, logger: d.logger.child('origin'), peers: () => this.peers(), send, onChanged: d.onChanged,
    });
    this.edges = new EdgeDirectory(d.clock);
    this.edgeInfo = new EdgeInfoReporter({
      publicKey: d.identity.publicKey, clock: d.clock, send, peers: () => this.otherPeers(), edge: () => this.edgeManager, logger: d.logger,
    });
  }

  /** The mesh's edges: this node (in edge mode) first, then those that reported within the last minute. */
  meshEdges(): MeshEdge[] {
    const local = this.edgeInfo.local();
    const me = { ...this.self(), hostname: this.d.hostname ?? '' };
    const self = local && this.edgeManager ? [toMeshEdge(local, me, this.d.clock.now())] : [];
    return [...self, ...this.edges.list()];
  }

  /** The edge manager, in edge mode. */
  get edge(): EdgeManager | undefined {
    return this.edgeManager;
  }

  /** Opens the channel and starts the tick. */
  async start(): Promise<void> {
    await this.channel.bind([this.d.identity.meshIPv4, this.d.identity.meshIPv6]);
    // A new peer hears our sites at once instead of at the next tick.
    this.unsubscribe = this.d.store.onChanged((e) => {
      if (e.kind === 'new') setTimeout(() => { this.origin.announce(); this.edgeInfo.announce(); }, 300).unref();
    });
    this.timer = setInterval(() => {
      this.origin.announce();
      this.edgeManager?.tick();
      void this.edgeInfo.tick();
      if (this.edges.expire()) this.d.onChanged();
    }, 5000);
    this.timer.unref();
  }

  /** Turns edge mode on with `settings` (restarting it when they changed), or off. */
  async setEdge(settings: EdgeSettings | undefined, remove = true): Promise<void> {
    const key = settings && JSON.stringify(settings);
    if (key === this.edgeSettings && (settings === undefined) === (this.edgeManager === undefined)) return;
    const old = this.edgeManager;
    this.edgeManager = undefined;
    this.edgeSettings = undefined;
    if (old) await old.stop(remove && !settings);
    if (!settings) return this.edgeInfo.withdraw();
    const m = new EdgeManager({
      settings, nginx: this.d.createNginx(), publicKey: this.d.identity.publicKey, clock: this.d.clock,
      logger: this.d.logger.child('edge'), send: (t, text, ip) => this.channel.send(t, text, ip), ipv6: this.d.ipv6,
      onChanged: () => { this.d.onChanged(); void this.edgeInfo.changed(); },
      ...(this.d.cacheLog ? { cacheLog: this.d.cacheLog } : {}),
    });
    this.edgeManager = m;
    this.edgeSettings = key;
    await m.start();
    this.origin.announce(); // our own sites, if any, are served by our own edge too
    void this.edgeInfo.changed();
  }

  /**
   * Stops both roles and closes the channel. `leaving` (the mesh, not a restart) withdraws our
   * sites from the edges at once and removes edge mode's nginx config.
   */
  async stop(leaving: boolean): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.origin.stop(leaving);
    await this.edgeManager?.stop(leaving);
    this.edgeManager = undefined;
    if (leaving) await this.edgeInfo.withdraw();
    this.channel.close();
  }

  private self(): SitePeer {
    return { publicKey: this.d.identity.publicKey, hostname: '', meshIp: this.d.identity.meshIPv4 };
  }

  private otherPeers(): SitePeer[] {
    return this.d.store.active().filter((p) => p.meshIp !== '').map((p) => ({ publicKey: p.publicKey, hostname: p.hostname, meshIp: p.meshIp }));
  }

  private peers(): SitePeer[] {
    return this.edgeManager ? [this.self(), ...this.otherPeers()] : this.otherPeers();
  }

  private onMessage(type: string, payload: Record<string, unknown>, src: Source): void {
    const peer = this.sender(src);
    if (!peer) return this.d.counters.drop('unknown-sender');
    try {
      this.dispatch(type, payload, peer);
    } catch (err) {
      if (err instanceof SiteMessageError) {
        this.d.logger.debug('invalid site message dropped', { type, error: err.message });
        return this.d.counters.drop('bad-payload');
      }
      throw err;
    }
  }

  /** The member whose mesh address sent a datagram: inside WireGuard, the address proves the key. */
  private sender(src: Source): SitePeer | undefined {
    if (src.ip === this.d.identity.meshIPv4 || src.ip === this.d.identity.meshIPv6) return this.self();
    const rec = this.d.store.active().find((p) => p.meshIp === src.ip || p.meshIpv6 === src.ip);
    return rec && { publicKey: rec.publicKey, hostname: rec.hostname, meshIp: rec.meshIp };
  }

  /** Decodes one message and hands it on when it speaks for `peer` (its own key), else counts a drop. */
  private dispatch(type: string, payload: Record<string, unknown>, peer: SitePeer): void {
    const ownKey = (key: string): boolean => {
      if (key === peer.publicKey) return true;
      this.d.counters.drop('key-mismatch');
      return false;
    };
    if (type === SITES_TYPE) {
      const msg = decodeSites(payload);
      if (ownKey(msg.wgPubkey)) this.edgeManager?.onSites(msg, peer);
    } else if (type === EDGE_INFO_TYPE) {
      const info = decodeEdgeInfo(payload);
      // This node lists itself from its own state (meshEdges), not from its reports.
      if (ownKey(info.wgPubkey) && info.wgPubkey !== this.d.identity.publicKey && this.edges.onInfo(info, peer)) this.d.onChanged();
    } else {
      const report = decodeEdgeReport(payload);
      if (ownKey(report.wgPubkey)) this.origin.onEdgeReport(report, peer);
    }
  }
}
