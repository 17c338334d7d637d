// The punch initiator (spec 3.7): skips, offers via introducers with the 20 s throttle, direct punch, backoff, triggers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '../engine/wireguard/keys';
import { decodeRendezvousOffer, encodeRendezvousStart } from '../mesh/messages';
import { pairId, rendezvousWindowOpen } from '../mesh/pair';
import { PUNCH_THROTTLE_MS, TRIGGER_DEBOUNCE_MS } from './punch';
import { announcementOf, FakeTraversal, payloadOf } from './traversal-fake';

const P = generateKeyPair().publicKey;

function withPeer(f: FakeTraversal, endpoint = '203.0.113.20:51820'): void {
  f.store.update({ publicKey: P, meshIp: '10.0.2.2', endpoint }, 'dht');
}

function addIntroducer(f: FakeTraversal, n: number): string {
  const key = generateKeyPair().publicKey;
  f.store.update({ publicKey: key, meshIp: `10.0.3.${n}`, endpoint: `198.51.100.${n}:51820`, introducer: true }, 'dht');
  return key;
}

describe('PunchInitiator.attempt', () => {
  afterEach(() => vi.useRealTimers());

  it('skips peers with a handshake younger than 2 minutes', async () => {
    const f = new FakeTraversal();
    withPeer(f);
    f.handshakes.set(P, f.clock.now() - 119_000);
    expect(await f.nat.initiator.attempt(P)).toBe('skipped');
    expect(f.exchanges).toEqual([]);
  });

  it('punches directly to endpoint host + G and, on a new handshake, records the control endpoint', async () => {
    const f = new FakeTraversal();
    withPeer(f);
    const control = `203.0.113.20:${f.keys.gossipPort}`;
    f.replies.set(control, announcementOf(P, { meshIp: '10.0.2.2', wgEndpoint: '203.0.113.20:51820' }));
    f.onRefresh = () => { if (f.punchReplies.length) f.handshakes.set(P, f.clock.now()); };
    expect(await f.nat.initiator.attempt(P)).toBe('punched');
    expect(f.exchanges).toEqual([control]);
    expect(f.store.get(P)!.controlEndpoint).toBe(control);
    expect(f.store.get(P)!.discoveredVia).toContain('dht-transitive');
    expect(f.nat.initiator.backoff.durationOf(P)).toBe(0);
    expect(f.traversal).toEqual([['direct', 'attempt'], ['direct', 'success']]);
  });

  it('backs off 3, 6, 12 s after failures (the direct punch itself at most every 20 s); success clears', async () => {
    const f = new FakeTraversal();
    withPeer(f);
    expect(await f.nat.initiator.attempt(P)).toBe('failed'); // no REPLY in 4 s
    expect(f.nat.initiator.backoff.durationOf(P)).toBe(3000);
    f.clock.advance(2999);
    expect(await f.nat.initiator.attempt(P)).toBe('skipped');
    f.clock.advance(1);
    expect(await f.nat.initiator.attempt(P)).toBe('throttled'); // backoff over, 20 s throttle not
    for (const want of [6000, 12_000]) {
      f.clock.advance(PUNCH_THROTTLE_MS);
      expect(await f.nat.initiator.attempt(P)).toBe('failed');
      expect(f.nat.initiator.backoff.durationOf(P)).toBe(want);
    }
    f.clock.advance(PUNCH_THROTTLE_MS);
    f.replies.set(`203.0.113.20:${f.keys.gossipPort}`, announcementOf(P));
    f.onRefresh = () => f.handshakes.set(P, f.clock.now());
    expect(await f.nat.initiator.attempt(P)).toBe('punched');
    expect(f.nat.initiator.backoff.durationOf(P)).toBe(0);
  });

  it('counts a REPLY from another key, or no handshake, as a failure', async () => {
    const f = new FakeTraversal();
    withPeer(f);
    f.replies.set(`203.0.113.20:${f.keys.gossipPort}`, announcementOf(generateKeyPair().publicKey));
    expect(await f.nat.initiator.attempt(P)).toBe('failed');
    expect(f.punchReplies).toEqual([]);
  });

  it('sends offers to up to three introducers, each at most every 20 s, and does not punch directly', async () => {
    const f = new FakeTraversal();
    withPeer(f);
    for (let i = 1; i <= 4; i++) addIntroducer(f, i);
    expect(await f.nat.initiator.attempt(P)).toBe('offered');
    const offers = f.sentOf('RENDEZVOUS_OFFER');
    expect(offers).toHaveLength(3);
    expect(new Set(offers.map((o) => o.to.port))).toEqual(new Set([f.keys.gossipPort]));
    expect(decodeRendezvousOffer(offers[0]!.payload)).toMatchObject({ fromPubkey: f.ownKey, targetPubkey: P, pairId: pairId(f.ownKey, P), candidates: [] });
    expect(f.exchanges).toEqual([]);
    f.clock.advance(PUNCH_THROTTLE_MS - 1);
    expect(await f.nat.initiator.attempt(P)).toBe('throttled');
    f.clock.advance(1);
    expect(await f.nat.initiator.attempt(P)).toBe('offered');
    expect(f.sentOf('RENDEZVOUS_OFFER')).toHaveLength(6);
    expect(f.nat.initiator.backoff.durationOf(P)).toBe(0);
  });

  it('leaves a peer alone while a rendezvous job punches toward it', async () => {
    const f = new FakeTraversal();
    withPeer(f);
    const job = f.nat.participant.onStart(payloadOf(encodeRendezvousStart({
      timestamp: 1_800_000_000, pairId: pairId(f.ownKey, P), peerPubkey: P, peerCandidates: ['203.0.113.20:41000'], startAtUnixMs: 0, introducerKey: '',
    })), { ip: '192.0.2.1', port: 1 });
    expect(await f.nat.initiator.attempt(P)).toBe('skipped');
    await job;
    expect(await f.nat.initiator.attempt(P)).toBe('failed');
  });

  it('does nothing for a peer without endpoint and without introducers', async () => {
    const f = new FakeTraversal();
    f.store.update({ publicKey: P, meshIp: '10.0.2.2' }, 'dht-transitive');
    expect(await f.nat.initiator.attempt(P)).toBe('skipped');
    expect(f.sent).toEqual([]);
    expect(f.exchanges).toEqual([]);
  });
});

describe('PunchInitiator triggers', () => {
  afterEach(() => vi.useRealTimers());

  it('reacts to store events after the debounce, except for recent rendezvous peers', async () => {
    vi.useFakeTimers();
    const f = new FakeTraversal();
    f.nat.start();
    withPeer(f);
    const R = generateKeyPair().publicKey;
    f.store.update({ publicKey: R, meshIp: '10.0.2.3', endpoint: '203.0.113.30:51820' }, 'dht-rendezvous');
    expect(f.exchanges).toEqual([]);
    await vi.advanceTimersByTimeAsync(TRIGGER_DEBOUNCE_MS);
    expect(f.exchanges).toEqual([`203.0.113.20:${f.keys.gossipPort}`]);
    f.nat.stop();
  });

  it('starts nothing with punching off', async () => {
    vi.useFakeTimers();
    const f = new FakeTraversal({ punching: false });
    f.nat.start();
    withPeer(f);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(f.exchanges).toEqual([]);
    f.nat.stop();
  });

  it('the 10 s tick tries peers inside their rendezvous window only', async () => {
    const f = new FakeTraversal();
    withPeer(f);
    f.nat.initiator.start();
    const base = Math.floor(f.clock.now() / 1000);
    const open = [...Array(20).keys()].find((i) => rendezvousWindowOpen(f.ownKey, P, base + i))!;
    const closed = [...Array(20).keys()].find((i) => !rendezvousWindowOpen(f.ownKey, P, base + i))!;
    f.clock.set((base + closed) * 1000);
    f.nat.initiator.windowTick();
    await new Promise((r) => setTimeout(r, 10));
    expect(f.exchanges).toEqual([]);
    f.clock.set((base + open) * 1000);
    f.nat.initiator.windowTick();
    await vi.waitFor(() => expect(f.exchanges).toHaveLength(1));
    f.nat.stop();
  });
});
