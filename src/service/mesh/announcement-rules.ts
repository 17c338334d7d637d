/**
 * Announcement checks (spec 2.6), per-entry sanitising for unvalidated paths (spec 7.4 items
 * 3–4) and the known-peer cap that keeps a sealed datagram within UDP limits (spec 2.1, 7.2).
 * Import through messages.ts.
 */
import { fromBase64, utf8Length } from '../../shared/mesh/encoding';
import { formatCidr, parseCidr, parseIp, toIPv4 } from '../../shared/mesh/ip';
import { parseEndpoint } from './endpoint';
import { sealedEnvelopeSize } from './envelope';
import { encodeAnnouncement, encodeKnownPeer, type KnownPeer, type PeerAnnouncement } from './message-codec';

/** Largest LAN datagram a Go receiver reads whole (its 4096-byte buffer). */
export const MAX_LAN_DATAGRAM = 4096;
/** Largest UDP payload over IPv4; exchange datagrams must not exceed it. */
export const MAX_EXCHANGE_DATAGRAM = 65507;
/** Most `routable_networks` entries a valid announcement may carry. */
export const MAX_ROUTABLE_NETWORKS = 100;
/** Most `known_peers` entries a valid announcement may carry. */
export const MAX_KNOWN_PEERS = 1000;
/** Longest valid hostname in bytes. */
export const MAX_HOSTNAME_BYTES = 253;

/** True for a standard-base64 key of exactly 32 bytes. */
export function isValidWgKey(key: string): boolean {
  return key !== '' && fromBase64(key)?.length === 32;
}

/** True for `''` or ≤ 253 bytes all in 0x20–0x7E. */
export function isValidHostname(h: string): boolean {
  return h.length <= MAX_HOSTNAME_BYTES && /^[\x20-\x7e]*$/.test(h);
}

function peerProblem(p: Pick<KnownPeer, 'wgPubkey' | 'meshIp' | 'wgEndpoint' | 'hostname'>): string | null {
  if (!isValidWgKey(p.wgPubkey)) return 'wg_pubkey is not base64 of 32 bytes';
  if (p.meshIp === '' || !parseIp(p.meshIp)) return 'mesh_ip (MeshIP) is not an IP address';
  if (p.wgEndpoint !== '' && !parseEndpoint(p.wgEndpoint)) return 'wg_endpoint is not host:port with port 1-65535';
  if (!isValidHostname(p.hostname)) return 'hostname is longer than 253 bytes or not printable ASCII';
  return null;
}

/**
 * Spec 2.6, applied by LAN (and standalone gossip/registry) receivers: returns why the whole
 * announcement must be rejected, or `null` if it is valid. Reasons name the member, never
 * echo values.
 */
export function validateAnnouncement(a: PeerAnnouncement): string | null {
  const own = peerProblem(a);
  if (own) return own;
  if (a.routableNetworks.length > MAX_ROUTABLE_NETWORKS) return `more than ${MAX_ROUTABLE_NETWORKS} routable_networks`;
  if (a.routableNetworks.some((n) => !parseCidr(n))) return 'routable_networks entry is not a CIDR';
  if (a.knownPeers.length > MAX_KNOWN_PEERS) return `more than ${MAX_KNOWN_PEERS} known_peers`;
  for (const p of a.knownPeers) {
    const why = peerProblem(p);
    if (why) return `known_peers entry: ${why}`;
  }
  return null;
}

function cleanIpv6(ip: string): string {
  const b = parseIp(ip);
  return b && b.length === 16 && !toIPv4(b) ? ip : '';
}

function sanitizePeer(p: KnownPeer): KnownPeer | null {
  if (!isValidWgKey(p.wgPubkey) || p.meshIp === '' || !parseIp(p.meshIp)) return null;
  return {
    ...p,
    hostname: isValidHostname(p.hostname) ? p.hostname : '',
    meshIpv6: cleanIpv6(p.meshIpv6),
    wgEndpoint: parseEndpoint(p.wgEndpoint) ? p.wgEndpoint : '',
  };
}

/**
 * For the unvalidated exchange paths (spec 7.4 item 3): keeps the peer but drops bad parts
 * individually. Returns `null` only if the sender itself is unusable (bad key or mesh_ip).
 * Hostname and mesh_ipv6 that fail their rules become `''`; `routable_networks` keeps the entries
 * that parse as CIDRs, canonicalised (`192.168.1.5/24` → `192.168.1.0/24`) and de-duplicated, at
 * most 100; `known_peers` drops entries with a bad key or mesh_ip (bad endpoint/hostname/mesh_ipv6
 * are blanked), at most 1000. `wg_endpoint` is left for the endpoint rules to resolve.
 */
export function sanitizeAnnouncement(a: PeerAnnouncement): PeerAnnouncement | null {
  if (!isValidWgKey(a.wgPubkey) || a.meshIp === '' || !parseIp(a.meshIp)) return null;
  const networks: string[] = [];
  for (const n of a.routableNetworks) {
    const c = parseCidr(n);
    const text = c ? formatCidr(c) : '';
    if (text && !networks.includes(text) && networks.length < MAX_ROUTABLE_NETWORKS) networks.push(text);
  }
  const knownPeers: KnownPeer[] = [];
  for (const p of a.knownPeers) {
    const clean = sanitizePeer(p);
    if (clean && knownPeers.length < MAX_KNOWN_PEERS) knownPeers.push(clean);
  }
  return {
    ...a,
    hostname: isValidHostname(a.hostname) ? a.hostname : '',
    meshIpv6: cleanIpv6(a.meshIpv6),
    routableNetworks: networks,
    knownPeers,
  };
}

/** What {@link buildKnownPeers} must fit: the announcement it goes into and the datagram limit. */
export interface KnownPeerCap {
  /** The announcement (its own `knownPeers` is ignored). */
  readonly base: PeerAnnouncement;
  /** The envelope type it will be sealed as (its length counts). */
  readonly type: string;
  /** Largest sealed datagram allowed, e.g. {@link MAX_EXCHANGE_DATAGRAM}. */
  readonly maxBytes: number;
}

/**
 * The longest prefix of `list` (skipping empty keys, the sender's own key and repeated keys)
 * such that `base` with these known peers, sealed as `type`, is at most `maxBytes` bytes by the
 * spec 2.1 size formula. Order is kept; shuffle `list` first to rotate who is included.
 */
export function buildKnownPeers(list: Iterable<KnownPeer>, cap: KnownPeerCap): KnownPeer[] {
  const typeBytes = utf8Length(cap.type);
  let size = utf8Length(encodeAnnouncement({ ...cap.base, knownPeers: [] }));
  const seen = new Set<string>([cap.base.wgPubkey, '']);
  const out: KnownPeer[] = [];
  for (const p of list) {
    if (seen.has(p.wgPubkey)) continue;
    const add = utf8Length(encodeKnownPeer(p)) + (out.length === 0 ? ',"known_peers":[]'.length : 1);
    if (sealedEnvelopeSize(typeBytes, size + add) > cap.maxBytes) break;
    seen.add(p.wgPubkey);
    size += add;
    out.push(p);
  }
  return out;
}
