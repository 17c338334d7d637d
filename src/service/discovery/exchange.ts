/**
 * The control/exchange socket on the secret-derived gossip port G (spec 3.3).
 *
 * Lifecycle: `bind()` opens one dual-stack UDP socket on [::]:G (IPv4-only fallback when the
 * host has no IPv6); every datagram is rate-limited per source IP, opened (AES-GCM envelope,
 * freshness window) and handed to `onMessage` with its normalised source; `exchange()` sends a
 * HELLO every 100 ms until a REPLY arrives from exactly that address or 4 s pass; `close()`
 * ends pending exchanges and the socket. Malformed input is counted and dropped, never thrown.
 */
import dgram from 'node:dgram';
import { EnvelopeError, openEnvelope } from '../mesh/envelope';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { PacketCounters } from './counters';
import { RateLimiter } from './rate-limiter';

/** A datagram's origin, IPv4-mapped addresses already turned into dotted IPv4. */
export interface Source {
  ip: string;
  port: number;
}

/** Receives every opened message. */
export type MessageHandler = (type: string, payload: Record<string, unknown>, source: Source) => void;

/** Options of {@link ExchangeSocket}. */
export interface ExchangeSocketOptions {
  port: number;
  gossipKey: Uint8Array;
  clock: Clock;
  logger: Logger;
  counters: PacketCounters;
  onMessage: MessageHandler;
  /** Bind address; default all addresses, dual-stack. */
  host?: string;
}

/** Largest datagram we read (spec 3.3). */
export const MAX_DATAGRAM = 65536;

/** Turns `::ffff:a.b.c.d` into `a.b.c.d` (spec 7.4 item 23). */
export function normalizeSourceIp(ip: string): string {
  return ip.toLowerCase().startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** `ip:port` / `[v6]:port`, the exact text Go matches replies by. */
export function sourceKey(s: Source): string {
  return s.ip.includes(':') ? `[${s.ip}]:${s.port}` : `${s.ip}:${s.port}`;
}

/** The UDP control socket. */
export class ExchangeSocket {
  private socket: dgram.Socket | undefined;
  private dualStack = true;
  private readonly limiter: RateLimiter;
  private readonly pending = new Map<string, (payload: Record<string, unknown>) => void>();

  constructor(private readonly opts: ExchangeSocketOptions) {
    this.limiter = new RateLimiter(opts.clock);
  }

  /** Binds [::]:G dual-stack (0.0.0.0:G if IPv6 is unavailable). Rejects with EADDRINUSE etc. */
  async bind(): Promise<void> {
    try {
      this.socket = await bindUdp('udp6', this.opts.host ?? '::', this.opts.port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL' && code !== 'EINVAL') throw err;
      this.dualStack = false;
      this.socket = await bindUdp('udp4', '0.0.0.0', this.opts.port);
    }
    this.socket.on('message', (msg, rinfo) => this.receive(msg, { ip: normalizeSourceIp(rinfo.address), port: rinfo.port }));
    this.socket.on('error', (err) => this.opts.logger.warn('control socket error', { error: err.message }));
  }

  /** Sends one sealed datagram. Errors (unreachable network) are logged, not thrown. */
  send(datagram: Uint8Array, to: Source): void {
    const s = this.socket;
    if (!s) return;
    const host = this.dualStack && !to.ip.includes(':') ? `::ffff:${to.ip}` : to.ip;
    if (!this.dualStack && to.ip.includes(':')) return;
    s.send(datagram, to.port, host, (err) => {
      if (err) this.opts.logger.debug('send failed', { to: sourceKey(to), error: err.message });
    });
  }

  /**
   * HELLO/REPLY exchange (spec 3.4 initiator): sends `hello` now and again until a REPLY arrives
   * from exactly `to`, or `timeoutMs` passes. Resolves with the REPLY payload or null.
   * Go resends every 100 ms for 4 s (the burst is its hole punch); we start at `intervalMs` and
   * double up to 800 ms, which keeps the early burst but not the storm: on a busy LAN a REPLY can
   * take longer than 100 ms, and every resend costs the receiver a full HELLO.
   */
  exchange(to: Source, hello: Uint8Array, intervalMs = 100, timeoutMs = 4000): Promise<Record<string, unknown> | null> {
    const key = sourceKey(to);
    return new Promise((resolve) => {
      const finish = (payload: Record<string, unknown> | null): void => {
        clearTimeout(timer);
        clearTimeout(deadline);
        if (this.pending.get(key) === onReply) this.pending.delete(key);
        resolve(payload);
      };
      const onReply = (payload: Record<string, unknown>): void => finish(payload);
      this.pending.get(key)?.({}); // a newer exchange to the same address supersedes
      this.pending.set(key, onReply);
      this.send(hello, to);
      let delay = intervalMs;
      const resend = (): void => {
        this.send(hello, to);
        delay = Math.min(delay * 2, 800);
        timer = setTimeout(resend, delay);
      };
      let timer = setTimeout(resend, delay);
      const deadline = setTimeout(() => finish(null), timeoutMs);
    });
  }

  /** Ends every pending exchange (no more resends); the socket stays open. */
  cancelPending(): void {
    for (const p of [...this.pending.values()]) p({});
    this.pending.clear();
  }

  /** Closes the socket; pending exchanges resolve with null. */
  close(): void {
    this.cancelPending();
    this.socket?.close();
    this.socket = undefined;
  }

  private receive(msg: Buffer, source: Source): void {
    const c = this.opts.counters;
    c.received++;
    if (!this.limiter.allow(source.ip)) return c.drop('rate-limited');
    let opened: { type: string; payload: Record<string, unknown> };
    try {
      opened = openEnvelope(this.opts.gossipKey, msg, Math.floor(this.opts.clock.now() / 1000));
    } catch (err) {
      if (err instanceof EnvelopeError) return c.drop(err.reason);
      this.opts.logger.warn('unexpected envelope error', { error: String(err) });
      return c.drop('internal');
    }
    c.accepted++;
    try {
      this.opts.onMessage(opened.type, opened.payload, source);
    } catch (err) {
      this.opts.logger.warn('message handler failed', { type: opened.type, error: String(err) });
    }
    if (opened.type === 'REPLY') this.pending.get(sourceKey(source))?.(opened.payload);
  }
}

function bindUdp(type: 'udp4' | 'udp6', host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type, ipv6Only: false, recvBufferSize: 1 << 20 });
    s.once('error', (err) => { s.close(); reject(err); });
    s.bind({ port, address: host, exclusive: true }, () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
}
