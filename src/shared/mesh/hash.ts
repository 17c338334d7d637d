/**
 * SHA-256 and HKDF-SHA256 for the derivations. The default is @noble/hashes (pure JS, so the
 * derivations also run in a browser renderer); the service swaps in node:crypto at start-up
 * (`useHashBackend`), which is much faster than cold JavaScript on the join path. Both give
 * identical bytes: the spec vectors are checked against each.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** The two primitives the wgmesh derivations need. */
export interface HashBackend {
  sha256(data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 with the given salt and info, `length` bytes of output. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

/** The portable backend (@noble/hashes). */
export const nobleHashBackend: HashBackend = {
  sha256: (data) => nobleSha256(data),
  hkdfSha256: (ikm, salt, info, length) => hkdf(nobleSha256, ikm, salt, info, length),
};

let backend: HashBackend = nobleHashBackend;

/** Replaces the backend for this process (the service passes node:crypto). */
export function useHashBackend(b: HashBackend): void {
  backend = b;
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return backend.sha256(data);
}

/** HKDF-SHA256. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return backend.hkdfSha256(ikm, salt, info, length);
}
