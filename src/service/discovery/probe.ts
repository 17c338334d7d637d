/**
 * Mesh health probe (spec 4.7), both ends.
 *
 * Responder: TCP on meshIPv4:G+2000 and [meshIPv6]:G+2000, answering each `ping` line with
 * `pong\n`. Go evicts peers whose handshake is old and that do not answer, so every node must
 * run it. Connections idle for 10 s are closed; lines are capped so a client cannot make us
 * buffer without bound.
 *
 * Client lifecycle: `probe(key, target)` reuses the peer's open connection or dials one (mesh
 * IPv6 first, then IPv4, each with the timeout, from our own mesh address so the probe goes
 * through the tunnel), writes `ping\n` and waits for a `pong` line; any failure drops the
 * connection, so the next probe dials afresh. `close(key)` drops one connection, `stop()` all.
 */
import net from 'node:net';
import type { Logger } from '../log';

/** Longest line we buffer before dropping the connection. */
const MAX_LINE = 1024;

/** The probe server bound to the mesh addresses. */
export class ProbeResponder {
  private servers: net.Server[] = [];

  constructor(private readonly logger: Logger) {}

  /** Listens on each address; an address that fails is logged and skipped (not fatal, as in Go). */
  async start(addresses: readonly string[], port: number): Promise<void> {
    for (const host of addresses) {
      const server = net.createServer((sock) => this.serve(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port, exclusive: true }, () => { server.removeListener('error', reject); resolve(); });
        });
        this.servers.push(server);
      } catch (err) {
        this.logger.warn('probe responder not listening', { host, port, error: (err as Error).message });
      }
    }
  }

  /** Number of addresses listened on. */
  get listening(): number {
    return this.servers.length;
  }

  /** Closes every server and connection. */
  stop(): void {
    for (const s of this.servers) s.close();
    this.servers = [];
  }

  private serve(sock: net.Socket): void {
    let buf = '';
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === 'ping') sock.write('pong\n');
      }
      if (buf.length > MAX_LINE) sock.destroy();
    });
  }
}

/** Dial and answer timeout of a probe (spec 4.8: 1.2 s). */
export const PROBE_TIMEOUT_MS = 1200;

/** A peer's probe responder addresses: its mesh IPv4 and, if known, mesh IPv6. */
export interface ProbeTarget {
  ipv4: string;
  ipv6?: string;
}

/** Options of {@link ProbeClient}. */
export interface ProbeClientOptions {
  /** The responders' port, G+2000 (`keys.probePort`). */
  port: number;
  /** Source address of IPv4 probes (our mesh IPv4), so they leave through the tunnel. */
  localIPv4?: string;
  /** Source address of IPv6 probes (our mesh IPv6). */
  localIPv6?: string;
  /** Try the peer's mesh IPv6 first (default true; Go skips it under `--no-ipv6`). */
  ipv6?: boolean;
  /** Per-dial and per-answer timeout (default {@link PROBE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** One open probe connection with its line buffer and the answer being waited for. */
class ProbeConnection {
  private buf = '';
  private waiter: ((line: string | null) => void) | undefined;
  private closed = false;

  constructor(private readonly sock: net.Socket, onClose: () => void) {
    sock.setNoDelay(true);
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.closed = true;
      this.settle(null);
      onClose();
    });
    sock.on('data', (chunk: Buffer) => {
      this.buf += chunk.toString('latin1');
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        this.settle(line); // a line nobody waits for is dropped
      }
      if (this.buf.length > MAX_LINE) sock.destroy();
    });
  }

  /** Writes `ping`; resolves with the round trip in ms (0.1 ms steps), or null (no `pong` in time). */
  ping(timeoutMs: number): Promise<number | null> {
    if (this.closed || this.waiter) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t0 = performance.now();
      const timer = setTimeout(() => this.settle(null), timeoutMs);
      this.waiter = (line) => {
        clearTimeout(timer);
        resolve(line === 'pong' ? Math.round((performance.now() - t0) * 10) / 10 : null);
      };
      this.sock.write('ping\n');
    });
  }

  destroy(): void {
    this.sock.destroy();
  }

  private settle(line: string | null): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(line);
  }
}

/** Connects to `host:port` from `localAddress`; null on error or after `timeoutMs`. */
function dial(host: string, port: number, localAddress: string | undefined, timeoutMs: number): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const sock = net.connect(localAddress ? { host, port, localAddress } : { host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.removeListener('error', onError);
      if (!ok) sock.destroy();
      resolve(ok ? sock : null);
    };
    const onError = (): void => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.on('error', onError);
  });
}

/** The probe client: at most one persistent connection per peer (see the module comment). */
export class ProbeClient {
  private readonly conns = new Map<string, ProbeConnection>();
  private stopped = false;

  constructor(private readonly o: ProbeClientOptions) {}

  /** Probes one peer; resolves with the round trip in ms, or null on failure (never rejects). */
  async probe(key: string, target: ProbeTarget): Promise<number | null> {
    if (this.stopped) return null;
    const conn = this.conns.get(key) ?? await this.connect(key, target);
    if (!conn) return null;
    const rtt = await conn.ping(this.o.timeoutMs ?? PROBE_TIMEOUT_MS);
    if (rtt === null) this.close(key);
    return rtt;
  }

  /** Number of open connections. */
  get open(): number {
    return this.conns.size;
  }

  /** Drops the connection to one peer, if any. */
  close(key: string): void {
    const c = this.conns.get(key);
    this.conns.delete(key);
    c?.destroy();
  }

  /** Drops every connection; later probes fail at once. */
  stop(): void {
    this.stopped = true;
    for (const key of [...this.conns.keys()]) this.close(key);
  }

  private async connect(key: string, target: ProbeTarget): Promise<ProbeConnection | undefined> {
    const hosts: [string, string | undefined][] = [[target.ipv4, this.o.localIPv4]];
    if (this.o.ipv6 !== false && target.ipv6) hosts.unshift([target.ipv6, this.o.localIPv6]);
    for (const [host, local] of hosts) {
      const sock = await dial(host, this.o.port, local, this.o.timeoutMs ?? PROBE_TIMEOUT_MS);
      if (!sock) continue;
      const existing = this.conns.get(key);
      if (this.stopped || existing) {
        sock.destroy(); // stopped meanwhile, or a concurrent probe connected first
        return existing;
      }
      const conn: ProbeConnection = new ProbeConnection(sock, () => {
        if (this.conns.get(key) === conn) this.conns.delete(key);
      });
      this.conns.set(key, conn);
      return conn;
    }
    return undefined;
  }
}
