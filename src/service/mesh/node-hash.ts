/** node:crypto implementation of the derivations' hash backend (see shared/mesh/hash.ts). */
import { createHash, hkdfSync } from 'node:crypto';
import type { HashBackend } from '../../shared/mesh/hash';

/** SHA-256 and HKDF-SHA256 from OpenSSL through node:crypto. */
export const nodeHashBackend: HashBackend = {
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  hkdfSha256: (ikm, salt, info, length) => new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)),
};
