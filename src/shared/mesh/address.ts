/**
 * Mesh addresses (spec 1.4–1.7) and collision detection (1.9). Pure functions of the public key
 * text, the raw secret and the derived subnet bytes; verified against spec 6.3.2–6.3.3.
 */
import { sha256 } from './hash';
import type { MeshKeys } from './derive';
import { compareBytewise, concatBytes, utf8, utf8Length } from './encoding';
import { cidrContains, formatIp, parseCidr, parseIp, parseIPv6, toIPv4 } from './ip';

/**
 * An IPv4 mesh subnet: masked base address, prefix length, canonical `base/len` text, and
 * whether it is a custom `--mesh-subnet` (1.5 derivation) or the secret-derived default (1.4).
 */
export interface MeshSubnet {
  readonly base: string;
  readonly prefixLen: number;
  readonly cidr: string;
  readonly custom: boolean;
}

/** Largest prefix length a custom mesh subnet may have (two usable hosts). */
export const MAX_MESH_PREFIX = 30;

/**
 * Parses a `--mesh-subnet` CIDR (spec 1.5): IPv4 only, prefix length ≤ 30; host bits are masked
 * off (`192.168.100.7/24` → `192.168.100.0/24`).
 * @throws Error naming the problem (the text is the user's CIDR, never secret material).
 */
export function parseMeshSubnet(cidr: string): MeshSubnet {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`invalid mesh subnet ${JSON.stringify(cidr)}: expected an IPv4 CIDR such as 10.42.0.0/16`);
  if (parsed.ip.length !== 4) throw new Error(`invalid mesh subnet ${JSON.stringify(cidr)}: only IPv4 is supported`);
  if (parsed.prefixLen > MAX_MESH_PREFIX) {
    throw new Error(`invalid mesh subnet ${JSON.stringify(cidr)}: prefix length must be at most /${MAX_MESH_PREFIX}`);
  }
  const base = formatIp(parsed.network);
  return { base, prefixLen: parsed.prefixLen, cidr: `${base}/${parsed.prefixLen}`, custom: true };
}

/** Go's `ParseSubnetOrDefault`: `""` → `null` (use the default), otherwise {@link parseMeshSubnet}. */
export function parseSubnetOrDefault(cidr: string): MeshSubnet | null {
  return cidr === '' ? null : parseMeshSubnet(cidr);
}

/** The secret-derived default subnet `10.s0.0.0/16` (spec 1.4). */
export function defaultMeshSubnet(keys: Pick<MeshKeys, 'meshSubnet'>): MeshSubnet {
  const base = `10.${keys.meshSubnet[0]}.0.0`;
  return { base, prefixLen: 16, cidr: `${base}/16`, custom: false };
}

function nonceInput(publicKeyB64: string, rawSecret: string, nonce: number): string {
  return `${utf8Length(publicKeyB64)}:${publicKeyB64}|${utf8Length(rawSecret)}:${rawSecret}|nonce=${nonce}`;
}

function customHost(subnet: MeshSubnet, hash: Uint8Array): string {
  const maxHosts = 2n ** BigInt(32 - subnet.prefixLen) - 2n;
  let v = 0n;
  for (const b of hash.subarray(0, 8)) v = (v << 8n) | BigInt(b);
  const base = parseIp(subnet.base);
  if (!base || base.length !== 4) throw new Error('mesh subnet base must be IPv4');
  const baseNum = BigInt(((base[0] ?? 0) * 2 ** 24) + ((base[1] ?? 0) << 16) + ((base[2] ?? 0) << 8) + (base[3] ?? 0));
  const ip = Number((baseNum + (v % maxHosts) + 1n) & 0xffffffffn);
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

/**
 * The node's mesh IPv4 address.
 * - no `subnet`, no `nonce`: spec 1.4, `10.s0.(h0^s1).(h1 clamped to 1–254)` with h = SHA256(P ‖ S);
 * - a custom `subnet` (`custom: true`): spec 1.5, base + (BE64(h[0:8]) mod (2^hostBits − 2)) + 1;
 *   the default subnet (`custom: false`, from {@link defaultMeshSubnet}) selects 1.4 — even a
 *   custom CIDR equal to `10.s0.0.0/16` uses 1.5, as in Go;
 * - `nonce` (any integer ≥ 0, 0 included): spec 1.7 re-derivation from
 *   `len(P):P|len(S):S|nonce=n` (legacy form ignores s1 and may end in .0/.255).
 * `keys` needs only `meshSubnet`, so tests may pass explicit subnet bytes.
 */
export function deriveMeshIPv4(
  keys: Pick<MeshKeys, 'meshSubnet'>,
  publicKeyB64: string,
  rawSecret: string,
  opts: { subnet?: MeshSubnet | null; nonce?: number } = {},
): string {
  const { subnet, nonce } = opts;
  if (nonce !== undefined && (!Number.isSafeInteger(nonce) || nonce < 0)) throw new RangeError('nonce must be a non-negative integer');
  const input = nonce === undefined ? publicKeyB64 + rawSecret : nonceInput(publicKeyB64, rawSecret, nonce);
  const h = sha256(utf8(input));
  if (subnet?.custom) return customHost(subnet, h);
  const [s0, s1] = keys.meshSubnet;
  if (nonce !== undefined) {
    let v = ((h[0] ?? 0) << 8) | (h[1] ?? 0);
    if (v === 0) v = 1;
    if (v === 65535) v = 65534;
    return `10.${s0}.${v >> 8}.${v & 255}`;
  }
  let o4 = h[1] ?? 0;
  if (o4 === 0) o4 = 1;
  if (o4 === 255) o4 = 254;
  return `10.${s0}.${(h[0] ?? 0) ^ s1}.${o4}`;
}

/**
 * The node's mesh IPv6 address (spec 1.6): prefix ‖ iid, iid = SHA256(P|S|ipv6)[0:8] with the
 * universal/local bit set and the group bit cleared, printed as RFC 5952 text.
 */
export function deriveMeshIPv6(keys: Pick<MeshKeys, 'meshPrefixV6'>, publicKeyB64: string, rawSecret: string): string {
  const iid = sha256(utf8(`${publicKeyB64}|${rawSecret}|ipv6`)).slice(0, 8);
  iid[0] = ((iid[0] ?? 0) | 0x02) & 0xfe;
  if (iid.every((b) => b === 0)) iid[7] = 1;
  return formatIp(concatBytes(keys.meshPrefixV6.subarray(0, 8), iid));
}

/**
 * True if `ip` is an IPv4 address (dotted, or IPv4-mapped as Go's `To4` accepts) inside
 * `subnet`; false for anything unparsable, IPv6 or empty (spec 1.8, 6.1.11).
 */
export function meshIPInSubnet(ip: string, subnet: MeshSubnet): boolean {
  const bytes = parseIp(ip);
  const v4 = bytes ? toIPv4(bytes) : null;
  const net = parseCidr(subnet.cidr);
  return v4 !== null && net !== null && cidrContains(net, v4);
}

/** The mesh's IPv6 network (`MeshPrefixV6::/64`) in canonical text. */
export function meshIPv6Network(keys: Pick<MeshKeys, 'meshPrefixV6'>): string {
  const bytes = new Uint8Array(16);
  bytes.set(keys.meshPrefixV6.subarray(0, 8));
  return `${formatIp(bytes)}/64`;
}

/**
 * The canonical text of `ip` when it is an IPv6 address inside this mesh's /64 (`prefix` =
 * MeshPrefixV6), else undefined. Used for stored and received mesh IPv6 addresses.
 */
export function meshIPv6InPrefix(ip: string, prefix: Uint8Array): string | undefined {
  const bytes = ip.includes(':') ? parseIPv6(ip) : null;
  if (!bytes || !prefix.every((b, k) => bytes[k] === b)) return undefined;
  return formatIp(bytes);
}

/** Winner of a mesh-IP collision: the byte-wise smaller public key (spec 1.9). */
export function collisionWinner(a: string, b: string): string {
  return compareBytewise(a, b) <= 0 ? a : b;
}

/** One entry of the scanned peer list. */
export interface MeshIpEntry {
  readonly key: string;
  readonly meshIp: string;
}

/** Two keys claiming one mesh IP; `loser` must move (nonce-1 derivation). */
export interface Collision {
  readonly meshIp: string;
  readonly winner: string;
  readonly loser: string;
}

/**
 * Scans entries in order; each entry whose non-empty `meshIp` was first claimed by a different
 * key yields one collision against that first claimant. Repeats of the same key are ignored.
 */
export function detectCollisions(entries: Iterable<MeshIpEntry>): Collision[] {
  const first = new Map<string, string>();
  const out: Collision[] = [];
  for (const { key, meshIp } of entries) {
    if (meshIp === '') continue;
    const owner = first.get(meshIp);
    if (owner === undefined) {
      first.set(meshIp, key);
    } else if (owner !== key) {
      const winner = collisionWinner(owner, key);
      out.push({ meshIp, winner, loser: winner === owner ? key : owner });
    }
  }
  return out;
}
