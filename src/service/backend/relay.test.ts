// Go's relay decision, relay choice and hysteresis (spec 3.15), row by row from spec 6.1.8.
import { describe, expect, it } from 'vitest';
import { parseMeshSubnet } from '../../shared/mesh/address';
import { silentLogger } from '../log';
import type { PeerRecord } from './peer-store';
import {
  endpointOnAnyLocalSubnet, relayCandidates, RelayTracker, selectRelayForPeer, shouldRelay,
  type RelayDecisionInput, type RelayPeer,
} from './relay';
import { RelayRouting } from './relay-routing';

const NOW = 1_800_000_000_000;
const relay1: RelayPeer = { publicKey: 'relay1', endpoint: '1.2.3.4:51820', introducer: true, natType: '', lastSeen: NOW, discoveredVia: ['dht'] };

function peer(over: Partial<RelayPeer> = {}): RelayPeer {
  return { publicKey: 'peer1', endpoint: '', introducer: false, natType: '', lastSeen: NOW, discoveredVia: [], ...over };
}

/** shouldRelay with relay1 as the only candidate unless told otherwise. */
function decide(local: Partial<RelayDecisionInput> & { subnets?: string[] }, p: RelayPeer): boolean {
  const { subnets = [], ...rest } = local;
  return shouldRelay(p, {
    localIntroducer: false, forceRelay: false, ipv6: true, localNatType: '', candidates: 1,
    handshakeMs: undefined, now: NOW, localSubnets: () => subnets, ...rest,
  });
}

describe('shouldRelay (spec 6.1.8)', () => {
  it('an introducer never relays', () => {
    expect(decide({ localIntroducer: true, localNatType: 'symmetric' }, peer({ natType: 'symmetric' }))).toBe(false);
  });

  it('never relays to an introducer', () => {
    expect(decide({ localNatType: 'symmetric' }, peer({ introducer: true, natType: 'cone' }))).toBe(false);
  });

  it('symmetric/symmetric without candidates stays direct', () => {
    expect(decide({ localNatType: 'symmetric', candidates: 0 }, peer({ natType: 'symmetric' }))).toBe(false);
  });

  it('symmetric/symmetric with a candidate relays', () => {
    expect(decide({ localNatType: 'symmetric' }, peer({ natType: 'symmetric' }))).toBe(true);
  });

  it.each([['cone', 'cone'], ['cone', 'symmetric'], ['symmetric', 'cone'], ['unknown', 'unknown'], ['cone', 'unknown']])(
    'local %s, peer %s, no handshake: direct', (local, remote) => {
      expect(decide({ localNatType: local }, peer({ natType: remote }))).toBe(false);
    });

  it('a handshake 5 min old relays (symmetric and cone alike)', () => {
    const handshakeMs = NOW - 5 * 60_000;
    expect(decide({ localNatType: 'symmetric', handshakeMs }, peer({ natType: 'symmetric' }))).toBe(true);
    expect(decide({ localNatType: 'cone', handshakeMs }, peer({ natType: 'cone' }))).toBe(true);
  });

  it('a handshake 30 s old keeps symmetric/symmetric direct', () => {
    expect(decide({ localNatType: 'symmetric', handshakeMs: NOW - 30_000 }, peer({ natType: 'symmetric' }))).toBe(false);
  });

  it('the handshake boundary is 150 s', () => {
    expect(decide({ handshakeMs: NOW - 149_999 }, peer())).toBe(false);
    expect(decide({ handshakeMs: NOW - 150_000 }, peer())).toBe(true);
  });

  it('a dht-transitive peer without a handshake relays; a stale handshake relays too', () => {
    const transitive = peer({ natType: 'cone', discoveredVia: ['dht-transitive', 'dht'] });
    expect(decide({ localNatType: 'cone', handshakeMs: 0 }, transitive)).toBe(true);
    expect(decide({ localNatType: 'cone', handshakeMs: NOW - 5 * 60_000 }, transitive)).toBe(true);
  });

  it('cone/cone with a zero handshake entry stays direct', () => {
    expect(decide({ localNatType: 'cone', handshakeMs: 0 }, peer({ natType: 'cone' }))).toBe(false);
  });

  it('a peer on a local subnet stays direct', () => {
    const p = peer({ natType: 'symmetric', endpoint: '192.168.10.55:51820' });
    expect(decide({ localNatType: 'symmetric', subnets: ['192.168.10.0/24'] }, p)).toBe(false);
    expect(decide({ localNatType: 'symmetric', subnets: ['192.168.11.0/24'] }, p)).toBe(true);
  });

  it('--force-relay relays even with a fresh handshake', () => {
    const p = peer({ natType: 'cone', endpoint: '203.0.113.10:51820' });
    expect(decide({ forceRelay: true, localNatType: 'cone', handshakeMs: NOW }, p)).toBe(true);
    expect(decide({ forceRelay: true, candidates: 0 }, p)).toBe(false);
  });

  it('--force-relay still prefers a local-subnet peer', () => {
    const p = peer({ natType: 'symmetric', endpoint: '192.168.10.55:51820' });
    expect(decide({ forceRelay: true, localNatType: 'symmetric', subnets: ['192.168.10.0/24'] }, p)).toBe(false);
  });

  it('a LAN-discovered peer is never relayed, even with --force-relay', () => {
    expect(decide({ forceRelay: true }, peer({ discoveredVia: ['dht', 'lan'], endpoint: '203.0.113.10:51820' }))).toBe(false);
  });

  it('an IPv6 endpoint stays direct unless IPv6 is off', () => {
    const p = peer({ natType: 'symmetric', endpoint: '[2001:db8::10]:51820' });
    expect(decide({ localNatType: 'symmetric' }, p)).toBe(false);
    expect(decide({ localNatType: 'symmetric', ipv6: false }, p)).toBe(true);
  });

  it('reads the local subnets only when rules 1-3 did not decide', () => {
    let calls = 0;
    shouldRelay(peer({ introducer: true }), {
      localIntroducer: false, forceRelay: false, ipv6: true, localNatType: '', candidates: 1, handshakeMs: undefined, now: NOW,
      localSubnets: () => { calls++; return []; },
    });
    expect(calls).toBe(0);
  });
});

describe('endpointOnAnyLocalSubnet (spec 6.1.8)', () => {
  const subnets = ['10.0.0.0/24', '192.168.1.0/24'];
  it.each([
    ['10.0.0.42:51820', true], ['192.168.1.99:51820', true], ['172.16.1.7:51820', false],
    ['peer.local:51820', false], ['bad-endpoint', false], ['', false], ['[2001:db8::1]:51820', false],
  ])('%s → %s', (ep, want) => {
    expect(endpointOnAnyLocalSubnet(ep, subnets)).toBe(want);
  });

  it('matches IPv6 subnets and IPv4-mapped hosts', () => {
    expect(endpointOnAnyLocalSubnet('[2001:db8::1]:51820', ['2001:db8::/64'])).toBe(true);
    expect(endpointOnAnyLocalSubnet('[::ffff:10.0.0.7]:51820', subnets)).toBe(true);
  });
});

describe('relay candidates and choice', () => {
  it('needs introducer, an endpoint, 90 s freshness and not offline', () => {
    const list = [
      relay1,
      { ...relay1, publicKey: 'no-endpoint', endpoint: '' },
      { ...relay1, publicKey: 'not-introducer', introducer: false },
      { ...relay1, publicKey: 'stale', lastSeen: NOW - 90_000 },
      { ...relay1, publicKey: 'fresh-enough', lastSeen: NOW - 89_999 },
      { ...relay1, publicKey: 'offline' },
    ];
    expect(relayCandidates(list, NOW, (k) => k === 'offline').map((c) => c.publicKey)).toEqual(['relay1', 'fresh-enough']);
  });

  // Spec 6.3.4: relay hash K0→K1 mod 2 = 1, mod 3 = 0; K1→K0 mod 2 = 1, mod 3 = 2.
  const K0 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  const K1 = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';
  const c = (k: string) => ({ publicKey: k, endpoint: '1.2.3.4:51820' });

  it('sorts by key and indexes with the asymmetric hash', () => {
    const three = [c('C'), c('A'), c('B')];
    expect(selectRelayForPeer(K0, K1, three)?.publicKey).toBe('A');
    expect(selectRelayForPeer(K1, K0, three)?.publicKey).toBe('C');
    expect(selectRelayForPeer(K0, K1, [c('B'), c('A')])?.publicKey).toBe('B');
    expect(selectRelayForPeer(K1, K0, [c('B'), c('A')])?.publicKey).toBe('B');
  });

  it('skips candidates without key or endpoint; none → undefined', () => {
    expect(selectRelayForPeer(K0, K1, [c(''), { publicKey: 'X', endpoint: '' }])).toBeUndefined();
    expect(selectRelayForPeer(K0, K1, [c(''), c('Z')])?.publicKey).toBe('Z');
    expect(selectRelayForPeer(K0, K1, [])).toBeUndefined();
  });
});

describe('RelayTracker hysteresis (spec 3.15, 7.4 item 22)', () => {
  it('a relayed peer stays relayed until 3 consecutive "no" cycles', () => {
    const t = new RelayTracker();
    let now = NOW;
    const step = (relay: boolean) => { const r = t.update(new Map([['p', relay]]), now); now += 5000; return r.has('p'); };
    expect(step(false)).toBe(false);
    expect(step(true)).toBe(true);
    expect(step(false)).toBe(true); // one fresh handshake: still relayed
    expect(step(false)).toBe(true);
    expect(step(true)).toBe(true); // the streak restarts
    expect(step(false)).toBe(true);
    expect(step(false)).toBe(true);
    expect(step(false)).toBe(false); // third consecutive "no"
    expect(step(false)).toBe(false);
  });

  it('counts at most one cycle per 5 s (event-driven reconciles)', () => {
    const t = new RelayTracker();
    t.update(new Map([['p', true]]), NOW);
    for (let i = 1; i <= 20; i++) expect(t.update(new Map([['p', false]]), NOW + i * 100).has('p')).toBe(true);
    expect(t.update(new Map([['p', false]]), NOW + 5000).has('p')).toBe(true);
    expect(t.update(new Map([['p', false]]), NOW + 10_000).has('p')).toBe(true);
    expect(t.update(new Map([['p', false]]), NOW + 15_000).has('p')).toBe(false);
  });

  it('forgets peers that are no longer evaluated', () => {
    const t = new RelayTracker();
    t.update(new Map([['p', true]]), NOW);
    t.update(new Map(), NOW + 5000);
    expect(t.update(new Map([['p', false]]), NOW + 10_000).has('p')).toBe(false);
  });
});

describe('RelayRouting (spec 6.1.8 --force-relay row)', () => {
  const record = (over: Partial<PeerRecord>): PeerRecord => ({
    publicKey: '', hostname: '', meshIp: '', meshIpv6: '', endpoint: '', endpointMethod: 'dht', introducer: false,
    routableNetworks: [], natType: '', lastSeen: NOW, discoveredVia: ['dht'], ...over,
  });

  it('relays the gossip peer through the introducer, whose entry carries its /32', () => {
    const routing = new RelayRouting({
      identity: { publicKey: 'local-pubkey' }, subnet: parseMeshSubnet('10.250.0.0/16'), logger: silentLogger,
      discovery: { introducer: false, forceRelay: true, ipv6: true }, localSubnets: () => [],
    });
    const intro = record({ publicKey: 'intro-pubkey', meshIp: '10.250.0.1', endpoint: '198.51.100.1:51820', introducer: true });
    const nodeb = record({ publicKey: 'nodeb-pubkey', meshIp: '10.250.0.3', meshIpv6: 'fd00::3', endpoint: '203.0.113.3:51820', discoveredVia: ['gossip'] });
    routing.update([intro, nodeb], undefined, NOW, () => true);
    expect(routing.relayOf('nodeb-pubkey')?.publicKey).toBe('intro-pubkey');
    expect(routing.relayOf('intro-pubkey')).toBeUndefined();
    expect(routing.carriedBy('intro-pubkey')).toEqual(['10.250.0.3/32', 'fd00::3/128']);
    // A relay without an entry of its own cannot carry anyone: the peer stays direct.
    routing.update([intro, nodeb], undefined, NOW + 5000, () => false);
    expect(routing.relayOf('nodeb-pubkey')).toBeUndefined();
  });
});
