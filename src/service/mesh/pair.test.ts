import { describe, expect, it } from 'vitest';
import { fnv64a, ipv6SyncWindowOpen, pairId, pairSeed, relayHash, relayIndex, rendezvousWindowOpen } from './pair';

const K0 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const K1 = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';

describe('FNV-1a 64', () => {
  it('matches the reference values', () => {
    expect(fnv64a(new Uint8Array(0))).toBe(0xcbf29ce484222325n);
    expect(fnv64a(new TextEncoder().encode('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv64a(new TextEncoder().encode('foobar'))).toBe(0x85944171f73967e8n);
  });
});

describe('pair and relay hashes (spec 6.3.4)', () => {
  it('pairSeed is symmetric', () => {
    expect(pairSeed(K0, K1)).toBe(0x29e4428696eb1d05n);
    expect(pairSeed(K1, K0)).toBe(0x29e4428696eb1d05n);
    expect(pairId(K0, K1)).toBe('29e4428696eb1d05');
    expect(pairId(K1, K0)).toBe('29e4428696eb1d05');
  });

  it('pairId is zero padded to 16 hex digits', () => {
    for (let i = 0; i < 200; i++) expect(pairId(`a${i}`, `b${i}`)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('relay hash is asymmetric', () => {
    expect(relayHash(K0, K1)).toBe(0x29e4428696eb1d05n);
    expect(relayHash(K1, K0)).toBe(0x945bc843fc38237dn);
    expect([relayIndex(K0, K1, 2), relayIndex(K0, K1, 3)]).toEqual([1, 0]);
    expect([relayIndex(K1, K0, 2), relayIndex(K1, K0, 3)]).toEqual([1, 2]);
    expect(relayIndex(K0, K1, 0)).toBe(-1);
  });

  it('window offsets 13 (mod 20) and 5 (mod 8)', () => {
    expect(Number(pairSeed(K0, K1) % 20n)).toBe(13);
    expect(Number(pairSeed(K0, K1) % 8n)).toBe(5);
    const open: number[] = [];
    for (let s = 0; s < 20; s++) if (rendezvousWindowOpen(K0, K1, 1_800_000_000 + s)) open.push((1_800_000_000 + s) % 20);
    expect(open.sort((a, b) => a - b)).toEqual([13, 14, 15, 16]);
    const v6: number[] = [];
    for (let s = 0; s < 8; s++) if (ipv6SyncWindowOpen(K1, K0, 1_800_000_000 + s)) v6.push((1_800_000_000 + s) % 8);
    expect(v6.sort((a, b) => a - b)).toEqual([5, 6]);
  });
});
