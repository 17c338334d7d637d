/**
 * Sites while joined (issue 5): the site channel, the origin manager (always) and the edge
 * manager (in edge mode), fed with authenticated messages. A message counts only when the
 * envelope opens (the sender holds the secret) AND its `wg_pubkey` is the peer whose mesh
 * address sent it: inside WireGuard a source address proves the sending key (cryptokey
 * routing), so one member cannot speak for another.
 *
 * Lifecycle: `start()` binds the channel on the mesh addresses and starts a 5 s tick (site
 * lists out, edge expiry and reports); `setEdge()` switches edge mode; `stop()` withdraws our
 * sites, stops the edge (removing its nginx config when asked) and closes the channel.
 */
import type { EdgeSettings } from '../../shared/protocol';
import type { MeshKeys } from '../../shared/mesh/derive';
import type { Clock } from '../clock';
import type { PacketCounters } from '../discovery/counters';
import type { Source } from '../discovery/exchange';
import { SiteChannel } from '../discovery/site-channel';
import type { CacheLogTailer } from '../edge/cache-log';
import type { EdgeNginx } from '../edge/nginx';
import { EdgeManager } from '../edge/edge-manager';
import type { OriginFirewall } from '../engine/firewall/origin-firewall';
import type { Logger } from '../log';
import { decodeEdgeReport, decodeSites, SITES_TYPE, SiteMessageError } from '../mesh/site-messages';
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
}

/** Origin and edge roles of a joined node. */
export class SiteRuntime {
  readonly origin: OriginManager;
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
  }

  /** The edge manager, in edge mode. */
  get edge(): EdgeManager | undefined {
    return this.edgeManager;
  }

  /** Opens the channel and starts the tick. */
  async start(): Promise<void> {
    await this.channel.bind([this.d.identity.meshIPv4, this.d.identity.meshIPv6]);
    // A new peer hears our sites at once instead of at the next tick.
    this.unsubscribe = this.d.store.onChanged((e) => { if (e.kind === 'new') setTimeout(() => this.origin.announce(), 300).unref(); });
    this.timer = setInterval(() => {
      this.origin.announce();
      this.edgeManager?.tick();
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
    if (!settings) return;
    const m = new EdgeManager({
      settings, nginx: this.d.createNginx(), publicKey: this.d.identity.publicKey, clock: this.d.clock,
      logger: this.d.logger.child('edge'), send: (t, text, ip) => this.channel.send(t, text, ip), onChanged: this.d.onChanged, ipv6: this.d.ipv6,
      ...(this.d.cacheLog ? { cacheLog: this.d.cacheLog } : {}),
    });
    this.edgeManager = m;
    this.edgeSettings = key;
    await m.start();
    this.origin.announce(); // our own sites, if any, are served by our own edge too
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
    this.channel.close();
  }

  private peers(): SitePeer[] {
    const self: SitePeer = { publicKey: this.d.identity.publicKey, hostname: '', meshIp: this.d.identity.meshIPv4 };
    const list = this.d.store.active().filter((p) => p.meshIp !== '').map((p) => ({ publicKey: p.publicKey, hostname: p.hostname, meshIp: p.meshIp }));
    return this.edgeManager ? [self, ...list] : list;
  }

  private onMessage(type: string, payload: Record<string, unknown>, src: Source): void {
    const self = src.ip === this.d.identity.meshIPv4 || src.ip === this.d.identity.meshIPv6;
    const rec = self ? undefined : this.d.store.active().find((p) => p.meshIp === src.ip || p.meshIpv6 === src.ip);
    const peer: SitePeer | undefined = self
      ? { publicKey: this.d.identity.publicKey, hostname: '', meshIp: this.d.identity.meshIPv4 }
      : rec && { publicKey: rec.publicKey, hostname: rec.hostname, meshIp: rec.meshIp };
    if (!peer) return this.d.counters.drop('unknown-sender');
    try {
      if (type === SITES_TYPE) {
        const msg = decodeSites(payload);
        if (msg.wgPubkey !== peer.publicKey) return this.d.counters.drop('key-mismatch');
        this.edgeManager?.onSites(msg, peer);
      } else {
        const report = decodeEdgeReport(payload);
        if (report.wgPubkey !== peer.publicKey) return this.d.counters.drop('key-mismatch');
        this.origin.onEdgeReport(report, peer);
      }
    } catch (err) {
      if (err instanceof SiteMessageError) {
        this.d.logger.debug('invalid site message dropped', { type, error: err.message });
        return this.d.counters.drop('bad-payload');
      }
      throw err;
    }
  }
}
