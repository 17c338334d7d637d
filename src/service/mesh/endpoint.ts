/**
 * Underlay endpoint strings (spec 2.9, 3.2, 3.4, 3.6): Go `host:port` splitting and joining,
 * IPv4-mapped normalisation (spec 7.4 item 23), and the rules that turn an advertised
 * `wg_endpoint` plus a datagram's source into the endpoint a peer is stored with.
 * Pure; verified against spec 6.1.4 and 6.1.7.
 */
import { formatIp, parseCidr, parseIp, cidrContains, toIPv4, type ParsedCidr } from '../../shared/mesh/ip';

/** WireGuard port assumed when an advertised endpoint has no usable port. */
export const DEFAULT_WG_PORT = 51820;

/** Options of the `--no-ipv6` flag. */
export interface EndpointFilter {
  /** Drop IPv6 endpoints (spec 4.2 `--no-ipv6`). */
  noIpv6?: boolean;
}

/**
 * Go's `net.SplitHostPort`: the text after the last `:` is the port (any text, possibly empty);
 * an IPv6 host must be bracketed; stray `[`/`]` or an unbracketed host with `:` fail → `null`.
 */
export function splitHostPort(s: string): { host: string; port: string } | null {
  const i = s.lastIndexOf(':');
  if (i < 0) return null;
  let host: string;
  let j = 0;
  let k = 0;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || end + 1 !== i) return null;
    host = s.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = s.slice(0, i);
    if (host.includes(':')) return null;
  }
  if (s.slice(j).includes('[') || s.slice(k).includes(']')) return null;
  return { host, port: s.slice(i + 1) };
}

/** A decimal port 1–65535 (leading zeros allowed, no sign), else `null`. */
export function parsePort(port: string): number | null {
  if (!/^[0-9]+$/.test(port)) return null;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? n : null;
}

/** {@link splitHostPort} plus a valid port (the 2.6 `wg_endpoint` rule); the host is unchecked. */
export function parseEndpoint(s: string): { host: string; port: number } | null {
  const hp = splitHostPort(s);
  const port = hp ? parsePort(hp.port) : null;
  return hp && port !== null ? { host: hp.host, port } : null;
}

/**
 * Canonical text of an IP as Go prints it: IPv4-mapped (`::ffff:1.2.3.4`, `::ffff:102:304`) →
 * dotted IPv4, IPv6 → lowercase RFC 5952; a `%zone` suffix is kept. Unparsable text (e.g. a DNS
 * name) is returned unchanged.
 */
export function normalizeIp(ip: string): string {
  const pct = ip.indexOf('%');
  const addr = pct < 0 ? ip : ip.slice(0, pct);
  const bytes = parseIp(addr);
  if (!bytes) return ip;
  const text = formatIp(bytes);
  return pct < 0 || text.includes('.') ? text : text + ip.slice(pct);
}

/** Go's `net.JoinHostPort` of the normalised host: `1.2.3.4:51820`, `[2001:db8::1]:51820`. */
export function formatHostPort(ip: string, port: number | string): string {
  const host = normalizeIp(ip);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for the hosts meaning "use the sender's address": `''`, `0.0.0.0`, `::` (any spelling). */
export function isWildcardHost(host: string): boolean {
  if (host === '') return true;
  const b = parseIp(host);
  return b !== null && b.every((x) => x === 0);
}

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/;

/**
 * Whether `host` may be kept in a stored endpoint: a wildcard, an IP address (a `%zone` allowed)
 * or a DNS-name-shaped text. Security edge: the validation rule (spec 2.6) leaves the host
 * unchecked, but a stored endpoint is shown by `cloudroof peers` and sent on in known_peers, so
 * control characters or terminal escapes from another node must not be kept (hardening fuzz).
 */
function isEndpointHost(host: string): boolean {
  return isWildcardHost(host) || parseIp(host.split('%')[0] ?? '') !== null || DNS_NAME.test(host);
}

/**
 * Endpoint of a HELLO/REPLY/gossip sender (spec 3.4 responder step 2): the advertised host
 * unless it is a wildcard (then the source IP), always the advertised port; an endpoint that
 * does not parse (incl. a port outside 1–65535, or a host that is neither an address nor a
 * name) → `<source IP>:51820`. Without a source, the advertised endpoint is returned as is
 * (wildcard included) or `''` if it does not parse.
 * Unlike Go, an unusable port is never kept (Go keeps any port text).
 */
export function resolvePeerEndpoint(advertised: string, source?: { ip: string }): string {
  const ep = parseEndpoint(advertised);
  if (!ep || !isEndpointHost(ep.host)) return source ? formatHostPort(source.ip, DEFAULT_WG_PORT) : '';
  if (source && isWildcardHost(ep.host)) return formatHostPort(source.ip, ep.port);
  return formatHostPort(ep.host, ep.port);
}

/**
 * Endpoint stored for a transitive KnownPeer, or for a standalone-gossip sender (no usable
 * source): kept only if it parses and its host is an address or a name (not a wildcard), else
 * `''` (no substitution).
 */
export function knownPeerEndpoint(advertised: string): string {
  const ep = parseEndpoint(advertised);
  return ep && !isWildcardHost(ep.host) && isEndpointHost(ep.host) ? formatHostPort(ep.host, ep.port) : '';
}

/**
 * Endpoint of a LAN announcer (spec 3.2): `<multicast source IP>:<advertised port>`, port 51820
 * if the advertised endpoint has none usable; the advertised host is ignored. Without a source:
 * the advertised endpoint if it parses, else `''`.
 */
export function lanEndpoint(advertised: string, sourceIp?: string): string {
  const ep = parseEndpoint(advertised);
  if (sourceIp) return formatHostPort(sourceIp, ep?.port ?? DEFAULT_WG_PORT);
  return ep ? formatHostPort(ep.host, ep.port) : '';
}

const PRIVATE_OR_LOCAL: readonly ParsedCidr[] = [
  '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10',
].map((c) => parseCidr(c) as ParsedCidr);

function bytesOf(ip: string): Uint8Array | null {
  const b = parseIp(ip);
  return b ? (toIPv4(b) ?? b) : null;
}

/**
 * Go's `IsLoopback() || IsPrivate() || IsLinkLocalUnicast()`: 127/8, 10/8, 172.16/12,
 * 192.168/16, 169.254/16, ::1, fc00::/7, fe80::/10 (IPv4-mapped counts as IPv4). False for
 * unparsable text.
 */
export function isPrivateOrLocal(ip: string): boolean {
  const b = bytesOf(ip);
  return b !== null && PRIVATE_OR_LOCAL.some((c) => cidrContains(c, b));
}

/** Go's `IsGlobalUnicast` on IPv6 bytes: not ::, ::1, fe80::/10 or ff00::/8. */
function isGlobalUnicastV6(b: Uint8Array): boolean {
  const allZeroTo15 = b.subarray(0, 15).every((x) => x === 0);
  if (allZeroTo15 && (b[15] === 0 || b[15] === 1)) return false;
  if (b[0] === 0xff) return false;
  return !(b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80);
}

const NOT_PUBLIC_V6: readonly ParsedCidr[] = ['200::/7', '2001:db8::/32', 'fc00::/7', 'fd00::/8', 'fe80::/10', 'ff00::/8']
  .map((c) => parseCidr(c) as ParsedCidr);

/**
 * True for an IPv6 address usable as a public endpoint (spec 3.6, 6.1.7): global unicast and
 * outside 200::/7, 2001:db8::/32, fc00::/7, fe80::/10, ff00::/8, ::1, ::. IPv4 (also mapped),
 * zones and unparsable text → false.
 */
export function isPublicIPv6(ip: string): boolean {
  const b = parseIp(ip);
  if (!b || b.length !== 16 || toIPv4(b)) return false;
  return isGlobalUnicastV6(b) && !NOT_PUBLIC_V6.some((c) => cidrContains(c, b));
}

/**
 * The local advertised endpoint after a REPLY carrying `observed` (spec 3.4 initiator step 1):
 * becomes `<observed IP>:<current advertised port>` unless `observed` is absent or unparsable,
 * private/loopback/link-local (also, beyond Go, unspecified or multicast), IPv6 under
 * `noIpv6`, or IPv4 while the local endpoint is already a global IPv6 address. Otherwise the
 * local endpoint is returned unchanged (also when its own port is unusable).
 */
export function adoptObservedEndpoint(localAdvertised: string, observed: string, opts: EndpointFilter = {}): string {
  const obs = splitHostPort(observed);
  const local = parseEndpoint(localAdvertised);
  const ob = obs ? bytesOf(obs.host) : null;
  if (!obs || !local || !ob || isPrivateOrLocal(obs.host)) return localAdvertised;
  if (ob.every((x) => x === 0) || (ob.length === 4 ? (ob[0] ?? 0) >= 224 : ob[0] === 0xff)) return localAdvertised;
  if (ob.length === 16 && opts.noIpv6) return localAdvertised;
  const lb = bytesOf(local.host);
  if (ob.length === 4 && lb?.length === 16 && isGlobalUnicastV6(lb)) return localAdvertised;
  return formatHostPort(obs.host, local.port);
}

/** True if the endpoint's host is an IPv6 address (IPv4-mapped counts as IPv4). */
export function isIPv6Endpoint(endpoint: string): boolean {
  const hp = splitHostPort(endpoint);
  const b = hp ? bytesOf(hp.host.split('%')[0] ?? '') : null;
  return b?.length === 16;
}

/** `endpoint`, or `''` if it is IPv6 and `noIpv6` is set (spec 6.1.4 `--no-ipv6` filter). */
export function filterEndpoint(endpoint: string, opts: EndpointFilter = {}): string {
  return opts.noIpv6 && isIPv6Endpoint(endpoint) ? '' : endpoint;
}

/**
 * Rendezvous candidate list normalisation (spec 3.8 step 3 without the port spread): drops
 * unparsable and wildcard-host entries and (with `noIpv6`) IPv6 ones, normalises the text, and
 * removes duplicates keeping the first occurrence.
 */
export function normalizeCandidates(list: readonly string[], opts: EndpointFilter = {}): string[] {
  const out: string[] = [];
  for (const c of list) {
    const ep = knownPeerEndpoint(c);
    if (ep && filterEndpoint(ep, opts) && !out.includes(ep)) out.push(ep);
  }
  return out;
}
