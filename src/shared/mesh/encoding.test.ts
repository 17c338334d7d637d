import { describe, expect, it } from 'vitest';
import { compareBytewise, fromBase64, fromHex, toBase64, toBase64Url, toHex, utf8Length } from './encoding';

describe('base64', () => {
  it('round-trips every length with padding', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const text = toBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(text)).toEqual(bytes);
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    }
  });

  it('decodes like Go StdEncoding', () => {
    expect(fromBase64('AAECAwQFBgcICQoL')).toEqual(fromHex('000102030405060708090a0b'));
    expect(fromBase64('')).toEqual(new Uint8Array(0));
    expect(fromBase64('AAEC\r\nAw==')).toEqual(fromHex('00010203'));
    expect(fromBase64('AB==')).toEqual(fromHex('00')); // non-zero trailing bits tolerated
    for (const bad of ['AAECAw', 'AAECAw=', 'AAECAw===', 'A===', '====', '-_-_', 'AAE CAw==', 'AA=A', 'AAECAw==AAEC']) {
      expect(fromBase64(bad)).toBeNull();
    }
  });
});

describe('hex, utf8, ordering', () => {
  it('hex round trip and rejection', () => {
    expect(toHex(fromHex('00ff10Ab'))).toBe('00ff10ab');
    expect(() => fromHex('abc')).toThrow();
    expect(() => fromHex('zz')).toThrow();
  });

  it('utf8 length counts bytes', () => {
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('😀')).toBe(4);
  });

  it('compares by UTF-8 bytes (code points), not UTF-16 units', () => {
    expect(compareBytewise('a', 'b')).toBeLessThan(0);
    expect(compareBytewise('ab', 'a')).toBeGreaterThan(0);
    expect(compareBytewise('x', 'x')).toBe(0);
    expect(compareBytewise('B', 'a')).toBeLessThan(0);
    // U+FF61 < U+1F600 in UTF-8, although '\uff61' > '\ud83d' in UTF-16.
    expect(compareBytewise('\uff61', '😀')).toBeLessThan(0);
  });
});
