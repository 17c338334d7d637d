import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, isValidKey, isZeroKey, keyFromHex, keyToHex, publicKeyFromPrivate } from './keys';

const hexToB64 = (h: string): string => Buffer.from(h, 'hex').toString('base64');

function hasWg(): boolean {
  try {
    execFileSync('wg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('WireGuard keys', () => {
  it('derives the RFC 7748 section 6.1 public keys', () => {
    const alicePriv = hexToB64('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const alicePub = hexToB64('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobPriv = hexToB64('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const bobPub = hexToB64('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(publicKeyFromPrivate(alicePriv)).toBe(alicePub);
    expect(publicKeyFromPrivate(bobPriv)).toBe(bobPub);
  });

  it('generates clamped, valid, consistent pairs', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const kp = generateKeyPair();
      expect(isValidKey(kp.privateKey)).toBe(true);
      expect(isValidKey(kp.publicKey)).toBe(true);
      expect(publicKeyFromPrivate(kp.privateKey)).toBe(kp.publicKey);
      const raw = Buffer.from(kp.privateKey, 'base64');
      expect((raw[0] ?? 0) & 7).toBe(0);
      expect((raw[31] ?? 0) & 0xc0).toBe(0x40);
      seen.add(kp.privateKey);
    }
    expect(seen.size).toBe(20);
  });

  it.skipIf(!hasWg())('agrees with `wg pubkey`', () => {
    const kp = generateKeyPair();
    expect(execFileSync('wg', ['pubkey'], { input: kp.privateKey + '\n' }).toString().trim()).toBe(kp.publicKey);
  });

  it.each([
    ['', false],
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', true],
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB', false],
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=', false], // non-canonical trailing bits
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_', false],
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', false],
    ['AAAA', false],
  ])('isValidKey(%j) = %s', (k, ok) => {
    expect(isValidKey(k)).toBe(ok);
  });

  it('converts to and from hex', () => {
    const k = generateKeyPair().publicKey;
    const hex = keyToHex(k);
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(keyFromHex(hex)).toBe(k);
    expect(keyFromHex(hex.toUpperCase())).toBe(k);
    expect(() => keyFromHex('00')).toThrow();
    expect(() => keyToHex('nope')).toThrow(/invalid WireGuard key/);
    expect(isZeroKey(keyFromHex('0'.repeat(64)))).toBe(true);
    expect(isZeroKey(k)).toBe(false);
  });

  it('never echoes a rejected private key', () => {
    const bad = 'thisIsNotAKeyButLooksSecret';
    expect(() => publicKeyFromPrivate(bad)).toThrow(/^(?!.*thisIsNotAKey)/);
  });
});
