/**
 * The wgmesh message logic of a node: what to send and what to store when HELLO, REPLY,
 * GOODBYE and LAN announcements arrive (spec 3.2–3.4, 3.10). Sockets are injected (`send`,
 * `exchangeWith`); this class only decides.
 *
 * Ordering rule that makes the mesh form in one round trip: before we send a HELLO or REPLY to
 * a peer, that peer is configured on our device. The recipient can therefore treat any HELLO or
 * REPLY as proof that we accept its handshake (see activation.ts).
 */
import type { MeshSubnet } from '../../shared/mesh/address';
import type { MeshKeys } from '../../shared/mesh/derive';
import type { Clock } from '../clock';
import { sourceKey, type Source } from '../discovery/exchange';
import { sealEnvelope } from '../mesh/envelope';
import { adoptObservedEndpoint, isWildcardHost, knownPeerEndpoint, lanEndpoint, parseEndpoint, resolvePeerEndpoint } from '../mesh/endpoint';
import {
  buildKnownPeers, decodeAnnouncement, decodeGoodbye, encodeAnnouncement, encodeGoodbye, goodbyeFresh,
  MAX_EXCHANGE_DATAGRAM, type KnownPeer, type PeerAnnouncement,
} from '../mesh/messages';
import type { Logger } from '../log';
import type { Identity } from '../state/identity';
import type { Activation } from './activation';
import { announcementToPeerInput } from './peer-input';
import { endpointOnAnyLocalSubnet } from './relay';
import { osLocalSubnets } from './relay-routing';
import type { PeerReconciler } from './peer-reconciler';
import { endpointMethodRank, MAX_PEERS, type DiscoveryMethod, type PeerStore } from './peer-store';

/** How long we wait before contacting the same control address again (spec 3.5 dedupe). */
const CONTACT_DEDUPE_MS = 60_000;
/** How long a peer's HELLO source address is taken to be open in its NAT (UDP mappings last 30–120 s). */
const HELLO_SOURCE_FRESH_MS = 100_000;
/** Delays of the retries of a DHT contact that got no REPLY (see contactDhtPeer). */
const DHT_RETRY_MS = [5000, 10_000, 20_000];

/** Options of {@link MeshProtocol}. */
export interface MeshProtocolOptions {
  keys: MeshKeys;
  identity: Identity;
  subnet: MeshSubnet;
  hostname: string;
  listenPort: number;
  clock: Clock;
  logger: Logger;
  store: PeerStore;
  activation: Activation;
  reconciler: PeerReconciler;
  /** The prefixes this node advertises (canonical), sent in every announcement. */
  advertisedRoutes?: () => readonly string[];
  /** `introducer` (Go's `--introducer`) is announced in every message we send (spec 2.5, 3.8); absent = false. */
  discovery?: { introducer: boolean };
  send: (datagram: Uint8Array, to: Source) => void;
  exchangeWith: (to: Source, hello: Uint8Array) => Promise<Record<string, unknown> | null>;
  /** Subnets of the local interfaces; default from os.networkInterfaces(). */
  localSubnets?: () => readonly string[];
  /** Whether IPv6 underlay endpoints are usable here (a public IPv6 address and IPv6 on). */
  canUseIPv6?: () => boolean;
  /** Told the sender's clock (Unix seconds) of every accepted HELLO, REPLY and LAN ANNOUNCE (clock-skew diagnostics). */
  onPeerTimestamp?: (publicKey: string, hostname: string, timestampS: number) => void;
  /** RENDEZVOUS_OFFER, RENDEZVOUS_START and ANNOUNCE from the control socket (NAT traversal and gossip, nat-traversal.ts). */
  onTraversalMessage?: (type: string, payload: Record<string, unknown>, src: Source) => void;
}

/** Message handling of one node. */
export class MeshProtocol {
  /** Our WireGuard endpoint as advertised (spec 4.1 step 4; observed-address adoption, 3.4). */
  advertisedEndpoint: string;
  /** Our NAT type from STUN (spec 3.6), '' until known. */
  natType = '';
  private readonly contacted = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private shareTimer: NodeJS.Timeout | undefined;
  /** Where each peer's last HELLO came from, and when (bounded by the store's size). */
  private readonly helloSources = new Map<string, { src: Source; at: number }>();
  /** The sender's timestamp of each peer's last GOODBYE: older HELLOs/REPLYs (resends in flight) do not bring it back. */
  private readonly goodbyeAt = new Map<string, number>();
  private lastShare = -Infinity;
  private stopped = false;
  /** Recently handled HELLOs (with the REPLY sent) and REPLYs, by sender and timestamp. */
  private readonly recent = new Map<string, { datagram?: Uint8Array }>();

  constructor(private readonly o: MeshProtocolOptions) {
    this.advertisedEndpoint = `0.0.0.0:${o.listenPort}`;
  }

  /** Sealed LAN ANNOUNCE (no known_peers, spec 3.2). */
  sealAnnounce(): Uint8Array {
    return sealEnvelope(this.o.keys.gossipKey, 'ANNOUNCE', encodeAnnouncement(this.self()));
  }

  /** Own announcement with known_peers, as in a HELLO (NAT traversal exchanges, in-mesh gossip). */
  announcement(): PeerAnnouncement {
    return { ...this.self(), knownPeers: this.knownPeers() };
  }

  /** A validated LAN announcement from `sourceIp` (spec 3.2 receive). */
  onLanAnnouncement(a: PeerAnnouncement, sourceIp: string): void {
    if (this.sentBeforeGoodbye(a)) return;
    this.o.onPeerTimestamp?.(a.wgPubkey, a.hostname, a.timestamp);
    this.storeAnnouncement(a, 'lan', lanEndpoint(a.wgEndpoint, sourceIp));
    // Also for peers first learned transitively (often without a usable endpoint): the exchange
    // is what lets exactly one side initiate at once. contact() deduplicates per address.
    void this.contact({ ip: sourceIp, port: this.o.keys.gossipPort });
  }

  /** Any opened datagram from the control socket. */
  onControlMessage(type: string, payload: Record<string, unknown>, src: Source): void {
    switch (type) {
      case 'HELLO': void this.onHello(payload, src); break;
      case 'REPLY': this.onReply(payload, src); break;
      case 'GOODBYE': this.onGoodbye(payload); break;
      // ANNOUNCE on G is in-mesh gossip (ignored unless on, as in Go); RENDEZVOUS_OFFER is served
      // only by introducers (spec 7.4 item 13), RENDEZVOUS_START only with punching on.
      case 'ANNOUNCE': case 'RENDEZVOUS_OFFER': case 'RENDEZVOUS_START': this.o.onTraversalMessage?.(type, payload, src); break;
      default: break;
    }
  }

  /** A new endpoint detection result (STUN or a public IPv6 address; spec 3.6 overwrites). */
  endpointDetected(endpoint: string, natType: string): void {
    this.advertisedEndpoint = endpoint;
    this.natType = natType;
  }

  /**
   * The WireGuard endpoint of a HELLO/REPLY sender (spec 3.4). A Go host with any global IPv6
   * address advertises `[v6]:port` whether or not IPv6 works (spec 7.4 item 9): when we cannot
   * use IPv6 and the datagram came over IPv4, its source IP with the advertised port is used.
   */
  private senderEndpoint(advertised: string, src: Source): string {
    const ep = resolvePeerEndpoint(advertised, src);
    if (!ep.startsWith('[') || src.ip.includes(':') || this.o.canUseIPv6?.() !== false) return ep;
    return resolvePeerEndpoint(`0.0.0.0:${parseEndpoint(ep)?.port ?? 51820}`, src);
  }

  /**
   * An address a DHT get_peers returned (spec 3.5 contactPeer): skipped when it is our own
   * endpoint, otherwise a HELLO exchange (deduplicated per address for 60 s).
   */
  contactDhtPeer(to: Source, attempt = 0): void {
    const key = sourceKey(to);
    if (key === this.advertisedEndpoint || this.stopped) return;
    void this.contact(to).then((ok) => {
      // A peer behind a NAT answers only once its own HELLO to us has opened its side: when
      // both learn of each other a few seconds apart, the first burst is lost. Retrying within
      // the NATs' 30 s UDP mapping lifetime makes the two bursts meet (the DHT repeats a value
      // only after 60 s).
      const delay = DHT_RETRY_MS[attempt];
      if (ok !== false || delay === undefined || this.stopped) return;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.contacted.delete(key);
        this.contactDhtPeer(to, attempt + 1);
      }, delay);
      this.retryTimers.add(timer);
    });
  }

  /**
   * A peer we did not know was heard directly: tell the peers we reach directly (those that
   * answered a HELLO of ours) with one HELLO each, so they learn it from our known_peers now
   * rather than at their next contact with us, up to a minute later (Go waits for that). Nodes
   * behind NATs that cannot reach each other meet this way within seconds — including the
   * relay decision, which needs the peer in the store. Debounced (1 s) and at most every 5 s.
   */
  shareNewPeer(): void {
    if (this.shareTimer || this.stopped) return;
    const wait = Math.max(1000, this.lastShare + 5000 - this.o.clock.now());
    this.shareTimer = setTimeout(() => {
      this.shareTimer = undefined;
      if (this.stopped) return;
      this.lastShare = this.o.clock.now();
      const datagram = sealEnvelope(this.o.keys.gossipKey, 'HELLO', encodeAnnouncement({ ...this.self(), knownPeers: this.knownPeers() }));
      const now = this.o.clock.now();
      for (const p of this.o.store.active()) {
        // A peer behind a symmetric NAT answers none of our HELLOs, but its own HELLO's source
        // address stays open for a while (our REPLY went there).
        const heard = this.helloSources.get(p.publicKey);
        const to = p.controlEndpoint ? this.controlEndpointOf(p.publicKey)
          : heard && now - heard.at < HELLO_SOURCE_FRESH_MS ? heard.src : undefined;
        if (to) this.o.send(datagram, to);
      }
    }, wait);
  }

  /** Stops retries (the node is leaving). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.shareTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  /**
   * HELLO to every active peer whose control endpoint we know and that was not heard directly
   * for `quietMs` (or to all with `force`, after our address changed): keeps us alive in their
   * stores (< 5 min, spec 7.1 D5) when neither LAN nor the DHT brings us together.
   */
  helloPeers(opts: { quietMs?: number; force?: boolean } = {}): void {
    const now = this.o.clock.now();
    for (const p of this.o.store.active()) {
      if (!opts.force && now - p.lastSeen < (opts.quietMs ?? 120_000)) continue;
      const to = this.controlEndpointOf(p.publicKey);
      if (!to) continue;
      if (opts.force) this.contacted.delete(sourceKey(to));
      void this.contact(to);
    }
  }

  /** HELLO to every cached peer, so a restarted node is back without waiting for discovery. */
  helloCachedPeers(): void {
    for (const p of this.o.store.all()) {
      const to = this.controlEndpointOf(p.publicKey);
      if (to) void this.contact(to);
    }
  }

  /** GOODBYE to every known peer's control endpoint (spec 3.10), twice against loss. */
  async sayGoodbye(): Promise<void> {
    const g = encodeGoodbye({ timestamp: this.nowSec(), wgPubkey: this.o.identity.publicKey });
    const datagram = sealEnvelope(this.o.keys.gossipKey, 'GOODBYE', g);
    const targets = new Map<string, Source>();
    for (const p of this.o.store.all()) {
      const to = this.controlEndpointOf(p.publicKey);
      if (to) targets.set(sourceKey(to), to);
    }
    for (let i = 0; i < 2; i++) for (const to of targets.values()) this.o.send(datagram, to);
    if (targets.size) await new Promise((r) => setTimeout(r, 50));
  }

  private async onHello(payload: Record<string, unknown>, src: Source): Promise<void> {
    // An initiator resends the very same sealed HELLO until it hears back; a resend is answered
    // with the REPLY already built (Go answers every HELLO too) instead of being processed again.
    const helloId = `H|${sourceKey(src)}|${String(payload.wg_pubkey)}|${String(payload.timestamp)}`;
    const cached = this.recent.get(helloId);
    if (cached) {
      if (cached.datagram) this.o.send(cached.datagram, src);
      return;
    }
    const a = this.decode(payload);
    if (!a || a.wgPubkey === this.o.identity.publicKey || this.sentBeforeGoodbye(a)) return;
    this.o.onPeerTimestamp?.(a.wgPubkey, a.hostname, a.timestamp);
    const entry: { datagram?: Uint8Array } = {};
    this.remember(helloId, entry);
    this.storeAnnouncement(a, 'dht', this.senderEndpoint(a.wgEndpoint, src));
    if (this.o.store.get(a.wgPubkey)) {
      this.helloSources.delete(a.wgPubkey);
      this.helloSources.set(a.wgPubkey, { src, at: this.o.clock.now() });
      if (this.helloSources.size > MAX_PEERS) this.helloSources.delete(this.helloSources.keys().next().value!);
    }
    // Only for a stored peer: evidence for keys we refused (malformed, store full) would pile up (hardening fuzz).
    if (this.o.store.get(a.wgPubkey)) this.evidence(a.wgPubkey, src);
    await this.o.reconciler.reconcileNow(); // configure the sender before we answer (see top)
    const reply = { ...this.self(), knownPeers: this.knownPeers(), observedEndpoint: sourceKey(src) };
    entry.datagram = sealEnvelope(this.o.keys.gossipKey, 'REPLY', encodeAnnouncement(reply));
    this.o.send(entry.datagram, src);
  }

  /** Remembers a handled message for 5 s (bounded: at most 1024 entries). */
  private remember(id: string, entry: { datagram?: Uint8Array }): void {
    this.recent.set(id, entry);
    if (this.recent.size > 1024) this.recent.delete(this.recent.keys().next().value!);
    setTimeout(() => this.recent.delete(id), 5000).unref();
  }

  private onReply(payload: Record<string, unknown>, src: Source): void {
    // Our HELLO resends each get a REPLY; the copies carry nothing new.
    const replyId = `R|${sourceKey(src)}|${String(payload.wg_pubkey)}|${String(payload.timestamp)}`;
    if (this.recent.has(replyId)) return;
    this.remember(replyId, {});
    const a = this.decode(payload);
    if (!a || a.wgPubkey === this.o.identity.publicKey || this.sentBeforeGoodbye(a)) return;
    this.o.onPeerTimestamp?.(a.wgPubkey, a.hostname, a.timestamp);
    if (a.observedEndpoint) {
      const next = adoptObservedEndpoint(this.advertisedEndpoint, a.observedEndpoint);
      if (next !== this.advertisedEndpoint) {
        this.o.logger.info('advertising the address a peer observed', { endpoint: next });
        this.advertisedEndpoint = next;
      }
    }
    this.storeAnnouncement(a, 'dht', this.senderEndpoint(a.wgEndpoint, src));
    this.o.store.setControlEndpoint(a.wgPubkey, sourceKey(src));
    if (this.o.store.get(a.wgPubkey) && this.evidence(a.wgPubkey, src)) void this.o.reconciler.reconcileNow();
  }

  /**
   * A HELLO or REPLY proves the sender has configured us (see top). On a shared subnet one side
   * initiating avoids Go's handshake collision; across the internet both sides must send at
   * once, or neither NAT lets the other's first handshake in (simultaneous open).
   */
  private evidence(publicKey: string, src: Source): boolean {
    const lan = endpointOnAnyLocalSubnet(sourceKey(src), (this.o.localSubnets ?? osLocalSubnets)());
    return lan ? this.o.activation.evidence(publicKey) : this.o.activation.punched(publicKey);
  }

  private onGoodbye(payload: Record<string, unknown>): void {
    let g;
    try { g = decodeGoodbye(payload); } catch { return; }
    if (!g.wgPubkey || g.wgPubkey === this.o.identity.publicKey || !goodbyeFresh(g.timestamp, this.nowSec())) return;
    this.goodbyeAt.delete(g.wgPubkey);
    this.goodbyeAt.set(g.wgPubkey, g.timestamp);
    if (this.goodbyeAt.size > MAX_PEERS) this.goodbyeAt.delete(this.goodbyeAt.keys().next().value!);
    if (this.o.store.remove(g.wgPubkey, { goodbye: true })) this.o.logger.info('peer said goodbye', { peer: g.wgPubkey.slice(0, 8) });
  }

  /** A message the peer sealed no later than its last GOODBYE (timestamps in the peer's own seconds). */
  private sentBeforeGoodbye(a: PeerAnnouncement): boolean {
    const bye = this.goodbyeAt.get(a.wgPubkey);
    return bye !== undefined && a.timestamp <= bye;
  }

  private decode(payload: Record<string, unknown>): PeerAnnouncement | undefined {
    try {
      return decodeAnnouncement(payload);
    } catch {
      return undefined;
    }
  }

  /** Stores a directly heard announcement and its transitive peers (spec 3.4 steps 2–3). */
  private storeAnnouncement(a: PeerAnnouncement, method: DiscoveryMethod, endpoint: string): void {
    const input = announcementToPeerInput(a, endpoint, this.o.subnet, this.o.keys);
    if (!input) return;
    const isNew = !this.o.store.get(input.publicKey);
    this.o.store.update({ ...input, routesAuthoritative: true }, method);
    if (isNew) {
      this.o.logger.info('discovered peer', { peer: input.publicKey.slice(0, 8), via: method, endpoint });
      this.shareNewPeer();
    }
    for (const k of a.knownPeers ?? []) this.storeKnownPeer(k);
  }

  private storeKnownPeer(k: KnownPeer): void {
    if (k.wgPubkey === this.o.identity.publicKey) return;
    const known = this.o.store.get(k.wgPubkey);
    // Every HELLO/REPLY repeats the sender's whole peer list; an entry that would change nothing
    // (transitive updates never refresh liveness, spec 3.1) is skipped before any parsing.
    if (known && known.discoveredVia.includes('dht-transitive') && known.introducer === k.introducer
      && known.meshIp === k.meshIp && (k.meshIpv6 === '' || known.meshIpv6 === k.meshIpv6)
      && (k.hostname === '' || known.hostname === k.hostname) && (k.natType === '' || known.natType === k.natType)
      && (k.wgEndpoint === '' || known.endpoint === k.wgEndpoint || endpointMethodRank(known.endpointMethod) > endpointMethodRank('dht-transitive'))) return;
    const input = announcementToPeerInput(k, knownPeerEndpoint(k.wgEndpoint), this.o.subnet, this.o.keys);
    if (!input) return;
    const isNew = !this.o.store.get(input.publicKey);
    this.o.store.update(input, 'dht-transitive');
    const to = isNew ? this.controlEndpointOf(input.publicKey) : undefined;
    if (to) void this.contact(to);
  }

  /** Configures the peer first (ordering rule), then runs a HELLO exchange, deduplicated. */
  /** Resolves true on a REPLY, false without one, undefined when deduplicated. */
  private async contact(to: Source): Promise<boolean | undefined> {
    const key = sourceKey(to);
    const now = this.o.clock.now();
    if (now - (this.contacted.get(key) ?? -Infinity) < CONTACT_DEDUPE_MS) return undefined;
    this.contacted.set(key, now);
    if (this.contacted.size > 4096) this.contacted.delete(this.contacted.keys().next().value!);
    await this.o.reconciler.reconcileNow();
    const hello = { ...this.self(), knownPeers: this.knownPeers() };
    const reply = await this.o.exchangeWith(to, sealEnvelope(this.o.keys.gossipKey, 'HELLO', encodeAnnouncement(hello)));
    if (!reply) this.o.logger.debug('no REPLY to HELLO', { to: key });
    return reply !== null;
  }

  private controlEndpointOf(publicKey: string): Source | undefined {
    const p = this.o.store.get(publicKey);
    const text = p?.controlEndpoint ?? p?.endpoint;
    const ep = text ? parseEndpoint(text) : null;
    if (!ep || isWildcardHost(ep.host)) return undefined;
    return { ip: ep.host, port: p?.controlEndpoint ? ep.port : this.o.keys.gossipPort };
  }

  private knownPeers(): KnownPeer[] {
    const list: KnownPeer[] = this.o.store.active()
      .filter((p) => p.publicKey !== this.o.identity.publicKey && p.publicKey !== '')
      .map((p) => ({
        wgPubkey: p.publicKey, hostname: p.hostname, meshIp: p.meshIp, meshIpv6: p.meshIpv6,
        wgEndpoint: p.endpoint, introducer: p.introducer, natType: p.natType,
      }));
    return buildKnownPeers(list, { base: this.self(), type: 'REPLY', maxBytes: MAX_EXCHANGE_DATAGRAM - 128 }); // room for observed_endpoint
  }

  private self(): PeerAnnouncement {
    const id = this.o.identity;
    return {
      wgPubkey: id.publicKey, hostname: this.o.hostname, meshIp: id.meshIPv4, meshIpv6: id.meshIPv6,
      wgEndpoint: this.advertisedEndpoint, introducer: this.o.discovery?.introducer ?? false, routableNetworks: [...(this.o.advertisedRoutes?.() ?? [])], timestamp: this.nowSec(),
      knownPeers: [], observedEndpoint: '', natType: this.natType,
    };
  }

  private nowSec(): number {
    return Math.floor(this.o.clock.now() / 1000);
  }
}
