/**
 * Public types of the DHT discovery layer (re-exported by dht.ts): options, timers with the
 * spec's defaults (3.5, 4.8), state and status.
 */
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { PeerAddress } from './dht-helpers';

/** Timer values; defaults are the spec's (tests shorten them). */
export interface DhtTimers {
  announceMs: number;
  queryMs: number;
  querySlowMs: number;
  /** Cap of one traversal or announce step. */
  opCapMs: number;
  dedupeMs: number;
  saveMs: number;
  bootstrapBaseMs: number;
  bootstrapMaxMs: number;
  /** k-rpc per-query timeout (library default; not a wgmesh value). */
  rpcTimeoutMs: number;
  /**
   * Extra queries after start (ours, not Go's): nodes that join together would otherwise look
   * each other up before either announce has landed and wait a whole 30 s interval.
   */
  earlyQueriesMs: readonly number[];
}

/** Spec 3.5 / 4.8 timers. */
export const DEFAULT_DHT_TIMERS: Readonly<DhtTimers> = {
  announceMs: 15 * 60_000, queryMs: 30_000, querySlowMs: 60_000, opCapMs: 30_000, dedupeMs: 60_000,
  saveMs: 2 * 60_000, bootstrapBaseMs: 5000, bootstrapMaxMs: 60_000, rpcTimeoutMs: 2000,
  earlyQueriesMs: [3000, 6000, 10_000, 15_000, 20_000],
};

/** Options of {@link DhtDiscovery}. */
export interface DhtDiscoveryOptions {
  /** DHT port, G+1; an OS-chosen port when busy. */
  port: number;
  /** Port announced with implied_port 0: G, the control port. */
  announcePort: number;
  /** `host:port` bootstrap nodes, resolved once at start. */
  bootstrap: readonly string[];
  /** Hourly infohashes to announce and query (current, previous) for a Unix time in seconds. */
  infohashes: (unixSeconds: number) => Uint8Array[];
  /** 20-byte static NetworkID, target of the bootstrap lookup. */
  networkId: Uint8Array;
  /** Node file (spec 4.10); none = no persistence. */
  nodesFile?: string;
  ipv6: boolean;
  clock: Clock;
  logger: Logger;
  /** A validated, deduplicated peer address from the DHT. */
  onPeer: (addr: PeerAddress) => void;
  /** Size of the peer store, dead peers included. */
  peerCount: () => number;
  /** The node's public IPv4 (from STUN), for a BEP 42-secure node id. */
  publicIPv4?: () => string | undefined;
  timers?: Partial<DhtTimers>;
}

/** Discovery state: off, waiting for the first bootstrap, bootstrapped, last bootstrap failed (retrying). */
export type DhtState = 'off' | 'bootstrapping' | 'ready' | 'failed';

/** What the status API shows. */
export interface DhtStatus {
  state: DhtState;
  nodes: number;
  port: number;
  lastAnnounceAt?: number;
  lastAnnounceOk?: boolean;
  lastQueryAt?: number;
  /** Valid `values` entries seen (before dedupe). */
  peersFound: number;
  /** Inbound datagrams dropped before or by the library. */
  dropped: number;
}
