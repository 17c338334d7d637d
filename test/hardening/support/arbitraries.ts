// Input generators shared by the fuzz suites: hostile strings (nginx metacharacters, control and
// non-ASCII characters, lone surrogates), wgmesh-shaped values, JSON text mutations and
// byte-level mutations of datagrams.
import fc from 'fast-check';
import { toBase64 } from '../../../src/shared/mesh/encoding';

/** Pieces that break out of an nginx value, a JSON string, a header or a comment, plus look-alikes. */
export const HOSTILE_PIECES = [
  ';', '{', '}', '#', '$', '"', "'", '`', '\\', '\n', '\r', '\t', ' ', '\0', '\u000b', '\u0085', '\u2028', '\ufeff',
  '/', ':', '[', ']', '%', '?', '&', '=', '*', '..', '.', '-', '_', 'A', 'Z', 'é', 'Ａ', 'ı', 'K', 'ſ', '\ud800', '\udfff',
  'xn--', 'server {', 'include /etc/passwd;', '$host', '${x}', '\r\nX: y', '}\nserver {', '# c', 'root /;',
];

/** Strings of every kind: ASCII, full Unicode (including lone surrogates), and hostile pieces. */
export const anyString = (maxLength = 40): fc.Arbitrary<string> => fc.oneof(
  fc.string({ maxLength }),
  fc.string({ unit: 'binary', maxLength }),
  fc.string({ unit: fc.constantFrom(...HOSTILE_PIECES), maxLength: Math.max(1, Math.ceil(maxLength / 4)) }),
);

/** `valid` most of the time, else the valid value with a hostile piece inserted, or any string. */
export function tainted(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    {
      weight: 2,
      arbitrary: fc.tuple(valid, fc.constantFrom(...HOSTILE_PIECES), fc.nat()).map(([v, p, at]) => {
        const k = at % (v.length + 1);
        return v.slice(0, k) + p + v.slice(k);
      }),
    },
    { weight: 1, arbitrary: valid.map((v) => v.toUpperCase()) },
    { weight: 1, arbitrary: valid.map((v) => ` ${v}.`) },
    { weight: 1, arbitrary: anyString() },
  );
}

/** A WireGuard key: base64 of 32 bytes. */
export const wgKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toBase64(b));

/** A DNS label of `a-z 0-9 -` that does not start or end with `-`. */
export const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
/** A canonical public hostname (two to four labels, last one alphabetic). */
export const hostname = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/))
  .map(([ls, tld]) => [...ls, tld].join('.'));
/** A canonical site name. */
export const siteName = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?$/);
/** A canonical health path. */
export const healthPath = fc.stringMatching(/^\/[A-Za-z0-9\-._~/%?=&+:@!,]{0,30}$/);
/** An IPv4 or IPv6 address as text. */
export const ipText = fc.oneof(fc.ipV4(), fc.ipV6());
/** `host:port` with an IPv4 or bracketed IPv6 host. */
export const endpointText = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `[${h}]:${p}`),
  fc.constant('0.0.0.0:51820'),
  fc.tuple(anyString(12), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
);
/** A CIDR, canonical or not. */
export const cidrText = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([h, p]) => `${h}/${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([h, p]) => `${h}/${p}`),
);

/** Any JSON value (bounded depth). */
export const jsonValue = fc.jsonValue({ maxDepth: 3 });

/** A JSON object member name: a known one in random case (with Go's ſ/K folds), or anything. */
export function memberName(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.constantFrom(...known).chain((k) => fc.mixedCase(fc.constant(k))) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((k) => k.replace(/s/g, '\u017f').replace(/k/g, '\u212a')) },
    { weight: 1, arbitrary: anyString(12) },
  );
}

/** One edit of a list of `[name, rawJson]` members. */
export type MemberEdit =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'rename'; at: number; name: string }
  | { kind: 'duplicate'; at: number; value: unknown }
  | { kind: 'insert'; name: string; value: unknown }
  | { kind: 'float'; at: number }
  | { kind: 'raw'; at: number; raw: string };

/** Edits that keep the text valid JSON (most of them) but change types, names and notation. */
export function memberEdits(known: readonly string[]): fc.Arbitrary<MemberEdit[]> {
  const at = fc.nat();
  const edit: fc.Arbitrary<MemberEdit> = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), at, value: jsonValue }),
    fc.record({ kind: fc.constant('delete' as const), at }),
    fc.record({ kind: fc.constant('rename' as const), at, name: memberName(known) }),
    fc.record({ kind: fc.constant('duplicate' as const), at, value: jsonValue }),
    fc.record({ kind: fc.constant('insert' as const), name: memberName(known), value: jsonValue }),
    fc.record({ kind: fc.constant('float' as const), at }),
    fc.record({
      kind: fc.constant('raw' as const), at,
      raw: fc.constantFrom('1e400', '-0', '1.5e9', '18000000000000000000000', '"\\ud800"', '[[[[[]]]]]', 'null', '"\\u0000"', '{}', 'true', '0.0'),
    }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 });
}

/** JSON text of a value as it could have arrived: non-finite numbers as `1e999` (JSON.parse reads that as Infinity). */
export function jsonText(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return v > 0 ? '1e999' : '-1e999';
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Top-level `[name, rawJson]` members of an object. */
export function membersOf(obj: Record<string, unknown>): [string, string][] {
  return Object.entries(obj).map(([k, v]) => [k, jsonText(v)]);
}

/** Applies `edits` and serialises the members back to JSON object text. */
export function applyEdits(members: [string, string][], edits: readonly MemberEdit[]): string {
  const m = members.map(([k, v]) => [k, v] as [string, string]);
  for (const e of edits) {
    const i = 'at' in e && m.length > 0 ? e.at % m.length : -1;
    switch (e.kind) {
      case 'replace': if (i >= 0) m[i]![1] = JSON.stringify(e.value); break;
      case 'delete': if (i >= 0) m.splice(i, 1); break;
      case 'rename': if (i >= 0) m[i]![0] = e.name; break;
      case 'duplicate': if (i >= 0) m.push([m[i]![0], JSON.stringify(e.value)]); break;
      case 'insert': m.splice(m.length === 0 ? 0 : e.name.length % (m.length + 1), 0, [e.name, JSON.stringify(e.value)]); break;
      case 'float': if (i >= 0 && /^-?[0-9]+$/.test(m[i]![1])) m[i]![1] = `${m[i]![1]}.0`; break;
      case 'raw': if (i >= 0) m[i]![1] = e.raw; break;
    }
  }
  return `{${m.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** One byte-level mutation of a datagram. */
export type ByteEdit =
  | { kind: 'flip'; bits: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array }
  | { kind: 'overwrite'; at: number; byte: number };

/** Bit flips, truncations, insertions and overwrites. */
export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), bits: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
);

/** Applies a byte edit (a truncation always removes at least one byte). */
export function applyByteEdit(d: Uint8Array, e: ByteEdit): Buffer {
  const b = Buffer.from(d);
  switch (e.kind) {
    case 'flip':
      for (const bit of e.bits) {
        const k = bit % (b.length * 8);
        b[k >> 3] = (b[k >> 3] ?? 0) ^ (1 << (k & 7));
      }
      return b;
    case 'truncate': return b.subarray(0, e.at % b.length);
    case 'splice': {
      const k = e.at % (b.length + 1);
      return Buffer.concat([b.subarray(0, k), e.bytes, b.subarray(k)]);
    }
    case 'overwrite': {
      b[e.at % b.length] = e.byte;
      return b;
    }
  }
}

/** JSON texts that are expensive or odd to parse, each at most ~48 KiB (sealed: under 65 536 bytes). */
export const pathologicalJson: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map((d) => `{"protocol":"wgmesh-v1","timestamp":1800000000,"known_peers":${'['.repeat(d)}${']'.repeat(d)}}`),
  fc.integer({ min: 1, max: 3000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"m${i}":${i}`).join(',')},"protocol":"wgmesh-v1","timestamp":1800000000}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `{"protocol":"wgmesh-v1","timestamp":1800000000,"hostname":"${'\\\\'.repeat(n)}"}`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `{"protocol":"wgmesh-v1","timestamp":1800000000,"routable_networks":[${Array(n).fill('"10.0.0.0/8"').join(',')}]}`),
  fc.integer({ min: 1, max: 1500 }).map((n) => `{"protocol":"wgmesh-v1","timestamp":1800000000,"known_peers":[${Array(n).fill('{"wg_pubkey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","mesh_ip":"10.0.0.1"}').join(',')}]}`),
  fc.integer({ min: 1, max: 10_000 }).map((n) => `{"protocol":"wgmesh-v1","timestamp":1${'0'.repeat(n)}}`),
  fc.integer({ min: 1, max: 10_000 }).map((n) => `{"protocol":"wgmesh-v1","timestamp":1800000000,"x":"${'\\u0000'.repeat(Math.min(n, 8000))}"}`),
  fc.integer({ min: 1, max: 8000 }).map((n) => `{"protocol":"wgmesh-v1",${'"timestamp":1,'.repeat(n)}"timestamp":1800000000}`),
);
