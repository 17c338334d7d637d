// The clock-skew feed of the message logic: every accepted HELLO, REPLY and LAN ANNOUNCE tells
// the sender's timestamp (once per message, not per resend); our own messages are not counted.
import { describe, expect, it } from 'vitest';
import { defaultMeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { FakeClock } from '../clock';
import { SkewTracker } from '../diagnostics/skew';
import { FakeWireGuardDevice } from '../engine/wireguard/fake';
import { generateKeyPair } from '../engine/wireguard/keys';
import { encodeAnnouncement, type PeerAnnouncement } from '../mesh/messages';
import { silentLogger } from '../log';
import { Activation } from './activation';
import { MeshProtocol } from './mesh-protocol';
import { PeerReconciler } from './peer-reconciler';
import { PeerStore } from './peer-store';

const keys = deriveMeshKeys('test-secret-that-is-long-enough');
const subnet = defaultMeshSubnet(keys);
const NOW = 1_800_000_000_000;

function announcement(pub: string, timestamp: number, hostname = 'peer'): PeerAnnouncement {
  return {
    wgPubkey: pub, hostname, meshIp: '10.20.1.2', meshIpv6: '', wgEndpoint: '0.0.0.0:51820', introducer: false,
    routableNetworks: [], timestamp, knownPeers: [], observedEndpoint: '', natType: '',
  };
}

describe('MeshProtocol clock-skew feed', () => {
  it('records peer timestamp − now for HELLO, REPLY and LAN ANNOUNCE', async () => {
    const clock = new FakeClock(NOW);
    const device = new FakeWireGuardDevice();
    await device.create();
    const me = generateKeyPair();
    const identity = { privateKey: me.privateKey, publicKey: me.publicKey, meshIPv4: '10.20.9.9', meshIPv6: 'fd7d:16f8:63e5:1756::9' };
    await device.configure({ privateKey: me.privateKey, listenPort: 51820 });
    const store = new PeerStore(clock);
    const activation = new Activation({ ownKey: me.publicKey });
    const reconciler = new PeerReconciler({ device, store, activation, identity, keys, subnet, clock, logger: silentLogger });
    const skew = new SkewTracker();
    const protocol = new MeshProtocol({
      keys, identity, subnet, hostname: 'me', listenPort: 51820, clock, logger: silentLogger, store, activation, reconciler,
      send: () => undefined, exchangeWith: async () => null,
      onPeerTimestamp: (k, h, ts) => skew.record(k, h, ts, clock.now()),
    });
    const msg = (a: PeerAnnouncement) => JSON.parse(encodeAnnouncement(a)) as Record<string, unknown>;
    const src = { ip: '192.168.1.20', port: 40000 };
    const [a, b, c] = [generateKeyPair().publicKey, generateKeyPair().publicKey, generateKeyPair().publicKey];

    const hello = msg(announcement(a, NOW / 1000 - 400, 'old-clock'));
    protocol.onControlMessage('HELLO', hello, src);
    await new Promise((r) => setTimeout(r, 30));
    protocol.onControlMessage('HELLO', hello, src); // a resend: answered from the cache, not counted again
    protocol.onControlMessage('REPLY', msg(announcement(b, NOW / 1000 + 90)), { ip: '192.168.1.21', port: 40000 });
    protocol.onLanAnnouncement(announcement(c, NOW / 1000), '192.168.1.22');
    protocol.onControlMessage('HELLO', msg(announcement(me.publicKey, NOW / 1000 - 999)), src); // ourselves
    await new Promise((r) => setTimeout(r, 30));

    const byKey = new Map(skew.summary(clock.now()).map((p) => [p.publicKey, p]));
    expect(byKey.size).toBe(3);
    expect(byKey.get(a)).toMatchObject({ hostname: 'old-clock', medianS: -400, samples: 1 });
    expect(byKey.get(b)?.medianS).toBe(90);
    expect(byKey.get(c)?.medianS).toBe(0);
  });
});
