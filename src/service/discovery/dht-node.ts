/**
 * A plain BitTorrent DHT node for test labs: a stand-in for router.bittorrent.com that
 * listens on one address (IPv4 or IPv6), answers ping/find_node/get_peers, stores announces and
 * returns them as `values` like any public node.
 *
 * Lifecycle: `start(host, port)` binds and resolves; `stop()` destroys the instance and closes
 * the socket (idempotent). It bootstraps from nobody. Neither bittorrent-dht nor k-rpc filters
 * private, loopback or documentation-range addresses (nor enforces BEP 42), so nodes on
 * 127.0.0.1, 10.x or 203.0.113.x can use it; IPv6 goes through the same gate as DhtDiscovery.
 * Bound to a specific address, its id is BEP 42-secure for it: Go peers (anacrolix/dht with BEP 42
 * enforced) keep only such nodes, and documentation ranges such as 203.0.113.0/24 are not exempt.
 * No rate limit: lab nodes often share one source address.
 */
import { isIP } from 'node:net';
import DHT from 'bittorrent-dht';
import { silentLogger, type Logger } from '../log';
import { PacketCounters } from './counters';
import { bep42NodeId } from './dht-bep42';
import { DHT_LIMITS } from './dht-instance';
import { DhtSocket } from './dht-socket';

/** A DHT bootstrap/storage node for labs and tests. */
export class DhtBootstrapNode {
  private socket: DhtSocket | undefined;
  private dht: DHT | undefined;
  /** Datagram counters of the gate (received, accepted, drops by reason). */
  readonly counters = new PacketCounters();

  constructor(private readonly logger: Logger = silentLogger) {}

  /** Binds `host:port` (port 0 = OS-chosen) and starts answering. @throws the bind error. */
  async start(host: string, port: number): Promise<void> {
    if (this.socket) throw new Error('DhtBootstrapNode already started');
    const family = isIP(host) === 6 ? 6 : 4;
    this.socket = await DhtSocket.bind({ family, host, port, logger: this.logger, counters: this.counters });
    const specific = host !== '0.0.0.0' && host !== '::';
    const nodeId = specific ? Buffer.from(bep42NodeId(host)) : undefined;
    const dht = new DHT({ ...DHT_LIMITS, nodeId, bootstrap: [], socket: this.socket.attach() });
    dht.on('error', (err) => this.logger.warn('DHT bootstrap node error', { error: err.message }));
    dht.on('warning', (err) => this.logger.debug('DHT bootstrap node warning', { error: err.message }));
    dht.listen();
    this.dht = dht;
  }

  /** The bound port (0 before start). */
  get port(): number {
    return this.socket?.port ?? 0;
  }

  /** The node id (undefined before start). */
  get nodeId(): Uint8Array | undefined {
    return this.dht?.nodeId;
  }

  /** Routing-table size: nodes that have queried or answered this node. */
  get nodeCount(): number {
    return this.dht?.nodes.count() ?? 0;
  }

  /** Destroys the instance and closes the socket. Idempotent. */
  async stop(): Promise<void> {
    const dht = this.dht;
    const socket = this.socket;
    this.dht = undefined;
    this.socket = undefined;
    if (dht) await new Promise<void>((resolve) => dht.destroy(() => resolve()));
    await socket?.close();
  }
}
