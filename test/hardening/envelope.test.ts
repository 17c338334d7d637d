// Fuzzing the wgmesh v1 envelope (src/service/mesh/envelope.ts), the first thing every datagram
// from the network meets: random bytes, random outer JSON, truncations, bit flips and splices of
// valid sealed datagrams, wrong keys, stale/future/odd timestamps, oversized datagrams and
// arbitrary or pathological plaintexts sealed with the right key. Properties: only EnvelopeError
// is ever thrown, with the reason an independent oracle predicts; what opens is exactly what was
// sealed; every input is handled in bounded time.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveMeshKeys } from '../../src/shared/mesh/derive';
import {
  EnvelopeError, MAX_CLOCK_SKEW_S, MAX_ENVELOPE_BYTES, openEnvelope, PROTOCOL, sealEnvelope, type EnvelopeDropReason,
} from '../../src/service/mesh/envelope';
import { encodeAnnouncement, type PeerAnnouncement } from '../../src/service/mesh/messages';
import {
  anyString, applyByteEdit, applyEdits, byteEdit, endpointText, ipText, jsonValue, memberEdits, membersOf, pathologicalJson, wgKey,
} from './support/arbitraries';
import { Tally, params, writeResults } from './support/fuzz';
import { goFold, lastMember, scanMembers } from './support/json-oracle';

const KEY = deriveMeshKeys('hardening-fuzz-secret-0123456789').gossipKey;
const NOW = 1_800_000_000;
const tally = new Tally('openEnvelope');

const envelopeReason = (err: unknown): string | undefined => (err instanceof EnvelopeError ? err.reason : undefined);
const open = (d: Uint8Array, now = NOW, key = KEY) => tally.run(() => openEnvelope(key, d, now), envelopeReason);

/** A plausible announcement stamped `ts`. */
const announcement = (ts: fc.Arbitrary<number>): fc.Arbitrary<PeerAnnouncement> => fc.record({
  wgPubkey: wgKey, hostname: fc.oneof(fc.constant('node1'), anyString(20)), meshIp: ipText, meshIpv6: fc.oneof(fc.constant(''), fc.ipV6()),
  wgEndpoint: endpointText, introducer: fc.boolean(), routableNetworks: fc.array(fc.constant('192.168.1.0/24'), { maxLength: 3 }),
  timestamp: ts, knownPeers: fc.constant([]), observedEndpoint: fc.constant(''), natType: fc.constantFrom('', 'cone'),
});
const fresh = announcement(fc.integer({ min: NOW - MAX_CLOCK_SKEW_S, max: NOW + MAX_CLOCK_SKEW_S }));
const sealed = fc.tuple(fresh, fc.string({ maxLength: 20 })).map(([a, type]) => {
  const plaintext = encodeAnnouncement(a);
  return { datagram: sealEnvelope(KEY, type, plaintext), type, payload: JSON.parse(plaintext) as unknown };
});

/** What openEnvelope must do with plaintext `text` (as decoded from the GCM output), per spec 2.2 steps 4–6. */
function expectedInner(text: string, now: number): EnvelopeDropReason | 'open' {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'bad-payload';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'bad-payload';
  let protocol = '';
  let ts = 0n;
  for (const [name, raw] of scanMembers(text)) {
    const f = goFold(name);
    if (f === 'protocol') {
      const p: unknown = JSON.parse(raw);
      if (p !== null && typeof p !== 'string') return 'bad-payload';
      protocol = p ?? '';
    } else if (f === 'timestamp' && raw !== 'null') {
      if (!/^-?(0|[1-9][0-9]*)$/.test(raw)) return 'bad-payload';
      ts = BigInt(raw);
      if (ts > 2n ** 63n - 1n || ts < -(2n ** 63n)) return 'bad-payload';
    }
  }
  if (protocol !== PROTOCOL) return 'bad-protocol';
  const t = Number(ts);
  if (now - t > MAX_CLOCK_SKEW_S) return 'too-old';
  if (t > now + MAX_CLOCK_SKEW_S) return 'in-future';
  return 'open';
}

describe('openEnvelope under fuzzing', () => {
  afterAll(() => writeResults('fuzz-envelope', [tally]));

  it('random bytes never open and only raise EnvelopeError', () => {
    fc.assert(fc.property(fc.oneof(
      { weight: 9, arbitrary: fc.uint8Array({ maxLength: 600 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }).map((n) => Buffer.alloc(n, 0x7b)) },
    ), (bytes) => {
      expect(open(bytes).ok).toBe(false);
    }), params());
  });

  it('random outer JSON (any type, nonce and ciphertext values) never opens', () => {
    const b64 = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64'));
    const member = fc.oneof(jsonValue, b64, b64.map((s) => s.replace(/=+$/, '')), b64.map((s) => `${s}\n`));
    fc.assert(fc.property(fc.record({ type: member, nonce: member, ciphertext: member }, { requiredKeys: [] }), (o) => {
      expect(open(Buffer.from(JSON.stringify(o))).ok).toBe(false);
    }), params());
  });

  it('sealed datagrams open to exactly what was sealed', () => {
    fc.assert(fc.property(sealed, ({ datagram, type, payload }) => {
      const r = open(datagram);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.value.type).toBe(type);
        expect(r.value.payload).toEqual(payload);
      }
    }), params(0.5));
  });

  it('truncated, bit-flipped and spliced datagrams either fail with EnvelopeError or open to the authentic payload', () => {
    fc.assert(fc.property(sealed, byteEdit, ({ datagram, payload }, edit) => {
      const mutated = applyByteEdit(datagram, edit);
      const r = open(mutated);
      if (edit.kind === 'truncate') expect(r.ok).toBe(false);
      // Outside GCM only the type, member-name case and padding bits can change (spec 7.4 item 5).
      if (r.ok) expect(r.value.payload).toEqual(payload);
    }), params());
  });

  it('a wrong key always fails authentication', () => {
    fc.assert(fc.property(sealed, fc.uint8Array({ minLength: 32, maxLength: 32 }), ({ datagram }, key) => {
      fc.pre(!Buffer.from(key).equals(Buffer.from(KEY)));
      const r = open(datagram, NOW, key);
      expect(r).toEqual({ ok: false, label: 'auth-failed' });
    }), params(0.5));
  });

  it('timestamps: accepted exactly within ±600 s; stale, future, fractional, huge or typed wrong are dropped', () => {
    const raw = fc.oneof(
      fc.integer({ min: -2000, max: 2000 }).map((d) => String(NOW + d)),
      fc.constantFrom('0', '-0', '1.8e9', '1800000000.0', '9223372036854775807', '9223372036854775808', '-9223372036854775809',
        '"1800000000"', 'true', 'null', '[]', '{}', '1e999', String(NOW - MAX_CLOCK_SKEW_S), String(NOW + MAX_CLOCK_SKEW_S)),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    );
    fc.assert(fc.property(raw, fc.double({ min: NOW - 1, max: NOW + 1, noNaN: true }), (ts, now) => {
      const text = `{"protocol":"wgmesh-v1","timestamp":${ts}}`;
      const r = open(sealEnvelope(KEY, 'HELLO', text), now);
      const want = expectedInner(text, Math.trunc(now));
      expect(r.ok ? 'open' : r.label).toBe(want);
    }), params());
  });

  it('oversized datagrams are dropped unread; exactly 65 536 bytes still open', () => {
    fc.assert(fc.property(sealed, fc.integer({ min: -3, max: 3 }), ({ datagram, payload }, extra) => {
      // Whitespace padding keeps the datagram valid JSON, so only the size can refuse it.
      const size = MAX_ENVELOPE_BYTES + extra;
      const padded = Buffer.concat([datagram.subarray(0, datagram.length - 1), Buffer.alloc(size - datagram.length, 0x20), Buffer.from('}')]);
      const r = open(padded);
      if (size > MAX_ENVELOPE_BYTES) expect(r).toEqual({ ok: false, label: 'oversized' });
      else expect(r.ok && r.value.payload).toEqual(payload);
    }), params(0.05));
  });

  it('any plaintext sealed with the right key gives the result an independent oracle predicts', () => {
    const edited = fc.tuple(fresh, memberEdits(['protocol', 'timestamp', 'wg_pubkey', 'mesh_ip', 'hostname']))
      .map(([a, edits]) => applyEdits(membersOf(JSON.parse(encodeAnnouncement(a)) as Record<string, unknown>), edits));
    const text = fc.oneof(
      { weight: 4, arbitrary: edited },
      { weight: 2, arbitrary: jsonValue.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: anyString(60) },
      { weight: 1, arbitrary: pathologicalJson },
    );
    fc.assert(fc.property(text, (t) => {
      const datagram = sealEnvelope(KEY, 'HELLO', t);
      fc.pre(datagram.length <= MAX_ENVELOPE_BYTES);
      const r = open(datagram);
      const want = expectedInner(new TextDecoder().decode(Buffer.from(t, 'utf8')), NOW);
      expect(r.ok ? 'open' : r.label).toBe(want);
      if (r.ok) expect(lastMember(scanMembers(new TextDecoder().decode(Buffer.from(t))), 'protocol')).toBe('"wgmesh-v1"');
    }), params());
  });
});
