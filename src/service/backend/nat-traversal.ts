/**
 * NAT traversal and in-mesh gossip of one node, wired together: the introducer (spec 3.8), the
 * rendezvous participant (3.9), the punch initiator (3.7) and gossip (3.11), sharing one
 * {@link TraversalContext} built from the node's store, control socket and device observations.
 *
 * Lifecycle: `onMessage()` takes RENDEZVOUS_OFFER, RENDEZVOUS_START and ANNOUNCE from the control
 * socket at any time (each module checks its own setting); `start()` starts the initiator (unless
 * punching is off) and the gossip sender (only with gossip on); `stop()` stops both and lets
 * running punch jobs end at their next step.
 */
import type { DiscoverySettings } from '../../shared/discovery';
import type { MeshSubnet } from '../../shared/mesh/address';
import type { MeshKeys } from '../../shared/mesh/derive';
import type { Clock } from '../clock';
import type { Source } from '../discovery/exchange';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { Logger } from '../log';
import { filterEndpoint } from '../mesh/endpoint';
import { sealEnvelope } from '../mesh/envelope';
import { decodeAnnouncement, encodeAnnouncement, type KnownPeer, type PeerAnnouncement } from '../mesh/messages';
import { MeshGossip } from './gossip';
import { announcementToPeerInput } from './peer-input';
import type { DiscoveryMethod, PeerStore } from './peer-store';
import { PunchInitiator } from './punch';
import { RendezvousIntroducer } from './rendezvous-introducer';
import { RendezvousParticipant } from './rendezvous-participant';
import { realSleep, type TraversalContext, type TraversalMethod } from './traversal-context';

/** Options of {@link NatTraversal}. */
export interface NatTraversalOptions {
  keys: MeshKeys;
  subnet: MeshSubnet;
  ownKey: string;
  /** The mesh's networks (IPv4 subnet and IPv6 /64) as CIDR text. */
  meshNetworks: readonly string[];
  discovery: DiscoverySettings;
  clock: Clock;
  logger: Logger;
  store: PeerStore;
  /** Sends one sealed datagram from the control socket. */
  send: (datagram: Uint8Array, to: Source) => void;
  /** The control socket's HELLO exchange (REPLY payload or null). */
  exchange: (to: Source, hello: Uint8Array) => Promise<Record<string, unknown> | null>;
  /** Own announcement with known_peers, as in a HELLO. */
  announcement: () => PeerAnnouncement;
  /** Configures the store's peers on the device (before any HELLO: the ordering rule of mesh-protocol.ts). */
  reconcileNow: () => Promise<void>;
  /** The last observed device state. */
  observed: () => DeviceState | undefined;
  /** Re-reads the device state. */
  refreshStats: () => Promise<void>;
  /** A punch reached the peer: let WireGuard initiate with it now. */
  onPunchReply?: (publicKey: string) => void;
  /** Metrics: NAT traversal attempts and successes by path. */
  onTraversal?: (method: TraversalMethod, outcome: 'attempt' | 'success') => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** The node's NAT traversal. */
export class NatTraversal {
  readonly introducer: RendezvousIntroducer;
  readonly participant: RendezvousParticipant;
  readonly initiator: PunchInitiator;
  readonly gossip: MeshGossip;
  private handshakes: { state: DeviceState | undefined; byKey: Map<string, number> } = { state: undefined, byKey: new Map() };

  constructor(private readonly o: NatTraversalOptions) {
    const ctx: TraversalContext = {
      ownKey: o.ownKey, gossipPort: o.keys.gossipPort, settings: o.discovery, clock: o.clock, logger: o.logger, store: o.store,
      sendMessage: (type, json, to) => o.send(sealEnvelope(o.keys.gossipKey, type, json), to),
      exchangeWithPeer: (to) => this.exchangeWithPeer(to),
      storePeer: (a, endpoint, method) => this.storePeer(a, endpoint, method),
      handshakeAt: (key) => this.handshakeAt(key),
      refreshHandshakes: () => o.refreshStats(),
      sleep: o.sleep ?? realSleep,
      ...(o.onPunchReply ? { onPunchReply: o.onPunchReply } : {}),
      ...(o.onTraversal ? { onTraversal: o.onTraversal } : {}),
    };
    this.introducer = new RendezvousIntroducer(ctx);
    this.participant = new RendezvousParticipant(ctx);
    this.initiator = new PunchInitiator(ctx, (key) => this.participant.isPunching(key));
    this.gossip = new MeshGossip(ctx, { meshNetworks: o.meshNetworks, announcement: o.announcement });
  }

  /** Dispatch from the control socket (spec 3.3): offers, starts and gossip announcements. */
  onMessage(type: string, payload: Record<string, unknown>, src: Source): void {
    switch (type) {
      case 'RENDEZVOUS_OFFER': this.introducer.onOffer(payload, src); break;
      case 'RENDEZVOUS_START': void this.participant.onStart(payload, src); break;
      case 'ANNOUNCE': this.gossip.onAnnounce(payload, src); break;
      default: break;
    }
  }

  /** Starts the initiator (unless punching is off) and the gossip sender (only with gossip on). */
  start(): void {
    this.initiator.start();
    this.gossip.start();
  }

  /** Stops timers and triggers; punch jobs end at their next step. */
  stop(): void {
    this.initiator.stop();
    this.participant.stop();
    this.gossip.stop();
  }

  /** Spec 3.4 `ExchangeWithPeer` with the known peers configured first; the decoded REPLY or null. */
  private async exchangeWithPeer(to: Source): Promise<PeerAnnouncement | null> {
    await this.o.reconcileNow();
    const hello = sealEnvelope(this.o.keys.gossipKey, 'HELLO', encodeAnnouncement(this.o.announcement()));
    const reply = await this.o.exchange(to, hello);
    if (!reply) return null;
    try {
      return decodeAnnouncement(reply);
    } catch {
      return null;
    }
  }

  private storePeer(a: PeerAnnouncement | KnownPeer, endpoint: string, method: DiscoveryMethod): void {
    const input = announcementToPeerInput(a, filterEndpoint(endpoint, { noIpv6: !this.o.discovery.ipv6 }), this.o.subnet, this.o.keys);
    if (!input || input.publicKey === this.o.ownKey) return;
    const isNew = !this.o.store.get(input.publicKey);
    // A sender's own announcement lists all its routes; a known-peer entry carries none.
    const direct = !method.includes('transitive') && 'routableNetworks' in a;
    this.o.store.update(direct ? { ...input, routesAuthoritative: true } : input, method);
    if (isNew && this.o.store.get(input.publicKey)) this.o.logger.info('discovered peer', { peer: input.publicKey.slice(0, 8), via: method });
  }

  /** Last handshake with `key` (Unix ms, 0 = never), from the last observation (indexed once per state). */
  private handshakeAt(key: string): number {
    const state = this.o.observed();
    if (state !== this.handshakes.state) {
      this.handshakes = { state, byKey: new Map(state?.peers.map((p) => [p.publicKey, p.lastHandshakeTime]) ?? []) };
    }
    return this.handshakes.byKey.get(key) ?? 0;
  }
}
