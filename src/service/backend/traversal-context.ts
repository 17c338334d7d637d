/**
 * What the NAT traversal modules (introducer, participant, initiator, in-mesh gossip) get from
 * the node: the store, the control socket's sends and HELLO exchange, the device's handshake
 * times and a clock and sleep — all injected, so each module runs against fakes in tests.
 */
import type { Clock } from '../clock';
import type { Source } from '../discovery/exchange';
import type { Logger } from '../log';
import { normalizeIp, parseEndpoint } from '../mesh/endpoint';
import type { KnownPeer, MessageType, PeerAnnouncement } from '../mesh/messages';
import { parseIp } from '../../shared/mesh/ip';
import type { DiscoveryMethod, PeerStore } from './peer-store';

/** The discovery switches the traversal modules obey (read on every use). */
export interface TraversalSettings {
  /** Off = Go's `--no-punching`: no offers, no STARTs, no punch loop. */
  punching: boolean;
  /** Serve rendezvous offers (Go's `--introducer`). */
  introducer: boolean;
  /** In-mesh gossip (Go's `--gossip`). */
  gossip: boolean;
  /** Off = Go's `--no-ipv6`. */
  ipv6: boolean;
}

/** Which traversal path a metrics event is about. */
export type TraversalMethod = 'direct' | 'rendezvous' | 'offer';

/** The node's side of NAT traversal. */
export interface TraversalContext {
  ownKey: string;
  /** The mesh's control port G. */
  gossipPort: number;
  settings: TraversalSettings;
  clock: Clock;
  logger: Logger;
  store: PeerStore;
  /** Seals `json` as a `type` envelope and sends it from the control socket. */
  sendMessage(type: MessageType, json: string, to: Source): void;
  /**
   * Spec 3.4 `ExchangeWithPeer`: configures known peers first, sends a HELLO burst to `to` and
   * resolves with the decoded REPLY from exactly that address (any key), or null after 4 s.
   */
  exchangeWithPeer(to: Source): Promise<PeerAnnouncement | null>;
  /** Stores what `a` says about its sender (or a known peer) with `endpoint`, fields sanitised as on the exchange path. */
  storePeer(a: PeerAnnouncement | KnownPeer, endpoint: string, method: DiscoveryMethod): void;
  /** The last WireGuard handshake with `publicKey` as last observed, Unix ms (0 = never). */
  handshakeAt(publicKey: string): number;
  /** Re-reads the device's handshakes. */
  refreshHandshakes(): Promise<void>;
  /** A punch reached the peer's control socket: both sides must now send for the WireGuard holes to open. */
  onPunchReply?(publicKey: string): void;
  /** Resolves after `ms` (tests pass one that moves a fake clock). */
  sleep(ms: number): Promise<void>;
  /** Metrics: a NAT traversal attempt began, or succeeded (a new handshake followed). */
  onTraversal?(method: TraversalMethod, outcome: 'attempt' | 'success'): void;
}

/** How long to wait for a WireGuard handshake after a REPLY, and how often to look (spec 3.7, 3.9). */
export const HANDSHAKE_WAIT_MS = 10_000;
export const HANDSHAKE_POLL_MS = 250;

/** A sleep that does not keep the process alive. */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The socket address of an `ip:port` endpoint, or undefined for anything else: a DNS name is
 * not resolved here (our control socket sends to addresses only).
 */
export function endpointSource(endpoint: string): Source | undefined {
  const ep = parseEndpoint(endpoint);
  if (!ep || !parseIp(ep.host)) return undefined;
  return { ip: normalizeIp(ep.host), port: ep.port };
}

/** Polls until a handshake newer than `baseline` shows, or `timeoutMs` pass; true if one did. */
export async function waitForHandshake(ctx: TraversalContext, publicKey: string, baseline: number,
  timeoutMs = HANDSHAKE_WAIT_MS, isStopped: () => boolean = () => false): Promise<boolean> {
  const deadline = ctx.clock.now() + timeoutMs;
  for (;;) {
    await ctx.refreshHandshakes();
    if (ctx.handshakeAt(publicKey) > baseline) return true;
    if (ctx.clock.now() >= deadline || isStopped()) return false;
    await ctx.sleep(HANDSHAKE_POLL_MS);
  }
}
