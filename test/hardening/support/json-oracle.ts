// A second, independent reading of JSON object text with Go's encoding/json rules, used as the
// oracle the production decoders are compared with: top-level members in text order (raw value
// text), names folded as Go matches them, last occurrence wins.

/** Go's case folding of member names (ASCII, ſ → s, K → k). */
export function goFold(name: string): string {
  let out = '';
  for (const ch of name) out += ch === '\u017f' ? 's' : ch === '\u212a' ? 'k' : ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
  return out;
}

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * `[name, rawValue]` of each top-level member of `text`, in order. `text` must be valid JSON
 * whose top level is an object (checked by the caller with JSON.parse).
 */
export function scanMembers(text: string): [string, string][] {
  let i = 0;
  const ws = (): void => { while (i < text.length && WS.has(text[i]!)) i++; };
  const str = (): void => { // i at the opening quote; leaves i after the closing one
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  const value = (): void => {
    const c = text[i];
    if (c === '"') return str();
    if (c !== '{' && c !== '[') {
      while (i < text.length && !WS.has(text[i]!) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']') i++;
      return;
    }
    let depth = 0;
    do {
      const d = text[i];
      if (d === '"') { str(); continue; }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') depth--;
      i++;
    } while (depth > 0);
  };
  const out: [string, string][] = [];
  ws();
  i++; // {
  ws();
  if (text[i] === '}') return out;
  for (;;) {
    ws();
    const start = i;
    str();
    const name = JSON.parse(text.slice(start, i)) as string;
    ws();
    i++; // :
    ws();
    const v = i;
    value();
    out.push([name, text.slice(v, i)]);
    ws();
    if (text[i] === ',') { i++; continue; }
    return out;
  }
}

/** The last member (by Go's folding) named `name`, as raw text, or undefined. */
export function lastMember(members: readonly [string, string][], name: string): string | undefined {
  let found: string | undefined;
  for (const [k, v] of members) if (goFold(k) === name) found = v;
  return found;
}

/** Replaces lone surrogates by U+FFFD, as Go does when it decodes a JSON string. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Deep copy with every string made well-formed and -0 turned into 0 (what survives a Go round trip). */
export function goNormal(v: unknown): unknown {
  if (typeof v === 'string') return wellFormed(v);
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (Array.isArray(v)) return v.map(goNormal);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, goNormal(x)]));
  return v;
}
