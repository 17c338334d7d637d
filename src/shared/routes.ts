/**
 * LAN route prefixes a node advertises to the mesh: parsing to canonical CIDR text with a clear
 * message for each mistake, and overlap tests. Pure (no Node APIs), shared by the CLI (which
 * checks input before contacting the service) and the service (which checks it again).
 *
 * Messages quote the input only once it is known to consist of address characters, so they are
 * safe to print and to return from the control API.
 */
import { formatCidr, isIPv4Mapped, parseCidr, parseIp, type ParsedCidr } from './mesh/ip';

/** Longest prefix text accepted (the longest IPv6 CIDR is 43 characters). */
export const MAX_ROUTE_PREFIX_LENGTH = 64;

/** An advertised prefix that cannot be used; `message` says why and is safe to show. */
export class RouteInputError extends Error {
  /** The control-API error code for this failure. */
  readonly code = 'invalid-route';

  constructor(message: string) {
    super(message);
    this.name = 'RouteInputError';
  }
}

const EXAMPLE = 'e.g. 192.168.1.0/24 or fd00:1234::/64';
const ADDRESS_CHARS = /^[0-9A-Fa-f.:/]+$/;

/** Ranges that never make sense as a LAN route, with the reason given to the user. */
const RESERVED: readonly { cidr: string; what: string }[] = [
  { cidr: '127.0.0.0/8', what: 'loopback' },
  { cidr: '169.254.0.0/16', what: 'link-local' },
  { cidr: '224.0.0.0/4', what: 'multicast' },
  { cidr: '::1/128', what: 'loopback' },
  { cidr: 'fe80::/10', what: 'link-local' },
  { cidr: 'ff00::/8', what: 'multicast' },
];

/** `input` quoted for a message when it is short and made of address characters only. */
function quote(input: string): string | undefined {
  return input.length <= MAX_ROUTE_PREFIX_LENGTH && ADDRESS_CHARS.test(input) ? input : undefined;
}

/** Parses any CIDR (host bits allowed) or throws {@link RouteInputError}. */
function parseAny(input: string): ParsedCidr {
  const text = input.trim();
  const parsed = text.length <= MAX_ROUTE_PREFIX_LENGTH ? parseCidr(text) : null;
  if (parsed) return parsed;
  const shown = quote(text);
  if (shown !== undefined && !text.includes('/') && parseIp(text)) {
    throw new RouteInputError(`${shown} is an address, not a network: add the prefix length (${EXAMPLE})`);
  }
  throw new RouteInputError(`${shown === undefined ? 'that' : shown} is not a CIDR prefix (${EXAMPLE})`);
}

/** True when the networks `a` and `b` (same family) share at least one address. */
function overlaps(a: ParsedCidr, b: ParsedCidr): boolean {
  if (a.network.length !== b.network.length) return false;
  const len = Math.min(a.prefixLen, b.prefixLen);
  for (let bit = 0; bit < len; bit += 8) {
    const i = bit / 8;
    const bits = Math.min(8, len - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((a.network[i] ?? 0) & mask) !== ((b.network[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * Parses a prefix to advertise and returns its canonical CIDR text (lowercase RFC 5952 IPv6,
 * no leading zeros in the length): `192.168.1.0/24`, `fd00:1::/64`. IPv4 and IPv6 are allowed.
 * Surrounding whitespace is ignored.
 * @throws RouteInputError when `input` is not a CIDR, has host bits set ("did you mean …?"),
 *   is a default route (0.0.0.0/0, ::/0: that would be an exit node), is written as an
 *   IPv4-mapped IPv6 prefix, or lies in loopback, link-local or multicast space.
 */
export function parseAdvertisedPrefix(input: string): string {
  const parsed = parseAny(input);
  const canonical = formatCidr(parsed);
  if (parsed.prefixLen === 0) {
    throw new RouteInputError(
      `${parsed.ip.length === 4 ? '0.0.0.0/0' : '::/0'} is a default route; advertising a default route would make this an exit node, which is a separate feature`,
    );
  }
  if (parsed.ip.length === 16 && isIPv4Mapped(parsed.network)) {
    throw new RouteInputError(`${canonical} is an IPv4-mapped IPv6 prefix; write the IPv4 prefix instead`);
  }
  const given = formatCidr({ ...parsed, network: parsed.ip });
  if (given !== canonical) {
    throw new RouteInputError(`${quote(input.trim()) ?? given} is not a network address; did you mean ${canonical}?`);
  }
  for (const r of RESERVED) {
    const reserved = parseCidr(r.cidr);
    if (reserved && overlaps(parsed, reserved) && parsed.prefixLen >= reserved.prefixLen) {
      throw new RouteInputError(`${canonical} is ${r.what} address space (${r.cidr}), which cannot be routed through the mesh`);
    }
  }
  return canonical;
}

/**
 * True when the CIDRs `a` and `b` share at least one address (one contains the other). Host
 * bits are ignored (`192.168.1.5/24` is `192.168.1.0/24`); prefixes of different families
 * never overlap.
 * @throws RouteInputError when either is not a CIDR.
 */
export function cidrOverlaps(a: string, b: string): boolean {
  return overlaps(parseAny(a), parseAny(b));
}
