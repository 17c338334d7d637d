/**
 * The mesh side of an exposed site (issue 5). A {@link SiteForwarder} listens at one TCP port on
 * this node's mesh addresses and relays every connection, byte for byte, to the site's local
 * target (e.g. 127.0.0.1:8080). It is a plain TCP relay, so HTTP, HTTPS and WebSockets all pass
 * and TLS stays end to end between the edge and the user's service.
 *
 * Lifecycle: construct → start() (all addresses listening, or none) → connections are relayed
 * until stop() closes the listeners and every open connection. start() may be called again
 * after stop() (a rollback reopens a forwarder it had stopped); counters keep running.
 *
 * Throughput: both directions use stream pipe() (backpressure, no JS per chunk beyond Node's
 * own), and byte counts are read from the sockets' own counters rather than counted per chunk.
 */
import net from 'node:net';
import type { Logger } from '../log';
import { silentLogger } from '../log';

/** Most connections relayed at once (per forwarder, all addresses together); extra ones are closed. */
export const MAX_CONNECTIONS = 1024;
/** First port of the range mesh ports are chosen from. */
export const MESH_PORT_FIRST = 18080;
/** Last port of the range mesh ports are chosen from. */
export const MESH_PORT_LAST = 18999;

/** Why a listener could not be opened; `code` is stable, `message` names address:port. */
export class ListenError extends Error {
  constructor(
    /** `port-in-use` (EADDRINUSE), `address-not-available` (EADDRNOTAVAIL: not yet on an interface), else `listen-failed`. */
    readonly code: 'port-in-use' | 'address-not-available' | 'listen-failed',
    message: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

/** Where connections are relayed to. */
export interface ForwardTarget {
  /** IPv4, IPv6 (no brackets) or a hostname. */
  host: string;
  port: number;
}

/** Options of {@link SiteForwarder}. */
export interface SiteForwarderOptions {
  /** The addresses to listen on (the node's mesh IPv4 and IPv6). */
  addresses: readonly string[];
  /** The one TCP port used on every address. */
  port: number;
  target: ForwardTarget;
  /** Default {@link MAX_CONNECTIONS}. */
  maxConnections?: number;
  /** A target that does not accept within this time counts as failed; default 5000 ms. */
  connectTimeoutMs?: number;
  logger?: Logger;
}

/** Counters of a {@link SiteForwarder}. */
export interface ForwarderStats {
  /** Connections being relayed now. */
  active: number;
  /** Connections accepted since start (including ones that failed to reach the target). */
  accepted: number;
  /** Connections closed at once because {@link SiteForwarderOptions.maxConnections} were open. */
  rejected: number;
  /** Connections whose target connection failed (refused, unreachable, reset). */
  targetErrors: number;
  /** Bytes received from clients (edges), i.e. sent towards the target. */
  bytesFromClients: number;
  /** Bytes received from the target, i.e. sent towards clients. */
  bytesFromTarget: number;
}

interface Relay {
  client: net.Socket;
  upstream: net.Socket;
}

/** `host:port`, IPv6 hosts bracketed. */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Opens a listener on host:port, or rejects with a {@link ListenError}. */
function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = formatHostPort(host, port);
      if (err.code === 'EADDRINUSE') reject(new ListenError('port-in-use', `${where} is already in use`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new ListenError('address-not-available', `${where}: the address is not on any interface`));
      else reject(new ListenError('listen-failed', `cannot listen on ${where}: ${err.message}`));
    };
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Relays TCP connections from the mesh addresses to a local target. */
export class SiteForwarder {
  private servers: net.Server[] = [];
  private readonly relays = new Set<Relay>();
  private readonly max: number;
  private readonly log: Logger;
  private stopped = false;
  private readonly counters = { accepted: 0, rejected: 0, targetErrors: 0, fromClients: 0, fromTarget: 0 };

  constructor(private readonly opts: SiteForwarderOptions) {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new Error(`invalid mesh port ${opts.port}`);
    if (opts.addresses.length === 0) throw new Error('a forwarder needs at least one address');
    this.max = opts.maxConnections ?? MAX_CONNECTIONS;
    this.log = opts.logger ?? silentLogger;
  }

  /**
   * Listens on every address. If one fails, the listeners already opened are closed and the
   * promise rejects with a {@link ListenError} (`code: 'port-in-use'` for EADDRINUSE).
   */
  async start(): Promise<void> {
    if (this.servers.length > 0) throw new Error('SiteForwarder.start: already listening');
    const opened: net.Server[] = [];
    try {
      for (const host of this.opts.addresses) {
        // allowHalfOpen: a client's FIN is passed on to the target while the answer still flows back.
        const server = net.createServer({ allowHalfOpen: true }, (sock) => this.accept(sock));
        await listen(server, host, this.opts.port);
        opened.push(server);
      }
    } catch (err) {
      await Promise.all(opened.map(close));
      throw err;
    }
    this.servers = opened;
    this.stopped = false;
  }

  /** Closes the listeners and every open connection; resolves once all are closed. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    const servers = this.servers;
    this.servers = [];
    const sockets = [...this.relays].flatMap((r) => [r.client, r.upstream]);
    const gone = sockets.map((s) => (s.closed ? undefined : new Promise((resolve) => s.once('close', resolve))));
    for (const s of sockets) s.destroy();
    await Promise.all([...servers.map(close), ...gone]);
  }

  /** Whether the listeners are open. */
  get listening(): boolean {
    return this.servers.length > 0;
  }

  /** Current counters; byte totals include connections still open. */
  stats(): ForwarderStats {
    let fromClients = this.counters.fromClients;
    let fromTarget = this.counters.fromTarget;
    for (const r of this.relays) {
      fromClients += r.client.bytesRead;
      fromTarget += r.upstream.bytesRead;
    }
    const { accepted, rejected, targetErrors } = this.counters;
    return { active: this.relays.size, accepted, rejected, targetErrors, bytesFromClients: fromClients, bytesFromTarget: fromTarget };
  }

  private accept(client: net.Socket): void {
    if (this.stopped || this.relays.size >= this.max) {
      this.counters.rejected += 1;
      client.destroy();
      return;
    }
    this.counters.accepted += 1;
    client.setNoDelay(true);
    const { host, port } = this.opts.target;
    const upstream = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
    const relay: Relay = { client, upstream };
    this.relays.add(relay);
    let connected = false;
    // A local target accepts in milliseconds; one that is silent (a blackholed LAN host) must
    // not hold the edge for the kernel's SYN timeout of about two minutes.
    upstream.setTimeout(this.opts.connectTimeoutMs ?? 5000, () => upstream.destroy(new Error('connect timed out')));
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
    });
    // When the target refuses or fails, drop the client at once: nginx then answers 502 (or
    // tries another origin) immediately instead of waiting for its proxy timeout.
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        this.counters.targetErrors += 1;
        this.log.debug('target connection failed', { target: formatHostPort(host, port), error: err.code ?? err.message });
      }
      client.destroy();
      upstream.destroy();
    });
    client.on('error', () => {
      client.destroy();
      upstream.destroy();
    });
    // pipe() ends the other side when one side ends (half-close is passed on); each socket is
    // destroyed by Node once it has both ended and finished. A clean close of one side means
    // the other is finishing too, so only errors (handled above) destroy the peer.
    client.pipe(upstream);
    upstream.pipe(client);
    let open = 2;
    const closed = (): void => {
      open -= 1;
      if (open > 0) return;
      this.relays.delete(relay);
      this.counters.fromClients += client.bytesRead;
      this.counters.fromTarget += upstream.bytesRead;
    };
    client.once('close', closed);
    upstream.once('close', closed);
  }
}

/** Whether host:port can be bound now (EADDRINUSE/EACCES → false; other errors reject). */
async function isFree(host: string, port: number): Promise<boolean> {
  const server = net.createServer();
  try {
    await listen(server, host, port);
  } catch (err) {
    if (err instanceof ListenError && err.code === 'port-in-use') return false;
    if (err instanceof ListenError && /EACCES|permission/i.test(err.message)) return false;
    throw err;
  }
  await close(server);
  return true;
}

/**
 * A port for a site's forwarder: `preferred` if it is not in `taken` (ports other sites use)
 * and can be bound on every address, else the first such port of
 * {@link MESH_PORT_FIRST}–{@link MESH_PORT_LAST}. Rejects when there is none, or with a
 * {@link ListenError} when an address cannot be bound at all (e.g. not yet configured).
 * The answer is only a good guess: another program may take the port before start().
 */
export async function chooseMeshPort(addresses: readonly string[], preferred: number, taken: ReadonlySet<number>): Promise<number> {
  const freeEverywhere = async (port: number): Promise<boolean> => {
    for (const host of addresses) if (!(await isFree(host, port))) return false;
    return true;
  };
  const candidates: number[] = [];
  if (Number.isInteger(preferred) && preferred >= 1 && preferred <= 65535) candidates.push(preferred);
  for (let p = MESH_PORT_FIRST; p <= MESH_PORT_LAST; p++) if (p !== preferred) candidates.push(p);
  for (const port of candidates) {
    if (!taken.has(port) && (await freeEverywhere(port))) return port;
  }
  throw new Error(`no free port from ${MESH_PORT_FIRST} to ${MESH_PORT_LAST} on ${addresses.join(', ')}`);
}
