/**
 * Strict IP and CIDR text handling with Go's rules (`net.ParseIP`, `net.ParseCIDR`, which use
 * `netip.ParseAddr`): dotted-quad IPv4 without leading zeros, IPv6 with at most one `::` and an
 * optional trailing dotted IPv4, no zones. ipaddr.js alone is more lenient (`1.2.3`, `0x1.2.3.4`,
 * zones), so parsing is done here and ipaddr.js is used for RFC 5952 formatting.
 */
import ipaddr from 'ipaddr.js';

/** A parsed CIDR: the address as written, the masked network, and the prefix length. */
export interface ParsedCidr {
  /** Address bytes as written (4 for dotted IPv4, 16 for IPv6 text). */
  readonly ip: Uint8Array;
  /** `ip` with the host bits cleared. */
  readonly network: Uint8Array;
  readonly prefixLen: number;
}

const V4_FIELD = /^(?:0|[1-9][0-9]{0,2})$/;

/** Parses dotted-quad IPv4 text (exactly four decimal fields 0–255, no leading zeros). */
export function parseIPv4(s: string): Uint8Array | null {
  const fields = s.split('.');
  if (fields.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const f = fields[i] ?? '';
    if (!V4_FIELD.test(f)) return null;
    const v = Number(f);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** Parses IPv6 text into 16 bytes with Go `netip` rules; zones (`%eth0`) are rejected. */
export function parseIPv6(s: string): Uint8Array | null {
  if (s.includes('%')) return null;
  const out = new Uint8Array(16);
  let rest = s;
  let ellipsis = -1;
  let i = 0;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return out;
  }
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) return null;
    const digits = m[0];
    if (rest.charAt(digits.length) === '.') {
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return null;
      const v4 = parseIPv4(rest);
      if (!v4) return null;
      out.set(v4, i);
      i += 4;
      rest = '';
      break;
    }
    const v = Number.parseInt(digits, 16);
    out[i++] = v >> 8;
    out[i++] = v & 255;
    rest = rest.slice(digits.length);
    if (rest === '') break;
    if (rest.charAt(0) !== ':' || rest.length === 1) return null;
    rest = rest.slice(1);
    if (rest.charAt(0) === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    out.copyWithin(ellipsis + n, ellipsis, i);
    out.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return null;
  }
  return out;
}

/**
 * Parses an IP address like Go's `net.ParseIP`: the first `.` or `:` decides the family.
 * Returns 4 bytes for dotted IPv4, 16 bytes for IPv6 text (IPv4-mapped stays 16 bytes).
 */
export function parseIp(s: string): Uint8Array | null {
  for (const c of s) {
    if (c === '.') return parseIPv4(s);
    if (c === ':') return parseIPv6(s);
    if (c === '%') return null;
  }
  return null;
}

/** True if 16 `bytes` are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`). */
export function isIPv4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
}

/** The 4-byte IPv4 form of `bytes` (dotted or IPv4-mapped), or `null` for other IPv6. */
export function toIPv4(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length === 4) return bytes;
  return isIPv4Mapped(bytes) ? bytes.subarray(12) : null;
}

/**
 * Text of an address as Go's `net.IP.String()` prints it: dotted IPv4 (also for IPv4-mapped
 * IPv6), otherwise lowercase RFC 5952 IPv6.
 */
export function formatIp(bytes: Uint8Array): string {
  const v4 = toIPv4(bytes);
  if (v4) return Array.from(v4).join('.');
  if (bytes.length !== 16) throw new Error('an IP address has 4 or 16 bytes');
  const parts: number[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/** Clears the bits of `ip` after the first `prefixLen` bits (returns a copy). */
export function maskIp(ip: Uint8Array, prefixLen: number): Uint8Array {
  const out = new Uint8Array(ip.length);
  for (let i = 0; i < ip.length; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - 8 * i));
    out[i] = (ip[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/**
 * Parses CIDR text like Go's `net.ParseCIDR`: an address per {@link parseIp}, `/`, and a decimal
 * prefix length (leading zeros allowed) ≤ 32 (IPv4) or ≤ 128 (IPv6 text). A bare IP fails.
 */
export function parseCidr(s: string): ParsedCidr | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIp(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (!ip || !/^[0-9]+$/.test(len)) return null;
  const prefixLen = Number(len);
  if (prefixLen > ip.length * 8) return null;
  return { ip, network: maskIp(ip, prefixLen), prefixLen };
}

/** Canonical text of a CIDR: the masked network address and prefix length. */
export function formatCidr(c: ParsedCidr): string {
  if (c.network.length === 16 && isIPv4Mapped(c.network)) {
    // Keep the IPv6 form: the prefix length counts 128 bits.
    const parts: number[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(((c.network[i] ?? 0) << 8) | (c.network[i + 1] ?? 0));
    return `${new ipaddr.IPv6(parts).toRFC5952String()}/${c.prefixLen}`;
  }
  return `${formatIp(c.network)}/${c.prefixLen}`;
}

/** True if `ip` (same family as the network) lies inside `cidr`. */
export function cidrContains(cidr: ParsedCidr, ip: Uint8Array): boolean {
  if (ip.length !== cidr.network.length) return false;
  const masked = maskIp(ip, cidr.prefixLen);
  return masked.every((b, i) => b === cidr.network[i]);
}
