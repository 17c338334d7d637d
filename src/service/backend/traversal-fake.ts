/**
 * A fake node around a real {@link NatTraversal} for unit tests: sends are opened and recorded,
 * HELLO exchanges answered from a table, handshakes set by hand, and sleeping moves a FakeClock
 * (no real time passes). Test support only.
 */
import { meshIPv6Network, parseMeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { FakeClock } from '../clock';
import { sourceKey, type Source } from '../discovery/exchange';
import { generateKeyPair } from '../engine/wireguard/keys';
import type { DeviceState } from '../engine/wireguard/uapi';
import { silentLogger } from '../log';
import { openEnvelope } from '../mesh/envelope';
import { decodeAnnouncement, encodeAnnouncement, type PeerAnnouncement } from '../mesh/messages';
import { NatTraversal } from './nat-traversal';
import { PeerStore } from './peer-store';
import type { TraversalMethod, TraversalSettings } from './traversal-context';

/** One datagram the node sent. */
export interface SentMessage {
  type: string;
  payload: Record<string, unknown>;
  to: Source;
}

/** An announcement with defaults for every field. */
export function announcementOf(wgPubkey: string, over: Partial<PeerAnnouncement> = {}): PeerAnnouncement {
  return {
    wgPubkey, hostname: '', meshIp: '10.0.1.1', meshIpv6: '', wgEndpoint: '', introducer: false, routableNetworks: [],
    timestamp: 1_800_000_000, knownPeers: [], observedEndpoint: '', natType: '', ...over,
  };
}

/** Opened JSON of an encoded message, as the control socket hands it over. */
export const payloadOf = (json: string): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;

/** The fake node. */
export class FakeTraversal {
  readonly keys = deriveMeshKeys('test-secret-that-is-long-enough');
  readonly subnet = parseMeshSubnet('10.0.0.0/16');
  readonly clock = new FakeClock(1_800_000_000_000);
  readonly store = new PeerStore(this.clock);
  readonly ownKey = generateKeyPair().publicKey;
  readonly settings: TraversalSettings & { lan: boolean; dht: boolean; forceRelay: boolean };
  readonly sent: SentMessage[] = [];
  /** Addresses HELLO exchanges went to, in order. */
  readonly exchanges: string[] = [];
  /** Fake time of each exchange's start, parallel to {@link exchanges}. */
  readonly exchangeTimes: number[] = [];
  /** REPLY per `ip:port`; absent = no answer (the exchange times out after 4 s of fake time). */
  readonly replies = new Map<string, PeerAnnouncement>();
  /** Handshake time per key, Unix ms. */
  readonly handshakes = new Map<string, number>();
  readonly punchReplies: string[] = [];
  readonly traversal: [TraversalMethod, string][] = [];
  /** Called on every device refresh (tests make a handshake appear here). */
  onRefresh: (() => void) | undefined;
  readonly nat: NatTraversal;

  constructor(settings: Partial<TraversalSettings> = {}) {
    this.settings = { punching: true, introducer: true, gossip: true, ipv6: true, lan: true, dht: true, forceRelay: false, ...settings };
    this.nat = new NatTraversal({
      keys: this.keys, subnet: this.subnet, ownKey: this.ownKey, meshNetworks: [this.subnet.cidr, meshIPv6Network(this.keys)],
      discovery: this.settings, clock: this.clock, logger: silentLogger, store: this.store,
      send: (d, to) => {
        const o = openEnvelope(this.keys.gossipKey, d, this.clock.now() / 1000);
        this.sent.push({ type: o.type, payload: o.payload, to });
      },
      exchange: async (to, hello) => {
        const o = openEnvelope(this.keys.gossipKey, hello, this.clock.now() / 1000);
        if (o.type !== 'HELLO' || decodeAnnouncement(o.payload).wgPubkey !== this.ownKey) throw new Error('not our HELLO');
        this.exchanges.push(sourceKey(to));
        this.exchangeTimes.push(this.clock.now());
        const reply = this.replies.get(sourceKey(to));
        if (!reply) this.clock.advance(4000);
        return reply ? payloadOf(encodeAnnouncement(reply)) : null;
      },
      announcement: () => announcementOf(this.ownKey, { meshIp: '10.0.9.9', wgEndpoint: '198.51.100.9:51820' }),
      reconcileNow: async () => undefined,
      observed: () => this.deviceState(),
      refreshStats: async () => this.onRefresh?.(),
      onPunchReply: (key) => this.punchReplies.push(key),
      onTraversal: (method, outcome) => this.traversal.push([method, outcome]),
      sleep: async (ms) => { this.clock.advance(ms); await Promise.resolve(); },
    });
  }

  /** Sent messages of one type. */
  sentOf(type: string): SentMessage[] {
    return this.sent.filter((s) => s.type === type);
  }

  private deviceState(): DeviceState {
    return {
      listenPort: 51820,
      peers: [...this.handshakes].map(([publicKey, lastHandshakeTime]) => ({ publicKey, allowedIps: [], persistentKeepaliveInterval: 0, lastHandshakeTime, rxBytes: 0, txBytes: 0 })),
    };
  }
}
