import { describe, expect, it } from 'vitest';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { openEnvelope, sealEnvelope } from './envelope';
import {
  decodeAnnouncement, decodeGoodbye, decodeRendezvousOffer, decodeRendezvousStart, encodeAnnouncement, encodeGoodbye,
  encodeRendezvousOffer, encodeRendezvousStart, goodbyeFresh, MessageError,
  type KnownPeer, type PeerAnnouncement,
} from './messages';

const K0 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const K1 = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';
const KEY = deriveMeshKeys('test-secret-that-is-long-enough').gossipKey;
const T = 1_800_000_000;

/** An announcement with zero values, overridden by `over`. */
function announcement(over: Partial<PeerAnnouncement> = {}): PeerAnnouncement {
  return {
    wgPubkey: K0, hostname: '', meshIp: '10.0.0.1', meshIpv6: '', wgEndpoint: '', introducer: false,
    routableNetworks: [], timestamp: T, knownPeers: [], observedEndpoint: '', natType: '', ...over,
  };
}

function peer(over: Partial<KnownPeer> = {}): KnownPeer {
  return { wgPubkey: K1, hostname: '', meshIp: '10.20.9.9', meshIpv6: '', wgEndpoint: '', introducer: false, natType: '', ...over };
}

/** Seal and open like the wire does, then decode. */
function wire<T>(type: string, json: string, decode: (p: Record<string, unknown>) => T): T {
  return decode(openEnvelope(KEY, sealEnvelope(KEY, type, json), T).payload);
}

describe('Go plaintexts (spec 6.3.7)', () => {
  const V6 = 'fd7d:16f8:63e5:1756:e0a:5bf3:3ebe:d7f';

  it('LAN announcement', () => {
    const a = announcement({ hostname: 'node-a', meshIp: '10.20.176.123', meshIpv6: V6, wgEndpoint: '203.0.113.7:51820', natType: 'cone' });
    const json = `{"protocol":"wgmesh-v1","wg_pubkey":"${K0}","hostname":"node-a","mesh_ip":"10.20.176.123","mesh_ipv6":"${V6}","wg_endpoint":"203.0.113.7:51820","timestamp":1800000000,"nat_type":"cone"}`;
    expect(encodeAnnouncement(a)).toBe(json);
    expect(wire('ANNOUNCE', json, decodeAnnouncement)).toEqual(a);
  });

  it('REPLY with known peers, routes and observed endpoint', () => {
    const a = announcement({
      hostname: 'node-a', meshIp: '10.20.176.123', meshIpv6: V6, wgEndpoint: '203.0.113.7:51820', routableNetworks: ['192.168.10.0/24'],
      knownPeers: [peer({ wgEndpoint: '198.51.100.2:51820', natType: 'unknown' })], observedEndpoint: '198.51.100.9:52316', natType: 'cone',
    });
    const json = `{"protocol":"wgmesh-v1","wg_pubkey":"${K0}","hostname":"node-a","mesh_ip":"10.20.176.123","mesh_ipv6":"${V6}","wg_endpoint":"203.0.113.7:51820","routable_networks":["192.168.10.0/24"],"timestamp":1800000000,"known_peers":[{"wg_pubkey":"${K1}","mesh_ip":"10.20.9.9","wg_endpoint":"198.51.100.2:51820","nat_type":"unknown"}],"observed_endpoint":"198.51.100.9:52316","nat_type":"cone"}`;
    expect(encodeAnnouncement(a)).toBe(json);
    expect(wire('REPLY', json, decodeAnnouncement)).toEqual(a);
  });

  it('GOODBYE', () => {
    const json = `{"protocol":"wgmesh-v1","timestamp":1800000000,"wg_pubkey":"${K0}"}`;
    expect(encodeGoodbye({ timestamp: T, wgPubkey: K0 })).toBe(json);
    expect(wire('GOODBYE', json, decodeGoodbye)).toEqual({ timestamp: T, wgPubkey: K0 });
  });

  it('RENDEZVOUS_OFFER', () => {
    const o = { timestamp: T, fromPubkey: K0, targetPubkey: K1, pairId: '29e4428696eb1d05', candidates: [], observedAddr: '', introducerKey: '' };
    const json = `{"protocol":"wgmesh-v1","timestamp":1800000000,"from_pubkey":"${K0}","target_pubkey":"${K1}","pair_id":"29e4428696eb1d05"}`;
    expect(encodeRendezvousOffer(o)).toBe(json);
    expect(wire('RENDEZVOUS_OFFER', json, decodeRendezvousOffer)).toEqual(o);
    const full = { ...o, candidates: ['1.2.3.4:52316'], observedAddr: '5.6.7.8:1', introducerKey: K1 };
    const fullJson = encodeRendezvousOffer(full);
    expect(fullJson).toBe(`{"protocol":"wgmesh-v1","timestamp":1800000000,"from_pubkey":"${K0}","target_pubkey":"${K1}","pair_id":"29e4428696eb1d05","candidates":["1.2.3.4:52316"],"observed_addr":"5.6.7.8:1","introducer_key":"${K1}"}`);
    expect(wire('RENDEZVOUS_OFFER', fullJson, decodeRendezvousOffer)).toEqual(full);
  });

  it('RENDEZVOUS_START', () => {
    const cands = ['198.51.100.2:52316', '198.51.100.2:52315', '198.51.100.2:52317', '198.51.100.2:52314', '198.51.100.2:52318'];
    const s = { timestamp: T, pairId: '29e4428696eb1d05', peerPubkey: K1, peerCandidates: cands, startAtUnixMs: 1_800_000_001_800, introducerKey: K0 };
    const json = `{"protocol":"wgmesh-v1","timestamp":1800000000,"pair_id":"29e4428696eb1d05","peer_pubkey":"${K1}","peer_candidates":${JSON.stringify(cands)},"start_at_unix_ms":1800000001800,"introducer_key":"${K0}"}`;
    expect(encodeRendezvousStart(s)).toBe(json);
    expect(wire('RENDEZVOUS_START', json, decodeRendezvousStart)).toEqual(s);
    const bare = { ...s, peerCandidates: [], introducerKey: '' };
    expect(encodeRendezvousStart(bare)).toBe('{"protocol":"wgmesh-v1","timestamp":1800000000,"pair_id":"29e4428696eb1d05","peer_pubkey":"' + K1 + '","start_at_unix_ms":1800000001800}');
    expect(wire('RENDEZVOUS_START', encodeRendezvousStart(bare), decodeRendezvousStart)).toEqual(bare);
  });
});

describe('announcement encoding rules', () => {
  it('always emits mesh_ip and wg_endpoint, omits empty optional members', () => {
    expect(encodeAnnouncement(announcement({ meshIp: '' }))).toBe(`{"protocol":"wgmesh-v1","wg_pubkey":"${K0}","mesh_ip":"","wg_endpoint":"","timestamp":1800000000}`);
  });

  it('emits introducer only when true, and empty route entries as given', () => {
    const json = encodeAnnouncement(announcement({ introducer: true, routableNetworks: ['10.1.0.0/16', ''] }));
    expect(json).toContain('"wg_endpoint":"","introducer":true,"routable_networks":["10.1.0.0/16",""],"timestamp"');
    const kp = encodeAnnouncement(announcement({ knownPeers: [peer({ introducer: true, hostname: 'h', meshIpv6: 'fd00::1' })] }));
    expect(kp).toContain(`"known_peers":[{"wg_pubkey":"${K1}","hostname":"h","mesh_ip":"10.20.9.9","mesh_ipv6":"fd00::1","wg_endpoint":"","introducer":true}]`);
  });

  it('escapes strings like Go (HTML-safe, U+2028)', () => {
    const json = encodeAnnouncement(announcement({ hostname: 'a<b>&"c"\\\n\u2028é\u0001' }));
    expect(json).toContain('"hostname":"a\\u003cb\\u003e\\u0026\\"c\\"\\\\\\n\\u2028é\\u0001"');
    expect(decodeAnnouncement(JSON.parse(json) as Record<string, unknown>).hostname).toBe('a<b>&"c"\\\n\u2028é\u0001');
  });

  it('observed_endpoint is omitted when empty; old-format JSON decodes (spec 6.1.4)', () => {
    expect(encodeAnnouncement(announcement())).not.toContain('observed_endpoint');
    const old = '{"protocol":"wgmesh-v1","wg_pubkey":"pk","mesh_ip":"10.0.0.1","wg_endpoint":"1.2.3.4:51820","timestamp":1700000000}';
    const a = decodeAnnouncement(JSON.parse(old) as Record<string, unknown>);
    expect(a.observedEndpoint).toBe('');
    expect(a).toEqual(announcement({ wgPubkey: 'pk', wgEndpoint: '1.2.3.4:51820', timestamp: 1_700_000_000 }));
  });
});

describe('Go decoding particulars (spec 2.2)', () => {
  const dec = (o: unknown): PeerAnnouncement => decodeAnnouncement(o as Record<string, unknown>);

  it('case-insensitive names (incl. Go folding of ſ and K), last occurrence wins, unknown ignored', () => {
    const a = dec({ WG_PUBKEY: 'a', Mesh_Ip: '10.0.0.9', wg_pubkey: 'b', extra: { x: 1 }, hostname: 'h', '\u017fomething': 1 });
    expect(a.wgPubkey).toBe('b');
    expect(a.meshIp).toBe('10.0.0.9');
    expect(dec({ wg_pub\u212aey: 'kelvin' }).wgPubkey).toBe('kelvin');
    expect(dec({ ho\u017ftname: 'long-s' }).hostname).toBe('long-s');
  });

  it('missing and null → zero values, null list elements → zero', () => {
    expect(dec({})).toEqual(announcement({ wgPubkey: '', meshIp: '', timestamp: 0 }));
    const a = dec({ wg_pubkey: null, introducer: null, routable_networks: ['10.0.0.0/8', null], known_peers: [null], timestamp: null });
    expect(a.wgPubkey).toBe('');
    expect(a.introducer).toBe(false);
    expect(a.routableNetworks).toEqual(['10.0.0.0/8', '']);
    expect(a.knownPeers).toEqual([peer({ wgPubkey: '', meshIp: '' })]);
    expect(a.timestamp).toBe(0);
  });

  it.each([
    { wg_pubkey: 5 }, { introducer: 'true' }, { introducer: 1 }, { timestamp: '1800000000' }, { timestamp: 1.5 },
    { routable_networks: '10.0.0.0/8' }, { routable_networks: [1] }, { known_peers: {} }, { known_peers: ['x'] },
    { known_peers: [{ mesh_ip: 7 }] }, { mesh_ip: ['10.0.0.1'] }, { hostname: {} },
  ])('wrong JSON type %j throws MessageError', (o) => {
    expect(() => dec(o)).toThrow(MessageError);
  });

  it('integer fields reject non-integer notation seen on the wire', () => {
    const json = `{"protocol":"wgmesh-v1","timestamp":1800000000,"pair_id":"p","peer_pubkey":"k","start_at_unix_ms":1.8000000018e12}`;
    const payload = openEnvelope(KEY, sealEnvelope(KEY, 'RENDEZVOUS_START', json), T).payload;
    expect(() => decodeRendezvousStart(payload)).toThrow(MessageError);
  });

  it('decoders of the other messages follow the same rules', () => {
    expect(decodeGoodbye({ WG_PUBKEY: 'x' })).toEqual({ timestamp: 0, wgPubkey: 'x' });
    expect(() => decodeGoodbye({ timestamp: 'now' })).toThrow(MessageError);
    expect(decodeRendezvousOffer({ candidates: null }).candidates).toEqual([]);
    expect(() => decodeRendezvousOffer({ candidates: [{}] })).toThrow(MessageError);
    expect(() => decodeRendezvousStart({ start_at_unix_ms: true })).toThrow(MessageError);
  });
});

describe('goodbyeFresh (spec 2.8, 6.1.4)', () => {
  it.each([
    [-59, true], [-60, true], [-61, false], [59, true], [61, false], [60, true], [0, true],
  ])('timestamp now%+d → %s', (d, ok) => {
    expect(goodbyeFresh(T + d, T)).toBe(ok);
  });
});
