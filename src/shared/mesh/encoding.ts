/**
 * Small byte/text codecs used by the wgmesh v1 code: lowercase hex, RFC 4648 base64 (standard
 * alphabet with padding, decoded with Go's `base64.StdEncoding` rules) and base64url, UTF-8,
 * and Go's byte-wise string order. Pure; no Node APIs (also used by the renderer).
 */

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Char code → 6-bit value, -1 for characters outside the standard alphabet. */
const STD_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < STD.length; i++) STD_INDEX[STD.charCodeAt(i)] = i;

const textEncoder = new TextEncoder();

/** UTF-8 bytes of `s` (lone surrogates become U+FFFD, as everywhere in the platform). */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** Length of `s` in UTF-8 bytes (the "byte length" of the spec). */
export function utf8Length(s: string): number {
  return textEncoder.encode(s).length;
}

/** Lowercase hex of `bytes`, no separators. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of an even-length hex string (either case); throws `Error` on anything else. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error('invalid hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = bytes.length - i;
    const v = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += alphabet.charAt((v >> 18) & 63) + alphabet.charAt((v >> 12) & 63);
    out += n > 1 ? alphabet.charAt((v >> 6) & 63) : pad ? '=' : '';
    out += n > 2 ? alphabet.charAt(v & 63) : pad ? '=' : '';
  }
  return out;
}

/** RFC 4648 standard base64 with `=` padding (what Go's `base64.StdEncoding` emits). */
export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, STD, true);
}

/** RFC 4648 base64url without padding (Go's `base64.RawURLEncoding`). */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/**
 * Decodes standard base64 exactly as Go's `base64.StdEncoding.DecodeString` does: the padded
 * standard alphabet only (no url alphabet, no missing or excess `=`), `\r` and `\n` anywhere
 * are ignored, non-zero trailing bits are tolerated. Returns `null` for invalid input.
 */
export function fromBase64(text: string): Uint8Array | null {
  const s = text.includes('\r') || text.includes('\n') ? text.replace(/[\r\n]/g, '') : text;
  if (s.length % 4 !== 0) return null;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const body = s.length - pad;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      let idx = 0;
      if (i + j < body) {
        const c = s.charCodeAt(i + j);
        idx = c < 128 ? (STD_INDEX[c] as number) : -1;
        if (idx < 0) return null;
      }
      v = (v << 6) | idx;
    }
    for (let j = 0; j < 3 && o < out.length; j++) out[o++] = (v >> (16 - 8 * j)) & 255;
  }
  return out;
}

/**
 * Go string order: compares by UTF-8 bytes, which equals code-point order (JS `<` compares
 * UTF-16 units and differs above U+FFFF). Returns <0, 0 or >0.
 */
export function compareBytewise(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
