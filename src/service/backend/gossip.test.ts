// In-mesh gossip (spec 3.11): the 6.1.4/6.1.5 vectors, overlay endpoints dropped (spec 7.4 item 20), sending.
import { describe, expect, it } from 'vitest';
import type { Source } from '../discovery/exchange';
import { generateKeyPair } from '../engine/wireguard/keys';
import { decodeAnnouncement, encodeAnnouncement, type KnownPeer, type PeerAnnouncement } from '../mesh/messages';
import { announcementOf, FakeTraversal, payloadOf } from './traversal-fake';

const A = generateKeyPair().publicKey;
const B = generateKeyPair().publicKey;
const known = (wgPubkey: string, over: Partial<KnownPeer> = {}): KnownPeer => ({
  wgPubkey, hostname: '', meshIp: '10.0.0.3', meshIpv6: '', wgEndpoint: '', introducer: false, natType: '', ...over,
});
const announce = (f: FakeTraversal, a: PeerAnnouncement, src?: Source) => f.nat.gossip.onAnnounce(payloadOf(encodeAnnouncement(a)), src);

describe('MeshGossip receive', () => {
  it('stores the sender as gossip and its known peers as gossip-transitive, mesh IPs as given (6.1.5)', () => {
    const f = new FakeTraversal();
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', knownPeers: [known(B, { meshIp: '10.0.0.3' })] }));
    expect(f.store.get(A)).toMatchObject({ meshIp: '10.0.0.2', discoveredVia: ['gossip'] });
    expect(f.store.get(B)).toMatchObject({ meshIp: '10.0.0.3', discoveredVia: ['gossip-transitive'] });
  });

  it('ignores its own announcement and its own key among the known peers (6.1.5)', () => {
    const f = new FakeTraversal();
    announce(f, announcementOf(f.ownKey, { knownPeers: [known(B)] }));
    expect(f.store.size).toBe(0);
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', knownPeers: [known(f.ownKey, { meshIp: '10.0.9.9' }), known(B)] }));
    expect(f.store.all().map((p) => p.publicKey).sort()).toEqual([A, B].sort());
  });

  it('resolves a wildcard endpoint against an underlay source, and drops it without one (6.1.4)', () => {
    const f = new FakeTraversal();
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', wgEndpoint: '0.0.0.0:51820' }), { ip: '192.168.1.44', port: 50000 });
    expect(f.store.get(A)!.endpoint).toBe('192.168.1.44:51820');
    const g = new FakeTraversal();
    announce(g, announcementOf(A, { meshIp: '10.0.0.2', wgEndpoint: '0.0.0.0:51820' }));
    expect(g.store.get(A)!.endpoint).toBe('');
  });

  it('never stores an endpoint inside the mesh (spec 7.4 item 20), but keeps a concrete underlay one', () => {
    const f = new FakeTraversal();
    const viaTunnel: Source = { ip: '10.0.0.2', port: f.keys.gossipPort };
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', wgEndpoint: '0.0.0.0:51820', knownPeers: [known(B, { wgEndpoint: '10.0.0.3:51820' })] }), viaTunnel);
    expect(f.store.get(A)!.endpoint).toBe('');
    expect(f.store.get(B)!.endpoint).toBe('');
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', wgEndpoint: '203.0.113.5:51820', timestamp: 1_800_000_001 }), viaTunnel);
    expect(f.store.get(A)!.endpoint).toBe('203.0.113.5:51820');
    expect(f.store.get(A)!.endpointMethod).toBe('gossip');
  });

  it('drops an announcement from a mesh address that is not the sender\'s own', () => {
    const f = new FakeTraversal();
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', wgEndpoint: '203.0.113.5:51820' }), { ip: '10.0.0.77', port: f.keys.gossipPort });
    expect(f.store.size).toBe(0);
  });

  it('validates as the LAN path does, and ignores ANNOUNCE with gossip off', () => {
    const f = new FakeTraversal();
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', knownPeers: [known('not-a-key')] }));
    announce(f, announcementOf(A, { meshIp: '10.0.0.2', routableNetworks: ['192.168.1.1'] }));
    f.nat.onMessage('ANNOUNCE', { wg_pubkey: 42 }, { ip: '192.0.2.1', port: 1 });
    expect(f.store.size).toBe(0);
    const off = new FakeTraversal({ gossip: false });
    off.nat.onMessage('ANNOUNCE', payloadOf(encodeAnnouncement(announcementOf(A, { meshIp: '10.0.0.2' }))), { ip: '192.0.2.1', port: 1 });
    expect(off.store.size).toBe(0);
  });
});

describe('MeshGossip send', () => {
  it('sends one ANNOUNCE with known peers to a random active peer\'s mesh IPv4 and port G', () => {
    const f = new FakeTraversal();
    expect(f.nat.gossip.sendOnce()).toBeUndefined();
    f.store.update({ publicKey: A, meshIp: '10.0.0.2', endpoint: '203.0.113.5:51820' }, 'lan');
    f.store.update({ publicKey: B, meshIp: '' }, 'dht-transitive'); // no mesh IP: never a target
    expect(f.nat.gossip.sendOnce()).toBe(A);
    const [msg] = f.sentOf('ANNOUNCE');
    expect(msg!.to).toEqual({ ip: '10.0.0.2', port: f.keys.gossipPort });
    expect(decodeAnnouncement(msg!.payload).wgPubkey).toBe(f.ownKey);
  });
});
