/**
 * The wgmesh v1 envelope (spec 2.1–2.2): one AES-256-GCM sealed JSON message per UDP datagram,
 * outer JSON `{"type","nonce","ciphertext"}`. Pure apart from node:crypto; the clock is an
 * argument. Every failure of {@link openEnvelope} is an {@link EnvelopeError} whose `reason` is
 * a stable drop-counter name. Note that `type` is outside the authenticated data and there is
 * no replay protection (spec 7.4 items 5–6): a captured envelope opens again for 10 minutes.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { foldName, goJsonString, isIntegerLiteral, isJsonObject, markNonIntegerLiterals, topLevelMembers } from './go-json';

/** The only protocol version (plaintext member `protocol`). */
export const PROTOCOL = 'wgmesh-v1';
/** Datagrams longer than this are dropped unread (the Go read buffer). */
export const MAX_ENVELOPE_BYTES = 65536;
/** Accepted clock difference in seconds, inclusive, in both directions. */
export const MAX_CLOCK_SKEW_S = 600;
/** GCM nonce length in bytes. */
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Why a datagram was dropped. Stable: these names are drop counters. */
export type EnvelopeDropReason =
  | 'oversized' | 'bad-json' | 'bad-base64' | 'bad-nonce' | 'auth-failed' | 'bad-payload' | 'bad-protocol' | 'too-old' | 'in-future';

/** A datagram that does not open. The message never contains key material or plaintext. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  constructor(readonly reason: EnvelopeDropReason, detail?: string) {
    super(detail ? `envelope dropped (${reason}): ${detail}` : `envelope dropped (${reason})`);
  }
}

/** An opened envelope: the outer type and the plaintext JSON object. */
export interface OpenedEnvelope {
  readonly type: string;
  /** The plaintext object; integer-notation marks for Go decoding are attached (see go-json). */
  readonly payload: Record<string, unknown>;
}

/**
 * Datagram size Go produces for a message: 54 + len(type) + 4·ceil((len(plaintext) + 16) / 3)
 * (spec 2.1), for a `type` that needs no JSON escaping. Lengths in bytes.
 */
export function sealedEnvelopeSize(typeBytes: number, plaintextBytes: number): number {
  return 54 + typeBytes + 4 * Math.ceil((plaintextBytes + TAG_BYTES) / 3);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new TypeError('gossip key must be 32 bytes');
}

/**
 * Seals `plaintext` (a string is UTF-8 encoded) under `gossipKey` and returns the datagram as
 * Go writes it: `{"type":…,"nonce":…,"ciphertext":…}`, no whitespace. `nonce` defaults to 12
 * fresh random bytes; pass one only in tests.
 * @throws TypeError for a key that is not 32 bytes or a nonce that is not 12 bytes.
 */
export function sealEnvelope(gossipKey: Uint8Array, type: string, plaintext: Uint8Array | string, nonce?: Uint8Array): Buffer {
  checkKey(gossipKey);
  const iv = nonce ?? randomBytes(NONCE_BYTES);
  if (iv.length !== NONCE_BYTES) throw new TypeError('nonce must be 12 bytes');
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const cipher = createCipheriv('aes-256-gcm', gossipKey, iv);
  const sealed = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  return Buffer.from(`{"type":${goJsonString(type)},"nonce":"${Buffer.from(iv).toString('base64')}","ciphertext":"${sealed.toString('base64')}"}`, 'utf8');
}

// Go's base64.StdEncoding: standard alphabet, padding required, CR/LF ignored. Checked with a
// regular expression and decoded natively: this runs for every datagram, so no JS byte loop.
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeStdBase64(v: string): Buffer | null {
  const s = v.includes('\r') || v.includes('\n') ? v.replace(/[\r\n]/g, '') : v;
  return STD_BASE64.test(s) ? Buffer.from(s, 'base64') : null;
}

function parseOuter(datagram: Uint8Array): { type: string; nonce: Uint8Array; ciphertext: Uint8Array } {
  let outer: unknown;
  try {
    outer = JSON.parse(new TextDecoder().decode(datagram));
  } catch {
    throw new EnvelopeError('bad-json');
  }
  if (!isJsonObject(outer)) throw new EnvelopeError('bad-json', 'not an object');
  let type: unknown = '';
  let nonce: unknown = null;
  let ciphertext: unknown = null;
  for (const [k, v] of Object.entries(outer)) {
    const f = foldName(k);
    if (f === 'type') type = v;
    else if (f === 'nonce') nonce = v;
    else if (f === 'ciphertext') ciphertext = v;
  }
  if (type === null) type = '';
  if (typeof type !== 'string') throw new EnvelopeError('bad-json', 'type is not a string');
  const bytes = (v: unknown, name: string): Uint8Array => {
    if (v === null) return new Uint8Array(0);
    if (typeof v !== 'string') throw new EnvelopeError('bad-json', `${name} is not a string`);
    const b = decodeStdBase64(v);
    if (!b) throw new EnvelopeError('bad-base64', name);
    return b;
  };
  return { type, nonce: bytes(nonce, 'nonce'), ciphertext: bytes(ciphertext, 'ciphertext') };
}

function decrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer {
  if (sealed.length < TAG_BYTES) throw new EnvelopeError('auth-failed', 'ciphertext shorter than the tag');
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
  } catch {
    throw new EnvelopeError('auth-failed', 'wrong key or tampered');
  }
}

/** Reads `protocol` and `timestamp` with Go's rules (string; int64 integer literal). */
function header(text: string): { payload: Record<string, unknown>; protocol: string; timestamp: number } {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new EnvelopeError('bad-payload', 'plaintext is not JSON');
  }
  if (!isJsonObject(payload)) throw new EnvelopeError('bad-payload', 'plaintext is not an object');
  let protocol = '';
  let timestamp = 0;
  for (const [name, raw] of topLevelMembers(text)) {
    const f = foldName(name);
    if (f === 'protocol') {
      const v: unknown = JSON.parse(raw);
      if (v !== null && typeof v !== 'string') throw new EnvelopeError('bad-payload', 'protocol is not a string');
      protocol = v ?? '';
    } else if (f === 'timestamp' && raw !== 'null') {
      if (!isIntegerLiteral(raw)) throw new EnvelopeError('bad-payload', 'timestamp is not an integer');
      const big = BigInt(raw);
      if (big > 0x7fffffffffffffffn || big < -0x8000000000000000n) throw new EnvelopeError('bad-payload', 'timestamp out of range');
      timestamp = Number(big);
    }
  }
  return { payload: markNonIntegerLiterals(payload, text), protocol, timestamp };
}

/**
 * Opens a datagram (spec 2.2): size ≤ 65536, outer JSON with padded standard base64, 12-byte
 * nonce, GCM authentication, plaintext object with `protocol` = `wgmesh-v1` and an integer
 * `timestamp` within ±600 s (inclusive) of `nowUnixSeconds` (fractions are truncated, as Go's
 * `time.Now().Unix()`). The type is returned as sent; dispatch and decoding are the caller's.
 * @throws EnvelopeError with a stable `reason`.
 */
export function openEnvelope(gossipKey: Uint8Array, datagram: Uint8Array, nowUnixSeconds: number): OpenedEnvelope {
  checkKey(gossipKey);
  if (datagram.length > MAX_ENVELOPE_BYTES) throw new EnvelopeError('oversized');
  const { type, nonce, ciphertext } = parseOuter(datagram);
  if (nonce.length !== NONCE_BYTES) throw new EnvelopeError('bad-nonce', `nonce is ${nonce.length} bytes`);
  const plaintext = decrypt(gossipKey, nonce, ciphertext);
  const { payload, protocol, timestamp } = header(new TextDecoder().decode(plaintext));
  if (protocol !== PROTOCOL) throw new EnvelopeError('bad-protocol');
  const now = Math.trunc(nowUnixSeconds);
  if (now - timestamp > MAX_CLOCK_SKEW_S) throw new EnvelopeError('too-old', 'message too old');
  if (timestamp > now + MAX_CLOCK_SKEW_S) throw new EnvelopeError('in-future', 'timestamp in future');
  return { type, payload };
}
