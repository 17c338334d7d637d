/**
 * Redaction of the bug report, the one place it happens (security edge: everything a report
 * contains passes through a {@link Redactor} inside the service before it is sent). Pure.
 *
 * In this order, over each text:
 * 1. the mesh secret in every form ({@link secretForms}: as given, raw, as a wgmesh:// token,
 *    its bytes in base64/base64url/hex, URL- and JSON-escaped, and the keys derived from it)
 *    → `[redacted-secret]`;
 * 2. `private_key=`/`preshared_key=` hex values (UAPI dumps) → `[redacted-key]`;
 * 3. every 44-character base64 key that is not a known public key (so private and preshared
 *    keys, whatever their label) → `[redacted-key]`; known public keys stay whole;
 * 4. public IPv6, then public IPv4 addresses (see ip-class.ts; addresses in the mesh networks
 *    stay) → `[public-ipv6-N]` / `[public-ipv4-N]`, numbered by first appearance, so the same
 *    address has the same placeholder in every section of one report.
 */
import type { DiagnosticsResponse, RedactionSummary } from '../../shared/protocol';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { fromBase64, toBase64, toBase64Url, toHex, utf8 } from '../../shared/mesh/encoding';
import { formatIp, parseIPv4, parseIPv6 } from '../../shared/mesh/ip';
import { goTrimSpace, parseSecret } from '../../shared/mesh/secret';
import { inNetworks, isPublicIPv4, isPublicIPv6, parseKeepNetworks } from './ip-class';

/** What a {@link Redactor} must know about the node. */
export interface RedactionContext {
  /** Mesh secrets (as given, raw or token) in use or stored; every form of each is removed. */
  secrets: readonly string[];
  /** WireGuard public keys of this node and its peers: left readable. */
  publicKeys: readonly string[];
  /** CIDRs whose addresses stay readable even when they look public (the mesh networks). */
  keepNetworks?: readonly string[];
}

/**
 * Unredacted material of a bug report, as the backend collects it (diagnostics/collect.ts).
 * Service-internal: it holds the secret, so it only ever leaves through {@link redactDiagnostics}.
 */
export interface DiagnosticsMaterial extends RedactionContext {
  collectedAt: number;
  hostname: string;
  version: string;
  /** Named texts in order; names are file names (`status.json`). */
  sections: { name: string; text: string }[];
}

/** The report as sent: every text (and the hostname) through one {@link Redactor}. */
export function redactDiagnostics(m: DiagnosticsMaterial): DiagnosticsResponse {
  const r = new Redactor(m);
  const sections: Record<string, string> = {};
  for (const s of m.sections) sections[s.name] = r.redact(s.text);
  return { collectedAt: m.collectedAt, hostname: r.redact(m.hostname), version: m.version, sections, redactions: r.summary };
}

/** Replacement of a secret form. */
export const SECRET_PLACEHOLDER = '[redacted-secret]';
/** Replacement of a private or preshared key. */
export const KEY_PLACEHOLDER = '[redacted-key]';

/** Forms shorter than this are not searched for (they would match ordinary text). */
const MIN_FORM_LENGTH = 8;

/** Bytes of base64 or base64url text (padding optional; a dangling last character ignored), or null. */
function decodeAnyBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  let std = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (std.length % 4 === 1) std = std.slice(0, -1);
  return fromBase64(std + '='.repeat((4 - (std.length % 4)) % 4));
}

/** `bytes` in every text encoding a tool or a log might print them in. */
function byteForms(bytes: Uint8Array): string[] {
  const b64 = toBase64(bytes);
  return [b64, b64.replace(/=+$/, ''), toBase64Url(bytes), toHex(bytes), toHex(bytes).toUpperCase()];
}

/**
 * Every form of `secret` worth searching for, longest first: as given and trimmed; the raw
 * secret wgmesh extracts and its `wgmesh://v1/` token; the raw secret's UTF-8 bytes in base64
 * (padded or not), base64url and hex; when the raw secret is itself base64/base64url text (as
 * generated tokens are), the decoded bytes in those encodings; URL- and JSON-escaped; and the
 * preshared, gossip and membership keys derived from it (base64 and hex).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (...list: string[]): void => { for (const f of list) if (f.length >= MIN_FORM_LENGTH) forms.add(f); };
  let raw: string;
  try {
    raw = parseSecret(secret);
  } catch {
    raw = goTrimSpace(secret);
  }
  add(secret, secret.trim(), raw, `wgmesh://v1/${raw}`, `wgmesh://${raw}`);
  add(...byteForms(utf8(raw)));
  const decoded = decodeAnyBase64(raw);
  if (decoded && decoded.length >= 6) add(...byteForms(decoded));
  add(encodeURIComponent(raw), JSON.stringify(raw).slice(1, -1), JSON.stringify(secret).slice(1, -1));
  try {
    const keys = deriveMeshKeys(raw);
    for (const k of [keys.psk, keys.gossipKey, keys.membershipKey, keys.epochSeed]) add(...byteForms(k));
  } catch {
    // Too short for wgmesh: there are no derived keys to look for.
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

const HEX_KEY = /\b(private_key|preshared_key)=[0-9a-fA-F]{64}\b/g;
const BASE64_KEY = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g;
// A run of hex digits, colons and dots with at least two colons, not glued to a word.
const V6_CANDIDATE = /(?<![\w:.])(?=[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]+/g;
const V4_CANDIDATE = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)/g;

/**
 * Redacts texts of one report. Keep one instance per report: its address placeholders are
 * numbered across every text it redacts, and {@link summary} counts them all.
 */
export class Redactor {
  private readonly forms: string[];
  private readonly publicKeys: ReadonlySet<string>;
  private readonly keep;
  private readonly v4 = new Map<string, string>();
  private readonly v6 = new Map<string, string>();
  private secrets = 0;
  private keys = 0;

  constructor(ctx: RedactionContext) {
    this.forms = [...new Set(ctx.secrets.filter((s) => s !== '').flatMap(secretForms))].sort((a, b) => b.length - a.length);
    this.publicKeys = new Set(ctx.publicKeys);
    this.keep = parseKeepNetworks(ctx.keepNetworks ?? []);
  }

  /** What was redacted so far. */
  get summary(): RedactionSummary {
    return { secrets: this.secrets, keys: this.keys, publicIPv4: this.v4.size, publicIPv6: this.v6.size };
  }

  /** `text` with secrets, private keys and public addresses replaced. */
  redact(text: string): string {
    let out = text;
    for (const form of this.forms) {
      const parts = out.split(form);
      this.secrets += parts.length - 1;
      out = parts.join(SECRET_PLACEHOLDER);
    }
    out = out.replace(HEX_KEY, (_m, label: string) => {
      this.keys += 1;
      return `${label}=${KEY_PLACEHOLDER}`;
    });
    out = out.replace(BASE64_KEY, (key) => {
      if (this.publicKeys.has(key)) return key;
      this.keys += 1;
      return KEY_PLACEHOLDER;
    });
    out = out.replace(V6_CANDIDATE, (token) => this.replaceV6(token));
    return out.replace(V4_CANDIDATE, (token) => {
      const bytes = parseIPv4(token);
      return bytes && this.isPublic(bytes) ? this.placeholder(this.v4, 'ipv4', bytes) : token;
    });
  }

  /**
   * A candidate IPv6 token: the whole token, or (for `addr:port` written without brackets) the
   * token without its last `:segment`, or without trailing dots (end of a sentence).
   */
  private replaceV6(token: string): string {
    const trimmed = token.replace(/\.+$/, '');
    const cut = trimmed.lastIndexOf(':');
    const tries: [string, string][] = [[trimmed, token.slice(trimmed.length)], [trimmed.slice(0, cut), token.slice(cut)]];
    for (const [addr, rest] of tries) {
      const bytes = parseIPv6(addr);
      if (!bytes) continue;
      return this.isPublic(bytes) ? this.placeholder(this.v6, 'ipv6', bytes) + rest : token;
    }
    return token;
  }

  private isPublic(bytes: Uint8Array): boolean {
    if (inNetworks(this.keep, bytes)) return false;
    return bytes.length === 4 ? isPublicIPv4(bytes) : isPublicIPv6(bytes);
  }

  private placeholder(map: Map<string, string>, family: 'ipv4' | 'ipv6', bytes: Uint8Array): string {
    const key = bytes.length === 16 ? formatIp(bytes) : Array.from(bytes).join('.');
    let p = map.get(key);
    if (p === undefined) {
      p = `[public-${family}-${map.size + 1}]`;
      map.set(key, p);
    }
    return p;
  }
}
