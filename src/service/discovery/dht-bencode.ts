/**
 * A strict bencode codec for the DHT socket gate (BEP 3 encoding, as KRPC/BEP 5 uses it).
 *
 * Every datagram is decoded here before bittorrent-dht sees it: only a dictionary that is the
 * whole datagram, nests at most {@link MAX_DEPTH} levels, has canonical integers within ±(2^53 − 1) and carries a
 * byte-string `t` and a `y` of `q`, `r` or `e` passes. Everything else is dropped without the
 * library (whose decoder recurses without a depth limit) ever parsing it. Byte strings decode to
 * Buffers and dictionaries to Maps with latin1 keys, so re-encoding is byte-exact and no
 * `__proto__` key can reach an object.
 */

/** A decoded bencode value. */
export type BValue = Buffer | number | BValue[] | BDict;
/** A decoded dictionary; keys are the raw key bytes as latin1 text. */
export type BDict = Map<string, BValue>;

/** Deepest nesting accepted (a KRPC message needs 3). */
export const MAX_DEPTH = 8;

class BencodeError extends Error {}

/** Decodes exactly one value spanning all of `buf`. @throws Error on anything malformed. */
export function bdecode(buf: Uint8Array): BValue {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const fail = (why: string): never => { throw new BencodeError(`bencode: ${why} at ${pos}`); };
  const readInt = (end: number): number => {
    const text = b.toString('latin1', pos, end);
    // Beyond 2^53 a Number is inexact and bencode() refuses it: such a datagram could not be re-encoded (hardening fuzz).
    if (!/^(?:0|-?[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) fail('bad integer');
    pos = end + 1;
    return Number(text);
  };
  const value = (depth: number): BValue => {
    if (depth > MAX_DEPTH) fail('too deep');
    const c = b[pos];
    if (c === undefined) return fail('truncated');
    if (c === 0x69 /* i */) {
      const end = b.indexOf(0x65, pos + 1);
      if (end < 0) fail('truncated integer');
      pos++;
      return readInt(end);
    }
    if (c === 0x6c /* l */ || c === 0x64 /* d */) {
      pos++;
      const list: BValue[] = [];
      const dict: BDict = new Map();
      while (b[pos] !== 0x65 /* e */) {
        if (pos >= b.length) fail('truncated container');
        if (c === 0x6c) { list.push(value(depth + 1)); continue; }
        const key = value(depth + 1);
        if (!Buffer.isBuffer(key)) return fail('non-string key');
        const name = key.toString('latin1');
        if (dict.has(name)) fail('duplicate key'); // key order is not checked: some clients do not sort
        dict.set(name, value(depth + 1));
      }
      pos++;
      return c === 0x6c ? list : dict;
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = b.indexOf(0x3a, pos);
      if (colon < 0 || colon - pos > 6) fail('bad string length');
      const text = b.toString('latin1', pos, colon);
      if (!/^(?:0|[1-9][0-9]*)$/.test(text)) fail('bad string length');
      const start = colon + 1;
      const end = start + Number(text);
      if (end > b.length) fail('truncated string');
      pos = end;
      return b.subarray(start, end);
    }
    return fail('unexpected byte');
  };
  const out = value(0);
  if (pos !== b.length) fail('trailing bytes');
  return out;
}

/** Encodes `v` (dictionary keys sorted by their bytes, as bencode requires). */
export function bencode(v: BValue | string): Buffer {
  const parts: Buffer[] = [];
  const put = (x: BValue | string): void => {
    if (typeof x === 'string') x = Buffer.from(x, 'latin1');
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x)) throw new BencodeError('bencode: not an integer');
      parts.push(Buffer.from(`i${x}e`, 'latin1'));
    } else if (Buffer.isBuffer(x)) {
      parts.push(Buffer.from(`${x.length}:`, 'latin1'), x);
    } else if (Array.isArray(x)) {
      parts.push(Buffer.from('l'));
      x.forEach(put);
      parts.push(Buffer.from('e'));
    } else {
      parts.push(Buffer.from('d'));
      const keys = [...x.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
      for (const k of keys) { put(k); put(x.get(k) as BValue); }
      parts.push(Buffer.from('e'));
    }
  };
  put(v);
  return Buffer.concat(parts);
}

/** Members of `a` (queries) and `r` (responses) the library reads, by the type BEP 5/44 gives them. */
const BYTE_STRINGS = ['id', 'target', 'info_hash', 'token', 'nodes', 'nodes6', 'k', 'salt', 'sig'];
const INTEGERS = ['port', 'implied_port', 'seq', 'cas'];

/** True when every member the library reads has its type: another type makes the library throw mid-handler (hardening fuzz). */
function typed(d: BDict): boolean {
  return BYTE_STRINGS.every((k) => !d.has(k) || Buffer.isBuffer(d.get(k))) && INTEGERS.every((k) => !d.has(k) || typeof d.get(k) === 'number');
}

/**
 * Decodes a KRPC message: a dictionary with a byte-string `t` and `y` ∈ {q, r, e}, plus a
 * byte-string `q` and a dictionary `a` for queries and a dictionary `r` for responses, whose
 * known members have their BEP 5/44 types (byte strings: id, target, info_hash, token, nodes,
 * nodes6, k, salt, sig; integers: port, implied_port, seq, cas).
 * Returns undefined for anything else (never throws).
 */
export function decodeKrpc(buf: Uint8Array): BDict | undefined {
  let msg: BValue;
  try {
    msg = bdecode(buf);
  } catch {
    return undefined;
  }
  if (!(msg instanceof Map)) return undefined;
  const t = msg.get('t');
  const y = msg.get('y');
  if (!Buffer.isBuffer(t) || !Buffer.isBuffer(y)) return undefined;
  const type = y.toString('latin1');
  const body = msg.get(type === 'q' ? 'a' : 'r');
  if (type === 'q') return Buffer.isBuffer(msg.get('q')) && body instanceof Map && typed(body) ? msg : undefined;
  if (type === 'r') return body instanceof Map && typed(body) ? msg : undefined;
  return type === 'e' ? msg : undefined;
}
