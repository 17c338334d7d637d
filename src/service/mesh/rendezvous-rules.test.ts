// Pure NAT traversal rules: port spread, public endpoints, introducer selection, backoff, throttle.
import { describe, expect, it } from 'vitest';
import { pairSeed } from './pair';
import {
  controlEndpointFrom, expandCandidatePorts, introducerCandidates, isLikelyPublicEndpoint, PunchBackoff, selectIntroducers, Throttle,
  type IntroducerPeer,
} from './rendezvous-rules';

describe('expandCandidatePorts', () => {
  it('spreads each candidate as p, p−1, p+1, p−2, p+2', () => {
    expect(expandCandidatePorts(['203.0.113.5:40000'])).toEqual([
      '203.0.113.5:40000', '203.0.113.5:39999', '203.0.113.5:40001', '203.0.113.5:39998', '203.0.113.5:40002',
    ]);
    expect(expandCandidatePorts(['[2001:db8::1]:51821'])).toEqual([
      '[2001:db8::1]:51821', '[2001:db8::1]:51820', '[2001:db8::1]:51822', '[2001:db8::1]:51819', '[2001:db8::1]:51823',
    ]);
  });

  it('keeps ports within 1–65535 and removes duplicates across candidates', () => {
    expect(expandCandidatePorts(['1.2.3.4:1'])).toEqual(['1.2.3.4:1', '1.2.3.4:2', '1.2.3.4:3']);
    expect(expandCandidatePorts(['1.2.3.4:2'])).toEqual(['1.2.3.4:2', '1.2.3.4:1', '1.2.3.4:3', '1.2.3.4:4']);
    expect(expandCandidatePorts(['1.2.3.4:65535'])).toEqual(['1.2.3.4:65535', '1.2.3.4:65534', '1.2.3.4:65533']);
    expect(expandCandidatePorts(['1.2.3.4:100', '1.2.3.4:101'])).toEqual([
      '1.2.3.4:100', '1.2.3.4:99', '1.2.3.4:101', '1.2.3.4:98', '1.2.3.4:102', '1.2.3.4:103',
    ]);
    expect(expandCandidatePorts(['junk', '1.2.3.4:0'])).toEqual([]);
  });

  it('normalises, drops wildcards and filters IPv6 when IPv6 is off', () => {
    const list = ['0.0.0.0:5', '[::ffff:198.51.100.7]:7000', '[2001:db8::1]:7000', '198.51.100.7:7000'];
    expect(introducerCandidates(list, { noIpv6: true })).toEqual([
      '198.51.100.7:7000', '198.51.100.7:6999', '198.51.100.7:7001', '198.51.100.7:6998', '198.51.100.7:7002',
    ]);
    expect(introducerCandidates(list)).toHaveLength(10);
  });
});

describe('isLikelyPublicEndpoint and controlEndpointFrom', () => {
  it('accepts global addresses and DNS names only', () => {
    for (const ep of ['203.0.113.1:1', '[2a01:4f9::1]:1', 'relay.example.com:51821']) expect(isLikelyPublicEndpoint(ep)).toBe(true);
    for (const ep of ['10.0.0.1:1', '192.168.1.1:1', '127.0.0.1:1', '169.254.1.1:1', '0.0.0.0:1', '[fe80::1]:1', '[fd00::1]:1', '[::1]:1', '224.0.0.1:1', 'x', '']) {
      expect(isLikelyPublicEndpoint(ep)).toBe(false);
    }
  });

  it('puts the control port on the endpoint host', () => {
    expect(controlEndpointFrom('203.0.113.1:51820', 41000)).toBe('203.0.113.1:41000');
    expect(controlEndpointFrom('[2001:db8::1]:51820', 41000)).toBe('[2001:db8::1]:41000');
    expect(controlEndpointFrom('0.0.0.0:51820', 41000)).toBe('');
    expect(controlEndpointFrom('', 41000)).toBe('');
  });
});

describe('selectIntroducers', () => {
  const own = 'own'.padEnd(43, 'A') + '=';
  const target = 'tgt'.padEnd(43, 'A') + '=';
  const now = 1_800_000_000_000;
  const peer = (publicKey: string, over: Partial<IntroducerPeer> = {}): IntroducerPeer => ({
    publicKey, endpoint: `203.0.113.${publicKey.charCodeAt(0) % 200}:51820`, introducer: true, discoveredVia: ['dht'], lastSeen: now, ...over,
  });
  const q = { ownKey: own, targetKey: target, nowMs: now, gossipPort: 41000, handshakeAt: () => 0 };

  it('sorts explicit first, then by key, and starts at pairSeed mod n', () => {
    const auto = peer('a-auto', { introducer: false, controlEndpoint: '203.0.113.50:41000' });
    const list = ['e', 'c', 'b', 'd'].map((k) => peer(k)).concat(auto);
    const sorted = ['b', 'c', 'd', 'e', 'a-auto'];
    const hs = (k: string) => (k === 'a-auto' ? now - 1000 : 0);
    const got = selectIntroducers(list, { ...q, handshakeAt: hs }).map((i) => i.publicKey);
    const start = Number(pairSeed(own, target) % 5n);
    expect(got).toEqual([0, 1, 2].map((i) => sorted[(start + i) % 5]));
  });

  it('takes at most three, wrapping around', () => {
    expect(selectIntroducers(['p', 'q', 'r', 's', 't', 'u'].map((k) => peer(k)), q)).toHaveLength(3);
    expect(selectIntroducers([peer('p'), peer('q')], q).map((i) => i.publicKey).sort()).toEqual(['p', 'q']);
  });

  it('skips self, the target, non-DHT, private and non-introducer peers', () => {
    const list = [
      peer(own), peer(target), peer('lan', { discoveredVia: ['lan'] }), peer('priv', { endpoint: '192.168.1.5:51820' }),
      peer('plain', { introducer: false }), // no control endpoint recorded, no handshake
      peer('stale', { introducer: false, controlEndpoint: '203.0.113.9:41000', lastSeen: now - 121_000 }),
      peer('ok', { discoveredVia: ['lan', 'dht-transitive'] }),
    ];
    const got = selectIntroducers(list, { ...q, handshakeAt: () => now });
    expect(got).toEqual([{ publicKey: 'ok', endpoint: list[6]!.endpoint, controlEndpoint: `${list[6]!.endpoint.split(':')[0]}:41000` }]);
  });

  it('uses the recorded control endpoint and honours the IPv6 setting', () => {
    const v6 = peer('v6', { endpoint: '[2a01:4f9::1]:51820' });
    const rec = peer('rec', { controlEndpoint: '203.0.113.77:40001' });
    expect(selectIntroducers([v6, rec], { ...q, noIpv6: true }).map((i) => i.controlEndpoint)).toEqual(['203.0.113.77:40001']);
    expect(selectIntroducers([v6], q)[0]!.controlEndpoint).toBe('[2a01:4f9::1]:41000');
  });
});

describe('PunchBackoff', () => {
  it('waits 3, 6, 12, 24, 30, 30 s after consecutive failures; success clears', () => {
    const b = new PunchBackoff();
    let t = 0;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      b.record('k', false, t);
      waits.push(b.durationOf('k'));
      expect(b.canAttempt('k', t + b.durationOf('k') - 1)).toBe(false);
      t += b.durationOf('k');
      expect(b.canAttempt('k', t)).toBe(true);
    }
    expect(waits).toEqual([3000, 6000, 12_000, 24_000, 30_000, 30_000]);
    b.record('k', true, t);
    expect(b.canAttempt('k', t)).toBe(true);
    b.record('k', false, t);
    expect(b.durationOf('k')).toBe(3000);
  });
});

describe('Throttle', () => {
  it('allows a key once per interval, and is bounded', () => {
    const th = new Throttle(2);
    expect(th.mark('a', 20_000, 0)).toBe(true);
    expect(th.mark('a', 20_000, 19_999)).toBe(false);
    expect(th.mark('a', 20_000, 20_000)).toBe(true);
    th.mark('b', 20_000, 20_000);
    th.mark('c', 20_000, 20_000); // evicts a
    expect(th.mark('a', 20_000, 20_001)).toBe(true);
  });
});
