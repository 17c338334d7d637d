// The two hooks the metrics attach to a connection: peer-store updates by discovery layer, and
// the duration of each reconcile pass.
import { describe, expect, it } from 'vitest';
import { defaultMeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { FakeClock } from '../clock';
import { FakeWireGuardDevice } from '../engine/wireguard/fake';
import { generateKeyPair } from '../engine/wireguard/keys';
import { silentLogger } from '../log';
import { Activation } from './activation';
import { PeerReconciler } from './peer-reconciler';
import { MAX_PEERS, PeerStore, type DiscoveryMethod } from './peer-store';

const K = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

describe('PeerStore onDiscovery', () => {
  it('is told of every accepted update, new or refresh, with its layer', () => {
    const seen: DiscoveryMethod[] = [];
    const s = new PeerStore(new FakeClock(), (m) => seen.push(m));
    s.update({ publicKey: K, meshIp: '10.0.0.1', endpoint: '1.2.3.4:51820' }, 'lan');
    s.update({ publicKey: K }, 'lan'); // a refresh that changes nothing a listener sees
    s.update({ publicKey: K, endpoint: '5.6.7.8:51820' }, 'dht');
    s.update({ publicKey: K }, 'cache');
    expect(seen).toEqual(['lan', 'lan', 'dht', 'cache']);
  });

  it('is not told of a refused peer (the store is full)', () => {
    const seen: DiscoveryMethod[] = [];
    const s = new PeerStore(new FakeClock(), (m) => seen.push(m));
    for (let i = 0; i < MAX_PEERS; i++) s.update({ publicKey: `k${i}` }, 'gossip');
    seen.length = 0;
    expect(s.update({ publicKey: 'one-too-many' }, 'lan')).toBeNull();
    expect(seen).toEqual([]);
  });
});

describe('PeerReconciler onReconciled', () => {
  const keys = deriveMeshKeys('test-secret-that-is-long-enough');
  const me = generateKeyPair();
  const identity = { privateKey: me.privateKey, publicKey: me.publicKey, meshIPv4: '10.20.9.9', meshIPv6: 'fd7d:16f8:63e5:1756::9' };

  async function reconciler(durations: number[]) {
    const clock = new FakeClock();
    const device = new FakeWireGuardDevice();
    await device.create();
    const store = new PeerStore(clock);
    const r = new PeerReconciler({
      device, store, activation: new Activation({ ownKey: me.publicKey }), identity, keys, subnet: defaultMeshSubnet(keys),
      clock, logger: silentLogger, onReconciled: (s) => durations.push(s),
    });
    return { r, device };
  }

  it('times each pass in seconds', async () => {
    const durations: number[] = [];
    const { r } = await reconciler(durations);
    await r.reconcileNow();
    await r.reconcileNow();
    expect(durations).toHaveLength(2);
    for (const d of durations) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(5);
    }
    r.stop();
  });

  it('times a failed pass too', async () => {
    const durations: number[] = [];
    const { r, device } = await reconciler(durations);
    device.failNext(new Error('uapi gone'));
    await r.reconcileNow(); // never rejects
    expect(durations).toHaveLength(1);
    r.stop();
  });
});
