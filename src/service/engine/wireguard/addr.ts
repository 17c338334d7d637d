/**
 * Address syntax shared by the WireGuard seams: allowed-IP CIDRs and `ip:port` endpoints,
 * validated strictly and brought to one canonical spelling. Validation matters at this edge:
 * the values end up as lines of the UAPI text protocol and as argv of `wg`, so a stray newline
 * or space would let a peer-supplied string inject configuration.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Canonical CIDR of an allowed IP: the network address (host bits cleared, as WireGuard stores
 * it), IPv6 compressed per RFC 5952, a bare address taken as /32 or /128. Throws when `s` is
 * not an IP literal or prefix.
 */
export function canonicalCidr(s: string): string {
  return memo(cidrCache, s, computeCanonicalCidr);
}

function computeCanonicalCidr(s: string): string {
  const slash = s.indexOf('/');
  const host = slash < 0 ? s : s.slice(0, slash);
  const family = isIP(host);
  if (family === 0 || host.includes('%')) throw new Error(`invalid allowed IP ${JSON.stringify(s)}`);
  const max = family === 4 ? 32 : 128;
  const bitsText = slash < 0 ? String(max) : s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) throw new Error(`invalid allowed IP ${JSON.stringify(s)}`);
  const cidr = `${host}/${Number(bitsText)}`;
  const net = family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${net.toString()}/${Number(bitsText)}`;
}

/** A parsed endpoint: `host` is an IP literal without brackets (an IPv6 zone kept). */
export interface Endpoint {
  host: string;
  port: number;
}

const zoneShape = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * Parses `1.2.3.4:51820` or `[2001:db8::1]:51820` (optionally `[fe80::1%eth0]:p`). Host names
 * are rejected: the userspace API takes addresses only, so callers resolve names first.
 * IPv4-mapped IPv6 hosts are unwrapped to dotted IPv4. Throws on anything else.
 */
export function parseEndpoint(s: string): Endpoint {
  const bad = (): Error => new Error(`invalid endpoint ${JSON.stringify(s)}: expected ip:port or [ipv6]:port`);
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) throw bad();
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw bad();
  if (m[2] !== undefined) {
    if (isIP(m[2]) !== 4) throw bad();
    return { host: ipaddr.parse(m[2]).toString(), port };
  }
  const [addr = '', zone, ...rest] = (m[1] ?? '').split('%');
  if (isIP(addr) !== 6 || rest.length > 0 || (zone !== undefined && !zoneShape.test(zone))) throw bad();
  const parsed = ipaddr.process(addr);
  if (parsed.kind() === 'ipv4') return { host: parsed.toString(), port };
  return { host: zone === undefined ? parsed.toString() : `${parsed.toString()}%${zone}`, port };
}

/** Formats an endpoint as `ip:port` / `[v6]:port`. */
export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** `formatEndpoint(parseEndpoint(s))`: one spelling per endpoint, for comparisons. */
export function canonicalEndpoint(s: string): string {
  return memo(endpointCache, s, (x) => formatEndpoint(parseEndpoint(x)));
}

// Reconcile canonicalises the same few strings (each peer's endpoint and allowed IPs) on every
// run; a bounded cache keeps that off the hot path. Failures are not cached (they throw).
const cidrCache = new Map<string, string>();
const endpointCache = new Map<string, string>();

function memo(cache: Map<string, string>, key: string, compute: (s: string) => string): string {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute(key);
  if (cache.size >= 4096) cache.clear();
  cache.set(key, value);
  return value;
}
