/**
 * BEP 42 ("DHT security extension") node ids, as libtorrent and anacrolix/dht compute them.
 *
 * Go wgmesh (anacrolix/dht with BEP 42 enforced, spec 3.5) only keeps nodes whose id is secure
 * for their IP in its routing table and only follows such nodes in traversals, so a node that
 * wants to be stored by Go peers and to receive their announces must use a secure id for its
 * public IPv4 address. Rule: CRC32-C over the IP masked with `03 0f 3f ff` (IPv4) or
 * `01 03 07 0f 1f 3f 7f ff` (first 8 bytes of IPv6), the top 3 bits of the first masked byte
 * replaced by `id[19] & 7`; id bytes 0–1 and the top 5 bits of byte 2 equal the CRC's top 21
 * bits. RFC 1918, loopback and link-local addresses are exempt.
 */
import { randomBytes } from 'node:crypto';
import { parseIp, toIPv4 } from '../../shared/mesh/ip';

const V4_MASK = [0x03, 0x0f, 0x3f, 0xff];
const V6_MASK = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32-C (Castagnoli), as used by BEP 42. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The 21-bit prefix (as a 32-bit CRC) that a secure id for `ip` with low bits `r` must carry. */
function securePrefix(ip: Uint8Array, r: number): number {
  const mask = ip.length === 4 ? V4_MASK : V6_MASK;
  const masked = Uint8Array.from(mask, (m, i) => (ip[i] ?? 0) & m);
  masked[0] = (masked[0] ?? 0) | ((r & 7) << 5);
  return crc32c(masked);
}

function ipBytes(ip: string): Uint8Array {
  const bytes = parseIp(ip);
  if (!bytes) throw new Error(`not an IP address: ${ip}`);
  return toIPv4(bytes) ?? bytes;
}

/**
 * A BEP 42-secure node id for `ip`. `rand` (0–255) becomes id[19], whose low 3 bits enter the
 * CRC; the remaining 16½ bytes come from `random` (default crypto-random).
 * @throws Error when `ip` is not an IP address.
 */
export function bep42NodeId(ip: string, rand?: number, random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  const r = rand === undefined ? (random(1)[0] ?? 0) : rand & 0xff;
  const crc = securePrefix(ipBytes(ip), r);
  const id = new Uint8Array(20);
  id.set(random(20));
  id[0] = (crc >>> 24) & 0xff;
  id[1] = (crc >>> 16) & 0xff;
  id[2] = ((crc >>> 8) & 0xf8) | ((id[2] ?? 0) & 7);
  id[19] = r;
  return id;
}

/** True for the ranges BEP 42 exempts: RFC 1918, 127/8, 169.254/16, ::1, fe80::/10. */
export function isBep42Exempt(ip: string): boolean {
  const bytes = parseIp(ip);
  if (!bytes) return false;
  const v4 = toIPv4(bytes);
  if (v4) {
    const [a = 0, b = 0] = v4;
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  const loopback = bytes.subarray(0, 15).every((x) => x === 0) && bytes[15] === 1;
  return loopback || (bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80);
}

/** True when `id` is BEP 42-secure for `ip` (or `ip` is exempt). False for a malformed ip or id. */
export function isBep42Secure(id: Uint8Array, ip: string): boolean {
  if (id.length !== 20 || !parseIp(ip)) return false;
  if (isBep42Exempt(ip)) return true;
  const crc = securePrefix(ipBytes(ip), id[19] ?? 0);
  return id[0] === ((crc >>> 24) & 0xff) && id[1] === ((crc >>> 16) & 0xff) && ((id[2] ?? 0) & 0xf8) === ((crc >>> 8) & 0xf8);
}
