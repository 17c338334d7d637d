/**
 * wgmesh v1 message plaintexts (spec 2.4–2.8): types with camelCase fields, encoders that emit
 * JSON byte-identical to Go (member order, omit-when-empty rules), and decoders with Go's
 * decoding rules (see go-json.ts). Decoded values always have every field, zero values when
 * absent. Import through messages.ts.
 */
import { PROTOCOL } from './envelope';
import { FieldReader, goInt, goJsonString, goObject, goStringArray, type Member } from './go-json';

export { MessageError } from './go-json';

/** The outer `type` of each message. */
export type MessageType = 'HELLO' | 'REPLY' | 'ANNOUNCE' | 'RENDEZVOUS_OFFER' | 'RENDEZVOUS_START' | 'GOODBYE';

/** An element of `known_peers` (spec 2.5). */
export interface KnownPeer {
  wgPubkey: string;
  hostname: string;
  meshIp: string;
  meshIpv6: string;
  wgEndpoint: string;
  introducer: boolean;
  natType: string;
}

/**
 * HELLO / REPLY / ANNOUNCE plaintext (spec 2.5); `protocol` is implied (`wgmesh-v1`). The
 * sender's own fields are those of a KnownPeer, plus what only the sender itself carries.
 */
export interface PeerAnnouncement extends KnownPeer {
  routableNetworks: string[];
  /** Unix seconds. */
  timestamp: number;
  knownPeers: KnownPeer[];
  /** REPLY only: the HELLO's source `ip:port` as the responder saw it. */
  observedEndpoint: string;
}

/** GOODBYE plaintext (spec 2.8). */
export interface Goodbye {
  timestamp: number;
  wgPubkey: string;
}

/** RENDEZVOUS_OFFER plaintext (spec 2.7). */
export interface RendezvousOffer {
  timestamp: number;
  fromPubkey: string;
  targetPubkey: string;
  pairId: string;
  candidates: string[];
  observedAddr: string;
  introducerKey: string;
}

/** RENDEZVOUS_START plaintext (spec 2.7). */
export interface RendezvousStart {
  timestamp: number;
  pairId: string;
  peerPubkey: string;
  peerCandidates: string[];
  startAtUnixMs: number;
  introducerKey: string;
}

/** GOODBYE freshness window in seconds, on top of the envelope's ±600 s. */
export const GOODBYE_MAX_SKEW_S = 60;

/** True if a GOODBYE stamped `timestamp` may be honoured at `nowUnixSeconds`: |now − ts| ≤ 60. */
export function goodbyeFresh(timestamp: number, nowUnixSeconds: number): boolean {
  return Math.abs(Math.trunc(nowUnixSeconds) - timestamp) <= GOODBYE_MAX_SKEW_S;
}

const str = goJsonString;
const head: Member = ['protocol', str(PROTOCOL)];

/** JSON of one known peer, Go member order. */
export function encodeKnownPeer(p: KnownPeer): string {
  return goObject([
    ['wg_pubkey', str(p.wgPubkey)],
    ['hostname', str(p.hostname), p.hostname === ''],
    ['mesh_ip', str(p.meshIp)],
    ['mesh_ipv6', str(p.meshIpv6), p.meshIpv6 === ''],
    ['wg_endpoint', str(p.wgEndpoint)],
    ['introducer', 'true', !p.introducer],
    ['nat_type', str(p.natType), p.natType === ''],
  ]);
}

/**
 * Announcement JSON byte-identical to Go: protocol, wg_pubkey, hostname?, mesh_ip, mesh_ipv6?,
 * wg_endpoint, introducer?, routable_networks?, timestamp, known_peers?, observed_endpoint?,
 * nat_type? (`?` = omitted when empty/false).
 */
export function encodeAnnouncement(a: PeerAnnouncement): string {
  return goObject([
    head,
    ['wg_pubkey', str(a.wgPubkey)],
    ['hostname', str(a.hostname), a.hostname === ''],
    ['mesh_ip', str(a.meshIp)],
    ['mesh_ipv6', str(a.meshIpv6), a.meshIpv6 === ''],
    ['wg_endpoint', str(a.wgEndpoint)],
    ['introducer', 'true', !a.introducer],
    ['routable_networks', goStringArray(a.routableNetworks), a.routableNetworks.length === 0],
    ['timestamp', goInt(a.timestamp)],
    ['known_peers', `[${a.knownPeers.map(encodeKnownPeer).join(',')}]`, a.knownPeers.length === 0],
    ['observed_endpoint', str(a.observedEndpoint), a.observedEndpoint === ''],
    ['nat_type', str(a.natType), a.natType === ''],
  ]);
}

/** Decodes one known peer with Go's rules. @throws MessageError on a wrong JSON type. */
export function decodeKnownPeer(o: Record<string, unknown>): KnownPeer {
  const r = new FieldReader(o);
  return {
    wgPubkey: r.str('wg_pubkey'), hostname: r.str('hostname'), meshIp: r.str('mesh_ip'), meshIpv6: r.str('mesh_ipv6'),
    wgEndpoint: r.str('wg_endpoint'), introducer: r.bool('introducer'), natType: r.str('nat_type'),
  };
}

/**
 * Decodes an announcement payload (from `openEnvelope`) with Go's rules: names matched
 * case-insensitively, unknown members ignored, missing/null → zero value. No validation.
 * @throws MessageError if a member has the wrong JSON type (Go drops such messages).
 */
export function decodeAnnouncement(payload: Record<string, unknown>): PeerAnnouncement {
  const r = new FieldReader(payload);
  return {
    wgPubkey: r.str('wg_pubkey'), hostname: r.str('hostname'), meshIp: r.str('mesh_ip'), meshIpv6: r.str('mesh_ipv6'),
    wgEndpoint: r.str('wg_endpoint'), introducer: r.bool('introducer'), routableNetworks: r.strings('routable_networks'),
    timestamp: r.int('timestamp'), knownPeers: r.objects('known_peers', decodeKnownPeer),
    observedEndpoint: r.str('observed_endpoint'), natType: r.str('nat_type'),
  };
}

/** GOODBYE JSON as Go writes it: protocol, timestamp, wg_pubkey. */
export function encodeGoodbye(g: Goodbye): string {
  return goObject([head, ['timestamp', goInt(g.timestamp)], ['wg_pubkey', str(g.wgPubkey)]]);
}

/** Decodes a GOODBYE payload. @throws MessageError on a wrong JSON type. */
export function decodeGoodbye(payload: Record<string, unknown>): Goodbye {
  const r = new FieldReader(payload);
  return { timestamp: r.int('timestamp'), wgPubkey: r.str('wg_pubkey') };
}

/** RENDEZVOUS_OFFER JSON as Go writes it (candidates, observed_addr, introducer_key omitted when empty). */
export function encodeRendezvousOffer(o: RendezvousOffer): string {
  return goObject([
    head,
    ['timestamp', goInt(o.timestamp)],
    ['from_pubkey', str(o.fromPubkey)],
    ['target_pubkey', str(o.targetPubkey)],
    ['pair_id', str(o.pairId)],
    ['candidates', goStringArray(o.candidates), o.candidates.length === 0],
    ['observed_addr', str(o.observedAddr), o.observedAddr === ''],
    ['introducer_key', str(o.introducerKey), o.introducerKey === ''],
  ]);
}

/** Decodes a RENDEZVOUS_OFFER payload. @throws MessageError on a wrong JSON type. */
export function decodeRendezvousOffer(payload: Record<string, unknown>): RendezvousOffer {
  const r = new FieldReader(payload);
  return {
    timestamp: r.int('timestamp'), fromPubkey: r.str('from_pubkey'), targetPubkey: r.str('target_pubkey'),
    pairId: r.str('pair_id'), candidates: r.strings('candidates'), observedAddr: r.str('observed_addr'),
    introducerKey: r.str('introducer_key'),
  };
}

/** RENDEZVOUS_START JSON as Go writes it (peer_candidates, introducer_key omitted when empty). */
export function encodeRendezvousStart(s: RendezvousStart): string {
  return goObject([
    head,
    ['timestamp', goInt(s.timestamp)],
    ['pair_id', str(s.pairId)],
    ['peer_pubkey', str(s.peerPubkey)],
    ['peer_candidates', goStringArray(s.peerCandidates), s.peerCandidates.length === 0],
    ['start_at_unix_ms', goInt(s.startAtUnixMs)],
    ['introducer_key', str(s.introducerKey), s.introducerKey === ''],
  ]);
}

/** Decodes a RENDEZVOUS_START payload. @throws MessageError on a wrong JSON type. */
export function decodeRendezvousStart(payload: Record<string, unknown>): RendezvousStart {
  const r = new FieldReader(payload);
  return {
    timestamp: r.int('timestamp'), pairId: r.str('pair_id'), peerPubkey: r.str('peer_pubkey'),
    peerCandidates: r.strings('peer_candidates'), startAtUnixMs: r.int('start_at_unix_ms'),
    introducerKey: r.str('introducer_key'),
  };
}
