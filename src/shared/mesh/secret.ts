/**
 * The wgmesh mesh secret (spec 1.1–1.2): token generation and raw-secret extraction.
 * The secret is a credential: nothing here puts it into an error message.
 */
import { toBase64Url, utf8Length } from './encoding';

/** Scheme prefix of a canonical token (case-sensitive). */
export const TOKEN_SCHEME = 'wgmesh://';

/** Minimum raw-secret length in UTF-8 bytes (spec 1.2 step 4). */
export const MIN_SECRET_BYTES = 16;

/** Why a secret was refused. */
export type SecretErrorCode = 'secret-too-short' | 'secret-empty';

/** A refused secret. The message never contains the secret or any part of it. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(readonly code: SecretErrorCode) {
    super(code === 'secret-empty' ? 'the mesh secret is empty' : `the mesh secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
}

// Go's unicode.IsSpace set, which strings.TrimSpace uses (differs from JS trim: U+0085 is
// space, U+FEFF is not).
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'gu');

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  return s.replace(GO_TRIM, '');
}

/**
 * Extracts the raw secret exactly as wgmesh `parseSecret` does (spec 1.2): trim Go whitespace;
 * without the exact `wgmesh://` prefix the whole string is the secret; otherwise split the rest
 * at the first `/` — two parts: the second, cut at its first `?` (the version segment is not
 * checked); one part: that part, query kept. The result must be ≥ 16 UTF-8 bytes.
 * @throws SecretError `secret-empty` if nothing remains, `secret-too-short` below 16 bytes.
 */
export function parseSecret(input: string): string {
  const trimmed = goTrimSpace(input);
  let raw = trimmed;
  if (trimmed.startsWith(TOKEN_SCHEME)) {
    const rest = trimmed.slice(TOKEN_SCHEME.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      const payload = rest.slice(slash + 1);
      const q = payload.indexOf('?');
      raw = q >= 0 ? payload.slice(0, q) : payload;
    } else {
      raw = rest;
    }
  }
  assertSecretLength(raw);
  return raw;
}

/**
 * Throws unless `raw` is a usable raw secret (≥ 16 UTF-8 bytes).
 * @throws SecretError
 */
export function assertSecretLength(raw: string): void {
  if (raw.length === 0) throw new SecretError('secret-empty');
  if (utf8Length(raw) < MIN_SECRET_BYTES) throw new SecretError('secret-too-short');
}

/**
 * A new canonical token (spec 1.1): 128 CSPRNG bytes as unpadded base64url (171 characters)
 * after `wgmesh://v1/` — 183 characters in all. Uses `globalThis.crypto.getRandomValues`.
 */
export function generateSecretToken(): string {
  const bytes = new Uint8Array(128);
  globalThis.crypto.getRandomValues(bytes);
  return `${TOKEN_SCHEME}v1/${toBase64Url(bytes)}`;
}

/**
 * True if `s` (after Go whitespace trimming) is in token form, i.e. starts with the exact
 * lowercase `wgmesh://`. wgmesh only warns about low entropy for other secrets.
 */
export function isCanonicalToken(s: string): boolean {
  return goTrimSpace(s).startsWith(TOKEN_SCHEME);
}
