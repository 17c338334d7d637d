// The introducer (spec 3.8): sessions per pair, synthesised offers, START to both sides, cooldown, GC, drops.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Source } from '../discovery/exchange';
import { generateKeyPair } from '../engine/wireguard/keys';
import { decodeRendezvousStart, encodeRendezvousOffer, type RendezvousOffer } from '../mesh/messages';
import { pairId } from '../mesh/pair';
import { MAX_SESSIONS, START_COOLDOWN_MS } from './rendezvous-introducer';
import { FakeTraversal, payloadOf } from './traversal-fake';

const A = generateKeyPair().publicKey;
const B = generateKeyPair().publicKey;
const srcA: Source = { ip: '198.51.100.10', port: 40000 };
const srcB: Source = { ip: '203.0.113.20', port: 50000 };
const spread = (host: string, p: number) => [p, p - 1, p + 1, p - 2, p + 2].map((q) => `${host}:${q}`);

function offer(from: string, target: string, over: Partial<RendezvousOffer> = {}): Record<string, unknown> {
  return payloadOf(encodeRendezvousOffer({
    timestamp: 1_800_000_000, fromPubkey: from, targetPubkey: target, pairId: pairId(from, target), candidates: [],
    observedAddr: '', introducerKey: '', ...over,
  }));
}

describe('RendezvousIntroducer', () => {
  it('waits for both sides, then sends START to each with the other side\'s key and candidates', () => {
    const f = new FakeTraversal();
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B), srcA);
    expect(f.sent).toEqual([]);
    expect(f.nat.introducer.sessionCount).toBe(1);
    f.clock.advance(1000);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(B, A, { candidates: ['192.0.2.7:41000'] }), srcB);
    const starts = f.sentOf('RENDEZVOUS_START');
    expect(starts.map((s) => s.to)).toEqual([srcB, srcA]);
    const [toB, toA] = starts.map((s) => decodeRendezvousStart(s.payload));
    const startAt = f.clock.now() + 1800;
    expect(toB).toMatchObject({ pairId: pairId(A, B), peerPubkey: A, peerCandidates: spread('198.51.100.10', 40000), startAtUnixMs: startAt, introducerKey: f.ownKey });
    expect(toA).toMatchObject({ pairId: pairId(A, B), peerPubkey: B, startAtUnixMs: startAt, introducerKey: f.ownKey });
    expect(toA!.peerCandidates).toEqual([...spread('192.0.2.7', 41000), ...spread('203.0.113.20', 50000)]);
    expect(f.nat.introducer.sessionCount).toBe(0);
  });

  it('synthesises the target from the store (endpoint host + G) and honours the 8 s START cooldown', () => {
    const f = new FakeTraversal();
    const G = f.keys.gossipPort;
    f.store.update({ publicKey: B, meshIp: '10.0.2.2', endpoint: '203.0.113.20:51820' }, 'dht');
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B), srcA);
    const starts = f.sentOf('RENDEZVOUS_START');
    expect(starts.map((s) => s.to)).toEqual([srcA, { ip: '203.0.113.20', port: G }]);
    expect(decodeRendezvousStart(starts[0]!.payload).peerCandidates).toEqual(spread('203.0.113.20', G));
    expect(decodeRendezvousStart(starts[1]!.payload).peerPubkey).toBe(A);
    f.clock.advance(START_COOLDOWN_MS - 1);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B), srcA);
    expect(f.sentOf('RENDEZVOUS_START')).toHaveLength(2);
    f.clock.advance(1);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B), srcA);
    expect(f.sentOf('RENDEZVOUS_START')).toHaveLength(4);
  });

  it('garbage-collects a session after 20 s', () => {
    const f = new FakeTraversal();
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B), srcA);
    f.clock.advance(20_001);
    const C = generateKeyPair().publicKey;
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(C, A), srcB); // any offer runs the GC
    expect(f.nat.introducer.sessionCount).toBe(1);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(B, A), srcB); // A's old offer is gone: no START
    expect(f.sent).toEqual([]);
  });

  it('drops offers with empty or own keys, a wrong pair_id, or when not serving', () => {
    const f = new FakeTraversal();
    f.store.update({ publicKey: B, meshIp: '10.0.2.2', endpoint: '203.0.113.20:51820' }, 'dht');
    f.nat.onMessage('RENDEZVOUS_OFFER', offer('', B), srcA);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(f.ownKey, B), srcA);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, f.ownKey), srcA);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B, { pairId: 'ffffffffffffffff' }), srcA);
    f.nat.onMessage('RENDEZVOUS_OFFER', { from_pubkey: 5 }, srcA);
    expect(f.sent).toEqual([]);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B, { pairId: '' }), srcA); // empty pair_id is accepted
    expect(f.sentOf('RENDEZVOUS_START')).toHaveLength(2);
    for (const settings of [{ introducer: false }, { punching: false }]) {
      const g = new FakeTraversal(settings);
      g.store.update({ publicKey: B, meshIp: '10.0.2.2', endpoint: '203.0.113.20:51820' }, 'dht');
      g.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B), srcA);
      expect(g.sent).toEqual([]);
    }
  });

  it('keeps at most MAX_SESSIONS sessions and at most 2 requester candidates', () => {
    const f = new FakeTraversal();
    for (let i = 0; i < MAX_SESSIONS + 5; i++) f.nat.onMessage('RENDEZVOUS_OFFER', offer(randomBytes(32).toString('base64'), B), srcA);
    expect(f.nat.introducer.sessionCount).toBe(MAX_SESSIONS);
    const g = new FakeTraversal();
    g.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B, { candidates: ['192.0.2.1:1000', '192.0.2.2:1000', '192.0.2.3:1000'] }), srcA);
    g.nat.onMessage('RENDEZVOUS_OFFER', offer(B, A), srcB);
    const toB = decodeRendezvousStart(g.sentOf('RENDEZVOUS_START')[0]!.payload);
    expect(toB.peerCandidates).toEqual([...spread('192.0.2.1', 1000), ...spread('192.0.2.2', 1000), ...spread('198.51.100.10', 40000)]);
  });

  it('filters IPv6 candidates when IPv6 is off', () => {
    const f = new FakeTraversal({ ipv6: false });
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(A, B, { candidates: ['[2001:db8::1]:1000'] }), srcA);
    f.nat.onMessage('RENDEZVOUS_OFFER', offer(B, A), srcB);
    expect(decodeRendezvousStart(f.sentOf('RENDEZVOUS_START')[0]!.payload).peerCandidates).toEqual(spread('198.51.100.10', 40000));
  });
});
