// Fuzzing NAT traversal and gossip through the node's handlers (issue 3): RENDEZVOUS_OFFER (the
// introducer, rendezvous-introducer.ts), RENDEZVOUS_START (the participant,
// rendezvous-participant.ts) and ANNOUNCE with gossip on (gossip.ts), all dispatched by
// NatTraversal.onMessage as the control socket would, on a fake node (traversal-fake.ts: sends
// recorded, HELLO exchanges answered from a table, fake time). Payloads are built from valid
// messages and then damaged: member types and names (the edits messages.test.ts uses), keys that
// are ours or not WireGuard keys (short, long, a newline inside, non-canonical padding bits),
// pair IDs that do not match, invalid and hostile endpoints (control characters, wildcards, zones,
// mesh addresses, bad ports), candidate lists of thousands, start times far in the past and future.
// Properties: nothing throws (nor rejects later); a START goes out only for a valid offer, only to
// the two sides, with canonical candidates; a punch job starts only for a valid START, waits at
// most 10 s, and contacts only that START's usable candidates; sessions, START records, jobs and
// punch records stay bounded; no real timer is left; the store holds only valid keys other than
// ours and endpoints that pass the endpoint rules (canonical ip:port or name:port, no wildcard, no
// IPv6 with IPv6 off, no mesh address when learned by gossip); a rejected ANNOUNCE changes nothing.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { meshIPv6Network } from '../../src/shared/mesh/address';
import { cidrContains, parseCidr, parseIp, toIPv4 } from '../../src/shared/mesh/ip';
import { toBase64 } from '../../src/shared/mesh/encoding';
import { sourceKey, type Source } from '../../src/service/discovery/exchange';
import { generateKeyPair, isValidKey } from '../../src/service/engine/wireguard/keys';
import { formatHostPort, knownPeerEndpoint, parseEndpoint } from '../../src/service/mesh/endpoint';
import {
  decodeAnnouncement, decodeRendezvousOffer, decodeRendezvousStart, encodeAnnouncement, encodeRendezvousOffer, encodeRendezvousStart,
  validateAnnouncement, type KnownPeer,
} from '../../src/service/mesh/messages';
import { pairId } from '../../src/service/mesh/pair';
import { MAX_SESSIONS } from '../../src/service/backend/rendezvous-introducer';
import { MAX_CANDIDATES, MAX_JOBS, MAX_START_DELAY_MS } from '../../src/service/backend/rendezvous-participant';
import { endpointSource } from '../../src/service/backend/traversal-context';
import { announcementOf, FakeTraversal } from '../../src/service/backend/traversal-fake';
import { anyString, applyEdits, memberEdits, membersOf, type MemberEdit } from './support/arbitraries';
import { Tally, params, writeResults } from './support/fuzz';

const tallies = {
  offer: new Tally('NatTraversal.onMessage RENDEZVOUS_OFFER'),
  start: new Tally('NatTraversal.onMessage RENDEZVOUS_START'),
  announce: new Tally('NatTraversal.onMessage ANNOUNCE'),
};
const bounds: Record<string, unknown> = {};
afterAll(() => writeResults('fuzz-traversal', Object.values(tallies), { bounds, storedPeersChecked: checked }));

// ---------------------------------------------------------------------------------------------
// Keys, endpoints and sources.

const POOL = Array.from({ length: 4 }, () => generateKeyPair().publicKey);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const nonCanonical = (k: string): string => k.slice(0, 42) + ALPHABET[ALPHABET.indexOf(k[42]!) ^ 1]! + '=';
/** Keys that are not WireGuard keys (as `wg` reads them: 44 characters of canonical base64 of 32 bytes). */
const NOT_KEYS = [
  '', 'not-a-key', toBase64(new Uint8Array(31)), toBase64(new Uint8Array(33)), `${POOL[0]!.slice(0, 20)}\n${POOL[0]!.slice(20)}`,
  nonCanonical(POOL[0]!), ` ${POOL[0]!}`, POOL[0]!.slice(0, 43), 'A'.repeat(44), '\u0000'.repeat(44), `${POOL[0]!}\u001b[31m`,
];
/** A key as a token resolved against the node (its own key is only known once it exists). */
type KeyToken = { pool: number } | { own: true } | { bad: string };
const keyToken: fc.Arbitrary<KeyToken> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(POOL.length - 1).map((pool) => ({ pool })) },
  { weight: 1, arbitrary: fc.constant({ own: true as const }) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...NOT_KEYS), anyString(50)).map((bad) => ({ bad })) },
);
const keyOf = (f: FakeTraversal, t: KeyToken): string => ('pool' in t ? POOL[t.pool]! : 'own' in t ? f.ownKey : t.bad);

/** Candidates that answer HELLOs in every run (see {@link node}), and hostile or odd endpoints. */
const ANSWERING = ['203.0.113.20:41000', '[2001:db8::20]:41000', '198.51.100.7:5000'];
const endpoint: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ANSWERING) },
  { weight: 2, arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`) },
  { weight: 1, arbitrary: fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `[${h}]:${p}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '0.0.0.0:41000', '[::]:41000', ':41000', '10.0.3.3:51820', '[::ffff:203.0.113.20]:41000', '[fe80::1%eth0]:41000', 'peer.example:41000',
      '203.0.113.20:0', '203.0.113.20:65536', '203.0.113.20:+1', '203.0.113.20:041000', '203.0.113.20', '[2001:db8::20]', '2001:db8::20:41000',
      '\u001b[31m203.0.113.20:41000', '203.0.113.20:41000\n', 'a b:1', '224.0.0.1:41000', '255.255.255.255:41000', '127.0.0.1:41000', '',
    ),
  },
  { weight: 1, arbitrary: fc.tuple(anyString(16), fc.integer({ min: 0, max: 70000 })).map(([h, p]) => `${h}:${p}`) },
);
const candidates = fc.oneof(
  { weight: 8, arbitrary: fc.array(endpoint, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.tuple(fc.array(endpoint, { minLength: 1, maxLength: 8 }), fc.integer({ min: 100, max: 5000 })).map(([base, n]) => Array.from({ length: n }, (_, i) => base[i % base.length]!)) },
);

const fake = new FakeTraversal();
const MESH_V6 = parseCidr(meshIPv6Network(fake.keys))!;
const MESH_V4 = parseCidr(fake.subnet.cidr)!;
/** A mesh IPv6 address (in the mesh /64). */
const meshV6 = (last: number): string => {
  const b = Uint8Array.from(MESH_V6.network);
  b[15] = last;
  return [...Array(8).keys()].map((i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':');
};
const SOURCES: Source[] = [
  { ip: '192.0.2.50', port: 51821 }, { ip: '2001:db8::50', port: 51821 }, { ip: '10.0.1.1', port: fake.keys.gossipPort },
  { ip: '10.0.2.2', port: fake.keys.gossipPort }, { ip: '::ffff:198.51.100.9', port: 1 }, { ip: meshV6(7), port: fake.keys.gossipPort },
];
const source = fc.constantFrom(...SOURCES);

/** Whether `ip` (any spelling, zone allowed) lies in the mesh's own networks. */
function inMesh(ip: string): boolean {
  const raw = parseIp(ip.split('%')[0] ?? '');
  const b = raw ? (toIPv4(raw) ?? raw) : null;
  return b !== null && (cidrContains(MESH_V4, b) || cidrContains(MESH_V6, b));
}

// ---------------------------------------------------------------------------------------------
// Payloads: valid messages, then damaged member by member (or replaced by any JSON object).

const edits = fc.oneof({ weight: 3, arbitrary: fc.constant<MemberEdit[]>([]) }, { weight: 1, arbitrary: memberEdits(['timestamp', 'from_pubkey', 'target_pubkey', 'pair_id', 'candidates', 'peer_pubkey', 'peer_candidates', 'start_at_unix_ms', 'wg_pubkey', 'wg_endpoint', 'mesh_ip', 'known_peers']) });
const damaged = (json: string, es: MemberEdit[]): Record<string, unknown> => {
  const text = es.length ? applyEdits(membersOf(JSON.parse(json) as Record<string, unknown>), es) : json;
  return JSON.parse(text) as Record<string, unknown>;
};

type PairToken = 'right' | 'empty' | 'other-pair' | { wrong: string };
const pairToken: fc.Arbitrary<PairToken> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('right' as const) },
  { weight: 1, arbitrary: fc.constantFrom('empty' as const, 'other-pair' as const) },
  { weight: 1, arbitrary: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), anyString(20)).map((wrong) => ({ wrong })) },
);
const pairOf = (t: PairToken, a: string, b: string): string => (t === 'right' ? pairId(a, b) : t === 'empty' ? '' : t === 'other-pair' ? pairId(POOL[2]!, POOL[3]!) : t.wrong);

interface OfferSpec { from: KeyToken; target: KeyToken; pair: PairToken; candidates: string[]; edits: MemberEdit[] }
const offerSpec: fc.Arbitrary<OfferSpec> = fc.record({ from: keyToken, target: keyToken, pair: pairToken, candidates, edits });
function offerPayload(f: FakeTraversal, s: OfferSpec): Record<string, unknown> {
  const from = keyOf(f, s.from);
  const target = keyOf(f, s.target);
  return damaged(encodeRendezvousOffer({
    timestamp: Math.floor(f.clock.now() / 1000), fromPubkey: from, targetPubkey: target, pairId: pairOf(s.pair, from, target),
    candidates: s.candidates, observedAddr: '', introducerKey: '',
  }), s.edits);
}

/** start_at: relative to now, or an absolute value (0 = none, negative, huge). */
type StartAt = { rel: number } | { abs: number };
const startAt: fc.Arbitrary<StartAt> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5000, max: 15_000 }).map((rel) => ({ rel })) },
  { weight: 2, arbitrary: fc.constantFrom(-(2 ** 53 - 1), -1, 0, 1, 2 ** 53 - 1, 1_800_000_000).map((abs) => ({ abs })) },
  { weight: 1, arbitrary: fc.constantFrom(-1e12, 1e9, 3.15e11, 1e13).map((rel) => ({ rel })) },
);
interface StartSpec { peer: KeyToken; pair: PairToken; candidates: string[]; startAt: StartAt; edits: MemberEdit[] }
const startSpec: fc.Arbitrary<StartSpec> = fc.record({ peer: keyToken, pair: pairToken, candidates, startAt, edits });
function startPayload(f: FakeTraversal, s: StartSpec): Record<string, unknown> {
  const peer = keyOf(f, s.peer);
  const at = 'rel' in s.startAt ? f.clock.now() + s.startAt.rel : s.startAt.abs;
  return damaged(encodeRendezvousStart({
    timestamp: Math.floor(f.clock.now() / 1000), pairId: pairOf(s.pair, f.ownKey, peer), peerPubkey: peer, peerCandidates: s.candidates,
    startAtUnixMs: at, introducerKey: POOL[1]!,
  }), s.edits);
}

/** Keys for announcements: mostly valid (one bad known peer rejects the whole announcement, spec 2.6). */
const announceKey: fc.Arbitrary<KeyToken> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(POOL.length - 1).map((pool) => ({ pool })) },
  { weight: 1, arbitrary: fc.constant({ own: true as const }) },
  { weight: 1, arbitrary: fc.constantFrom(...NOT_KEYS).map((bad) => ({ bad })) },
);
/** Endpoints that pass spec 2.6 (`host:port`, host unchecked) but that the endpoint rules must still refuse or rewrite. */
const announceEndpoint = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    ...ANSWERING, '0.0.0.0:41000', '[::]:41000', ':41000', '10.0.3.3:51820', '[::ffff:10.0.3.3]:51820', `[${meshV6(3)}]:51820`, '[fe80::1%eth0]:41000',
    'peer.example:41000', '\u001b[31m203.0.113.20:41000', '203.0.113.20:041000', 'a b:1', '[2001:db8::9]:51820', '', '198.51.100.1:65535',
  ) },
  { weight: 1, arbitrary: endpoint },
);
const meshIp = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.nat(255), fc.integer({ min: 1, max: 254 })).map(([a, b]) => `10.0.${a}.${b}`) },
  { weight: 1, arbitrary: fc.constantFrom('10.1.0.1', '1.1.1.1', '', '10.0.1.1', '10.0.2.2', 'x') },
);
const knownPeer: fc.Arbitrary<{ key: KeyToken; p: Omit<KnownPeer, 'wgPubkey'> }> = fc.record({
  key: announceKey,
  p: fc.record({ hostname: fc.oneof({ weight: 6, arbitrary: fc.constant('n') }, { weight: 1, arbitrary: anyString(10) }), meshIp, meshIpv6: fc.constantFrom('', meshV6(9), '2001:db8::1'), wgEndpoint: announceEndpoint, introducer: fc.boolean(), natType: fc.constantFrom('', 'cone', 'weird') }),
});
interface AnnounceSpec { key: KeyToken; meshIp: string; meshIpv6: string; endpoint: string; known: { key: KeyToken; p: Omit<KnownPeer, 'wgPubkey'> }[]; edits: MemberEdit[] }
const announceSpec: fc.Arbitrary<AnnounceSpec> = fc.record({
  key: announceKey, meshIp, meshIpv6: fc.constantFrom('', meshV6(7), meshV6(8)), endpoint: announceEndpoint,
  known: fc.oneof({ weight: 6, arbitrary: fc.array(knownPeer, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(knownPeer, { minLength: 50, maxLength: 300 }) }), edits,
});
function announcePayload(f: FakeTraversal, s: AnnounceSpec): Record<string, unknown> {
  return damaged(encodeAnnouncement(announcementOf(keyOf(f, s.key), {
    hostname: 'peer', meshIp: s.meshIp, meshIpv6: s.meshIpv6, wgEndpoint: s.endpoint, timestamp: Math.floor(f.clock.now() / 1000),
    knownPeers: s.known.map((k) => ({ wgPubkey: keyOf(f, k.key), ...k.p })),
  })), s.edits);
}

type Message = { type: 'RENDEZVOUS_OFFER'; spec: OfferSpec; src: Source } | { type: 'RENDEZVOUS_START'; spec: StartSpec; src: Source } | { type: 'ANNOUNCE'; spec: AnnounceSpec; src: Source | undefined };
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('RENDEZVOUS_OFFER' as const), spec: offerSpec, src: source }),
  fc.record({ type: fc.constant('RENDEZVOUS_START' as const), spec: startSpec, src: source }),
  fc.record({ type: fc.constant('ANNOUNCE' as const), spec: announceSpec, src: fc.option(source, { freq: 6, nil: undefined }) }),
);
const mostlyOn = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const settings = fc.record({ punching: mostlyOn, introducer: mostlyOn, gossip: mostlyOn, ipv6: fc.boolean() });

// ---------------------------------------------------------------------------------------------
// The node, the oracles and the invariants.

/** A fake node with two stored peers (targets the introducer can synthesise) and answering candidates. */
function node(s: { punching: boolean; introducer: boolean; gossip: boolean; ipv6: boolean }, replyEndpoints: string[]): FakeTraversal {
  const f = new FakeTraversal(s);
  f.store.update({ publicKey: POOL[0]!, endpoint: '203.0.113.20:51820', meshIp: '10.0.5.5' }, 'dht');
  f.store.update({ publicKey: POOL[1]!, endpoint: '[2001:db8::20]:51820', meshIp: '10.0.6.6' }, 'dht');
  // Each answering candidate replies as one pool key, with a hostile wg_endpoint; punched peers "handshake" at once.
  ANSWERING.forEach((c, i) => f.replies.set(c, announcementOf(POOL[(i + 1) % POOL.length]!, { meshIp: `10.0.7.${i + 1}`, wgEndpoint: replyEndpoints[i % replyEndpoints.length] ?? '' })));
  f.onRefresh = () => { for (const k of f.punchReplies) f.handshakes.set(k, f.clock.now()); };
  return f;
}

/** Lets running punch jobs (fake time) finish. */
async function drain(f: FakeTraversal): Promise<void> {
  for (let i = 0; i < 5000 && f.nat.participant.running > 0; i++) await new Promise((r) => setImmediate(r));
  expect(f.nat.participant.running).toBe(0);
}

const decodes = <T>(fn: () => T): T | undefined => { try { return fn(); } catch { return undefined; } };

/** Oracle: would a START be allowed for this offer? */
function offerValid(f: FakeTraversal, p: Record<string, unknown>): { from: string; target: string } | undefined {
  const o = decodes(() => decodeRendezvousOffer(p));
  if (!o || !f.settings.punching || !f.settings.introducer) return undefined;
  const { fromPubkey: from, targetPubkey: target } = o;
  if (!isValidKey(from) || !isValidKey(target) || from === target || from === f.ownKey || target === f.ownKey) return undefined;
  return o.pairId === '' || o.pairId === pairId(from, target) ? { from, target } : undefined;
}

/** A candidate our control socket can send to: `ip:port`, canonical, no wildcard, IPv6 only when allowed. */
function usableCandidate(f: FakeTraversal, c: string): string | undefined {
  const ep = knownPeerEndpoint(c);
  const parsed = ep ? parseEndpoint(ep) : null;
  if (!parsed || !parseIp(parsed.host)) return undefined;
  return !f.settings.ipv6 && parsed.host.includes(':') ? undefined : ep;
}

/** Oracle: would a punch job be allowed for this START, and toward which candidates? */
function startValid(f: FakeTraversal, p: Record<string, unknown>): { peer: string; candidates: Set<string> } | undefined {
  const s = decodes(() => decodeRendezvousStart(p));
  if (!s || !f.settings.punching || !isValidKey(s.peerPubkey) || s.peerPubkey === f.ownKey || s.pairId !== pairId(f.ownKey, s.peerPubkey)) return undefined;
  const usable = s.peerCandidates.slice(0, 64).map((c) => usableCandidate(f, c)).filter((c): c is string => c !== undefined);
  return usable.length ? { peer: s.peerPubkey, candidates: new Set(usable) } : undefined;
}

/** Stored peers checked, by the method of their endpoint (results file). */
const checked: Record<string, number> = {};

/** The endpoint rules for anything stored (see the file comment). */
function checkStore(f: FakeTraversal): void {
  for (const p of f.store.all()) {
    checked[p.endpointMethod || 'no-endpoint'] = (checked[p.endpointMethod || 'no-endpoint'] ?? 0) + 1;
    expect(isValidKey(p.publicKey)).toBe(true);
    expect(p.publicKey).not.toBe(f.ownKey);
    expect(p.meshIp === '' || cidrContains(MESH_V4, parseIp(p.meshIp)!)).toBe(true);
    if (p.endpoint === '') continue;
    const ep = parseEndpoint(p.endpoint);
    expect(ep, p.endpoint).not.toBeNull();
    expect(/^[\x21-\x7e]+$/.test(p.endpoint)).toBe(true);
    expect(formatHostPort(ep!.host, ep!.port)).toBe(p.endpoint);
    const ip = parseIp(ep!.host.split('%')[0] ?? '');
    expect(ip === null ? /^[A-Za-z0-9_.-]+$/.test(ep!.host) : !ip.every((b) => b === 0)).toBe(true); // an address (no wildcard) or a name
    if (!f.settings.ipv6 && p.endpointMethod !== 'dht') expect(ip?.length === 16 && !toIPv4(ip) ? 'IPv6' : 'ok').toBe('ok');
    if (p.endpointMethod.startsWith('gossip')) expect(inMesh(ep!.host)).toBe(false);
  }
}

const unhandled: unknown[] = [];
process.on('unhandledRejection', (err) => unhandled.push(err));

describe('NAT traversal and gossip handlers under fuzzing', () => {
  it('any sequence of OFFER / START / ANNOUNCE payloads: no throw, START only for valid offers, jobs only for valid STARTs, store sanitised', async () => {
    const timers0 = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await fc.assert(fc.asyncProperty(settings, fc.array(endpoint, { minLength: 1, maxLength: 3 }), fc.array(message, { minLength: 1, maxLength: 8 }), async (s, replyEndpoints, messages) => {
      const f = node(s, replyEndpoints);
      const allowedExchanges = new Set<string>();
      let jobs = 0;
      for (const m of messages) {
        const sentBefore = f.sent.length;
        const storeBefore = JSON.stringify(f.store.all());
        const runningBefore = f.nat.participant.running;
        const payload = m.type === 'RENDEZVOUS_OFFER' ? offerPayload(f, m.spec) : m.type === 'RENDEZVOUS_START' ? startPayload(f, m.spec) : announcePayload(f, m.spec);
        const tally = m.type === 'RENDEZVOUS_OFFER' ? tallies.offer : m.type === 'RENDEZVOUS_START' ? tallies.start : tallies.announce;
        tally.run(() => (m.type === 'ANNOUNCE' && m.src === undefined ? f.nat.gossip.onAnnounce(payload) : f.nat.onMessage(m.type, payload, m.src ?? SOURCES[0]!)), () => undefined);
        const sent = f.sent.slice(sentBefore);
        const started = f.nat.participant.running - runningBefore;
        expect(f.nat.participant.running).toBeLessThanOrEqual(MAX_JOBS);
        expect(f.nat.introducer.sessionCount).toBeLessThanOrEqual(MAX_SESSIONS);
        if (m.type === 'RENDEZVOUS_OFFER') {
          const ok = offerValid(f, payload);
          tally.note(sent.length ? 'start-sent' : ok ? 'valid-waiting' : 'dropped');
          if (!ok) expect(sent).toEqual([]);
          expect(sent.length === 0 || sent.length === 2).toBe(true);
          for (const out of sent) {
            expect(out.type).toBe('RENDEZVOUS_START');
            const st = decodeRendezvousStart(out.payload);
            expect([ok!.from, ok!.target]).toContain(st.peerPubkey);
            expect(st.pairId).toBe(pairId(ok!.from, ok!.target));
            expect(st.startAtUnixMs).toBe(f.clock.now() + 1800);
            expect(st.peerCandidates.length).toBeLessThanOrEqual(15);
            for (const c of st.peerCandidates) {
              expect(knownPeerEndpoint(c)).toBe(c);
              if (!f.settings.ipv6) expect(c.startsWith('[')).toBe(false);
            }
          }
          if (sent.length) expect(sent.map((o) => o.to)).toContainEqual(endpointSource(sourceKey(m.src)));
        } else if (m.type === 'RENDEZVOUS_START') {
          const ok = startValid(f, payload);
          expect(sent).toEqual([]);
          expect(started === 0 || started === 1).toBe(true);
          tally.note(started ? 'job-started' : ok ? 'valid-not-started' : 'dropped');
          if (started) {
            expect(ok).toBeDefined();
            jobs++;
            for (const c of ok!.candidates) allowedExchanges.add(c);
          }
        } else {
          const a = decodes(() => decodeAnnouncement(payload));
          const rejected = !f.settings.gossip || !a || validateAnnouncement(a) !== null || a.wgPubkey === f.ownKey;
          const changed = JSON.stringify(f.store.all()) !== storeBefore;
          tally.note(rejected ? 'rejected' : changed ? 'stored' : 'no-change');
          expect(sent).toEqual([]);
          if (rejected) expect(changed).toBe(false);
        }
      }
      await drain(f);
      expect(f.exchanges.length).toBeLessThanOrEqual(jobs * MAX_CANDIDATES);
      for (const e of f.exchanges) expect(allowedExchanges.has(e), e).toBe(true);
      checkStore(f);
      f.nat.stop();
    }), params(0.5));
    expect(unhandled).toEqual([]);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timers0);
  });

  it('start_at anywhere (far past, far future, absent, huge): a job waits at most 10 s and never starts before receipt', async () => {
    await fc.assert(fc.asyncProperty(startAt, fc.array(endpoint, { minLength: 1, maxLength: 4 }), async (at, cands) => {
      const f = node({ punching: true, introducer: false, gossip: false, ipv6: true }, ['']);
      const t0 = f.clock.now();
      const payload = startPayload(f, { peer: { pool: 3 }, pair: 'right', candidates: [ANSWERING[0]!, ...cands], startAt: at, edits: [] });
      tallies.start.run(() => f.nat.onMessage('RENDEZVOUS_START', payload, SOURCES[0]!), () => undefined);
      await drain(f);
      const first = f.exchangeTimes[0]!;
      expect(first - t0).toBeGreaterThanOrEqual(0);
      expect(first - t0).toBeLessThanOrEqual(MAX_START_DELAY_MS);
      tallies.start.note(first - t0 === MAX_START_DELAY_MS ? 'delay-capped' : 'delay-honoured');
    }), params(0.25));
  });
});

describe('NAT traversal state stays bounded under floods', () => {
  it('introducer: thousands of one-sided offers and completed pairs keep sessions and START records at the cap', () => {
    const f = node({ punching: true, introducer: true, gossip: false, ipv6: true }, ['']);
    const keys = Array.from({ length: 2 * MAX_SESSIONS + 500 }, () => generateKeyPair().publicKey);
    const starts = (f.nat.introducer as unknown as { starts: Map<string, number> }).starts;
    const offer = (from: string, target: string, src: Source) => f.nat.onMessage('RENDEZVOUS_OFFER', JSON.parse(encodeRendezvousOffer({
      timestamp: 1_800_000_000, fromPubkey: from, targetPubkey: target, pairId: pairId(from, target), candidates: ['192.0.2.1:1'], observedAddr: '', introducerKey: '',
    })) as Record<string, unknown>, src);
    for (let i = 0; i + 1 < keys.length; i += 2) offer(keys[i]!, keys[i + 1]!, SOURCES[0]!);
    const sessions = f.nat.introducer.sessionCount;
    for (let i = keys.length - 2; i >= 0; i -= 2) offer(keys[i + 1]!, keys[i]!, SOURCES[1]!); // the other sides, newest first: STARTs for the pairs still open
    bounds.introducer = { offers: keys.length, sessionsAfterOneSided: sessions, startRecords: starts.size, startsSent: f.sentOf('RENDEZVOUS_START').length };
    expect(sessions).toBe(MAX_SESSIONS);
    expect(starts.size).toBeLessThanOrEqual(MAX_SESSIONS);
    expect(f.nat.introducer.sessionCount).toBeLessThanOrEqual(MAX_SESSIONS);
  });

  it('participant: thousands of valid STARTs for distinct peers keep jobs at 8 and punch records bounded (fake time frozen)', async () => {
    const f = node({ punching: true, introducer: false, gossip: false, ipv6: true }, ['']);
    const punches = (f.nat.participant as unknown as { punches: Map<string, number> }).punches;
    const n = 3000;
    let maxRunning = 0;
    for (let i = 0; i < n; i++) {
      const peer = generateKeyPair().publicKey;
      // start_at just passed: no wait; the one candidate answers at once with another key, so the job ends without fake time passing.
      f.nat.onMessage('RENDEZVOUS_START', JSON.parse(encodeRendezvousStart({
        timestamp: 1_800_000_000, pairId: pairId(f.ownKey, peer), peerPubkey: peer, peerCandidates: [ANSWERING[2]!], startAtUnixMs: f.clock.now() - 1, introducerKey: '',
      })) as Record<string, unknown>, SOURCES[0]!);
      maxRunning = Math.max(maxRunning, f.nat.participant.running);
      if (i % 10 === 9) await drain(f); // the jobs end (in real time: one REPLY round trip), the next STARTs can start jobs
    }
    await drain(f);
    bounds.participant = { starts: n, maxRunningJobs: maxRunning, punchRecords: punches.size, exchanges: f.exchanges.length };
    expect(maxRunning).toBeLessThanOrEqual(MAX_JOBS);
    expect(punches.size).toBeLessThanOrEqual(MAX_SESSIONS);
  });
});
