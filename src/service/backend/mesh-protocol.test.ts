// The message logic of a node against a fake device: what is stored, configured and answered.
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultMeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { FakeClock } from '../clock';
import type { Source } from '../discovery/exchange';
import { FakeWireGuardDevice } from '../engine/wireguard/fake';
import { generateKeyPair } from '../engine/wireguard/keys';
import { openEnvelope, sealEnvelope } from '../mesh/envelope';
import { decodeAnnouncement, encodeAnnouncement, encodeGoodbye, type PeerAnnouncement } from '../mesh/messages';
import { silentLogger } from '../log';
import { Activation } from './activation';
import { MeshProtocol } from './mesh-protocol';
import { PeerReconciler } from './peer-reconciler';
import { PeerStore } from './peer-store';

const secret = 'test-secret-that-is-long-enough';
const keys = deriveMeshKeys(secret);
const subnet = defaultMeshSubnet(keys);
const src: Source = { ip: '192.168.1.20', port: 40000 };

function announcement(pub: string, over: Partial<PeerAnnouncement> = {}): PeerAnnouncement {
  return {
    wgPubkey: pub, hostname: 'peer', meshIp: '10.20.1.2', meshIpv6: '', wgEndpoint: '0.0.0.0:51820', introducer: false,
    routableNetworks: [], timestamp: 1_800_000_000, knownPeers: [], observedEndpoint: '', natType: '', ...over,
  };
}

describe('MeshProtocol', () => {
  let clock: FakeClock;
  let device: FakeWireGuardDevice;
  let store: PeerStore;
  let sent: { type: string; payload: Record<string, unknown>; to: Source; configured: string[] }[];
  let protocol: MeshProtocol;
  const me = generateKeyPair();
  const identity = { privateKey: me.privateKey, publicKey: me.publicKey, meshIPv4: '10.20.9.9', meshIPv6: 'fd7d:16f8:63e5:1756::9' };

  beforeEach(async () => {
    clock = new FakeClock(1_800_000_000_000);
    device = new FakeWireGuardDevice();
    await device.create();
    await device.configure({ privateKey: me.privateKey, listenPort: 51820 });
    store = new PeerStore(clock);
    const activation = new Activation({ ownKey: me.publicKey });
    const reconciler = new PeerReconciler({ device, store, activation, identity, keys, subnet, clock, logger: silentLogger });
    sent = [];
    protocol = new MeshProtocol({
      keys, identity, subnet, hostname: 'me', listenPort: 51820, clock, logger: silentLogger, store, activation, reconciler,
      send: (d, to) => {
        const o = openEnvelope(keys.gossipKey, d, clock.now() / 1000);
        // What the device had been told at the moment of sending (synchronously).
        const configured = device.applied.flat().filter((op) => op.type === 'set').map((op) => op.publicKey);
        sent.push({ type: o.type, payload: o.payload, to, configured });
      },
      exchangeWith: async () => null,
    });
  });

  const hello = (a: PeerAnnouncement) => protocol.onControlMessage('HELLO', JSON.parse(encodeAnnouncement(a)) as Record<string, unknown>, src);
  const flush = () => new Promise((r) => setTimeout(r, 30));

  it('shares a newly heard peer at once: one HELLO, listing it, to every peer whose own HELLO reached us recently', async () => {
    const a = generateKeyPair().publicKey;
    const b = generateKeyPair().publicKey;
    const fromA: Source = { ip: '198.51.100.7', port: 61001 }; // a symmetric NAT's mapping, not A's port G
    protocol.onControlMessage('HELLO', JSON.parse(encodeAnnouncement(announcement(a, { meshIp: '10.20.1.2' }))) as Record<string, unknown>, fromA);
    await flush();
    await new Promise((r) => setTimeout(r, 1100)); // the share is debounced by 1 s
    sent = [];
    clock.advance(5000); // shares are at least 5 s apart
    protocol.onControlMessage('HELLO', JSON.parse(encodeAnnouncement(announcement(b, { meshIp: '10.20.1.3', timestamp: 1_800_000_001 }))) as Record<string, unknown>, src);
    await flush();
    await new Promise((r) => setTimeout(r, 1100));
    const shared = sent.filter((m) => m.type === 'HELLO');
    expect(shared.map((m) => m.to)).toContainEqual(fromA);
    const listed = decodeAnnouncement(shared.find((m) => m.to.ip === fromA.ip)!.payload).knownPeers.map((k) => k.wgPubkey);
    expect(listed).toContain(b);
    protocol.stop();
  });

  it('configures the HELLO sender (with the PSK) before it sends the REPLY', async () => {
    const peer = generateKeyPair().publicKey;
    hello(announcement(peer));
    await flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.type).toBe('REPLY');
    expect(sent[0]!.configured).toContain(peer);
    expect(sent[0]!.to).toEqual(src);
    const reply = decodeAnnouncement(sent[0]!.payload);
    expect(reply.observedEndpoint).toBe('192.168.1.20:40000');
    expect(reply.wgPubkey).toBe(me.publicKey);
    const state = await device.get();
    expect(state.peers[0]).toMatchObject({ publicKey: peer, presharedKey: keys.pskBase64, endpoint: '192.168.1.20:51820' });
    expect(state.peers[0]!.allowedIps).toEqual(['10.20.1.2/32']);
  });

  it('answers a resent HELLO from the cache and ignores its own key', async () => {
    const a = announcement(generateKeyPair().publicKey);
    hello(a);
    await flush();
    hello(a);
    await flush();
    expect(sent.map((s) => s.type)).toEqual(['REPLY', 'REPLY']);
    hello(announcement(me.publicKey));
    await flush();
    expect(sent).toHaveLength(2);
  });

  it('drops mesh addresses outside the mesh and keeps the peer unconfigured', async () => {
    const peer = generateKeyPair().publicKey;
    hello(announcement(peer, { meshIp: '1.1.1.1', meshIpv6: '2001:db8::1', hostname: 'bad\u0001name' }));
    await flush();
    const rec = store.get(peer)!;
    expect(rec.meshIp).toBe('');
    expect(rec.meshIpv6).toBe('');
    expect(rec.hostname).toBe('');
    expect((await device.get()).peers).toHaveLength(0);
  });

  it('stores transitive peers without refreshing them and removes a peer on GOODBYE', async () => {
    const a = generateKeyPair().publicKey;
    const b = generateKeyPair().publicKey;
    hello(announcement(a, { knownPeers: [{ wgPubkey: b, hostname: 'b', meshIp: '10.20.3.3', meshIpv6: '', wgEndpoint: '192.168.1.30:51820', introducer: false, natType: '' }] }));
    await flush();
    expect(store.get(b)?.discoveredVia).toEqual(['dht-transitive']);
    const bye = sealEnvelope(keys.gossipKey, 'GOODBYE', encodeGoodbye({ timestamp: 1_800_000_000, wgPubkey: a }));
    protocol.onControlMessage('GOODBYE', openEnvelope(keys.gossipKey, bye, 1_800_000_000).payload, src);
    expect(store.get(a)).toBeUndefined();
    await flush();
    expect((await device.get()).peers.map((p) => p.publicKey)).toEqual([b]);
  });

  it('ignores a stale GOODBYE (more than 60 s old)', () => {
    const a = generateKeyPair().publicKey;
    store.update({ publicKey: a, meshIp: '10.20.1.2' }, 'lan');
    const bye = JSON.parse(encodeGoodbye({ timestamp: 1_800_000_000 - 61, wgPubkey: a })) as Record<string, unknown>;
    protocol.onControlMessage('GOODBYE', bye, src);
    expect(store.get(a)).toBeDefined();
  });
});
