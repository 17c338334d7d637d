// The rendezvous participant (spec 3.9): validation, cooldown, start time, candidates in order, handshake wait.
import { describe, expect, it } from 'vitest';
import type { Source } from '../discovery/exchange';
import { generateKeyPair } from '../engine/wireguard/keys';
import { encodeRendezvousStart, type RendezvousStart } from '../mesh/messages';
import { pairId } from '../mesh/pair';
import { MAX_CANDIDATES, MAX_JOBS, MAX_START_DELAY_MS, PUNCH_COOLDOWN_MS } from './rendezvous-participant';
import { announcementOf, FakeTraversal, payloadOf } from './traversal-fake';

const P = generateKeyPair().publicKey;
const intro: Source = { ip: '192.0.2.1', port: 41000 };

function start(f: FakeTraversal, over: Partial<RendezvousStart> = {}, peer = P): Record<string, unknown> {
  return payloadOf(encodeRendezvousStart({
    timestamp: 1_800_000_000, pairId: pairId(f.ownKey, peer), peerPubkey: peer, peerCandidates: ['203.0.113.20:41000', '203.0.113.20:40999'],
    startAtUnixMs: f.clock.now() + 1800, introducerKey: 'x', ...over,
  }));
}

describe('RendezvousParticipant', () => {
  it('drops STARTs for another pair, without a peer or candidates, for itself, or with punching off', () => {
    const f = new FakeTraversal();
    const p = f.nat.participant;
    expect(p.onStart(start(f, { pairId: 'ffffffffffffffff' }), intro)).toBeUndefined();
    expect(p.onStart(start(f, { pairId: '' }), intro)).toBeUndefined();
    expect(p.onStart(start(f, { peerPubkey: '' }), intro)).toBeUndefined();
    expect(p.onStart(start(f, {}, f.ownKey), intro)).toBeUndefined();
    expect(p.onStart(start(f, { peerCandidates: ['0.0.0.0:41000', 'junk', 'name.example:41000'] }), intro)).toBeUndefined();
    expect(p.onStart({ peer_pubkey: 7 }, intro)).toBeUndefined();
    const off = new FakeTraversal({ punching: false });
    expect(off.nat.participant.onStart(start(off), intro)).toBeUndefined();
  });

  it('waits until start_at, tries candidates in order, skips other keys, and stores a success as dht-rendezvous', async () => {
    const f = new FakeTraversal();
    const other = generateKeyPair().publicKey;
    f.replies.set('203.0.113.20:41000', announcementOf(other));
    f.replies.set('203.0.113.20:40999', announcementOf(P, { meshIp: '10.0.2.2', wgEndpoint: '0.0.0.0:51820' }));
    f.handshakes.set(P, f.clock.now() - 600_000); // an old handshake is the baseline
    f.onRefresh = () => { if (f.punchReplies.length > 0) f.handshakes.set(P, f.clock.now()); };
    const t0 = f.clock.now();
    expect(await f.nat.participant.onStart(start(f), intro)).toBe(true);
    expect(f.exchanges).toEqual(['203.0.113.20:41000', '203.0.113.20:40999']);
    expect(f.exchangeTimes[0]).toBe(t0 + 1800);
    expect(f.punchReplies).toEqual([P]);
    const rec = f.store.get(P)!;
    expect(rec.discoveredVia).toEqual(['dht-rendezvous']);
    expect(rec.endpoint).toBe('203.0.113.20:51820');
    expect(rec.endpointMethod).toBe('dht-rendezvous');
    expect(f.traversal).toEqual([['rendezvous', 'attempt'], ['rendezvous', 'success']]);
  });

  it('moves on after 10 s without a handshake and fails when no candidate works', async () => {
    const f = new FakeTraversal();
    f.replies.set('203.0.113.20:41000', announcementOf(P));
    const t0 = f.clock.now();
    expect(await f.nat.participant.onStart(start(f, { startAtUnixMs: 0 }), intro)).toBe(false);
    expect(f.exchangeTimes[0]).toBe(t0 + 100); // no start time: 100 ms from now
    expect(f.exchangeTimes[1]! - f.exchangeTimes[0]!).toBeGreaterThanOrEqual(10_000);
    expect(f.exchangeTimes[1]! - f.exchangeTimes[0]!).toBeLessThan(10_500);
    expect(f.store.get(P)).toBeUndefined();
  });

  it('caps the start delay and the number of candidates', async () => {
    const f = new FakeTraversal();
    const t0 = f.clock.now();
    const many = Array.from({ length: 40 }, (_, i) => `203.0.113.${i + 1}:41000`);
    expect(await f.nat.participant.onStart(start(f, { startAtUnixMs: t0 + 3_600_000, peerCandidates: many }), intro)).toBe(false);
    expect(f.exchangeTimes[0]).toBe(t0 + MAX_START_DELAY_MS);
    expect(f.exchanges).toEqual(many.slice(0, MAX_CANDIDATES));
  });

  it('ignores a START for the same pair within 6 s of its job starting or ending', async () => {
    const f = new FakeTraversal();
    const job = f.nat.participant.onStart(start(f, { peerCandidates: ['203.0.113.20:41000'] }), intro);
    expect(job).toBeDefined();
    expect(f.nat.participant.onStart(start(f), intro)).toBeUndefined(); // running
    await job;
    f.clock.advance(PUNCH_COOLDOWN_MS - 1);
    expect(f.nat.participant.onStart(start(f), intro)).toBeUndefined();
    f.clock.advance(1);
    expect(f.nat.participant.onStart(start(f), intro)).toBeDefined();
  });

  it('runs at most MAX_JOBS jobs at once', () => {
    const f = new FakeTraversal();
    const jobs = Array.from({ length: MAX_JOBS + 1 }, () => {
      const peer = generateKeyPair().publicKey;
      return f.nat.participant.onStart(start(f, {}, peer), intro);
    });
    expect(jobs.filter((j) => j !== undefined)).toHaveLength(MAX_JOBS);
    expect(f.nat.participant.running).toBe(MAX_JOBS);
  });
});
