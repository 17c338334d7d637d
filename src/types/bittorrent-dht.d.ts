/**
 * Minimal types for bittorrent-dht 11 (webtorrent; ships no types), covering only what
 * src/service/discovery/dht*.ts use. Read from node_modules/bittorrent-dht/client.js, k-rpc 5
 * and k-rpc-socket 1.11: options are passed through DHT → k-rpc → k-rpc-socket unchanged.
 * The library is IPv4-only (compact 6-byte peers and 26-byte nodes; no BEP 32).
 */
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events';

  /** A contact as the library stores and reports it. */
  export interface DhtContact {
    id: Buffer;
    host: string;
    port: number;
  }

  /** The part of node:dgram's Socket that k-rpc-socket calls. */
  export interface DhtDatagramSocket extends EventEmitter {
    bind(...args: unknown[]): void;
    address(): { address: string; family: string; port: number };
    send(buf: Buffer, offset: number, length: number, port: number, host: string, cb?: (err: Error | null) => void): void;
    close(): void;
  }

  export interface DhtOptions {
    /** 20-byte node id (Buffer or hex); random when absent (k-rpc `id`/`nodeId`). */
    nodeId?: Buffer | string;
    /** Bootstrap contacts; `false` = none and no initial find_node; absent = the public routers. */
    bootstrap?: false | Array<string | { host: string; port: number }>;
    /** Our public host: when set, our own announces are also stored locally. */
    host?: string | false;
    /** A dgram-like socket for k-rpc-socket (default: a new udp4 socket). */
    socket?: DhtDatagramSocket;
    /** k-rpc-socket query timeout in ms (default 2000). */
    timeout?: number;
    /** Parallel queries (k-rpc, default 16). */
    concurrency?: number;
    /** K, nodes per bucket (default 20). */
    k?: number;
    /** Cached traversal tables (LRU, 5 min max age, default 1000). */
    maxTables?: number;
    /** BEP 44 stored values (LRU, default 1000). */
    maxValues?: number;
    /** Stored announced peers over all infohashes (default 10000). */
    maxPeers?: number;
    /** Age in ms after which stored peers expire (default 0 = never). */
    maxAge?: number;
    /** Ping the routing table when unchanged for this long (ms, default 15 min). */
    timeBucketOutdated?: number;
  }

  /** The routing table (a k-bucket). */
  export interface DhtRoutingTable {
    count(): number;
    toArray(): DhtContact[];
  }

  export default class DHT extends EventEmitter {
    constructor(opts?: DhtOptions);
    readonly nodeId: Buffer;
    readonly nodes: DhtRoutingTable;
    readonly listening: boolean;
    readonly destroyed: boolean;
    /** Binds the socket (calls socket.bind). */
    listen(port?: number, address?: string, onlistening?: () => void): void;
    listen(onlistening?: () => void): void;
    /** get_peers traversal; values are emitted as 'peer' events. Returns a function that stops emitting. */
    lookup(infoHash: Buffer | string, cb?: (err: Error | null, visited?: number) => void): () => void;
    /** announce_peer to the nodes of the last traversal for infoHash (traverses first if none cached); port 0 = implied_port 1. */
    announce(infoHash: Buffer | string, port: number, cb?: (err: Error | null, hits?: number) => void): void;
    /** Adds a contact; with an id it enters the table directly, without one it is pinged first. */
    addNode(node: { id?: Buffer; host: string; port: number }): void;
    removeNode(id: Buffer | string): void;
    toJSON(): { nodes: Array<{ host: string; port: number }>; values: Record<string, unknown> };
    address(): { address: string; family: string; port: number };
    destroy(cb?: () => void): void;

    on(event: 'ready' | 'listening' | 'close', listener: () => void): this;
    on(event: 'peer', listener: (peer: { host: string; port: number }, infoHash: Buffer, from: unknown) => void): this;
    on(event: 'error' | 'warning', listener: (err: Error) => void): this;
    on(event: 'node', listener: (node: DhtContact) => void): this;
    on(event: 'announce', listener: (peer: { host: string; port: number }, infoHash: Buffer) => void): this;
  }
}
