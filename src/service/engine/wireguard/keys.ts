/**
 * WireGuard keys: Curve25519 (X25519) key pairs as 32 raw bytes in standard base64, the format
 * of `wg genkey` / `wg pubkey`. Built on node:crypto so no process is spawned per key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

/** A WireGuard key pair, both halves base64 (44 characters). */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

// PKCS#8 DER header of an X25519 private key (RFC 8410): the 32 raw bytes follow it.
const pkcs8X25519Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
const keyShape = /^[A-Za-z0-9+/]{43}=$/;

/** True when `b64` is a canonical standard-base64 encoding of exactly 32 bytes. */
export function isValidKey(b64: string): boolean {
  if (!keyShape.test(b64)) return false;
  const raw = Buffer.from(b64, 'base64');
  return raw.length === 32 && raw.toString('base64') === b64;
}

function rawKey(b64: string, what: string): Buffer {
  // The key itself never goes into the message: these values are credentials.
  if (!isValidKey(b64)) throw new Error(`invalid WireGuard ${what}: expected 32 bytes in base64`);
  return Buffer.from(b64, 'base64');
}

/**
 * Applies the Curve25519 clamping `wg genkey` applies. X25519 clamps internally anyway, so the
 * public key is unchanged; stored keys just look like the ones the wg tool produces.
 */
function clamp(raw: Buffer): Buffer {
  const k = Buffer.from(raw);
  k[0] = (k[0] ?? 0) & 248;
  k[31] = ((k[31] ?? 0) & 127) | 64;
  return k;
}

/** Generates a fresh key pair (private key clamped like `wg genkey`). */
export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw new Error('x25519 key export returned no private scalar');
  const priv = clamp(Buffer.from(jwk.d, 'base64url')).toString('base64');
  return { privateKey: priv, publicKey: publicKeyFromPrivate(priv) };
}

// Every device read derives the public key from the reported private key; the node has one
// key, so a tiny cache removes an X25519 scalar multiplication from every reconcile.
const publicKeyCache = new Map<string, string>();

/** The public key of a base64 private key (like `wg pubkey`). Throws on a malformed key. */
export function publicKeyFromPrivate(privateKeyB64: string): string {
  const cached = publicKeyCache.get(privateKeyB64);
  if (cached) return cached;
  const pub = derivePublicKey(privateKeyB64);
  if (publicKeyCache.size >= 8) publicKeyCache.clear();
  publicKeyCache.set(privateKeyB64, pub);
  return pub;
}

function derivePublicKey(privateKeyB64: string): string {
  const der = Buffer.concat([pkcs8X25519Prefix, rawKey(privateKeyB64, 'private key')]);
  const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(priv).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('x25519 key export returned no public value');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** base64 key → lowercase hex, the encoding of the userspace API. Throws on a malformed key. */
export function keyToHex(b64: string): string {
  return rawKey(b64, 'key').toString('hex');
}

/** Lowercase or uppercase 64-digit hex → base64 key. Throws on anything else. */
export function keyFromHex(hex: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('invalid WireGuard key: expected 64 hex digits');
  return Buffer.from(hex, 'hex').toString('base64');
}

/** True when the key is all zero bytes (how the UAPI reports "no preshared key"). */
export function isZeroKey(b64: string): boolean {
  return Buffer.from(b64, 'base64').every((b) => b === 0);
}
