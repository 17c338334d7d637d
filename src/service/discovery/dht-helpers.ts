/**
 * Pure helpers of the DHT discovery layer (spec 3.5, 4.10): the strict validator for peer
 * addresses returned in `values`, the bootstrap retry delay, `host:port` parsing, the bounded
 * per-address dedupe, and the node-file record format. No sockets, no timers.
 */
import { formatIp, parseIp, toIPv4 } from '../../shared/mesh/ip';

/** An underlay address, IPv4 in dotted form (IPv4-mapped IPv6 already converted). */
export interface PeerAddress {
  ip: string;
  port: number;
}

/** `ip:port` or `[v6]:port`. */
export function addressText(a: PeerAddress): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/**
 * Checks a peer address taken from a DHT `values` entry. Accepts unicast IPv4 and IPv6
 * (loopback, private and documentation ranges included: labs use them, Go accepts them);
 * rejects `0.0.0.0/8`, multicast, `240.0.0.0/4` (includes broadcast), `::`, `ff00::/8`, ports
 * outside 1–65535, and IPv6 when `allowIPv6` is false. IPv4-mapped IPv6 becomes dotted IPv4.
 */
export function validatePeerAddress(ip: string, port: number, allowIPv6: boolean): PeerAddress | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const bytes = parseIp(ip);
  if (!bytes) return undefined;
  const v4 = toIPv4(bytes);
  if (v4) {
    const a = v4[0] ?? 0;
    if (a === 0 || a >= 224) return undefined;
    return { ip: formatIp(v4), port };
  }
  if (!allowIPv6 || bytes[0] === 0xff || bytes.every((b) => b === 0)) return undefined;
  return { ip: formatIp(bytes), port };
}

/** Bootstrap retry delay before jitter (spec 3.5): 5 s doubling to 60 s, by failure count (0-based). */
export function bootstrapBackoffMs(failures: number, baseMs = 5000, maxMs = 60_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, failures), 20));
}

/** `ms` times a random factor in [0.75, 1.25] (Go's ±25 % jitter). */
export function jitterMs(ms: number, random: () => number = Math.random): number {
  return ms * (0.75 + 0.5 * random());
}

/** Remembers when each key was last let through; bounded, least recently used evicted. */
export class RecentSet {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number, private readonly max = 4096) {}

  /** True (and records `now`) unless `key` passed less than windowMs before `now`. */
  admit(key: string, now: number): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && now - at >= 0 && now - at < this.windowMs) return false;
    this.seen.delete(key);
    if (this.seen.size >= this.max) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, now);
    return true;
  }

  /** Number of remembered keys (bounded by max). */
  get size(): number {
    return this.seen.size;
  }
}

/** A routing-table entry as persisted. */
export interface DhtNodeRecord {
  id: Uint8Array;
  ip: string;
  port: number;
}

/** Bytes per node-file record: 20-byte id, 16-byte address, 2-byte big-endian port (spec 4.10). */
export const NODE_RECORD_BYTES = 38;

/** Encodes nodes as spec 4.10 records (IPv4 as `::ffff:a.b.c.d`); invalid entries are skipped. */
export function encodeNodesFile(nodes: readonly DhtNodeRecord[]): Uint8Array {
  const out = Buffer.alloc(nodes.length * NODE_RECORD_BYTES);
  let n = 0;
  for (const node of nodes) {
    const ip = parseIp(node.ip);
    if (!ip || node.id.length !== 20 || !(node.port >= 1 && node.port <= 65535)) continue;
    const rec = out.subarray(n * NODE_RECORD_BYTES, (n + 1) * NODE_RECORD_BYTES);
    rec.set(node.id, 0);
    if (ip.length === 4) {
      rec.set([0xff, 0xff], 30);
      rec.set(ip, 32);
    } else {
      rec.set(ip, 20);
    }
    rec.writeUInt16BE(node.port, 36);
    n++;
  }
  return out.subarray(0, n * NODE_RECORD_BYTES);
}

/**
 * Decodes a node file. Returns undefined when the length is not a positive multiple of 38
 * (corrupt or truncated); records with port 0 or an unusable address are skipped.
 */
export function decodeNodesFile(data: Uint8Array): DhtNodeRecord[] | undefined {
  if (data.length === 0 || data.length % NODE_RECORD_BYTES !== 0) return undefined;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: DhtNodeRecord[] = [];
  for (let off = 0; off < buf.length; off += NODE_RECORD_BYTES) {
    const port = buf.readUInt16BE(off + 36);
    const addr = validatePeerAddress(formatIp(buf.subarray(off + 20, off + 36)), port, true);
    if (addr) out.push({ id: new Uint8Array(buf.subarray(off, off + 20)), ...addr });
  }
  return out;
}
