// Fuzzing the wgmesh message decoders (src/service/mesh/message-codec.ts, go-json.ts,
// announcement-rules.ts) and the node logic that consumes them (MeshProtocol): arbitrary JSON
// objects, mutated valid payloads sealed and opened as they would arrive, rendezvous and
// goodbye messages. Properties: only MessageError is thrown; what decodes has the declared types,
// matches an independent Go-semantics oracle and survives an encode/decode round trip; validation
// and sanitising leave only allow-listed values; the peer store never holds an unsanitised value.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultMeshSubnet, meshIPInSubnet, meshIPv6InPrefix } from '../../src/shared/mesh/address';
import { deriveMeshKeys } from '../../src/shared/mesh/derive';
import { formatCidr, parseCidr } from '../../src/shared/mesh/ip';
import { FakeClock } from '../../src/service/clock';
import type { Source } from '../../src/service/discovery/exchange';
import { FakeWireGuardDevice } from '../../src/service/engine/wireguard/fake';
import { generateKeyPair } from '../../src/service/engine/wireguard/keys';
import { openEnvelope, sealEnvelope } from '../../src/service/mesh/envelope';
import { parseEndpoint } from '../../src/service/mesh/endpoint';
import {
  decodeAnnouncement, decodeGoodbye, decodeRendezvousOffer, decodeRendezvousStart, encodeAnnouncement, encodeGoodbye,
  encodeRendezvousOffer, encodeRendezvousStart, MessageError, sanitizeAnnouncement, validateAnnouncement,
  type KnownPeer, type PeerAnnouncement,
} from '../../src/service/mesh/messages';
import { silentLogger } from '../../src/service/log';
import { Activation } from '../../src/service/backend/activation';
import { MeshProtocol } from '../../src/service/backend/mesh-protocol';
import { PeerReconciler } from '../../src/service/backend/peer-reconciler';
import { MAX_PEERS, PeerStore } from '../../src/service/backend/peer-store';
import {
  anyString, applyEdits, cidrText, endpointText, ipText, jsonValue, memberEdits, memberName, membersOf, wgKey,
} from './support/arbitraries';
import { Tally, params, writeResults } from './support/fuzz';
import { goFold, goNormal, scanMembers } from './support/json-oracle';

const SECRET = 'hardening-fuzz-secret-0123456789';
const keys = deriveMeshKeys(SECRET);
const subnet = defaultMeshSubnet(keys);
const NOW = 1_800_000_000;
const messageError = (err: unknown): string | undefined => (err instanceof MessageError ? 'MessageError' : undefined);

const tallies = {
  announcement: new Tally('decodeAnnouncement'),
  goodbye: new Tally('decodeGoodbye'),
  offer: new Tally('decodeRendezvousOffer'),
  start: new Tally('decodeRendezvousStart'),
  pipeline: new Tally('openEnvelope+decode+validate/sanitize'),
  protocol: new Tally('MeshProtocol.onControlMessage'),
};

/** Field kinds of each message, by wire name. */
type Kind = 'str' | 'bool' | 'int' | 'strs' | 'peers';
const PEER_FIELDS: Record<string, Kind> = {
  wg_pubkey: 'str', hostname: 'str', mesh_ip: 'str', mesh_ipv6: 'str', wg_endpoint: 'str', introducer: 'bool', nat_type: 'str',
};
const ANNOUNCE_FIELDS: Record<string, Kind> = {
  ...PEER_FIELDS, routable_networks: 'strs', timestamp: 'int', known_peers: 'peers', observed_endpoint: 'str',
};
const GOODBYE_FIELDS: Record<string, Kind> = { timestamp: 'int', wg_pubkey: 'str' };
const OFFER_FIELDS: Record<string, Kind> = {
  timestamp: 'int', from_pubkey: 'str', target_pubkey: 'str', pair_id: 'str', candidates: 'strs', observed_addr: 'str', introducer_key: 'str',
};
const START_FIELDS: Record<string, Kind> = {
  timestamp: 'int', pair_id: 'str', peer_pubkey: 'str', peer_candidates: 'strs', start_at_unix_ms: 'int', introducer_key: 'str',
};

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const CAMEL: Record<string, string> = { knownPeers: 'knownPeers', meshIpv6: 'meshIpv6', startAtUnixMs: 'startAtUnixMs' };

/**
 * The oracle: the members `[name, rawJson]` decoded for `fields` with Go's rules (null/missing →
 * zero; integers must be integer literals within the safe range), or 'error'. With `strict`
 * every occurrence of a field must have the right type, as in Go (encoding/json reports the
 * first type error even when a later duplicate overrides it); without, only the effective (last)
 * one is checked, which is what Cloudroof's FieldReader does (see HARDENING.md).
 */
function goDecode(members: readonly [string, string][], fields: Record<string, Kind>, strict = false): Record<string, unknown> | 'error' {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(fields)) {
    const key = CAMEL[camel(name)] ?? camel(name);
    const raws = members.filter(([k]) => goFold(k) === name).map(([, v]) => v);
    out[key] = undefined;
    for (const raw of strict ? raws : raws.slice(-1)) {
      const v = decodeKind(kind, raw);
      if (v === 'error') return 'error';
      out[key] = v;
    }
    if (out[key] === undefined) out[key] = decodeKind(kind, 'null');
  }
  return out;
}

function decodeKind(kind: Kind, raw: string): unknown {
  const v: unknown = JSON.parse(raw);
  switch (kind) {
    case 'str': return v === null ? '' : typeof v === 'string' ? v : 'error';
    case 'bool': return v === null ? false : typeof v === 'boolean' ? v : 'error';
    case 'int':
      if (v === null) return 0;
      return typeof v === 'number' && /^-?(0|[1-9][0-9]*)$/.test(raw) && Number.isSafeInteger(v) ? v : 'error';
    case 'strs':
      if (v === null) return [];
      return Array.isArray(v) && v.every((e) => e === null || typeof e === 'string') ? v.map((e: string | null) => e ?? '') : 'error';
    case 'peers': {
      if (v === null) return [];
      if (!Array.isArray(v) || v.some((e) => e !== null && (typeof e !== 'object' || Array.isArray(e)))) return 'error';
      const peers: unknown[] = [];
      for (const e of v) {
        const p = goDecode(e === null ? [] : membersOf(e as Record<string, unknown>), PEER_FIELDS);
        if (p === 'error') return 'error';
        peers.push(p);
      }
      return peers;
    }
  }
}

/** A value of the right kind most of the time, anything JSON otherwise. */
function valueFor(kind: Kind): fc.Arbitrary<unknown> {
  const strValue = fc.oneof(anyString(30), wgKey, ipText, endpointText, fc.constant(null));
  const right = (): fc.Arbitrary<unknown> => {
    switch (kind) {
      case 'str': return strValue;
      case 'bool': return fc.oneof(fc.boolean(), fc.constant(null));
      case 'int': return fc.oneof(fc.integer({ min: NOW - 700, max: NOW + 700 }), fc.maxSafeInteger(), fc.double(), fc.constant(null));
      case 'strs': return fc.oneof(fc.array(fc.oneof(cidrText, anyString(20), fc.constant(null)), { maxLength: 6 }), fc.constant(null));
      case 'peers': return fc.array(fc.oneof(fc.constant(null),
        fc.dictionary(memberName(Object.keys(PEER_FIELDS)), fc.oneof(strValue, jsonValue), { maxKeys: 8 })), { maxLength: 4 });
    }
  };
  return fc.oneof({ weight: 4, arbitrary: right() }, { weight: 1, arbitrary: jsonValue });
}

/** Objects with the message's members (any case, right or wrong types) and others. */
function payloadFor(fields: Record<string, Kind>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields);
  return fc.array(fc.tuple(memberName(names), fc.nat()), { maxLength: 12 }).chain((picks) =>
    fc.tuple(...picks.map(([name]) => valueFor(Object.hasOwn(fields, goFold(name)) ? fields[goFold(name)]! : 'str').map((v) => [name, v] as const)))
      .map((entries) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        return o;
      }));
}

/** Inputs where Cloudroof and Go may decide differently (duplicate member names); counted, see HARDENING.md. */
const divergence = { exactDuplicateNames: 0, lenientOnOverriddenDuplicate: 0 };

/**
 * Checks the decode of `payload` (whose JSON text is `text` when it came off the wire) against
 * the oracle; returns the decoded value or undefined. Texts with an exactly repeated member name
 * are not compared (JSON.parse keeps the last value at the first position, so the case-folded
 * "last wins" differs from Go's text order); they are only required not to crash.
 */
function checkDecoder<T>(tally: Tally, decode: (p: Record<string, unknown>) => T, fields: Record<string, Kind>,
  payload: Record<string, unknown>, text?: string): T | undefined {
  const r = tally.run(() => decode(payload), messageError);
  const members = text === undefined ? membersOf(payload) : scanMembers(text);
  const got = r.ok ? goNormal(r.value) : 'error';
  if (new Set(members.map(([k]) => k)).size !== members.length) {
    divergence.exactDuplicateNames++;
    return r.ok ? r.value : undefined;
  }
  const want = goDecode(members, fields);
  expect(got).toEqual(want === 'error' ? 'error' : goNormal(want));
  if (r.ok && goDecode(members, fields, true) === 'error') divergence.lenientOnOverriddenDuplicate++;
  return r.ok ? r.value : undefined;
}

const printable = (s: string, max: number): boolean => s.length <= max && /^[\x20-\x7e]*$/.test(s);
const isKey = (k: string): boolean => /^[A-Za-z0-9+/]{43}=$/.test(k) && Buffer.from(k, 'base64').length === 32;
const isCidr = (s: string): boolean => {
  const [ip, len, extra] = s.split('/');
  const v = ip === undefined ? 0 : isIP(ip);
  return extra === undefined && v !== 0 && !ip!.includes('%') && /^(0|[1-9][0-9]*)$/.test(len ?? '') && Number(len) <= (v === 4 ? 32 : 128);
};

/** Spec 2.6, written independently of announcement-rules.ts: what a valid announcement must satisfy. */
function assertValid(a: PeerAnnouncement): void {
  const peer = (p: KnownPeer): void => {
    expect(isKey(p.wgPubkey)).toBe(true);
    expect(isIP(p.meshIp) !== 0 && !p.meshIp.includes('%')).toBe(true);
    expect(p.wgEndpoint === '' || parseEndpoint(p.wgEndpoint) !== null).toBe(true);
    expect(printable(p.hostname, 253)).toBe(true);
  };
  peer(a);
  expect(a.routableNetworks.length).toBeLessThanOrEqual(100);
  for (const n of a.routableNetworks) expect(isCidr(n)).toBe(true);
  expect(a.knownPeers.length).toBeLessThanOrEqual(1000);
  a.knownPeers.forEach(peer);
}

/** What sanitising must leave (spec 7.4 item 3): only allow-listed values. */
function assertSanitized(s: PeerAnnouncement): void {
  expect(isKey(s.wgPubkey)).toBe(true);
  expect(isIP(s.meshIp)).not.toBe(0);
  expect(printable(s.hostname, 253)).toBe(true);
  expect(s.meshIpv6 === '' || isIP(s.meshIpv6) === 6).toBe(true);
  expect(s.routableNetworks.length).toBeLessThanOrEqual(100);
  expect(new Set(s.routableNetworks).size).toBe(s.routableNetworks.length);
  for (const n of s.routableNetworks) expect(formatCidr(parseCidr(n)!)).toBe(n);
  expect(s.knownPeers.length).toBeLessThanOrEqual(1000);
  for (const p of s.knownPeers) {
    expect(isKey(p.wgPubkey)).toBe(true);
    expect(isIP(p.meshIp)).not.toBe(0);
    expect(printable(p.hostname, 253)).toBe(true);
    expect(p.wgEndpoint === '' || parseEndpoint(p.wgEndpoint) !== null).toBe(true);
  }
}

/** A valid-looking announcement (keys from a small pool, so updates of one peer collide). */
const pool = Array.from({ length: 6 }, () => generateKeyPair().publicKey);
const meshIp = fc.oneof(fc.integer({ min: 1, max: 65534 }).map((n) => `10.${keys.meshSubnet[0]}.${n >> 8}.${n & 255}`), ipText);
const knownPeer: fc.Arbitrary<KnownPeer> = fc.record({
  wgPubkey: fc.oneof(fc.constantFrom(...pool), wgKey, anyString(10)), hostname: fc.oneof(fc.constant('peer'), anyString(20)),
  meshIp, meshIpv6: fc.oneof(fc.constant(''), fc.ipV6()), wgEndpoint: fc.oneof(endpointText, anyString(20)), introducer: fc.boolean(),
  natType: fc.constantFrom('', 'cone', 'symmetric', 'unknown', 'x;y'),
});
const announcement: fc.Arbitrary<PeerAnnouncement> = fc.record({
  wgPubkey: fc.oneof(fc.constantFrom(...pool), wgKey), hostname: fc.oneof(fc.constant('node'), anyString(20)), meshIp,
  meshIpv6: fc.oneof(fc.constant(''), fc.ipV6()), wgEndpoint: fc.oneof(endpointText, anyString(20)), introducer: fc.boolean(),
  routableNetworks: fc.array(fc.oneof(cidrText, anyString(12)), { maxLength: 5 }), timestamp: fc.integer({ min: NOW - 60, max: NOW + 60 }),
  knownPeers: fc.array(knownPeer, { maxLength: 4 }), observedEndpoint: fc.oneof(fc.constant(''), endpointText), natType: fc.constantFrom('', 'cone', 'unknown'),
});
/** The announcement's JSON with a few member edits (types, names, notation, duplicates). */
const editedAnnouncementText = fc.tuple(announcement, memberEdits(Object.keys(ANNOUNCE_FIELDS)))
  .map(([a, edits]) => applyEdits(membersOf(JSON.parse(encodeAnnouncement(a)) as Record<string, unknown>), edits));

describe('wgmesh message decoders under fuzzing', () => {
  afterAll(() => writeResults('fuzz-messages', Object.values(tallies), { goDivergence: divergence }));

  it('decodeAnnouncement: arbitrary objects decode as Go would or throw MessageError; accepted ones round-trip', () => {
    fc.assert(fc.property(payloadFor(ANNOUNCE_FIELDS), (payload) => {
      const a = checkDecoder(tallies.announcement, decodeAnnouncement, ANNOUNCE_FIELDS, payload);
      if (a) expect(goNormal(decodeAnnouncement(JSON.parse(encodeAnnouncement(a)) as Record<string, unknown>))).toEqual(goNormal(a));
    }), params());
  });

  it('decodeGoodbye, decodeRendezvousOffer, decodeRendezvousStart: same contract', () => {
    const cases = [
      { tally: tallies.goodbye, decode: decodeGoodbye, encode: encodeGoodbye, fields: GOODBYE_FIELDS },
      { tally: tallies.offer, decode: decodeRendezvousOffer, encode: encodeRendezvousOffer, fields: OFFER_FIELDS },
      { tally: tallies.start, decode: decodeRendezvousStart, encode: encodeRendezvousStart, fields: START_FIELDS },
    ] as const;
    for (const c of cases) {
      fc.assert(fc.property(payloadFor(c.fields), (payload) => {
        const v = checkDecoder(c.tally, c.decode as (p: Record<string, unknown>) => unknown, c.fields, payload);
        if (v !== undefined) {
          const again = c.decode(JSON.parse((c.encode as (x: unknown) => string)(v)) as Record<string, unknown>);
          expect(goNormal(again)).toEqual(goNormal(v));
        }
      }), params(0.5));
    }
  });

  it('mutated valid announcements, sealed and opened: decode as Go would; validation and sanitising leave only allow-listed values', () => {
    fc.assert(fc.property(editedAnnouncementText, (text) => {
      const t0 = performance.now();
      let opened;
      try {
        opened = openEnvelope(keys.gossipKey, sealEnvelope(keys.gossipKey, 'HELLO', text), NOW);
      } catch {
        return; // envelope-level drops are the envelope suite's subject
      }
      const a = checkDecoder(tallies.pipeline, decodeAnnouncement, ANNOUNCE_FIELDS, opened.payload, text);
      if (!a) return;
      if (validateAnnouncement(a) === null) assertValid(a);
      const s = sanitizeAnnouncement(a);
      if (s) assertSanitized(s);
      else expect(isKey(a.wgPubkey) && isIP(a.meshIp) !== 0 && !a.meshIp.includes('%')).toBe(false);
      tallies.pipeline.time(performance.now() - t0);
    }), params());
  });

  it('MeshProtocol: HELLOs and REPLYs with ever-new invalid keys leave no state behind (regression: unbounded activation sets)', async () => {
    const me = generateKeyPair();
    const identity = { privateKey: me.privateKey, publicKey: me.publicKey, meshIPv4: `10.${keys.meshSubnet[0]}.9.9`, meshIPv6: '' };
    const clock = new FakeClock(NOW * 1000);
    const device = new FakeWireGuardDevice();
    await device.create();
    await device.configure({ privateKey: me.privateKey, listenPort: 51820 });
    const store = new PeerStore(clock);
    const activation = new Activation({ ownKey: me.publicKey });
    const reconciler = new PeerReconciler({ device, store, activation, identity, keys, subnet, clock, logger: silentLogger });
    const protocol = new MeshProtocol({
      keys, identity, subnet, hostname: 'me', listenPort: 51820, clock, logger: silentLogger, store, activation, reconciler,
      send: () => undefined, exchangeWith: async () => null,
    });
    for (let n = 0; n < 2000; n++) {
      const a: PeerAnnouncement = {
        wgPubkey: `~not-a-key-${n}-${'x'.repeat(100)}`, hostname: '', meshIp: '10.1.2.3', meshIpv6: '', wgEndpoint: '1.2.3.4:1', introducer: false,
        routableNetworks: [], timestamp: NOW, knownPeers: [], observedEndpoint: '', natType: '',
      };
      protocol.onControlMessage(n % 2 ? 'HELLO' : 'REPLY', JSON.parse(encodeAnnouncement(a)) as Record<string, unknown>, { ip: '192.168.1.20', port: 40000 });
      if (n % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 20));
    reconciler.stop();
    const sets = activation as unknown as { evidenced: Set<string>; active: Set<string> };
    expect(store.all()).toHaveLength(0);
    expect(sets.evidenced.size + sets.active.size).toBe(0);
  });

  it('MeshProtocol: any sequence of control messages leaves only sanitised peers in the store', async () => {
    const me = generateKeyPair();
    const identity = { privateKey: me.privateKey, publicKey: me.publicKey, meshIPv4: `10.${keys.meshSubnet[0]}.9.9`, meshIPv6: '' };
    const src: Source = { ip: '192.168.1.20', port: 40000 };
    const type = fc.constantFrom('HELLO', 'REPLY', 'GOODBYE', 'ANNOUNCE', 'RENDEZVOUS_OFFER', 'RENDEZVOUS_START', 'hello', '');
    const payload = fc.oneof(
      editedAnnouncementText.map((t) => JSON.parse(t) as Record<string, unknown>),
      announcement.map((a) => JSON.parse(encodeAnnouncement({ ...a, wgPubkey: a.wgPubkey === pool[0] ? me.publicKey : a.wgPubkey })) as Record<string, unknown>),
      fc.constantFrom(...pool).map((k) => JSON.parse(encodeGoodbye({ timestamp: NOW, wgPubkey: k })) as Record<string, unknown>),
      payloadFor(ANNOUNCE_FIELDS),
    );
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(type, payload, fc.constantFrom(src, { ip: '::1', port: 1 }, { ip: '10.0.0.1', port: 65535 })), { minLength: 1, maxLength: 6 }), async (messages) => {
      const clock = new FakeClock(NOW * 1000);
      const device = new FakeWireGuardDevice();
      await device.create();
      await device.configure({ privateKey: me.privateKey, listenPort: 51820 });
      const store = new PeerStore(clock);
      const activation = new Activation({ ownKey: me.publicKey });
      const reconciler = new PeerReconciler({ device, store, activation, identity, keys, subnet, clock, logger: silentLogger });
      const protocol = new MeshProtocol({
        keys, identity, subnet, hostname: 'me', listenPort: 51820, clock, logger: silentLogger, store, activation, reconciler,
        send: () => undefined, exchangeWith: async () => null,
      });
      for (const [t, p, from] of messages) {
        const t0 = performance.now();
        tallies.protocol.run(() => protocol.onControlMessage(t, p, from), () => undefined);
        await new Promise((r) => setImmediate(r));
        tallies.protocol.time(performance.now() - t0);
      }
      reconciler.stop();
      const peers = store.all();
      expect(peers.length).toBeLessThanOrEqual(MAX_PEERS);
      for (const p of peers) {
        expect(p.publicKey).not.toBe(me.publicKey);
        expect(isKey(p.publicKey)).toBe(true);
        expect(printable(p.hostname, 253)).toBe(true);
        expect(p.meshIp === '' || meshIPInSubnet(p.meshIp, subnet)).toBe(true);
        expect(p.meshIpv6 === '' || meshIPv6InPrefix(p.meshIpv6, keys.meshPrefixV6) === p.meshIpv6).toBe(true);
        expect(['', 'cone', 'symmetric', 'unknown']).toContain(p.natType);
        for (const n of p.routableNetworks) expect(formatCidr(parseCidr(n)!)).toBe(n);
        // The endpoint is shown by `cloudroof peers` and sent on in known_peers: host:port, printable.
        expect(p.endpoint === '' || parseEndpoint(p.endpoint) !== null).toBe(true);
        expect(printable(p.endpoint, 300)).toBe(true);
      }
    }), params(0.1));
  });
});
