/**
 * One bittorrent-dht instance on one {@link DhtSocket} (one address family), with the bounded
 * memory limits, capped operations and real (untranslated) addresses DhtDiscovery needs.
 *
 * Lifecycle: `start(nodeId?)` builds a library instance on a fresh socket facade and starts it;
 * `lookup()`/`announce()` resolve true/false within their cap, never reject; `restart(nodeId)`
 * replaces the instance with one using a new id, carrying the routing table over (same port);
 * `destroy()` ends the instance (pending operations resolve false) but not the socket.
 * Library 'error'/'warning' events are logged, never thrown.
 */
import DHT from 'bittorrent-dht';
import type { Logger } from '../log';
import type { DhtNodeRecord, PeerAddress } from './dht-helpers';
import type { DhtSocket } from './dht-socket';

/** Memory bounds handed to the library (hostile-input hardening). */
export const DHT_LIMITS = { maxTables: 64, maxValues: 64, maxPeers: 2000, maxAge: 30 * 60_000 } as const;

/** Options of {@link DhtInstance}. */
export interface DhtInstanceOptions {
  socket: DhtSocket;
  /** Bootstrap contacts of this instance's family (real addresses). */
  bootstrap: PeerAddress[];
  logger: Logger;
  /** k-rpc query timeout (library default 2000 ms). */
  rpcTimeoutMs?: number;
  /** Every `values` entry of a traversal: real address and the infohash it was found under. */
  onValue: (addr: PeerAddress, infoHash: Buffer) => void;
}

/** A library DHT instance bound to one socket. */
export class DhtInstance {
  private dht: DHT | undefined;
  private readonly pending = new Set<(ok: boolean) => void>();

  constructor(private readonly opts: DhtInstanceOptions) {}

  /** Creates and starts the library instance (its own find_node bootstrap runs at once). */
  start(nodeId?: Uint8Array): void {
    const { socket, logger } = this.opts;
    const bootstrap = this.opts.bootstrap.flatMap((a) => {
      const host = socket.toLibrary(a.ip);
      return host ? [{ host, port: a.port }] : [];
    });
    const dht = new DHT({ ...DHT_LIMITS, nodeId: nodeId ? Buffer.from(nodeId) : undefined, bootstrap, socket: socket.attach(), timeout: this.opts.rpcTimeoutMs });
    dht.on('error', (err) => logger.warn('DHT error', { family: socket.family, error: err.message }));
    dht.on('warning', (err) => logger.debug('DHT warning', { family: socket.family, error: err.message }));
    dht.on('peer', (peer, infoHash) => {
      const ip = socket.fromLibrary(peer.host);
      if (ip === undefined || !Buffer.isBuffer(infoHash)) return;
      try {
        this.opts.onValue({ ip, port: peer.port }, infoHash);
      } catch (err) {
        logger.warn('DHT peer handler failed', { error: String(err) });
      }
    });
    dht.listen();
    this.dht = dht;
  }

  /** Address family of the socket. */
  get family(): 4 | 6 {
    return this.opts.socket.family;
  }

  /** The library's node id. */
  get nodeId(): Uint8Array | undefined {
    return this.dht?.nodeId;
  }

  /** Routing-table size. */
  get nodeCount(): number {
    return this.dht?.nodes.count() ?? 0;
  }

  /** Routing-table contacts with real addresses. */
  nodes(): DhtNodeRecord[] {
    return (this.dht?.nodes.toArray() ?? []).flatMap((n) => {
      const ip = this.opts.socket.fromLibrary(n.host);
      return ip === undefined ? [] : [{ id: new Uint8Array(n.id), ip, port: n.port }];
    });
  }

  /** Puts known contacts straight into the routing table (no ping); foreign-family ones are skipped. */
  addNodes(nodes: readonly DhtNodeRecord[]): void {
    const dht = this.dht;
    if (!dht) return;
    for (const n of nodes) {
      const host = this.opts.socket.toLibrary(n.ip);
      if (host && n.id.length === 20) dht.addNode({ id: Buffer.from(n.id), host, port: n.port });
    }
  }

  /** get_peers traversal toward `target`; true when it finished within `capMs`. */
  lookup(target: Uint8Array, capMs: number): Promise<boolean> {
    return this.capped(capMs, (dht, done) => {
      const abort = dht.lookup(Buffer.from(target), (err) => done(!err));
      return abort;
    });
  }

  /**
   * Traversal then announce_peer (port, implied_port 0) to the responding nodes, each step within
   * `capMs`; a traversal that runs out of time cancels the announce (as Go does).
   */
  async announce(infoHash: Uint8Array, port: number, capMs: number): Promise<boolean> {
    if (!(await this.lookup(infoHash, capMs))) return false;
    return this.capped(capMs, (dht, done) => dht.announce(Buffer.from(infoHash), port, (err, hits) => done(!err && (hits ?? 0) > 0)));
  }

  /** Replaces the library instance with one using `nodeId`, keeping the routing table. */
  async restart(nodeId: Uint8Array): Promise<void> {
    const nodes = this.nodes();
    await this.destroy();
    this.start(nodeId);
    this.addNodes(nodes);
  }

  /** Destroys the library instance; pending operations resolve false. */
  destroy(): Promise<void> {
    const dht = this.dht;
    this.dht = undefined;
    for (const p of [...this.pending]) p(false);
    if (!dht) return Promise.resolve();
    return new Promise((resolve) => dht.destroy(() => resolve()));
  }

  private capped(capMs: number, run: (dht: DHT, done: (ok: boolean) => void) => (() => void) | void): Promise<boolean> {
    const dht = this.dht;
    if (!dht) return Promise.resolve(false);
    return new Promise((resolve) => {
      let abort: (() => void) | void;
      const finish = (ok: boolean): void => {
        if (!this.pending.delete(finish)) return;
        clearTimeout(timer);
        if (!ok) abort?.();
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), capMs);
      timer.unref();
      this.pending.add(finish);
      try {
        abort = run(dht, finish);
      } catch (err) {
        this.opts.logger.debug('DHT operation failed', { error: String(err) });
        finish(false);
      }
    });
  }
}
