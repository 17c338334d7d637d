/**
 * In-mesh gossip (spec 3.11), only with the `gossip` setting (off by default, as in Go): every
 * 10 s one ANNOUNCE (own data and known_peers, as in a HELLO) goes to a random active peer's
 * `<mesh IPv4>:G`, i.e. through the tunnel; a received ANNOUNCE stores its sender as `gossip`
 * and its known peers as `gossip-transitive`.
 *
 * Security edge (spec 7.4 item 20): the datagram's source is normally a mesh address, so the
 * sender's endpoint resolved from it (or any endpoint whose host lies inside the mesh's own
 * networks) would point the underlay into the overlay; such endpoints are dropped, the peer is
 * kept. Beyond Go, announcements are validated as on the LAN path (spec 2.6) and one arriving
 * from a mesh address must carry that address as its own `mesh_ip`/`mesh_ipv6` — WireGuard
 * guarantees the source belongs to the peer it came from.
 *
 * Lifecycle: `start()` starts the 10 s timer (no-op with gossip off); `stop()` ends it.
 */
import { cidrContains, parseCidr, parseIp, toIPv4, type ParsedCidr } from '../../shared/mesh/ip';
import type { Source } from '../discovery/exchange';
import { filterEndpoint, knownPeerEndpoint, parseEndpoint, resolvePeerEndpoint } from '../mesh/endpoint';
import { decodeAnnouncement, encodeAnnouncement, validateAnnouncement, type PeerAnnouncement } from '../mesh/messages';
import type { TraversalContext } from './traversal-context';

/** Period of the gossip sender (Go `GossipInterval`). */
export const GOSSIP_INTERVAL_MS = 10_000;

/** Options of {@link MeshGossip}. */
export interface MeshGossipOptions {
  /** The mesh's networks (IPv4 subnet and IPv6 /64), CIDR text. */
  meshNetworks: readonly string[];
  /** Own announcement with known_peers, as in a HELLO. */
  announcement: () => PeerAnnouncement;
  /** Uniform in [0, 1); injected for tests. */
  random?: () => number;
}

/** The gossip sender and receiver. */
export class MeshGossip {
  private timer: NodeJS.Timeout | undefined;
  private readonly networks: ParsedCidr[];

  constructor(private readonly ctx: TraversalContext, private readonly o: MeshGossipOptions) {
    this.networks = o.meshNetworks.map((c) => parseCidr(c)).filter((c): c is ParsedCidr => c !== null);
  }

  /** Starts the 10 s sender when gossip is on. */
  start(): void {
    if (!this.ctx.settings.gossip || this.timer) return;
    this.timer = setInterval(() => this.sendOnce(), GOSSIP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the sender. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Sends one ANNOUNCE to a random active peer with a mesh IPv4; returns its key, or undefined. */
  sendOnce(): string | undefined {
    const peers = this.ctx.store.active().filter((p) => p.publicKey !== this.ctx.ownKey && p.meshIp && this.inMesh(p.meshIp));
    if (peers.length === 0) return undefined;
    const peer = peers[Math.floor((this.o.random ?? Math.random)() * peers.length)] ?? peers[0]!;
    this.ctx.sendMessage('ANNOUNCE', encodeAnnouncement(this.o.announcement()), { ip: peer.meshIp, port: this.ctx.gossipPort });
    return peer.publicKey;
  }

  /**
   * An ANNOUNCE on the control socket (spec 3.11 receiver), from `src`; without `src` (the
   * standalone form) the sender's endpoint is kept only if it is concrete.
   */
  onAnnounce(payload: Record<string, unknown>, src?: Source): void {
    if (!this.ctx.settings.gossip) return;
    let a: PeerAnnouncement;
    try { a = decodeAnnouncement(payload); } catch { return; }
    if (validateAnnouncement(a) !== null || a.wgPubkey === this.ctx.ownKey) return;
    if (src && this.inMesh(src.ip) && !sameIp(src.ip, a.meshIp) && !sameIp(src.ip, a.meshIpv6)) return;
    const endpoint = src ? resolvePeerEndpoint(a.wgEndpoint, src) : knownPeerEndpoint(a.wgEndpoint);
    this.ctx.storePeer(a, this.underlay(endpoint), 'gossip');
    for (const k of a.knownPeers) {
      if (k.wgPubkey === this.ctx.ownKey) continue;
      this.ctx.storePeer(k, this.underlay(knownPeerEndpoint(k.wgEndpoint)), 'gossip-transitive');
    }
  }

  /** `endpoint` unless its host lies inside the mesh (an overlay address) or IPv6 is off and it is IPv6. */
  private underlay(endpoint: string): string {
    const ep = parseEndpoint(endpoint);
    if (!ep || this.inMesh(ep.host)) return '';
    return filterEndpoint(endpoint, { noIpv6: !this.ctx.settings.ipv6 });
  }

  private inMesh(ip: string): boolean {
    const raw = parseIp(ip.split('%')[0] ?? '');
    const b = raw ? (toIPv4(raw) ?? raw) : null;
    return b !== null && this.networks.some((n) => cidrContains(n, b));
  }
}

function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  if (!x || !y) return false;
  const u = toIPv4(x) ?? x;
  const v = toIPv4(y) ?? y;
  return u.length === v.length && u.every((byte, i) => byte === v[i]);
}
