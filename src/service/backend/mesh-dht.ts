/**
 * The DHT layer of one node (spec 3.5): built from the mesh keys and the discovery settings,
 * started after the control socket (the announced port must already answer), never fatal — an
 * unusable bootstrap list or a busy port leaves the LAN, the exchange and the cache working, and
 * the reason shows in status.
 */
import path from 'node:path';
import { DEFAULT_DHT_BOOTSTRAP, type DiscoverySettings } from '../../shared/discovery';
import { hourlyInfohash, type MeshKeys } from '../../shared/mesh/derive';
import { toHex } from '../../shared/mesh/encoding';
import type { DiscoveryStatus } from '../../shared/protocol';
import type { Clock } from '../clock';
import { DhtDiscovery } from '../discovery/dht';
import type { Logger } from '../log';

/** What the node hands the DHT. */
export interface MeshDhtOptions {
  rawSecret: string;
  keys: MeshKeys;
  interfaceName: string;
  stateDir: string;
  discovery: DiscoverySettings;
  clock: Clock;
  logger: Logger;
  onPeer: (to: { ip: string; port: number }) => void;
  peerCount: () => number;
  publicIPv4: () => string | undefined;
}

/** The node file name of spec 4.10: `<iface>-<hex(NetworkID[0:8])>-dht.nodes`. */
export function dhtNodesFile(stateDir: string, iface: string, keys: MeshKeys): string {
  return path.join(stateDir, `${iface}-${toHex(keys.networkId.subarray(0, 8))}-dht.nodes`);
}

/** A node's DHT, or nothing when the DHT is off; start failures are kept for status. */
export class MeshDht {
  private readonly dht: DhtDiscovery | undefined;
  private error: string | undefined;
  private readonly log: Logger;

  constructor(o: MeshDhtOptions) {
    this.log = o.logger;
    if (!o.discovery.dht) return;
    this.dht = new DhtDiscovery({
      port: o.keys.dhtPort, announcePort: o.keys.gossipPort,
      bootstrap: o.discovery.dhtBootstrap ?? DEFAULT_DHT_BOOTSTRAP,
      infohashes: (s) => [hourlyInfohash(o.rawSecret, s), hourlyInfohash(o.rawSecret, s - 3600)],
      networkId: o.keys.networkId, nodesFile: dhtNodesFile(o.stateDir, o.interfaceName, o.keys),
      ipv6: o.discovery.ipv6, clock: o.clock, logger: o.logger,
      onPeer: o.onPeer, peerCount: o.peerCount, publicIPv4: o.publicIPv4,
    });
  }

  /** Starts the DHT in the background of the join: failures are logged and shown, not thrown. */
  async start(): Promise<void> {
    if (!this.dht) return;
    try {
      await this.dht.start();
    } catch (err) {
      this.error = (err as Error).message;
      this.log.warn('DHT discovery not running; LAN, peer exchange and the peer cache still work', { error: this.error });
    }
  }

  /** Stops it (saves the node file). */
  async stop(): Promise<void> {
    await this.dht?.stop().catch(() => undefined);
  }

  /** The status API's view; undefined when the DHT is off. */
  status(): DiscoveryStatus['dht'] {
    if (!this.dht) return undefined;
    const s = this.dht.status();
    return {
      state: this.error ? 'failed' : s.state, nodes: s.nodes, peersFound: s.peersFound,
      ...(s.port ? { port: s.port } : {}),
      ...(s.lastAnnounceAt !== undefined ? { lastAnnounceAt: s.lastAnnounceAt } : {}),
      ...(s.lastAnnounceOk !== undefined ? { lastAnnounceOk: s.lastAnnounceOk } : {}),
      ...(s.lastQueryAt !== undefined ? { lastQueryAt: s.lastQueryAt } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}
