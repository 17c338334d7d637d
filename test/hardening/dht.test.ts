// Fuzzing the DHT input path (issue 3): the strict bencode/KRPC decoder every datagram meets first
// (src/service/discovery/dht-bencode.ts), the socket gate in front of bittorrent-dht
// (dht-socket.ts: size cap, per-source limit, decode, IPv6 ↔ synthetic IPv4 translation of BEP 32
// `nodes6` and 18-byte `values`), and a live DhtDiscovery on loopback flooded with fuzzed
// datagrams while fuzzing "nodes" answer its queries. Properties: the decoder accepts exactly
// what an independent strict decoder accepts (canonical integers, ≤ 8 levels, no duplicate keys,
// exact length), decodes it to the same value, and everything it accepts is decoded by the
// library's own bencode without error to the same thing; nothing throws out of the gate; each
// datagram is counted once, as accepted or under one drop reason; the library is handed only
// KRPC messages with IPv4 addresses (synthetic 240/4 ones on the IPv6 socket), compact values of
// 6 bytes and whole 26-byte node entries; the IPv6 address map is bounded and cannot be flushed by
// responses to queries we never sent; every address DhtDiscovery hands to onPeer passes
// validatePeerAddress; after ≥ 20 000 fuzzed datagrams (HARDENING_DHT_FLOOD) the node still
// answers a ping and still finds a peer announced afterwards.
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/service/clock';
import { PacketCounters } from '../../src/service/discovery/counters';
import { DhtDiscovery } from '../../src/service/discovery/dht';
import { type BDict, type BValue, bdecode, bencode, decodeKrpc } from '../../src/service/discovery/dht-bencode';
import { addressText, type PeerAddress, validatePeerAddress } from '../../src/service/discovery/dht-helpers';
import { DhtBootstrapNode } from '../../src/service/discovery/dht-node';
import { DhtSocket, MAX_DHT_DATAGRAM, type SocketFacade } from '../../src/service/discovery/dht-socket';
import { silentLogger } from '../../src/service/log';
import { formatIp, parseIp } from '../../src/shared/mesh/ip';
import { applyByteEdit, byteEdit } from './support/arbitraries';
import { RUNS, Tally, envInt, params, writeResults } from './support/fuzz';

/** The bencode decoder bittorrent-dht's k-rpc-socket uses (what the library itself would parse). */
const requireFrom = createRequire(import.meta.url);
const libBencode = requireFrom(requireFrom.resolve('bencode', { paths: [dirname(requireFrom.resolve('k-rpc-socket'))] })) as { decode(b: Buffer): unknown };

/** Datagrams in the live flood: `HARDENING_DHT_FLOOD`, default 10 × HARDENING_RUNS (20 000). */
const FLOOD = envInt('HARDENING_DHT_FLOOD', 10 * RUNS);

const tallies = {
  decode: new Tally('bdecode/decodeKrpc'),
  gate4: new Tally('DhtSocket.receive (udp4)'),
  gate6: new Tally('DhtSocket.receive (udp6)'),
  live: new Tally('DhtDiscovery (live, loopback)'),
};
const live: Record<string, unknown> = {};
afterAll(() => writeResults('fuzz-dht', Object.values(tallies), { live }));

// ---------------------------------------------------------------------------------------------
// Raw bencode: written byte by byte, so key order, duplicates, integer text and string length
// prefixes can all be wrong.

type Raw = { int: string } | { str: Uint8Array; len?: string } | { list: Raw[] } | { dict: [Uint8Array, Raw][] };

const s = (x: string | Uint8Array): Raw => ({ str: typeof x === 'string' ? Buffer.from(x, 'latin1') : x });
const n = (v: number): Raw => ({ int: String(v) });
const d = (o: Record<string, Raw | undefined>): Raw => ({
  dict: Object.entries(o).filter((e): e is [string, Raw] => e[1] !== undefined).map(([k, v]) => [Buffer.from(k, 'latin1'), v]),
});

function encodeRaw(r: Raw, out: Buffer[] = []): Buffer[] {
  if ('int' in r) out.push(Buffer.from(`i${r.int}e`, 'latin1'));
  else if ('str' in r) out.push(Buffer.from(`${r.len ?? r.str.length}:`, 'latin1'), Buffer.from(r.str));
  else if ('list' in r) { out.push(Buffer.from('l')); for (const x of r.list) encodeRaw(x, out); out.push(Buffer.from('e')); }
  else { out.push(Buffer.from('d')); for (const [k, v] of r.dict) { encodeRaw({ str: k }, out); encodeRaw(v, out); } out.push(Buffer.from('e')); }
  return out;
}
const wire = (r: Raw): Buffer => Buffer.concat(encodeRaw(r));

/** A deep copy with keys sorted at every level (canonical bencode); damage is applied to such copies, never to shared values. */
function sorted(r: Raw): Raw {
  if ('list' in r) return { list: r.list.map(sorted) };
  if ('dict' in r) return { dict: [...r.dict].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))).map(([k, v]) => [k, sorted(v)]) };
  return 'int' in r ? { int: r.int } : { str: r.str, ...(r.len === undefined ? {} : { len: r.len }) };
}

/** Every node of the tree, depth first (for picking one to damage). */
function nodesOf(r: Raw, out: Raw[] = []): Raw[] {
  out.push(r);
  if ('list' in r) for (const x of r.list) nodesOf(x, out);
  if ('dict' in r) for (const [, v] of r.dict) nodesOf(v, out);
  return out;
}

const u16 = (p: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(p & 0xffff); return b; };
const ip4 = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 4, maxLength: 4 }) },
  { weight: 2, arbitrary: fc.constantFrom([0, 0, 0, 0], [0, 1, 2, 3], [127, 0, 0, 1], [224, 0, 0, 1], [239, 1, 2, 3], [240, 0, 0, 1], [255, 255, 255, 255], [10, 0, 0, 1], [203, 0, 113, 9]).map((a) => Uint8Array.from(a)) },
);
const ip6 = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }) },
  { weight: 2, arbitrary: fc.constantFrom('::', '::1', 'ff02::1', '::ffff:1.2.3.4', '::ffff:0.0.0.0', '2001:db8::1', 'fe80::1', '240.0.0.1').map((t) => parseIp(t) ?? new Uint8Array(16)) },
);
const anyPort = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 65535 }) }, { weight: 1, arbitrary: fc.constant(0) });
const compact4 = fc.tuple(ip4, anyPort).map(([ip, p]) => Buffer.concat([ip, u16(p)]));
const compact6 = fc.tuple(ip6, anyPort).map(([ip, p]) => Buffer.concat([Buffer.from(ip).subarray(0, 16), u16(p)]));
const id20 = fc.uint8Array({ minLength: 20, maxLength: 20 });
const idLike = fc.oneof({ weight: 8, arbitrary: id20 }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) });
/** `count` compact entries, sometimes cut mid-entry. */
const compactList = (entry: fc.Arbitrary<Buffer>, max: number): fc.Arbitrary<Buffer> => fc.tuple(fc.array(entry, { maxLength: max }), fc.nat())
  .map(([es, cut]) => { const b = Buffer.concat(es); return cut % 5 === 0 && b.length > 0 ? b.subarray(0, cut % b.length) : b; });
const nodes4 = compactList(fc.tuple(id20, compact4).map(([i, c]) => Buffer.concat([i, c])), 10);
const nodes6 = compactList(fc.tuple(id20, compact6).map(([i, c]) => Buffer.concat([i, c])), 10);
const values = fc.array(fc.oneof(
  { weight: 4, arbitrary: compact4.map((b): Raw => s(b)) },
  { weight: 3, arbitrary: compact6.map((b): Raw => s(b)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }).map((b): Raw => s(b)) },
  { weight: 1, arbitrary: fc.integer().map(n) },
), { maxLength: 12 });
const tid = fc.oneof({ weight: 6, arbitrary: fc.uint8Array({ minLength: 2, maxLength: 2 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) });
const yOf = (right: string): fc.Arbitrary<Raw> => fc.oneof(
  { weight: 12, arbitrary: fc.constant(s(right)) },
  { weight: 1, arbitrary: fc.constantFrom(s('x'), s(''), s('qq'), n(1), { list: [] } as Raw, s('r'), s('e'), s('q')) },
);

/** KRPC queries: the BEP 5 four, BEP 44 get/put, unknown; arguments right, missing or of the wrong type. */
const query: fc.Arbitrary<Raw> = fc.record({
  q: fc.constantFrom('ping', 'find_node', 'get_peers', 'announce_peer', 'get', 'put', 'vote', ''),
  t: tid, y: yOf('q'), id: idLike, target: idLike, infoHash: idLike, port: fc.oneof(anyPort, fc.constantFrom(-1, 65536, 2 ** 40)),
  token: fc.uint8Array({ maxLength: 24 }), implied: fc.constantFrom(undefined, 0, 1, 7), v: fc.option(fc.uint8Array({ maxLength: 4 }), { nil: undefined }),
  wrong: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('id', 'info_hash', 'port', 'token', 'a') }),
}).map((x) => {
  const a: Record<string, Raw | undefined> = { id: s(x.id) };
  if (x.q === 'find_node' || x.q === 'get' || x.q === 'put') a.target = s(x.target);
  if (x.q === 'get_peers' || x.q === 'announce_peer') a.info_hash = s(x.infoHash);
  if (x.q === 'announce_peer') { a.port = n(x.port); a.token = s(x.token); if (x.implied !== undefined) a.implied_port = n(x.implied); }
  if (x.q === 'put') { a.v = s(x.token); a.token = s(x.token); }
  if (x.wrong && x.wrong !== 'a') a[x.wrong] = { list: [n(1)] };
  return d({ a: x.wrong === 'a' ? s('a') : d(a), q: s(x.q), t: s(x.t), y: x.y, v: x.v && s(x.v) });
});

/** KRPC responses (nodes, nodes6, values of every size, tokens) and errors. */
const response: fc.Arbitrary<Raw> = fc.record({
  t: tid, y: yOf('r'), id: idLike, nodes: fc.option(nodes4, { nil: undefined }), nodes6: fc.option(nodes6, { nil: undefined }),
  values: fc.option(values, { nil: undefined }), token: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: undefined }),
  wrong: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('values', 'nodes', 'nodes6', 'r') }),
}).map((x) => {
  const r: Record<string, Raw | undefined> = {
    id: s(x.id), nodes: x.nodes && s(x.nodes), nodes6: x.nodes6 && s(x.nodes6), values: x.values && { list: x.values }, token: x.token && s(x.token),
  };
  if (x.wrong && x.wrong !== 'r') r[x.wrong] = x.wrong === 'values' ? s('abcdef') : { list: [s('x')] };
  return d({ r: x.wrong === 'r' ? { list: [] } : d(r), t: s(x.t), y: x.y });
});
const errorMsg: fc.Arbitrary<Raw> = fc.record({ t: tid, y: yOf('e'), code: fc.integer({ min: -5, max: 300 }), text: fc.uint8Array({ maxLength: 30 }), shape: fc.nat(3) })
  .map((x) => d({ e: x.shape === 0 ? s(x.text) : { list: [n(x.code), s(x.text)] }, t: s(x.t), y: x.y }));

/** One structural damage to a message tree (applied to a node chosen by `at`). */
const damage = fc.oneof(
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 12 }), dict: fc.boolean() }),
  fc.record({ kind: fc.constant('int' as const), at: fc.nat(), text: fc.constantFrom('-0', '01', '+1', '1.5', '', '-', '00', '9007199254740993', '12345678901234567', '-9999999999999999', '99999999999999999999', '1e5', ' 1') }),
  fc.record({ kind: fc.constant('len' as const), at: fc.nat(), len: fc.constantFrom('01', '1234567', '99999', '-1', '', '4096', '0') }),
  fc.record({ kind: fc.constant('key' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', '\u00ff\u00fe', 'a'.repeat(300), '') }),
);
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function applyDamage(root: Raw, dmg: Damage): Raw {
  const all = nodesOf(root);
  const pick = <K extends 'int' | 'str' | 'list' | 'dict'>(k: K) => {
    const c = all.filter((x) => k in x);
    return c.length ? c[dmg.at % c.length] : undefined;
  };
  switch (dmg.kind) {
    case 'dup': { const x = pick('dict') as { dict: [Uint8Array, Raw][] } | undefined; if (x?.dict.length) x.dict.push(x.dict[dmg.at % x.dict.length]!); break; }
    case 'deep': {
      const x = pick('dict') as { dict: [Uint8Array, Raw][] } | undefined;
      if (!x?.dict.length) break;
      const e = x.dict[dmg.at % x.dict.length]!;
      let v = e[1];
      for (let i = 0; i < dmg.depth; i++) v = dmg.dict ? { dict: [[Buffer.from('a'), v]] } : { list: [v] };
      e[1] = v;
      break;
    }
    case 'int': { const x = pick('int') as { int: string } | undefined; if (x) x.int = dmg.text; break; }
    case 'len': { const x = pick('str') as { str: Uint8Array; len?: string } | undefined; if (x) x.len = dmg.len; break; }
    case 'key': { const x = pick('dict') as { dict: [Uint8Array, Raw][] } | undefined; if (x?.dict.length) x.dict[dmg.at % x.dict.length]![0] = Buffer.from(dmg.key, 'latin1'); break; }
  }
  return root;
}

/** Datagrams: valid KRPC (canonical or unsorted), damaged trees, byte-edited, random, pathological. */
const datagram: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.oneof(query, response, errorMsg), fc.boolean()).map(([m, canon]) => wire(canon ? sorted(m) : m)) },
  { weight: 3, arbitrary: fc.tuple(fc.oneof(query, response, errorMsg), fc.array(damage, { minLength: 1, maxLength: 3 })).map(([m, ds]) => wire(ds.reduce(applyDamage, sorted(m)))) },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(query, response), fc.array(byteEdit, { minLength: 1, maxLength: 3 })).map(([m, es]) => es.reduce((b, e) => (b.length ? applyByteEdit(b, e) : b), wire(sorted(m)))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.concat([Buffer.from('d1:t2:aa1:y1:'), b])) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.integer({ min: 1, max: 3000 }).map((k) => Buffer.from('l'.repeat(k) + 'e'.repeat(k))),
      fc.integer({ min: 1, max: 1000 }).map((k) => Buffer.from(`d1:t2:aa1:y1:r1:rd${'1:al'.repeat(Math.min(k, 5))}${'e'.repeat(Math.min(k, 5))}e`)),
      fc.integer({ min: 1, max: 400 }).map((k) => Buffer.from(`d1:rd2:id20:${'A'.repeat(20)}6:valuesl${'6:AAAAAA'.repeat(k)}ee1:t2:aa1:y1:re`)),
      fc.integer({ min: 1, max: 600 }).map((k) => Buffer.from(`d${Array.from({ length: k }, (_, i) => `${String(i).length + 1}:k${i}i${i}e`).join('')}1:t2:aa1:y1:qe`)),
      fc.integer({ min: 4000, max: 9000 }).map((k) => Buffer.from(`d1:t2:aa1:y1:q1:q4:ping1:ad2:id${k}:${'x'.repeat(k)}ee`)),
      fc.integer({ min: 1, max: 3000 }).map((k) => Buffer.from(`li${'9'.repeat(k)}ee`)),
    ),
  },
);

// ---------------------------------------------------------------------------------------------
// The oracle: a strict bencode reader written independently of dht-bencode.ts.

function oracleDecode(b: Buffer): BValue | undefined {
  let pos = 0;
  const text = (from: number, len: number): string => b.toString('latin1', from, Math.min(b.length, from + len));
  const parse = (depth: number): BValue => {
    if (depth > 8) throw new Error('deep');
    const c = String.fromCharCode(b[pos] ?? 0);
    if (c === 'i') {
      const m = /^i(0|-?[1-9][0-9]{0,15})e/.exec(text(pos, 20));
      if (!m || !Number.isSafeInteger(Number(m[1]))) throw new Error('int');
      pos += m[0].length;
      return Number(m[1]);
    }
    if (c === 'l' || c === 'd') {
      pos++;
      const items: BValue[] = [];
      const dict: BDict = new Map();
      for (;;) {
        if (pos >= b.length) throw new Error('eof');
        if (b[pos] === 0x65) { pos++; return c === 'l' ? items : dict; }
        if (c === 'l') { items.push(parse(depth + 1)); continue; }
        const k = parse(depth + 1);
        if (!Buffer.isBuffer(k)) throw new Error('key');
        const name = k.toString('latin1');
        if (dict.has(name)) throw new Error('dup');
        dict.set(name, parse(depth + 1));
      }
    }
    const m = /^(0|[1-9][0-9]{0,5}):/.exec(text(pos, 8));
    if (!m) throw new Error('str');
    const start = pos + m[0].length;
    const end = start + Number(m[1]);
    if (end > b.length) throw new Error('short');
    pos = end;
    return b.subarray(start, end);
  };
  try {
    const v = parse(0);
    return pos === b.length ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The KRPC shape decodeKrpc documents, on an oracle-decoded value (BEP 5/44 member types included). */
function oracleKrpc(v: BValue | undefined): boolean {
  if (!(v instanceof Map) || !Buffer.isBuffer(v.get('t')) || !Buffer.isBuffer(v.get('y'))) return false;
  const y = (v.get('y') as Buffer).toString('latin1');
  const body = v.get(y === 'q' ? 'a' : 'r');
  const typesOk = body instanceof Map && [...body].every(([k, x]) => (
    ['port', 'implied_port', 'seq', 'cas'].includes(k) ? typeof x === 'number'
      : ['id', 'target', 'info_hash', 'token', 'nodes', 'nodes6', 'k', 'salt', 'sig'].includes(k) ? Buffer.isBuffer(x) : true));
  if (y === 'q') return Buffer.isBuffer(v.get('q')) && typesOk;
  if (y === 'r') return typesOk;
  return y === 'e';
}

/** Whether the library's decode of the same bytes says the same (ASCII keys, safe integers). */
function sameAsLibrary(ours: BValue, lib: unknown): boolean {
  if (Buffer.isBuffer(ours)) return Buffer.isBuffer(lib) && ours.equals(lib);
  if (typeof ours === 'number') return !Number.isSafeInteger(ours) || ours === lib;
  if (Array.isArray(ours)) return Array.isArray(lib) && lib.length === ours.length && ours.every((x, i) => sameAsLibrary(x, lib[i] as unknown));
  if (lib === null || typeof lib !== 'object') return false;
  const obj = lib as Record<string, unknown>;
  return [...ours].every(([k, v]) => !/^[\x20-\x7e]+$/.test(k) || k === '__proto__' || (Object.hasOwn(obj, k) && sameAsLibrary(v, obj[k])));
}

describe('strict bencode / KRPC decoder under fuzzing', () => {
  it('accepts exactly what a strict decoder accepts, decodes it the same, and the library decodes it too', () => {
    fc.assert(fc.property(datagram, (buf) => {
      const want = oracleDecode(buf);
      const got = tallies.decode.run(() => bdecode(buf), (err) => (err instanceof Error && err.message.startsWith('bencode: ') ? 'BencodeError' : undefined));
      expect(got.ok).toBe(want !== undefined);
      if (got.ok) expect(got.value).toEqual(want);
      const krpc = decodeKrpc(buf); // never throws
      expect(krpc !== undefined).toBe(oracleKrpc(want));
      tallies.decode.note(krpc ? `krpc-${(krpc.get('y') as Buffer).toString('latin1')}` : got.ok ? 'bencode-not-krpc' : 'rejected');
      if (!got.ok) return;
      // Canonical input re-encodes byte for byte; any accepted input re-encodes to something that decodes the same.
      const again = (() => { try { return bencode(got.value); } catch { return undefined; } })();
      if (again) expect(bdecode(again)).toEqual(got.value);
      else expect.fail('an accepted value does not re-encode');
      if (!krpc) return;
      const lib = libBencode.decode(buf);
      expect(sameAsLibrary(got.value, lib)).toBe(true);
    }), params(2));
  });
});

// ---------------------------------------------------------------------------------------------
// The socket gate, fed directly (its private `receive`, as the socket's 'message' event calls it).

interface Gate {
  socket: DhtSocket;
  facade: SocketFacade;
  counters: PacketCounters;
  receive: (msg: Buffer, address: string, port: number) => void;
  maps: { nodes: { toSynthetic: Map<string, string>; toReal: Map<string, string> }; values: { toSynthetic: Map<string, string> } };
  emitted: { data: Buffer; address: string; port: number }[];
}

async function gate(family: 4 | 6): Promise<Gate> {
  const counters = new PacketCounters();
  const socket = await DhtSocket.bind({ family, port: 0, host: family === 4 ? '127.0.0.1' : '::1', logger: silentLogger, counters });
  const facade = socket.attach();
  const emitted: Gate['emitted'] = [];
  facade.on('message', (data: Buffer, rinfo: { address: string; port: number }) => emitted.push({ data, address: rinfo.address, port: rinfo.port }));
  const internals = socket as unknown as Gate['maps'] & { receive: Gate['receive'] };
  return { socket, facade, counters, receive: internals.receive.bind(socket), maps: internals, emitted };
}

const GATE_REASONS = ['oversize', 'malformed', 'unsolicited', 'accepted'];

/** Feeds one datagram; checks it was counted exactly once and returns the outcome. */
function feed(t: Tally, g: Gate, msg: Buffer, address: string, port: number): string {
  const before = g.counters.snapshot();
  g.emitted.length = 0;
  t.run(() => g.receive(msg, address, port), () => undefined);
  const after = g.counters.snapshot();
  expect(after.received).toBe(before.received + 1);
  const moved = Object.keys(after.dropped).filter((k) => after.dropped[k] !== before.dropped[k]);
  const acc = after.accepted - before.accepted;
  expect(moved.length + acc).toBe(1);
  const outcome = acc ? 'accepted' : moved[0]!;
  t.note(outcome);
  expect(GATE_REASONS).toContain(outcome); // no 'library-error' without a library: the gate itself never fails
  expect(g.emitted.length).toBe(acc);
  if (msg.length > MAX_DHT_DATAGRAM) expect(outcome).toBe('oversize');
  return outcome;
}

const isSynthetic = (ip: string): boolean => { const b = parseIp(ip); return b?.length === 4 && (b[0]! & 0xf0) === 240; };

/** What the library is handed: KRPC its own decoder reads, IPv4 addresses only, 6-byte values, whole node entries. */
function checkHandedOn(g: Gate, family: 4 | 6): void {
  for (const e of g.emitted) {
    expect(parseIp(e.address)?.length).toBe(4);
    if (family === 6) expect(isSynthetic(e.address)).toBe(true);
    expect(e.port).toBeGreaterThan(0);
    const k = decodeKrpc(e.data);
    expect(k).toBeDefined();
    expect(() => libBencode.decode(e.data)).not.toThrow();
    const r = k?.get('r');
    if (!(r instanceof Map)) continue;
    const vals = r.get('values');
    if (Array.isArray(vals)) for (const v of vals) expect(Buffer.isBuffer(v) && v.length === 6).toBe(true);
    if (family === 6) {
      expect(r.has('nodes6')).toBe(false);
      const nodes = r.get('nodes');
      if (nodes !== undefined) {
        expect(Buffer.isBuffer(nodes) && nodes.length % 26 === 0).toBe(true);
        for (let i = 0; Buffer.isBuffer(nodes) && i < nodes.length; i += 26) expect(isSynthetic(formatIp(nodes.subarray(i + 20, i + 24)))).toBe(true);
      }
      if (Array.isArray(vals)) for (const v of vals as Buffer[]) expect(g.socket.fromLibrary(formatIp(v.subarray(0, 4)))).toBeDefined();
    }
  }
}

describe('DHT socket gate under fuzzing', () => {
  it('udp4: every datagram counted once; the library gets only KRPC with 6-byte values; nothing throws', async () => {
    const g = await gate(4);
    const source = fc.tuple(fc.constantFrom('127.0.0.1', '203.0.113.5', '10.1.2.3', '192.0.2.200'), fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 65535 }) }, { weight: 1, arbitrary: fc.constant(0) }));
    try {
      fc.assert(fc.property(datagram, source, (msg, [ip, port]) => {
        const outcome = feed(tallies.gate4, g, msg, ip, port);
        if (outcome === 'accepted') expect(decodeKrpc(msg)).toBeDefined();
        else if (outcome === 'malformed') expect(decodeKrpc(msg) === undefined || port === 0).toBe(true);
        checkHandedOn(g, 4);
      }), params());
    } finally {
      await g.socket.close();
    }
  });

  it('udp6: translation hands the library synthetic IPv4 only, maps back to the real addresses, stays bounded', async () => {
    const g = await gate(6);
    const source = fc.tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom('::1', '2001:db8::5', '2001:db8:0:1::9', 'fe80::1%lo', '::ffff:192.0.2.1') }, { weight: 1, arbitrary: fc.constantFrom('127.0.0.1', 'not-an-ip', '') }),
      fc.integer({ min: 1, max: 65535 }),
    );
    try {
      fc.assert(fc.property(datagram, source, (msg, [ip, port]) => {
        // Half of the responses answer a query the library sent to that address (the others are unsolicited).
        const k = decodeKrpc(msg);
        const y = k?.get('y');
        if (k && Buffer.isBuffer(y) && y.toString() !== 'q' && port % 2 === 0) {
          const lib = g.socket.toLibrary(ip.split('%')[0] ?? '');
          if (lib) g.socket.sendFromLibrary(g.facade, bencode(new Map<string, BValue>([['a', new Map([['id', Buffer.alloc(20)]])], ['q', Buffer.from('ping')], ['t', k.get('t') as Buffer], ['y', Buffer.from('q')]])), port, lib);
        }
        feed(tallies.gate6, g, msg, ip, port);
        checkHandedOn(g, 6);
        expect(g.maps.nodes.toSynthetic.size).toBeLessThanOrEqual(8192);
        expect(g.maps.values.toSynthetic.size).toBeLessThanOrEqual(4096);
        expect(g.maps.nodes.toReal.size).toBe(g.maps.nodes.toSynthetic.size);
      }), params());
    } finally {
      await g.socket.close();
    }
  });

  it('udp6: responses to queries never sent (nodes6, values) cannot flush the address map (regression)', async () => {
    const g = await gate(6);
    try {
      const real = '2001:db8::1';
      const known = g.socket.toLibrary(real)!;
      const nodes = Buffer.concat(Array.from({ length: 50 }, (_, i) => Buffer.concat([Buffer.alloc(20, i), parseIp(`2001:db8:bad::${(i + 1).toString(16)}`)!, u16(6881)])));
      for (let j = 0; j < 200; j++) {
        const vals = Array.from({ length: 50 }, (_, i) => Buffer.concat([parseIp(`2001:db8:${j.toString(16)}::${(i + 1).toString(16)}`)!, u16(1)]));
        const msg = bencode(new Map<string, BValue>([['r', new Map<string, BValue>([['id', Buffer.alloc(20, 1)], ['nodes6', nodes], ['values', vals]])], ['t', Buffer.from([j >> 8, j & 255])], ['y', Buffer.from('r')]]));
        expect(msg.length).toBeLessThanOrEqual(MAX_DHT_DATAGRAM);
        g.receive(msg, `2001:db8:beef::${(j % 50).toString(16)}`, 6881);
      }
      expect(g.counters.snapshot().accepted).toBe(0); // the library would have ignored them too (unknown transaction)
      expect(g.socket.fromLibrary(known)).toBe(real);
      expect(g.socket.toLibrary(real)).toBe(known);
    } finally {
      await g.socket.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Live: a DhtDiscovery on loopback, an honest bootstrap node, and 200 fuzzing "nodes" on
// 127.1.0.x that flood its port and answer its queries with fuzzed responses.

const IH = [Buffer.alloc(20, 1), Buffer.alloc(20, 2)];
const FAST = { queryMs: 250, querySlowMs: 250, bootstrapBaseMs: 100, bootstrapMaxMs: 400, rpcTimeoutMs: 400, opCapMs: 3000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(25);
  }
  return true;
}
const mib = (b: number): number => Math.round((b / 1048576) * 10) / 10;

/** Compact node entries pointing only at loopback (the node under test will query them). */
function loopbackNodes(rand: () => number, count: number, ports: number[]): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => {
    const i = Math.floor(rand() * ports.length);
    return Buffer.concat([Buffer.from(Array.from({ length: 20 }, () => Math.floor(rand() * 256))), Buffer.from([127, 1, 0, 1 + i]), u16(ports[i] ?? 1)]);
  }));
}

/** Makes a flood datagram safe for the live run: a response is made unsolicited (transaction 0), so no fuzzed `nodes` address is ever contacted. */
function unsolicited(msg: Buffer): Buffer {
  const k = decodeKrpc(msg);
  const y = k?.get('y');
  if (!k || !Buffer.isBuffer(y) || y.toString() === 'q') return msg;
  k.set('t', Buffer.alloc(2));
  try { return bencode(k); } catch { return Buffer.from('x'); }
}

describe('live DhtDiscovery under a fuzzed flood', () => {
  it(`receives ≥ ${FLOOD} fuzzed datagrams, hands onPeer only valid addresses, still answers a ping and finds a peer announced afterwards`, async () => {
    const cleanups: (() => Promise<unknown> | void)[] = [];
    try {
      const honest = new DhtBootstrapNode();
      await honest.start('127.0.0.1', 0);
      cleanups.push(() => honest.stop());
      const found: PeerAddress[] = [];
      const dht = new DhtDiscovery({
        port: 0, announcePort: 40100, bootstrap: [`127.0.0.1:${honest.port}`], infohashes: () => IH, networkId: Buffer.alloc(20, 9), ipv6: false,
        clock: systemClock, logger: silentLogger, onPeer: (a) => found.push(a), peerCount: () => 0, timers: FAST,
      });
      cleanups.push(() => dht.stop());
      await dht.start();
      expect(await waitFor(() => dht.status().state === 'ready', 15_000)).toBe(true);
      const port = dht.status().port;
      const counters = (dht as unknown as { counters: PacketCounters }).counters;

      // The fuzzing nodes.
      const N = 200;
      const hostile: dgram.Socket[] = [];
      for (let i = 0; i < N; i++) {
        const sock = dgram.createSocket('udp4');
        await new Promise<void>((r) => sock.bind(0, `127.1.0.${1 + i}`, () => r()));
        sock.on('error', () => undefined);
        hostile.push(sock);
      }
      cleanups.push(() => Promise.all(hostile.map((h) => new Promise<void>((r) => { try { h.close(() => r()); } catch { r(); } }))));
      const ports = hostile.map((h) => h.address().port);
      let seed = 0x5eed;
      const rand = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
      const answerPool = fc.sample(fc.tuple(values, fc.nat(4), fc.nat(9)), { numRuns: 500, seed: 7 });
      const offered = { values: 0, invalidValues: 0, answers: 0, announces: 0 };
      hostile.forEach((sock, i) => {
        const id = Buffer.alloc(20, i + 1);
        sock.on('message', (msg, rinfo) => {
          const k = decodeKrpc(msg);
          const y = k?.get('y');
          if (!k || !Buffer.isBuffer(y) || rinfo.port !== port) return;
          if (y.toString() === 'q') {
            // A fuzzed answer: values of every shape (never contacted), loopback-only nodes, sometimes an error or silence.
            const [vals, nodeCount, shape] = answerPool[Math.floor(rand() * answerPool.length)]!;
            if (shape === 0) return;
            const r = new Map<string, BValue>([['id', shape === 1 ? Buffer.alloc(3) : id], ['token', Buffer.from([i, shape])]]);
            if (shape !== 2) r.set('nodes', loopbackNodes(rand, nodeCount, ports));
            if (shape >= 4) {
              const vs = vals.map((v): BValue => ('str' in v ? Buffer.from(v.str) : Number((v as { int: string }).int)));
              const bufs = vs.filter((v): v is Buffer => Buffer.isBuffer(v));
              offered.values += vs.length;
              offered.invalidValues += vs.length - bufs.filter((v) => v.length === 6 && validatePeerAddress(formatIp(v.subarray(0, 4)), v.readUInt16BE(4), false)).length;
              r.set('values', vs);
            }
            const answer = shape === 3 ? new Map<string, BValue>([['e', [201, Buffer.from('no')]], ['t', k.get('t') as Buffer], ['y', Buffer.from('e')]]) : new Map<string, BValue>([['r', r], ['t', k.get('t') as Buffer], ['y', Buffer.from('r')]]);
            offered.answers++;
            sock.send(bencode(answer), rinfo.port, rinfo.address);
          } else if (y.toString() === 'r') {
            const token = (k.get('r') as BDict | undefined)?.get('token');
            if (!Buffer.isBuffer(token) || rand() < 0.5) return;
            // announce_peer with the token we were given: ports of every kind, implied or not.
            const p = [0, 1, 65535, 40200 + i, 70000][Math.floor(rand() * 5)]!;
            const a = new Map<string, BValue>([['id', id], ['info_hash', IH[0]!], ['port', p], ['token', token], ['implied_port', rand() < 0.2 ? 1 : 0]]);
            offered.announces++;
            sock.send(bencode(new Map<string, BValue>([['a', a], ['q', Buffer.from('announce_peer')], ['t', Buffer.from([0xaa, i])], ['y', Buffer.from('q')]])), port, '127.0.0.1');
          }
        });
      });

      // Flood: 90 % spread over the fuzzing nodes (under the per-source limit), 10 % from one loud source.
      const floodData = fc.sample(datagram, { numRuns: Math.min(FLOOD, 10_000), seed: 42 }).map(unsolicited);
      const rss0 = process.memoryUsage().rss;
      const received0 = counters.received;
      const t0 = performance.now();
      for (let k = 0; k < FLOOD; k++) {
        const msg = floodData[k % floodData.length]!;
        const from = k % 10 === 9 ? hostile[0]! : hostile[k % N]!;
        from.send(msg, port, '127.0.0.1');
        tallies.live.inputs++;
        if (k % 16 === 15) {
          // Keep at most a few dozen datagrams in flight, so the kernel buffer never overflows.
          const until = Date.now() + 2000;
          while (counters.received - received0 < k - 48 && Date.now() < until) await sleep(1);
        }
      }
      await waitFor(() => counters.received - received0 >= FLOOD, 10_000);
      const floodMs = performance.now() - t0;
      await sleep(500);
      const rss1 = process.memoryUsage().rss;
      const snap = counters.snapshot();
      tallies.live.accepted = snap.accepted;
      Object.assign(tallies.live.rejected, snap.dropped);
      tallies.live.totalMs = floodMs;
      expect(counters.received - received0).toBeGreaterThanOrEqual(FLOOD);
      // The library never throws on what the gate lets through (it did on wrong-typed arguments: token.equals, k-bucket ids).
      expect(Object.keys(snap.dropped).every((r) => ['oversize', 'rate-limited', 'malformed'].includes(r))).toBe(true);

      // Still answers a ping (from a source that did not flood).
      const client = dgram.createSocket('udp4');
      await new Promise<void>((r) => client.bind(0, '127.0.0.77', () => r()));
      cleanups.push(() => new Promise<void>((r) => client.close(() => r())));
      let pong = false;
      client.on('message', (m) => { if ((decodeKrpc(m)?.get('t') as Buffer | undefined)?.toString() === 'pp') pong = true; });
      client.send(bencode(new Map<string, BValue>([['a', new Map([['id', Buffer.alloc(20, 0x77)]])], ['q', Buffer.from('ping')], ['t', Buffer.from('pp')], ['y', Buffer.from('q')]])), port, '127.0.0.1');
      expect(await waitFor(() => pong, 5000)).toBe(true);

      // The fuzzing nodes keep answering the node's lookups for a while, then go silent; a peer announced now is still found.
      await sleep(3000);
      for (const h of hostile) h.removeAllListeners('message');
      const t1 = Date.now();
      const late = new DhtDiscovery({
        port: 0, announcePort: 40101, bootstrap: [`127.0.0.1:${honest.port}`], infohashes: () => IH, networkId: Buffer.alloc(20, 9), ipv6: false,
        clock: systemClock, logger: silentLogger, onPeer: () => undefined, peerCount: () => 0, timers: FAST,
      });
      cleanups.push(() => late.stop());
      await late.start();
      const foundLate = await waitFor(() => found.some((a) => a.ip === '127.0.0.1' && a.port === 40101), 40_000);
      expect(foundLate).toBe(true);

      // Every address handed to onPeer passes the validator unchanged.
      for (const a of found) expect(validatePeerAddress(a.ip, a.port, false)).toEqual(a);
      Object.assign(live, {
        flood: FLOOD, floodSeconds: Math.round(floodMs / 100) / 10, receivedDuringFlood: counters.received - received0, counters: snap,
        fuzzedAnswers: offered.answers, announcesByFuzzers: offered.announces, valuesOffered: offered.values, invalidValuesOffered: offered.invalidValues,
        onPeerCalls: found.length, onPeerDistinct: new Set(found.map(addressText)).size, pingAnswered: pong, lateAnnounceFoundMs: Date.now() - t1,
        state: dht.status().state, routingTableNodes: dht.status().nodes, rssMiB: { before: mib(rss0), after: mib(rss1), growth: mib(rss1 - rss0) },
      });
      console.log(`[hardening] live DHT: ${JSON.stringify(live)}`);
      expect(rss1 - rss0).toBeLessThan(100 * 1048576);
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  }, 180_000);
});
