/**
 * FNV-1a based pair hashes (spec 2.7, 3.7, 3.15): the symmetric rendezvous pair seed/id, the
 * rendezvous and IPv6-sync windows, and the deliberately asymmetric relay hash. Keys are the
 * base64 text of WireGuard public keys. Pure; verified against spec 6.3.4.
 */
import { compareBytewise, concatBytes, utf8 } from '../../shared/mesh/encoding';

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** 64-bit FNV-1a of `bytes` as an unsigned bigint. */
export function fnv64a(bytes: Uint8Array): bigint {
  let h = OFFSET;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  return h;
}

function joined(a: string, b: string): Uint8Array {
  return concatBytes(utf8(a), Uint8Array.of(0), utf8(b));
}

/** FNV64a(min ‖ 0x00 ‖ max) of the two keys in byte-wise order; symmetric. */
export function pairSeed(a: string, b: string): bigint {
  return compareBytewise(a, b) <= 0 ? fnv64a(joined(a, b)) : fnv64a(joined(b, a));
}

/** {@link pairSeed} as 16 lowercase hex digits, zero padded (the `pair_id` member). */
export function pairId(a: string, b: string): string {
  return pairSeed(a, b).toString(16).padStart(16, '0');
}

/**
 * FNV64a(local ‖ 0x00 ‖ peer) — **not** symmetric (Go's relay choice, spec 3.15): the relay is
 * the candidate at index `relayHash mod n` of the candidates sorted by key.
 */
export function relayHash(localKey: string, peerKey: string): bigint {
  return fnv64a(joined(localKey, peerKey));
}

/** Index of the relay among `n` key-sorted candidates (spec 3.15); -1 when `n` is 0. */
export function relayIndex(localKey: string, peerKey: string, n: number): number {
  return n > 0 ? Number(relayHash(localKey, peerKey) % BigInt(n)) : -1;
}

function windowOpen(a: string, b: string, unixSeconds: number, period: number, width: number): boolean {
  const offset = Number(pairSeed(a, b) % BigInt(period));
  const slot = (((Math.trunc(unixSeconds) % period) - offset) % period + period) % period;
  return slot < width;
}

/** The pair's rendezvous window (spec 3.7): ((unix mod 20) − seed mod 20) mod 20 < 4. */
export function rendezvousWindowOpen(localKey: string, peerKey: string, unixSeconds: number): boolean {
  return windowOpen(localKey, peerKey, unixSeconds, 20, 4);
}

/** The pair's IPv6 sync window (spec 3.7): the same with period 8 and width 2. */
export function ipv6SyncWindowOpen(localKey: string, peerKey: string, unixSeconds: number): boolean {
  return windowOpen(localKey, peerKey, unixSeconds, 8, 2);
}
