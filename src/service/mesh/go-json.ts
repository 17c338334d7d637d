/**
 * Go `encoding/json` compatibility: string escaping byte-identical to `json.Marshal`, and a
 * field reader with Go's decoding rules (case-insensitive member names, last occurrence wins,
 * unknown members ignored, missing or `null` → zero value, wrong JSON type → error). Numbers:
 * JSON.parse cannot tell `1800000000` from `1.8e9`, so {@link markNonIntegerLiterals} records
 * which top-level members were written in non-integer notation and integer fields reject them.
 */

/** A payload that does not decode into the expected message (Go would drop it). */
export class MessageError extends Error {
  override readonly name = 'MessageError';
}

/** Symbol-keyed set of folded member names whose raw number text was not an integer literal. */
export const NON_INTEGER_LITERALS: unique symbol = Symbol('wgmesh.nonIntegerLiterals');

type Payload = Record<string, unknown> & { [NON_INTEGER_LITERALS]?: ReadonlySet<string> };

const HEX = '0123456789abcdef';

/** JSON text of `s` exactly as Go's `json.Marshal` writes it (HTML-safe escapes, U+2028/9). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'; // lone surrogate = invalid UTF-8 in Go
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&') out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Go's case folding for member names: ASCII case, plus ſ (U+017F) ≡ s and K (U+212A) ≡ k. */
export function foldName(name: string): string {
  return name.replace(/[A-Z\u017f\u212a]/g, (c) => (c === '\u017f' ? 's' : c === '\u212a' ? 'k' : c.toLowerCase()));
}

function skipValue(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      if (depth === 0) return i;
      depth--;
    } else if (c === ',' && depth === 0) {
      return i;
    }
  }
  return i;
}

/**
 * Raw text of every top-level member of a JSON object, in order. `text` must already have been
 * accepted by `JSON.parse` as an object; anything else yields an empty list.
 */
export function topLevelMembers(text: string): [name: string, raw: string][] {
  const out: [string, string][] = [];
  let i = text.indexOf('{');
  if (i < 0) return out;
  for (i++; i < text.length;) {
    const q = text.indexOf('"', i);
    if (q < 0) break;
    let end = q + 1;
    for (; end < text.length && text[end] !== '"'; end++) if (text[end] === '\\') end++;
    const name = JSON.parse(text.slice(q, end + 1)) as string;
    const colon = text.indexOf(':', end + 1);
    const stop = skipValue(text, colon + 1);
    out.push([name, text.slice(colon + 1, stop).trim()]);
    if (text[stop] !== ',') break;
    i = stop + 1;
  }
  return out;
}

/** True if a raw JSON number is written as an integer literal (no fraction, no exponent). */
export function isIntegerLiteral(raw: string): boolean {
  return /^-?(?:0|[1-9][0-9]*)$/.test(raw);
}

/**
 * Records on `payload` (under {@link NON_INTEGER_LITERALS}) the folded names of top-level
 * members of `text` whose value is a number not written as an integer, so integer fields can
 * reject `1.5e9` as Go does. Returns `payload`.
 */
export function markNonIntegerLiterals(payload: Record<string, unknown>, text: string): Record<string, unknown> {
  const marks = new Set<string>();
  for (const [name, raw] of topLevelMembers(text)) {
    if (/^-?[0-9]/.test(raw) && !isIntegerLiteral(raw)) marks.add(foldName(name));
  }
  if (marks.size > 0) Object.defineProperty(payload, NON_INTEGER_LITERALS, { value: marks, enumerable: false });
  return payload;
}

/** True if `v` is a JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Typed access to an object's members with Go's decoding rules; getters throw MessageError. */
export class FieldReader {
  private readonly values = new Map<string, unknown>();
  private readonly nonInteger: ReadonlySet<string>;

  constructor(payload: Record<string, unknown>) {
    for (const [k, v] of Object.entries(payload)) this.values.set(foldName(k), v);
    this.nonInteger = (payload as Payload)[NON_INTEGER_LITERALS] ?? new Set();
  }

  private get(name: string): unknown {
    return this.values.get(name);
  }

  /** A string member; missing or null → `''`. */
  str(name: string): string {
    const v = this.get(name);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new MessageError(`${name}: expected a string`);
    return v;
  }

  /** A boolean member; missing or null → `false`. */
  bool(name: string): boolean {
    const v = this.get(name);
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new MessageError(`${name}: expected a boolean`);
    return v;
  }

  /** An integer member (JSON integer literal, within the safe range); missing or null → 0. */
  int(name: string): number {
    const v = this.get(name);
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || this.nonInteger.has(name)) {
      throw new MessageError(`${name}: expected an integer`);
    }
    return v;
  }

  /** An array of strings; missing or null → `[]`, null elements → `''`. */
  strings(name: string): string[] {
    return this.list(name, (el) => {
      if (el === null) return '';
      if (typeof el !== 'string') throw new MessageError(`${name}: expected an array of strings`);
      return el;
    });
  }

  /** An array of objects decoded by `decode`; missing or null → `[]`, null elements → `decode({})`. */
  objects<T>(name: string, decode: (o: Record<string, unknown>) => T): T[] {
    return this.list(name, (el) => {
      if (el === null) return decode({});
      if (!isJsonObject(el)) throw new MessageError(`${name}: expected an array of objects`);
      return decode(el);
    });
  }

  private list<T>(name: string, each: (el: unknown) => T): T[] {
    const v = this.get(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new MessageError(`${name}: expected an array`);
    return v.map(each);
  }
}

/** One member of an object being encoded: `omitEmpty` drops `''`, `false`, 0-length arrays. */
export type Member = readonly [name: string, json: string, omit?: boolean];

/** Builds `{"a":…,"b":…}` from pre-encoded members, skipping those marked for omission. */
export function goObject(members: readonly Member[]): string {
  return `{${members.filter(([, , omit]) => !omit).map(([n, j]) => `${goJsonString(n)}:${j}`).join(',')}}`;
}

/** JSON of an array of strings, Go-escaped. */
export function goStringArray(values: readonly string[]): string {
  return `[${values.map(goJsonString).join(',')}]`;
}

/** JSON of an integer as Go prints an int64. */
export function goInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError('integer field out of range');
  return String(n);
}
