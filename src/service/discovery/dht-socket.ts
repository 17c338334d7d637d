/**
 * The UDP socket under a bittorrent-dht instance, and the gate every datagram passes first.
 *
 * Lifecycle: `DhtSocket.bind()` opens one single-family socket (udp4, or udp6 with ipv6Only);
 * `attach()` hands out a dgram look-alike that k-rpc-socket drives (send, bind, close, events) —
 * a new one per library instance, so a DHT restart (new BEP 42 id) keeps the port; `close()`
 * closes the real socket. Inbound datagrams are size-checked (≤ 4096 bytes), rate-limited per
 * source (IPv4 address or IPv6 /64) and decoded by the strict codec before the library parses
 * them; drops are counted by reason, and nothing a peer sends can throw out of here.
 *
 * IPv6: bittorrent-dht 11 / k-rpc 5 are IPv4-only (compact 6-byte `values`, 26-byte `nodes`,
 * `host.split('.')` encoders; no BEP 32 `nodes6`). On a udp6 socket the gate therefore maps each
 * IPv6 address to a synthetic IPv4 address in 240.0.0.0/4 that the library handles like any
 * other, translating BEP 32 `nodes6` and 18-byte `values` to the IPv4 forms on the way in and
 * back on the way out. The library never sees a real IPv6 address. Only responses to queries the
 * library sent to that address are let through on udp6 (others would only churn the address map),
 * and `values` get stand-ins from a pool of their own, so they never evict a node's.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { formatIp, parseIp } from '../../shared/mesh/ip';
import type { Logger } from '../log';
import { type BDict, type BValue, bencode, decodeKrpc } from './dht-bencode';
import type { PacketCounters } from './counters';
import type { RateLimiter } from './rate-limiter';

/** Largest DHT datagram accepted; real KRPC messages stay well under 1500 bytes. */
export const MAX_DHT_DATAGRAM = 4096;
/** Most IPv6 addresses with a synthetic IPv4 stand-in at once (least recently used evicted). */
const MAX_MAPPED = 8192;
/** Most `values` addresses with a stand-in (a pool of their own: values never evict a node's). */
const MAX_MAPPED_VALUES = 4096;
/** Most outstanding udp6 queries remembered (the library has at most 16 in flight, 2 s each). */
const MAX_QUERIES = 1024;

/** Real address ↔ synthetic IPv4, in least-recently-used order. */
interface AddressPool { toSynthetic: Map<string, string>; toReal: Map<string, string>; max: number }
const pool = (max: number): AddressPool => ({ toSynthetic: new Map(), toReal: new Map(), max });

/** The part of a dgram socket k-rpc-socket uses. */
export class SocketFacade extends EventEmitter {
  constructor(private readonly owner: DhtSocket) { super(); }
  bind(...args: unknown[]): void {
    const cb = args.find((a): a is () => void => typeof a === 'function');
    process.nextTick(() => { this.emit('listening'); cb?.(); });
  }
  address(): { address: string; family: string; port: number } { return { address: '0.0.0.0', family: 'IPv4', port: this.owner.port }; }
  send(buf: Buffer, offset: number, length: number, port: number, host: string, cb?: (err: Error | null) => void): void {
    this.owner.sendFromLibrary(this, buf.subarray(offset, offset + length), port, host, cb);
  }
  close(): void { this.owner.detach(this); process.nextTick(() => this.emit('close')); }
}

/** Options of {@link DhtSocket.bind}. */
export interface DhtSocketOptions {
  family: 4 | 6;
  port: number;
  host?: string;
  /** Bind port 0 when `port` is taken (spec 3.5: OS-chosen if busy). */
  fallbackToAnyPort?: boolean;
  logger: Logger;
  counters: PacketCounters;
  limiter?: RateLimiter;
}

/** One bound UDP socket feeding (at most) one library instance at a time. */
export class DhtSocket {
  private current: SocketFacade | undefined;
  private readonly nodes = pool(MAX_MAPPED);
  private readonly values = pool(MAX_MAPPED_VALUES);
  /** `<t hex>@<real address>` of queries the library sent on udp6: only their responses are translated. */
  private readonly queries = new Set<string>();
  private nextSynthetic = 1;
  /** The bound port. */
  readonly port: number;

  private constructor(private readonly socket: dgram.Socket, private readonly opts: DhtSocketOptions) {
    this.port = socket.address().port;
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => opts.logger.warn('DHT socket error', { error: err.message }));
  }

  /** Binds the socket. @throws the bind error (EADDRINUSE only without fallbackToAnyPort). */
  static async bind(opts: DhtSocketOptions): Promise<DhtSocket> {
    const host = opts.host ?? (opts.family === 4 ? '0.0.0.0' : '::');
    try {
      return new DhtSocket(await bindUdp(opts.family, host, opts.port), opts);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !opts.fallbackToAnyPort) throw err;
      opts.logger.info('DHT port busy, using an OS-chosen port', { port: opts.port });
      return new DhtSocket(await bindUdp(opts.family, host, 0), opts);
    }
  }

  /** Address family of the socket. */
  get family(): 4 | 6 { return this.opts.family; }

  /** A fresh dgram look-alike for a new library instance; the previous one stops receiving. */
  attach(): SocketFacade {
    this.current = new SocketFacade(this);
    return this.current;
  }

  /** Called by a facade's close(). */
  detach(f: SocketFacade): void { if (this.current === f) this.current = undefined; }

  /** The address the library knows `ip` by (IPv6 → synthetic IPv4); undefined for the wrong family. */
  toLibrary(ip: string): string | undefined {
    const bytes = parseIp(ip);
    if (!bytes || (bytes.length === 4) !== (this.family === 4)) return undefined;
    return this.family === 4 ? ip : this.synthetic(formatIp(bytes));
  }

  /** The real address behind a library address; undefined when unknown or foreign. */
  fromLibrary(host: string): string | undefined {
    if (this.family === 4) return parseIp(host)?.length === 4 ? host : undefined;
    return this.nodes.toReal.get(host) ?? this.values.toReal.get(host);
  }

  /** Closes the real socket. */
  close(): Promise<void> {
    this.current = undefined;
    return new Promise((resolve) => { try { this.socket.close(() => resolve()); } catch { resolve(); } });
  }

  sendFromLibrary(f: SocketFacade, data: Buffer, port: number, host: string, cb?: (err: Error | null) => void): void {
    const done = (err: Error | null): void => { try { cb?.(err); } catch { /* library callback */ } };
    const real = this.fromLibrary(host);
    if (f !== this.current || !real || real.includes(':') !== (this.family === 6)) return process.nextTick(done, new Error('DHT destination unavailable'));
    let out = data;
    if (this.family === 6) {
      const msg = decodeKrpc(data);
      if (!msg) return process.nextTick(done, new Error('unencodable DHT message'));
      const t = msg.get('t') as Buffer;
      if (isQuery(msg)) remember(this.queries, `${t.toString('hex')}@${real}`, MAX_QUERIES);
      translateOut(msg, (s) => this.fromLibrary(s));
      out = bencode(msg);
    }
    this.socket.send(out, port, real, (err) => done(err ?? null));
  }

  private receive(msg: Buffer, address: string, port: number): void {
    const c = this.opts.counters;
    c.received++;
    try {
      if (msg.length > MAX_DHT_DATAGRAM) return c.drop('oversize');
      if (this.opts.limiter && !this.opts.limiter.allow(limitKey(address))) return c.drop('rate-limited');
      const decoded = decodeKrpc(msg);
      if (!decoded || !port) return c.drop('malformed');
      const f = this.current;
      if (!f) return c.drop('not-running');
      let data = msg;
      let from = address;
      if (this.family === 6) {
        const bytes = parseIp(address.split('%')[0] ?? '');
        if (bytes?.length !== 16) return c.drop('malformed');
        const real = formatIp(bytes);
        // A response (r/e) is translated only when it answers a query sent there: anyone's unsolicited
        // nodes6/values could otherwise flush the address map (the library ignores them anyway; hardening fuzz).
        if (!isQuery(decoded) && !this.queries.delete(`${(decoded.get('t') as Buffer).toString('hex')}@${real}`)) return c.drop('unsolicited');
        from = this.synthetic(real);
        translateIn(decoded, (r) => this.toLibrary(r), (r) => this.synthetic(r, this.values));
        data = bencode(decoded);
      } else if (onlyCompactV4Values(decoded)) {
        data = bencode(decoded); // an IPv6 value would be misread as IPv4 by the library
      }
      f.emit('message', data, { address: from, port, family: 'IPv4', size: data.length });
      c.accepted++;
    } catch (err) {
      c.drop('library-error');
      this.opts.logger.debug('DHT datagram rejected by the library', { error: String(err) });
    }
  }

  private synthetic(real: string, p: AddressPool = this.nodes): string {
    const known = p.toSynthetic.get(real);
    if (known) {
      p.toSynthetic.delete(real); // re-insert: Map order is the LRU order
      p.toSynthetic.set(real, known);
      return known;
    }
    if (p.toSynthetic.size >= p.max) {
      const [oldReal, oldSyn] = p.toSynthetic.entries().next().value ?? [];
      if (oldReal !== undefined && oldSyn !== undefined) { p.toSynthetic.delete(oldReal); p.toReal.delete(oldSyn); }
    }
    let s: string;
    do {
      const n = this.nextSynthetic;
      this.nextSynthetic = n >= 0x0ffffffe ? 1 : n + 1;
      s = `${240 | (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    } while (this.fromLibrary(s) !== undefined); // after a wrap-around, skip stand-ins still in use
    p.toSynthetic.set(real, s);
    p.toReal.set(s, real);
    return s;
  }
}

/** A query (y = q); decodeKrpc guarantees `y` is a byte string. */
function isQuery(msg: BDict): boolean {
  return (msg.get('y') as Buffer).toString('latin1') === 'q';
}

/** Adds `key` to a bounded set, forgetting the oldest entry beyond `max`. */
function remember(set: Set<string>, key: string, max: number): void {
  set.delete(key);
  set.add(key);
  if (set.size > max) set.delete(set.values().next().value!);
}

/** Rate-limit key: the IPv4 address, or the /64 of an IPv6 one (one host can use a whole /64). */
function limitKey(address: string): string {
  const b = address.includes(':') ? parseIp(address.split('%')[0] ?? '') : null;
  return b ? Buffer.from(b.subarray(0, 8)).toString('hex') + '::/64' : address;
}

/** Compact `ip ‖ port` from real text; undefined when not an address. */
function compact(real: string | undefined, port: number): Buffer | undefined {
  const b = real === undefined ? undefined : parseIp(real);
  if (!b) return undefined;
  const out = Buffer.alloc(b.length + 2);
  out.set(b);
  out.writeUInt16BE(port, b.length);
  return out;
}

/**
 * IPv6 wire → library: `nodes6` becomes `nodes` (IPv6 nodes only: IPv4 ones are unreachable
 * from this socket); 18-byte and 6-byte values become synthetic IPv4 values (a peer's address
 * may be of either family).
 */
function translateIn(msg: BDict, lib: (real: string) => string | undefined, value: (real: string) => string): void {
  const r = msg.get('r');
  if (!(r instanceof Map)) return;
  const n6 = r.get('nodes6');
  r.delete('nodes');
  r.delete('nodes6');
  if (Buffer.isBuffer(n6)) {
    const out: Buffer[] = [];
    for (let i = 0; i + 38 <= n6.length; i += 38) {
      const ip = compact(lib(formatIp(n6.subarray(i + 20, i + 36))), n6.readUInt16BE(i + 36));
      if (ip?.length === 6) out.push(n6.subarray(i, i + 20), ip);
    }
    r.set('nodes', Buffer.concat(out));
  }
  const values = r.get('values');
  if (Array.isArray(values)) r.set('values', mapValues(values, (v) => v.length === 18 || v.length === 6, (v) => compact(value(formatIp(v.subarray(0, -2))), v.readUInt16BE(v.length - 2))));
}

/** Library → IPv6 wire: `nodes` with synthetic addresses becomes `nodes6`, values real. */
function translateOut(msg: BDict, real: (lib: string) => string | undefined): void {
  const r = msg.get('r');
  if (!(r instanceof Map)) return;
  const n = r.get('nodes');
  r.delete('nodes');
  if (Buffer.isBuffer(n)) {
    const out: Buffer[] = [];
    for (let i = 0; i + 26 <= n.length; i += 26) {
      const ip = compact(real(formatIp(n.subarray(i + 20, i + 24))), n.readUInt16BE(i + 24));
      if (ip?.length === 18) out.push(n.subarray(i, i + 20), ip);
    }
    r.set('nodes6', Buffer.concat(out));
  }
  const values = r.get('values');
  if (Array.isArray(values)) r.set('values', mapValues(values, (v) => v.length === 6, (v) => compact(real(formatIp(v.subarray(0, 4))), v.readUInt16BE(4))));
}

/** Drops `values` entries that are not 6-byte IPv4 ones; true when something was dropped. */
function onlyCompactV4Values(msg: BDict): boolean {
  const r = msg.get('r');
  const values = r instanceof Map ? r.get('values') : undefined;
  if (!(r instanceof Map) || !Array.isArray(values) || values.every((v) => Buffer.isBuffer(v) && v.length === 6)) return false;
  r.set('values', mapValues(values, (v) => v.length === 6, (v) => v));
  return true;
}

function mapValues(values: BValue[], ok: (v: Buffer) => boolean, map: (v: Buffer) => Buffer | undefined): Buffer[] {
  const out: Buffer[] = [];
  for (const v of values) {
    const m = Buffer.isBuffer(v) && ok(v) ? map(v) : undefined;
    if (m) out.push(m);
  }
  return out;
}

function bindUdp(family: 4 | 6, host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6', ipv6Only: family === 6 });
    s.once('error', (err) => { s.close(); reject(err); });
    s.bind({ port, address: host, exclusive: true }, () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
}
