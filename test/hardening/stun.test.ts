// Fuzzing the STUN code that reads the network (issue 3): the Binding Response decoder the
// client uses (src/service/mesh/stun-codec.ts decodeBindingResponse), the Binding Request decoder
// our own STUN server uses (decodeBindingRequest), and the client's query path
// (src/service/discovery/stun.ts stunBinding, through its socketFactory seam: a fake socket that
// hands over fuzzed datagrams as if the server or someone else had sent them). The unit tests in
// stun-codec.test.ts already throw a few thousand random and bit-flipped messages at the decoder
// and only check that StunError is the one exception; this suite adds an independent oracle, so
// what is accepted is checked too. Properties: only StunError is thrown, with the reason the
// oracle predicts; an address is returned only when it came from a well-formed (XOR-)MAPPED-ADDRESS
// attribute (the first usable XOR-MAPPED-ADDRESS, else the last usable MAPPED-ADDRESS) and equals
// what that attribute says; the query path ignores other sources and other transactions, fails
// with StunQueryError('malformed') on anything else malformed, never hands on an address that
// cannot be an endpoint, and never throws.
import { EventEmitter } from 'node:events';
import type dgram from 'node:dgram';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeBindingRequest, decodeBindingResponse, STUN_MAGIC_COOKIE, StunError, type Mapped,
} from '../../src/service/mesh/stun-codec';
import { detectNat, STUN_READ_BUFFER, stunBinding, StunQueryError } from '../../src/service/discovery/stun';
import { applyByteEdit, byteEdit, type ByteEdit } from './support/arbitraries';
import { Tally, params, writeResults } from './support/fuzz';

const tallies = {
  response: new Tally('decodeBindingResponse'),
  request: new Tally('decodeBindingRequest'),
  query: new Tally('stunBinding (query path)'),
};
const stunReason = (err: unknown): string | undefined => (err instanceof StunError ? err.reason : undefined);

// ---------------------------------------------------------------------------------------------
// The oracle: RFC 5389 as the spec (3.6, 6.1.6) reads it, written independently of the codec.

const ATTR_MAPPED = 0x0001;
const ATTR_XOR_MAPPED = 0x0020;

/** Canonical text of 4 or 16 address bytes: dotted IPv4 (also for IPv4-mapped IPv6), else RFC 5952 via the WHATWG URL parser. */
function ipText(b: Uint8Array): string {
  const mapped = b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (b.length === 4 || mapped) return [...b.subarray(b.length - 4)].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0)).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

type Walk = { attrs: { type: number; value: Uint8Array }[] } | { reason: string };

/**
 * Header and attribute framing of a message of `type`, in the order the checks apply: length,
 * type, cookie, length field, then (`tx` given) the transaction, then the attributes.
 */
function walk(m: Uint8Array, type: number, tx?: Uint8Array): Walk {
  if (m.length < 20) return { reason: 'too-short' };
  if (((m[0]! << 8) | m[1]!) !== type) return { reason: 'bad-type' };
  if (m[4] !== 0x21 || m[5] !== 0x12 || m[6] !== 0xa4 || m[7] !== 0x42) return { reason: 'bad-cookie' };
  const length = (m[2]! << 8) | m[3]!;
  if (length % 4 !== 0 || m.length !== 20 + length) return { reason: 'bad-length' };
  if (tx && !m.subarray(8, 20).every((x, i) => x === tx[i])) return { reason: 'transaction-mismatch' };
  const attrs: { type: number; value: Uint8Array }[] = [];
  for (let off = 20; off < m.length;) {
    if (m.length - off < 4) return { reason: 'attribute-overrun' };
    const len = (m[off + 2]! << 8) | m[off + 3]!;
    const padded = Math.ceil(len / 4) * 4;
    if (off + 4 + padded > m.length) return { reason: 'attribute-overrun' };
    attrs.push({ type: (m[off]! << 8) | m[off + 1]!, value: m.subarray(off + 4, off + 4 + len) });
    off += 4 + padded;
  }
  return { attrs };
}

/** The address of one attribute value, or null when it is not a well-formed address value. */
function addressOf(value: Uint8Array, xorKey: Uint8Array | null): Mapped | null {
  const family = value[1];
  const size = family === 1 ? 4 : family === 2 ? 16 : -1;
  if (size < 0 || value.length !== 4 + size) return null;
  const ip = Uint8Array.from(value.subarray(4), (x, i) => x ^ (xorKey ? xorKey[i]! : 0));
  const port = ((value[2]! << 8) | value[3]!) ^ (xorKey ? 0x2112 : 0);
  return { ip: ipText(ip), port };
}

/** What decodeBindingResponse must return (with every well-formed address attribute) or throw. */
function expectResponse(m: Uint8Array, tx: Uint8Array): { mapped: Mapped; wellFormed: Mapped[] } | { reason: string } {
  const w = walk(m, 0x0101, tx);
  if ('reason' in w) return w;
  const key = Uint8Array.from([0x21, 0x12, 0xa4, 0x42, ...tx]);
  const xor = w.attrs.filter((a) => a.type === ATTR_XOR_MAPPED).map((a) => addressOf(a.value, key)).filter((a) => a !== null);
  const plain = w.attrs.filter((a) => a.type === ATTR_MAPPED).map((a) => addressOf(a.value, null)).filter((a) => a !== null);
  const mapped = xor[0] ?? plain[plain.length - 1];
  return mapped ? { mapped, wellFormed: [...xor, ...plain] } : { reason: 'no-mapped-address' };
}

// ---------------------------------------------------------------------------------------------
// Generators: messages built from attributes (right or wrong), then damaged.

interface AttrSpec {
  type: number;
  /** Value bytes; address values are built from the transaction at encoding time. */
  value: (tx: Uint8Array) => Uint8Array;
  /** Bytes after the value (normally the 0–3 padding bytes; wrong counts misframe the rest). */
  pad: 'zero' | 'junk' | 'none' | 'extra';
}

/** An address attribute value: family 1/2 with the right size, or a wrong family/size. */
const addressValue = (xor: boolean): fc.Arbitrary<(tx: Uint8Array) => Uint8Array> => fc.record({
  family: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
  reserved: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
  port: fc.integer({ min: 0, max: 65535 }),
  ip: fc.oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.constantFrom(
      [0, 0, 0, 0], [255, 255, 255, 255], [224, 0, 0, 1], [127, 0, 0, 1], [198, 51, 100, 1], [240, 1, 2, 3],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 192, 0, 2, 1], [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], Array(16).fill(0) as number[],
    ).map((a) => Uint8Array.from(a)),
  ),
  sizeDelta: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -8, max: 8 }) }),
}).map(({ family, reserved, port, ip, sizeDelta }) => (tx: Uint8Array) => {
  const size = Math.max(0, (family === 2 ? 16 : 4) + sizeDelta);
  const bytes = Uint8Array.from({ length: size }, (_, i) => ip[i % ip.length] ?? 0);
  const key = Uint8Array.from([0x21, 0x12, 0xa4, 0x42, ...tx]);
  if (xor) for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ key[i % 16]!;
  const p = xor ? port ^ 0x2112 : port;
  return Uint8Array.from([reserved, family, p >> 8, p & 255, ...bytes]);
});

const attrSpec: fc.Arbitrary<AttrSpec> = fc.record({
  kind: fc.constantFrom('xor', 'mapped', 'software', 'fingerprint', 'other'),
  xor: addressValue(true),
  mapped: addressValue(false),
  blob: fc.uint8Array({ maxLength: 40 }),
  other: fc.integer({ min: 0, max: 0xffff }),
  pad: fc.oneof({ weight: 8, arbitrary: fc.constant('zero' as const) }, { weight: 1, arbitrary: fc.constantFrom('junk' as const, 'none' as const, 'extra' as const) }),
}).map(({ kind, xor, mapped, blob, other, pad }) => {
  switch (kind) {
    case 'xor': return { type: ATTR_XOR_MAPPED, value: xor, pad };
    case 'mapped': return { type: ATTR_MAPPED, value: mapped, pad };
    case 'software': return { type: 0x8022, value: () => blob, pad };
    case 'fingerprint': return { type: 0x8028, value: () => blob.subarray(0, 4), pad };
    default: return { type: other, value: () => blob, pad };
  }
});

/** A whole message: header fields (mostly right), attributes, then header and byte damage. */
interface MessageSpec {
  type: number;
  cookie: number;
  /** Which transaction ID goes into the header. */
  tx: 'own' | 'other' | 'near';
  attrs: AttrSpec[];
  /** Replace the length field (else it is right). */
  length: number | undefined;
  /** Overwrite one attribute's length field: [attribute index, value]. */
  attrLength: [number, number] | undefined;
  edits: ByteEdit[];
}

const messageSpec = (type: number): fc.Arbitrary<MessageSpec> => fc.record({
  type: fc.oneof({ weight: 9, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
  cookie: fc.oneof({ weight: 9, arbitrary: fc.constant(STUN_MAGIC_COOKIE) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) }),
  tx: fc.oneof({ weight: 8, arbitrary: fc.constant('own' as const) }, { weight: 1, arbitrary: fc.constantFrom('other' as const, 'near' as const) }),
  attrs: fc.array(attrSpec, { maxLength: 6 }),
  length: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
  attrLength: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 0xffff }))) },
  ),
  edits: fc.oneof({ weight: 3, arbitrary: fc.constant<ByteEdit[]>([]) }, { weight: 2, arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 3 }) }),
});

/** Encodes a spec for transaction `tx`. */
function build(spec: MessageSpec, tx: Uint8Array): Buffer {
  const body: number[] = [];
  const headers: number[] = [];
  for (const a of spec.attrs) {
    const value = a.value(tx);
    headers.push(body.length);
    body.push(a.type >> 8, a.type & 255, value.length >> 8, value.length & 255, ...value);
    const padLen = (4 - (value.length % 4)) % 4;
    if (a.pad === 'zero') body.push(...Array<number>(padLen).fill(0));
    else if (a.pad === 'junk') body.push(...Array<number>(padLen).fill(0xa5));
    else if (a.pad === 'extra') body.push(...Array<number>(padLen + 1).fill(0));
  }
  if (spec.attrLength && headers.length) {
    const at = headers[spec.attrLength[0] % headers.length]!;
    body[at + 2] = spec.attrLength[1] >> 8;
    body[at + 3] = spec.attrLength[1] & 255;
  }
  const length = spec.length ?? body.length;
  const txBytes = spec.tx === 'own' ? tx : spec.tx === 'near' ? Uint8Array.from(tx, (x, i) => (i === 11 ? x ^ 1 : x)) : Uint8Array.from(tx, (x) => x ^ 0x5a);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(spec.type, 0);
  head.writeUInt16BE(length & 0xffff, 2);
  head.writeUInt32BE(spec.cookie >>> 0, 4);
  head.set(txBytes, 8);
  let msg: Buffer = Buffer.concat([head, Buffer.from(body)]);
  for (const e of spec.edits) if (msg.length > 0) msg = applyByteEdit(msg, e);
  return msg;
}

const txId = fc.uint8Array({ minLength: 12, maxLength: 12 });

/** Checks one decodeBindingResponse call against the oracle. */
function checkResponse(m: Uint8Array, tx: Uint8Array): void {
  const want = expectResponse(m, tx);
  const copy = Buffer.from(m);
  const got = tallies.response.run(() => decodeBindingResponse(m, tx), stunReason);
  expect(Buffer.from(m).equals(copy)).toBe(true); // pure: the datagram is not modified (a Buffer's slice is a view)
  if (!got.ok) {
    expect('reason' in want ? want.reason : 'accepted').toBe(got.label);
    return;
  }
  expect('mapped' in want).toBe(true);
  if (!('mapped' in want)) return;
  expect(got.value).toEqual(want.mapped);
  // Spelled out: the address came from a well-formed address attribute, and is canonical text.
  expect(want.wellFormed).toContainEqual(got.value);
  expect(isIP(got.value.ip)).not.toBe(0);
  expect(Number.isInteger(got.value.port) && got.value.port >= 0 && got.value.port <= 65535).toBe(true);
}

afterAll(() => writeResults('fuzz-stun', Object.values(tallies)));

describe('STUN decoders under fuzzing', () => {
  it('decodeBindingResponse: random bytes, bare or behind a right-looking header', () => {
    const raw = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(0x0101, 0x0111, 0x0001), fc.boolean()).map(([body, type, rightLength]) => {
        const head = Buffer.alloc(20);
        head.writeUInt16BE(type, 0);
        head.writeUInt16BE(rightLength ? body.length : (body.length + 4) & 0xffff, 2);
        head.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
        return { head, body };
      }),
    );
    fc.assert(fc.property(raw, txId, (r, tx) => {
      if (r instanceof Uint8Array) return checkResponse(r, tx);
      r.head.set(tx, 8); // the right transaction: only the attributes are random
      checkResponse(Buffer.concat([r.head, r.body]), tx);
    }), params());
  });

  it('decodeBindingResponse: built and damaged responses (wrong cookie/transaction/length, attribute lengths past the end, odd padding, bit flips, truncation)', () => {
    fc.assert(fc.property(messageSpec(0x0101), txId, (spec, tx) => checkResponse(build(spec, tx), tx)), params(2));
  });

  it('decodeBindingResponse: huge messages (up to 65 535 attribute bytes, thousands of attributes, 64 KiB garbage)', () => {
    const huge = fc.oneof(
      // Many small well-framed attributes, the address (if any) last.
      fc.tuple(fc.integer({ min: 1, max: 16_000 }), fc.constantFrom(0x8022, ATTR_MAPPED, ATTR_XOR_MAPPED, 0x0000), fc.boolean()).map(([n, type, withAddress]) => (tx: Uint8Array) => {
        const attrs = Buffer.alloc(n * 4);
        for (let i = 0; i < n; i++) attrs.writeUInt16BE(type, i * 4); // zero-length values
        const tail = withAddress ? Buffer.from([0x00, 0x20, 0x00, 0x08, 0, 1, 0x21 ^ 0x12, 0x12 ^ 0x34, 0x21 ^ 198, 0x12 ^ 51, 0xa4 ^ 100, 0x42 ^ 1]) : Buffer.alloc(0);
        const body = Buffer.concat([attrs, tail]).subarray(0, 65532);
        const head = Buffer.alloc(20);
        head.writeUInt16BE(0x0101, 0);
        head.writeUInt16BE(body.length, 2);
        head.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
        head.set(tx, 8);
        return Buffer.concat([head, body]);
      }),
      // One attribute claiming up to 65 535 bytes, with or without them.
      fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.boolean()).map(([len, present]) => (tx: Uint8Array) => {
        const value = present ? Math.min(len + ((4 - (len % 4)) % 4), 65528) : 8;
        const head = Buffer.alloc(24);
        head.writeUInt16BE(0x0101, 0);
        head.writeUInt16BE((4 + value) & 0xffff, 2);
        head.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
        head.set(tx, 8);
        head.writeUInt16BE(ATTR_XOR_MAPPED, 20);
        head.writeUInt16BE(len, 22);
        return Buffer.concat([head, Buffer.alloc(value, 0x11)]);
      }),
      fc.integer({ min: 20, max: 70_000 }).map((n) => () => Buffer.alloc(n, 0x01)),
    );
    fc.assert(fc.property(huge, txId, (make, tx) => checkResponse(make(tx), tx)), params(0.05));
  });

  it('decodeBindingRequest (our STUN server): random bytes and damaged requests; a request decodes to its own transaction ID', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 80 }).map((b) => () => Buffer.from(b)),
      messageSpec(0x0001).map((spec) => (tx: Uint8Array) => build(spec, tx)),
    );
    fc.assert(fc.property(input, txId, (make, tx) => {
      const m = make(tx);
      const w = walk(m, 0x0001);
      const got = tallies.request.run(() => decodeBindingRequest(m), stunReason);
      if (got.ok) {
        expect('attrs' in w).toBe(true);
        expect(Buffer.from(got.value).equals(m.subarray(8, 20))).toBe(true);
        const saved = Buffer.from(got.value);
        m.fill(0xee);
        expect(Buffer.from(got.value).equals(saved)).toBe(true); // a copy, not a view of the datagram (a Buffer's slice is a view)
      } else {
        expect('reason' in w ? w.reason : 'accepted').toBe(got.label);
      }
    }), params());
  });
});

// ---------------------------------------------------------------------------------------------
// The query path: a fake socket stands in for the ephemeral udp4 socket.

/** The part of a dgram socket StunProbe uses; records what was sent. */
class FakeSocket extends EventEmitter {
  readonly sent: Buffer[] = [];
  closed = false;
  bind(_port: number, _address: string, cb: () => void): void { process.nextTick(cb); }
  send(msg: Uint8Array, _port: number, _ip: string, cb?: (err: Error | null) => void): void {
    this.sent.push(Buffer.from(msg));
    process.nextTick(() => cb?.(null));
  }
  close(): void { this.closed = true; }
}

const SERVER = { host: '192.0.2.10', port: 3478 };

/** The endpoint rule of the query path: an address a NAT can map us to (not 0/8, multicast, 240/4, ::, ff00::/8) and a port. */
function usableReflexive(m: Mapped): boolean {
  const v4 = /^(\d+)\.\d+\.\d+\.\d+$/.exec(m.ip);
  if (v4) return Number(v4[1]) !== 0 && Number(v4[1]) < 224 && m.port > 0;
  return m.ip !== '::' && !/^ff[0-9a-f]{2}:/.test(m.ip) && m.port > 0;
}

/** One datagram as it arrives at the client: bytes and source. */
interface Arrival { spec: MessageSpec | Uint8Array; from: string; pad: number }

describe('stunBinding query path under fuzzing', () => {
  it('datagrams from the server and from others: resolve with a usable address from a well-formed response, fail as malformed, or keep waiting', async () => {
    const arrival: fc.Arbitrary<Arrival> = fc.record({
      spec: fc.oneof({ weight: 4, arbitrary: messageSpec(0x0101) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) }),
      from: fc.oneof({ weight: 4, arbitrary: fc.constant(SERVER.host) }, { weight: 1, arbitrary: fc.constantFrom('::ffff:192.0.2.10', '192.0.2.11', '2001:db8::10', '127.0.0.1') }),
      pad: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 400, max: 600 }) }),
    });
    await fc.assert(fc.asyncProperty(fc.array(arrival, { minLength: 1, maxLength: 4 }), async (arrivals) => {
      const sock = new FakeSocket();
      const t0 = performance.now();
      const pending = stunBinding(SERVER, { socketFactory: () => sock as unknown as dgram.Socket, timeoutMs: 60_000 });
      while (sock.sent.length === 0) await new Promise((r) => setImmediate(r));
      const tx = sock.sent[0]!.subarray(8, 20);
      // What the client must conclude: the first datagram from the server's IP that is not another transaction's decides.
      let want: { mapped: Mapped } | { malformed: true } | undefined;
      for (const a of arrivals) {
        let msg = a.spec instanceof Uint8Array ? Buffer.from(a.spec) : build(a.spec, tx);
        if (a.pad) msg = Buffer.concat([msg, Buffer.alloc(Math.max(0, a.pad - msg.length))]);
        sock.emit('message', msg, { address: a.from, port: SERVER.port, family: a.from.includes(':') ? 'IPv6' : 'IPv4', size: msg.length });
        if (want || (a.from !== SERVER.host && a.from !== '::ffff:192.0.2.10')) continue;
        const r = msg.length > STUN_READ_BUFFER ? { reason: 'bad-length' } : expectResponse(msg, tx);
        if ('reason' in r && r.reason === 'transaction-mismatch') continue;
        want = 'mapped' in r && usableReflexive(r.mapped) ? { mapped: r.mapped } : { malformed: true };
      }
      // A well-formed answer last, so that a query still waiting ends.
      const fallback: Mapped = { ip: '203.0.113.77', port: 4242 };
      sock.emit('message', build({ type: 0x0101, cookie: STUN_MAGIC_COOKIE, tx: 'own', attrs: [{ type: ATTR_XOR_MAPPED, pad: 'zero', value: (t) => {
        const key = Uint8Array.from([0x21, 0x12, 0xa4, 0x42, ...t]);
        return Uint8Array.from([0, 1, (4242 ^ 0x2112) >> 8, (4242 ^ 0x2112) & 255, 203 ^ key[0]!, 0 ^ key[1]!, 113 ^ key[2]!, 77 ^ key[3]!]);
      } }], length: undefined, attrLength: undefined, edits: [] }, tx), { address: SERVER.host, port: SERVER.port, family: 'IPv4', size: 32 });
      tallies.query.note(want ? ('malformed' in want ? 'failed-malformed' : 'answered-by-fuzzed') : 'answered-by-fallback');
      want ??= { mapped: fallback };
      const outcome = await pending.then((m) => ({ mapped: m }), (err: unknown) => err);
      tallies.query.inputs++;
      tallies.query.time(performance.now() - t0);
      if (outcome instanceof Error) {
        if (!(outcome instanceof StunQueryError)) { tallies.query.crashes++; throw outcome; }
        tallies.query.rejected[outcome.kind] = (tallies.query.rejected[outcome.kind] ?? 0) + 1;
        expect(outcome.kind).toBe('malformed');
        expect(want).toEqual({ malformed: true });
      } else {
        tallies.query.accepted++;
        expect(outcome).toEqual(want);
      }
      expect(sock.closed).toBe(true);
      expect(sock.listenerCount('message')).toBe(0);
    }), params(0.5));
  });

  it('detectNat does not advertise an address no NAT maps to (regression: 0.0.0.0, multicast, broadcast from the server)', async () => {
    for (const ip of ['0.0.0.0', '224.0.0.1', '255.255.255.255', '::', 'ff02::1']) {
      const sock = new FakeSocket();
      sock.on('newListener', (event) => {
        if (event !== 'message') return;
        setImmediate(() => {
          const tx = sock.sent[sock.sent.length - 1]!.subarray(8, 20);
          const bytes = ip.includes(':') ? (ip === '::' ? Array<number>(16).fill(0) : [0xff, 2, ...Array<number>(13).fill(0), 1]) : ip.split('.').map(Number);
          sock.emit('message', build({ type: 0x0101, cookie: STUN_MAGIC_COOKIE, tx: 'own', attrs: [{ type: ATTR_MAPPED, pad: 'zero', value: () => Uint8Array.from([0, bytes.length === 4 ? 1 : 2, 0x13, 0x88, ...bytes]) }], length: undefined, attrLength: undefined, edits: [] }, tx), { address: SERVER.host, port: SERVER.port, family: 'IPv4', size: 0 });
        });
      });
      const errors: string[] = [];
      const r = await detectNat([SERVER, SERVER], 51820, { socketFactory: () => sock as unknown as dgram.Socket, timeoutMs: 60_000, onQueryError: (_s, e) => errors.push(e.kind) });
      expect(r, ip).toBeNull();
      expect(errors).toEqual(['malformed', 'malformed']);
    }
  });
});
