import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { PeerStore, type PeerEvent } from './peer-store';

const K = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function store() {
  const clock = new FakeClock();
  return { clock, s: new PeerStore(clock) };
}

// Vectors of spec 6.1.9.
describe('PeerStore (spec 3.1, 6.1.9)', () => {
  it('lan beats dht, mesh IP kept, two methods', () => {
    const { s } = store();
    s.update({ publicKey: K, meshIp: '10.0.0.1', endpoint: '1.2.3.4:51820' }, 'dht');
    s.update({ publicKey: K, endpoint: '5.6.7.8:51820' }, 'lan');
    const p = s.get(K)!;
    expect(p.endpoint).toBe('5.6.7.8:51820');
    expect(p.meshIp).toBe('10.0.0.1');
    expect(p.discoveredVia).toEqual(['dht', 'lan']);
  });
  it('lan endpoint kept against dht', () => {
    const { s } = store();
    s.update({ publicKey: K, endpoint: '192.168.1.10:51820' }, 'lan');
    s.update({ publicKey: K, endpoint: '203.0.113.10:51820' }, 'dht');
    expect(s.get(K)!.endpoint).toBe('192.168.1.10:51820');
  });
  it('rendezvous kept against transitive, wins against dht', () => {
    const { s } = store();
    s.update({ publicKey: K, endpoint: '203.0.113.10:51821' }, 'dht-rendezvous');
    s.update({ publicKey: K, endpoint: '198.51.100.10:51820' }, 'dht-transitive');
    expect(s.get(K)!.endpoint).toBe('203.0.113.10:51821');
    const b = store().s;
    b.update({ publicKey: K, endpoint: '198.51.100.10:51820' }, 'dht');
    b.update({ publicKey: K, endpoint: '203.0.113.10:51821' }, 'dht-rendezvous');
    expect(b.get(K)!.endpoint).toBe('203.0.113.10:51821');
  });
  it('IPv6 wins at equal rank and is not replaced by IPv4', () => {
    const { s } = store();
    s.update({ publicKey: K, endpoint: '198.51.100.10:51820' }, 'dht');
    s.update({ publicKey: K, endpoint: '[2001:db8::10]:51820' }, 'dht');
    expect(s.get(K)!.endpoint).toBe('[2001:db8::10]:51820');
    s.update({ publicKey: K, endpoint: '198.51.100.10:51820' }, 'dht');
    expect(s.get(K)!.endpoint).toBe('[2001:db8::10]:51820');
  });
  it('NAT type is not cleared by an empty update', () => {
    const { s } = store();
    s.update({ publicKey: K }, 'dht');
    s.update({ publicKey: K, natType: 'symmetric' }, 'gossip');
    s.update({ publicKey: K, natType: '' }, 'dht');
    expect(s.get(K)!.natType).toBe('symmetric');
  });
  it('route lists are replaced only by non-empty lists', () => {
    const { s } = store();
    s.update({ publicKey: K, routableNetworks: ['192.168.1.0/24'] }, 'lan');
    s.update({ publicKey: K, routableNetworks: [] }, 'lan');
    expect(s.get(K)!.routableNetworks).toEqual(['192.168.1.0/24']);
    s.update({ publicKey: K, routableNetworks: [], routesAuthoritative: true }, 'lan'); // a direct withdrawal
    expect(s.get(K)!.routableNetworks).toEqual([]);
  });
  it('activity window and sweep', () => {
    const { s, clock } = store();
    s.update({ publicKey: K }, 'lan');
    clock.advance(10 * 60_000);
    expect(s.active()).toHaveLength(0);
    expect(s.sweep()).toEqual([]);
    clock.advance(5 * 60_000);
    expect(s.sweep()).toEqual([K]);
    expect(s.size).toBe(0);
  });
  it('cache keeps the saved last_seen; transitive does not refresh', () => {
    const { s, clock } = store();
    const old = clock.now() - 30 * 60_000;
    s.update({ publicKey: K, lastSeen: old }, 'cache');
    expect(s.get(K)!.lastSeen).toBe(old);
    const t = store();
    t.s.update({ publicKey: K }, 'lan');
    const seen = t.clock.now();
    t.clock.advance(4 * 60_000);
    t.s.update({ publicKey: K }, 'gossip-transitive');
    expect(t.s.get(K)!.lastSeen).toBe(seen);
  });
  it('refuses new keys past 1000 but still updates known ones', () => {
    const { s } = store();
    for (let i = 0; i < 1000; i++) s.update({ publicKey: `k${i}` }, 'dht');
    expect(s.update({ publicKey: 'new' }, 'dht')).toBeNull();
    expect(s.update({ publicKey: 'k1', hostname: 'x' }, 'dht')?.hostname).toBe('x');
  });
  it('emits new / updated / removed', () => {
    const { s } = store();
    const seen: string[] = [];
    s.onChanged((e: PeerEvent) => seen.push(e.kind));
    s.update({ publicKey: K }, 'lan');
    s.update({ publicKey: K }, 'lan'); // only last_seen moves: no event
    s.update({ publicKey: K, hostname: 'h' }, 'lan');
    s.remove(K);
    expect(seen).toEqual(['new', 'updated', 'removed']);
  });
  it('introducer flag is always overwritten', () => {
    const { s } = store();
    s.update({ publicKey: K, introducer: true }, 'dht');
    s.update({ publicKey: K }, 'dht-transitive');
    expect(s.get(K)!.introducer).toBe(false);
  });
});

describe('PeerStore: departures', () => {
  it('a peer that said GOODBYE is not brought back second-hand, only when heard directly', () => {
    const { s, clock } = store();
    s.update({ publicKey: K, meshIp: '10.0.0.1', endpoint: '192.168.1.10:51820' }, 'lan');
    expect(s.remove(K, { goodbye: true })).toBe(true);
    expect(s.update({ publicKey: K, meshIp: '10.0.0.1' }, 'cache')).toBeNull();
    expect(s.update({ publicKey: K, meshIp: '10.0.0.1' }, 'dht-transitive')).toBeNull();
    expect(s.get(K)).toBeUndefined();
    expect(s.update({ publicKey: K, meshIp: '10.0.0.1', endpoint: '192.168.1.10:51820' }, 'lan')).not.toBeNull();
    s.remove(K, { goodbye: true });
    clock.advance(10 * 60_000 + 1);
    expect(s.update({ publicKey: K, meshIp: '10.0.0.1' }, 'dht-transitive')).not.toBeNull(); // remembered for 10 min only
  });
});
