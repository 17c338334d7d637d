import { describe, expect, it } from 'vitest';
import { goTrimSpace, generateSecretToken, isCanonicalToken, parseSecret, SecretError } from './secret';

const URI_SECRET = 'SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0IHNlY3JldCB0aGF0IGlzIGxvbmcgZW5vdWdoIGZvciB0aGUga2V5IGRlcml2YXRpb24u';

describe('parseSecret (spec 1.2)', () => {
  it.each([
    ['wgmesh://v1/abcdefghijklmnopqrstuvwxyz?x=1', 'abcdefghijklmnopqrstuvwxyz'],
    ['  wgmesh://v1/a/bcdefghijklmnopqrstuvwxyz  ', 'a/bcdefghijklmnopqrstuvwxyz'],
    ['WGMESH://v1/abcdefghijklmnop', 'WGMESH://v1/abcdefghijklmnop'],
    ['myfavoritepizza99', 'myfavoritepizza99'],
    ['wgmesh://v2/abcdefghijklmnopqrstu', 'abcdefghijklmnopqrstu'],
    ['wgmesh://anything/abcdefghijklmnopqrstu', 'abcdefghijklmnopqrstu'],
    ['wgmesh://abcdefghijklmnopqrstu?keep=1', 'abcdefghijklmnopqrstu?keep=1'],
    [`wgmesh://v1/${URI_SECRET}`, URI_SECRET],
    ['\t\n0123456789abcdef\r\n', '0123456789abcdef'],
    ['\u00850123456789abcdef\u3000', '0123456789abcdef'],
  ])('%j → %j', (input, expected) => {
    expect(parseSecret(input)).toBe(expected);
  });

  it('does not base64-decode the payload', () => {
    expect(parseSecret(`wgmesh://v1/${URI_SECRET}`)).toHaveLength(104);
  });

  it('counts bytes, not characters', () => {
    expect(parseSecret('ééééééééé')).toBe('ééééééééé'); // 9 chars, 18 bytes
    expect(() => parseSecret('ééééééé')).toThrow(SecretError); // 7 chars, 14 bytes
  });

  it('refuses short and empty secrets without echoing them', () => {
    for (const [input, code] of [
      ['short', 'secret-too-short'],
      ['0123456789abcde', 'secret-too-short'],
      ['wgmesh://v1/shortpayload?query-makes-it-long', 'secret-too-short'],
      ['', 'secret-empty'],
      ['   ', 'secret-empty'],
      ['wgmesh://v1/', 'secret-empty'],
    ] as const) {
      let caught: unknown;
      try {
        parseSecret(input);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SecretError);
      const e = caught as SecretError;
      expect(e.code).toBe(code);
      if (input.trim() !== '') expect(e.message).not.toContain(input.trim());
      expect(e.message).not.toContain('shortpayload');
    }
  });

  it('accepts exactly 16 bytes', () => {
    expect(parseSecret('0123456789abcdef')).toBe('0123456789abcdef');
  });

  it('trims like Go strings.TrimSpace (BOM is not space)', () => {
    expect(goTrimSpace('\ufeffx ')).toBe('\ufeffx');
    expect(goTrimSpace('\u2028 x \u00a0')).toBe('x');
  });
});

describe('generateSecretToken (spec 1.1, 6.1.1)', () => {
  it('is wgmesh://v1/ + 171 base64url characters, different every call', () => {
    const a = generateSecretToken();
    const b = generateSecretToken();
    expect(a).not.toBe(b);
    for (const t of [a, b]) {
      expect(t).toHaveLength(183);
      expect(t.startsWith('wgmesh://v1/')).toBe(true);
      const payload = t.slice('wgmesh://v1/'.length);
      expect(payload).toMatch(/^[A-Za-z0-9_-]{171}$/);
      expect(parseSecret(t)).toBe(payload);
    }
  });
});

describe('isCanonicalToken', () => {
  it('is true only for the exact lowercase scheme', () => {
    expect(isCanonicalToken('wgmesh://v1/abc')).toBe(true);
    expect(isCanonicalToken('  wgmesh://v1/abc')).toBe(true);
    expect(isCanonicalToken('WGMESH://v1/abc')).toBe(false);
    expect(isCanonicalToken('myfavoritepizza99')).toBe(false);
  });
});
