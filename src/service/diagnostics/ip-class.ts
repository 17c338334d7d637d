/**
 * Which addresses count as public for the bug report's redaction. Pure. IPv4: everything but
 * the special-purpose ranges (RFC 6890: this network, private, CGNAT, loopback, link-local,
 * IETF assignments, documentation, benchmarking, multicast, reserved, broadcast). IPv6: global
 * unicast (2000::/3) but not documentation or benchmarking space, and IPv4-mapped or NAT64
 * addresses whose embedded IPv4 is public. Everything else (ULA, link-local, loopback,
 * multicast, unspecified, the mesh) is local and stays readable.
 */
import { cidrContains, parseCidr, type ParsedCidr } from '../../shared/mesh/ip';

function cidrs(list: readonly string[]): ParsedCidr[] {
  return list.map((c) => {
    const parsed = parseCidr(c);
    if (!parsed) throw new Error(`bad built-in CIDR ${c}`);
    return parsed;
  });
}

/** IPv4 ranges that are never public. */
const V4_LOCAL = cidrs([
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24',
  '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
]);

/** IPv6 global unicast space, and the parts of it that are documentation or benchmarking. */
const V6_GLOBAL = cidrs(['2000::/3']);
const V6_NOT_PUBLIC = cidrs(['2001:db8::/32', '3fff::/20', '2001:2::/48']);
/** Prefixes that embed an IPv4 address in the last 32 bits. */
const V6_EMBEDDING_V4 = cidrs(['::ffff:0:0/96', '64:ff9b::/96']);

function inAny(list: readonly ParsedCidr[], ip: Uint8Array): boolean {
  return list.some((c) => cidrContains(c, ip));
}

/** True when 4 IPv4 `bytes` are a public (globally routed) address. */
export function isPublicIPv4(bytes: Uint8Array): boolean {
  return bytes.length === 4 && !inAny(V4_LOCAL, bytes);
}

/** True when 16 IPv6 `bytes` are a public address (or embed a public IPv4 one). */
export function isPublicIPv6(bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false;
  if (inAny(V6_EMBEDDING_V4, bytes)) return isPublicIPv4(bytes.subarray(12));
  return inAny(V6_GLOBAL, bytes) && !inAny(V6_NOT_PUBLIC, bytes);
}

/** Parses CIDRs to keep readable (the mesh networks); invalid ones are ignored. */
export function parseKeepNetworks(list: readonly string[]): ParsedCidr[] {
  return list.map((c) => parseCidr(c)).filter((c): c is ParsedCidr => c !== null);
}

/** True when `bytes` lie in one of `networks`. */
export function inNetworks(networks: readonly ParsedCidr[], bytes: Uint8Array): boolean {
  return inAny(networks, bytes);
}
