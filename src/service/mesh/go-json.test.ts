import { describe, expect, it } from 'vitest';
import { foldName, goJsonString, isIntegerLiteral, markNonIntegerLiterals, NON_INTEGER_LITERALS, topLevelMembers } from './go-json';

describe('goJsonString (Go json.Marshal escaping)', () => {
  it.each([
    ['plain', '"plain"'],
    ['<a&b>', '"\\u003ca\\u0026b\\u003e"'],
    ['q"b\\', '"q\\"b\\\\"'],
    ['\n\r\t\b\f', '"\\n\\r\\t\\b\\f"'],
    ['\u0000\u001f\u007f', '"\\u0000\\u001f\u007f"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['é😀', '"é😀"'],
    ['a\ud800b', '"a\\ufffdb"'],
  ])('%j', (s, out) => {
    expect(goJsonString(s)).toBe(out);
    if (!s.includes('\ud800')) expect(JSON.parse(out)).toBe(s);
  });
});

describe('member scanning', () => {
  it('lists raw top-level members', () => {
    const text = ' { "a" : 1.5e9 , "b\\"c":{"x":[1,"}",{}]},"d":"s,t", "e": -0 ,"f":[] } ';
    expect(topLevelMembers(text)).toEqual([['a', '1.5e9'], ['b"c', '{"x":[1,"}",{}]}'], ['d', '"s,t"'], ['e', '-0'], ['f', '[]']]);
    expect(topLevelMembers('{}')).toEqual([]);
  });

  it('marks non-integer literals by folded name', () => {
    const text = '{"Start_At_Unix_Ms":1e3,"timestamp":5,"x":"1.5"}';
    const payload = markNonIntegerLiterals(JSON.parse(text) as Record<string, unknown>, text) as Record<string | symbol, unknown>;
    expect(payload[NON_INTEGER_LITERALS]).toEqual(new Set(['start_at_unix_ms']));
    expect(Object.keys(payload)).toEqual(['Start_At_Unix_Ms', 'timestamp', 'x']);
  });

  it('integer literals and folding', () => {
    expect(['0', '-1', '1800000000'].every(isIntegerLiteral)).toBe(true);
    expect(['1.0', '1e3', '01', '+1', ''].some(isIntegerLiteral)).toBe(false);
    expect(foldName('WG_PUB\u212aEY_\u017f')).toBe('wg_pubkey_s');
  });
});
