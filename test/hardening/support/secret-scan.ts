// Looking for credentials in what a lab produced. A credential counts as leaked when any of its
// encodings the code could plausibly print appears anywhere in the collected text: the wgmesh://
// token (also URL- and JSON-escaped), the raw secret, its UTF-8 bytes in base64/base64url/hex,
// the 128 bytes behind a canonical token in hex and standard base64, every key derived from it
// (PSK, gossip key, membership key, epoch seed) in base64 and hex, and each node's WireGuard
// private key in base64 and hex (the UAPI speaks hex). Long credentials are also searched as
// overlapping 24-character windows, so a truncated or wrapped copy is found too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveMeshKeys } from '../../../src/shared/mesh/derive';
import { toBase64, toBase64Url, toHex, utf8 } from '../../../src/shared/mesh/encoding';
import { parseSecret } from '../../../src/shared/mesh/secret';

/** One form of one credential. */
export interface Needle {
  /** e.g. `secret: raw`, `node0 private key: hex`. */
  label: string;
  text: string;
}

/** Bytes of a base64url string (no padding), for the payload of a canonical token. */
function fromBase64Url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

/** Every searchable form of the mesh secret `token` and of the keys derived from it. */
export function secretNeedles(token: string): Needle[] {
  const raw = parseSecret(token);
  const keys = deriveMeshKeys(raw);
  const rawBytes = utf8(raw);
  const out: Needle[] = [
    { label: 'secret: token', text: token },
    { label: 'secret: token, URL-encoded', text: encodeURIComponent(token) },
    { label: 'secret: token, JSON-escaped slashes', text: token.replace(/\//g, '\\/') },
    { label: 'secret: raw', text: raw },
    { label: 'secret: raw as base64', text: toBase64(rawBytes) },
    { label: 'secret: raw as base64url', text: toBase64Url(rawBytes) },
    { label: 'secret: raw as hex', text: toHex(rawBytes) },
  ];
  if (/^[A-Za-z0-9_-]+$/.test(raw)) {
    const bytes = fromBase64Url(raw);
    out.push({ label: 'secret: token bytes as hex', text: toHex(bytes) }, { label: 'secret: token bytes as base64', text: toBase64(bytes) });
  }
  const derived: [string, Uint8Array][] = [
    ['psk', keys.psk], ['gossip key', keys.gossipKey], ['membership key', keys.membershipKey], ['epoch seed', keys.epochSeed],
  ];
  for (const [name, bytes] of derived) {
    out.push({ label: `derived ${name}: base64`, text: toBase64(bytes) }, { label: `derived ${name}: hex`, text: toHex(bytes) });
  }
  return out;
}

/** The base64 and hex forms of a WireGuard private key. */
export function privateKeyNeedles(label: string, base64Key: string): Needle[] {
  return [
    { label: `${label}: base64`, text: base64Key },
    { label: `${label}: hex`, text: Buffer.from(base64Key, 'base64').toString('hex') },
  ];
}

/** Private keys of nodes from their state dirs' identity.json. */
export function identityNeedles(stateDirs: readonly { node: number; stateDir: string }[]): Needle[] {
  return stateDirs.flatMap(({ node, stateDir }) => {
    const id = JSON.parse(readFileSync(join(stateDir, 'identity.json'), 'utf8')) as { wg_private_key: string };
    return privateKeyNeedles(`node${node} private key`, id.wg_private_key);
  });
}

/** A text collected from the lab, with where it came from. */
export interface Source {
  name: string;
  text: string;
}

/** One hit: which credential form was found where. */
export interface Hit {
  needle: string;
  source: string;
  /** A few characters around the hit, with the credential itself masked. */
  context: string;
}

const WINDOW = 24;

/** Needles plus overlapping windows of the long ones (hex forms are case-folded). */
function expand(needles: readonly Needle[]): Needle[] {
  const out: Needle[] = [];
  for (const n of needles) {
    out.push(n);
    if (n.text.length <= WINDOW * 2) continue;
    for (let k = 0; k + WINDOW <= n.text.length; k += WINDOW / 2) out.push({ label: `${n.label} (part at ${k})`, text: n.text.slice(k, k + WINDOW) });
  }
  return out;
}

/** Every needle found in every source. */
export function scan(sources: readonly Source[], needles: readonly Needle[]): Hit[] {
  const hits: Hit[] = [];
  const all = expand(needles);
  for (const s of sources) {
    const lower = s.text.toLowerCase();
    for (const n of all) {
      const isHex = /^[0-9a-f]+$/.test(n.text);
      const at = isHex ? lower.indexOf(n.text) : s.text.indexOf(n.text);
      if (at < 0) continue;
      const context = s.text.slice(Math.max(0, at - 40), at + n.text.length + 40).split(s.text.slice(at, at + n.text.length)).join('<CREDENTIAL>');
      hits.push({ needle: n.label, source: s.name, context });
    }
  }
  return hits;
}

/** Total size of the sources, in bytes of text. */
export function corpusBytes(sources: readonly Source[]): number {
  return sources.reduce((n, s) => n + s.text.length, 0);
}
