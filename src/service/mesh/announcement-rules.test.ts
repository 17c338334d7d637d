import { describe, expect, it } from 'vitest';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { openEnvelope, sealEnvelope } from './envelope';
import {
  buildKnownPeers, decodeAnnouncement, encodeAnnouncement, MAX_EXCHANGE_DATAGRAM, MAX_LAN_DATAGRAM, sanitizeAnnouncement,
  validateAnnouncement, type KnownPeer, type PeerAnnouncement,
} from './messages';

const ZERO_KEY = Buffer.alloc(32).toString('base64');
const T = 1_800_000_000;

function announcement(over: Partial<PeerAnnouncement> = {}): PeerAnnouncement {
  return {
    wgPubkey: ZERO_KEY, hostname: '', meshIp: '10.0.0.1', meshIpv6: '', wgEndpoint: '1.2.3.4:51820', introducer: false,
    routableNetworks: [], timestamp: T, knownPeers: [], observedEndpoint: '', natType: '', ...over,
  };
}

function peer(i: number, over: Partial<KnownPeer> = {}): KnownPeer {
  const key = Buffer.alloc(32, i % 256);
  key.writeUInt16BE(i, 0);
  return {
    wgPubkey: key.toString('base64'), hostname: '', meshIp: `10.0.${(i >> 8) & 255}.${i & 255}`, meshIpv6: '',
    wgEndpoint: '198.51.100.2:51820', introducer: false, natType: '', ...over,
  };
}

const ok = (over: Partial<PeerAnnouncement>): string | null => validateAnnouncement(announcement(over));

describe('validateAnnouncement (spec 6.1.3)', () => {
  it('accepts the base and the valid variations', () => {
    expect(ok({})).toBeNull();
    expect(ok({ routableNetworks: ['192.168.1.0/24', '10.1.0.0/16'], hostname: 'node-1.example.com', knownPeers: [peer(1)] })).toBeNull();
    expect(ok({ meshIp: '2001:db8::1' })).toBeNull();
    for (const wgEndpoint of ['', '[::1]:51820', '1.2.3.4:65535']) expect(ok({ wgEndpoint })).toBeNull();
    expect(ok({ routableNetworks: Array.from({ length: 100 }, (_, i) => `10.${i}.0.0/16`) })).toBeNull();
    expect(ok({ routableNetworks: ['192.168.1.5/24'] })).toBeNull();
    expect(ok({ hostname: 'a'.repeat(253) })).toBeNull();
    expect(ok({ knownPeers: [peer(1, { wgEndpoint: '' })] })).toBeNull();
    expect(ok({ knownPeers: Array.from({ length: 1000 }, (_, i) => peer(i)) })).toBeNull();
  });

  it.each<[string, Partial<PeerAnnouncement>, RegExp]>([
    ['empty key', { wgPubkey: '' }, /wg_pubkey/],
    ['non-base64 key', { wgPubkey: 'not-valid-base64!!!' }, /wg_pubkey/],
    ['16-byte key', { wgPubkey: Buffer.alloc(16).toString('base64') }, /wg_pubkey/],
    ['empty mesh_ip', { meshIp: '' }, /MeshIP/],
    ['mesh_ip not-an-ip', { meshIp: 'not-an-ip' }, /MeshIP/],
    ['mesh_ip CIDR', { meshIp: '10.0.0.1/24' }, /mesh_ip/],
    ['endpoint without port', { wgEndpoint: '1.2.3.4' }, /wg_endpoint/],
    ['port 0', { wgEndpoint: '1.2.3.4:0' }, /wg_endpoint/],
    ['port 70000', { wgEndpoint: '1.2.3.4:70000' }, /wg_endpoint/],
    ['port 65536', { wgEndpoint: '1.2.3.4:65536' }, /wg_endpoint/],
    ['route not-a-cidr', { routableNetworks: ['not-a-cidr'] }, /routable_networks/],
    ['route bare IP', { routableNetworks: ['192.168.1.1'] }, /routable_networks/],
    ['101 routes', { routableNetworks: Array.from({ length: 101 }, (_, i) => `10.${i}.0.0/16`) }, /routable_networks/],
    ['hostname 254 bytes', { hostname: 'a'.repeat(254) }, /hostname/],
    ['hostname with 0x00', { hostname: 'a\u0000b' }, /hostname/],
    ['hostname with 0x01', { hostname: 'a\u0001b' }, /hostname/],
    ['hostname non-ASCII', { hostname: 'héllo' }, /hostname/],
    ['known peer key bad', { knownPeers: [peer(1, { wgPubkey: 'bad' })] }, /known_peers.*wg_pubkey/],
    ['known peer mesh_ip bogus', { knownPeers: [peer(1, { meshIp: 'bogus' })] }, /known_peers.*mesh_ip/],
    ['known peer hostname 0x00', { knownPeers: [peer(1, { hostname: 'x\u0000' })] }, /known_peers.*hostname/],
    ['1001 known peers', { knownPeers: Array.from({ length: 1001 }, (_, i) => peer(i)) }, /known_peers/],
  ])('rejects %s', (_name, over, why) => {
    expect(ok(over)).toMatch(why);
  });

  it('a HELLO-style envelope with mesh_ip not-an-ip fails validation mentioning MeshIP', () => {
    const key = deriveMeshKeys('test-secret-that-is-long-enough').gossipKey;
    const sealed = sealEnvelope(key, 'HELLO', encodeAnnouncement(announcement({ meshIp: 'not-an-ip' })));
    const a = decodeAnnouncement(openEnvelope(key, sealed, T).payload);
    expect(validateAnnouncement(a)).toMatch(/MeshIP/);
  });

  it('does not validate mesh_ipv6, nat_type, introducer, observed_endpoint', () => {
    expect(ok({ meshIpv6: 'junk', natType: 'weird', introducer: true, observedEndpoint: 'junk' })).toBeNull();
  });
});

describe('sanitizeAnnouncement (spec 7.4 item 3)', () => {
  it('keeps the peer and drops bad entries individually', () => {
    const a = announcement({
      hostname: 'bäd', meshIpv6: 'not-v6',
      routableNetworks: ['192.168.1.5/24', '', 'not-a-cidr', '10.0.0.1', '192.168.1.0/24', 'fd00:1::7/64'],
      knownPeers: [peer(1), peer(2, { wgPubkey: 'bad' }), peer(3, { meshIp: '' }), peer(4, { wgEndpoint: 'nope', hostname: '\u0000', meshIpv6: '10.0.0.1' })],
    });
    const s = sanitizeAnnouncement(a);
    expect(s?.hostname).toBe('');
    expect(s?.meshIpv6).toBe('');
    expect(s?.routableNetworks).toEqual(['192.168.1.0/24', 'fd00:1::/64']);
    expect(s?.knownPeers).toEqual([peer(1), peer(4, { wgEndpoint: '', hostname: '', meshIpv6: '' })]);
    expect(validateAnnouncement(s as PeerAnnouncement)).toBeNull();
  });

  it('keeps good values untouched and caps list sizes', () => {
    const a = announcement({ hostname: 'ok', meshIpv6: 'fd00::1', routableNetworks: Array.from({ length: 150 }, (_, i) => `10.${i}.0.0/16`) });
    const s = sanitizeAnnouncement(a);
    expect(s?.hostname).toBe('ok');
    expect(s?.meshIpv6).toBe('fd00::1');
    expect(s?.routableNetworks).toHaveLength(100);
  });

  it('returns null when the sender itself is unusable', () => {
    expect(sanitizeAnnouncement(announcement({ wgPubkey: 'pk' }))).toBeNull();
    expect(sanitizeAnnouncement(announcement({ meshIp: 'not-an-ip' }))).toBeNull();
  });
});

describe('buildKnownPeers', () => {
  const base = announcement({ hostname: 'node-a', routableNetworks: ['192.168.10.0/24'] });
  const sealedSize = (a: PeerAnnouncement, type: string): number =>
    sealEnvelope(Buffer.alloc(32), type, encodeAnnouncement(a)).length;

  it('takes everything that fits, skipping self, empty and repeated keys', () => {
    const list = [peer(1), peer(0, { wgPubkey: base.wgPubkey }), peer(2, { wgPubkey: '' }), peer(3), peer(1)];
    expect(buildKnownPeers(list, { base, type: 'HELLO', maxBytes: MAX_EXCHANGE_DATAGRAM })).toEqual([peer(1), peer(3)]);
  });

  it.each([MAX_LAN_DATAGRAM, 1500, MAX_EXCHANGE_DATAGRAM])('stays within %d bytes and is maximal', (maxBytes) => {
    const list = Array.from({ length: 2000 }, (_, i) => peer(i + 1, { hostname: `host-${i}`, meshIpv6: `fd00::${i + 1}` }));
    const kept = buildKnownPeers(list, { base, type: 'REPLY', maxBytes });
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(list.length);
    expect(sealedSize({ ...base, knownPeers: kept }, 'REPLY')).toBeLessThanOrEqual(maxBytes);
    const oneMore = list.slice(0, kept.length + 1);
    expect(sealedSize({ ...base, knownPeers: oneMore }, 'REPLY')).toBeGreaterThan(maxBytes);
  });

  it('returns nothing when not even the base fits', () => {
    expect(buildKnownPeers([peer(1)], { base, type: 'HELLO', maxBytes: 100 })).toEqual([]);
  });
});
