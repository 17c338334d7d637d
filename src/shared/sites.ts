/**
 * Sites (issue 5): the vocabulary of exposing a local service through edges. Parsing of site
 * names, public hostnames, targets and health paths, each to a canonical form with a message
 * that says what is wrong. Pure (no Node APIs): the CLI checks input before contacting the
 * service, the service checks it again, and the edge checks what arrives from the mesh.
 *
 * Every value accepted here may end up inside nginx configuration text on an edge, so the
 * character sets are allow-lists: nothing that could close a directive, start a block, a
 * comment or a variable (`;`, `{`, `}`, `#`, `$`, quotes, whitespace) is ever accepted.
 */
import { parseIp } from './mesh/ip';

/** A site input that cannot be used; `message` says why and is safe to show. */
export class SiteInputError extends Error {
  /** The control-API error code for this failure. */
  readonly code = 'invalid-site';

  constructor(message: string) {
    super(message);
    this.name = 'SiteInputError';
  }
}

/** Most public hostnames one site may have. */
export const MAX_SITE_HOSTNAMES = 20;
/** Most sites one origin may expose. */
export const MAX_SITES = 64;
/** Default interval of local health checks, in seconds. */
export const DEFAULT_HEALTH_INTERVAL_S = 10;

const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const HEALTH_PATH = /^\/[A-Za-z0-9\-._~/%?=&+:@!,]*$/;

/** Text of `s` for a message: quoted when short and printable, else a description. */
function show(s: string): string {
  return s.length <= 80 && /^[\x21-\x7e]*$/.test(s) ? JSON.stringify(s) : `(${s.length} characters)`;
}

/** A site name: 1–40 of `a-z 0-9 -`, not starting or ending with `-` (e.g. `blog`). */
export function parseSiteName(input: string): string {
  const name = input.trim().toLowerCase();
  if (!SITE_NAME.test(name)) {
    throw new SiteInputError(`site name ${show(input)} is invalid: use 1–40 letters, digits or '-', e.g. blog`);
  }
  return name;
}

/**
 * A public hostname in canonical form (lower case, no trailing dot): at least two labels of
 * `a-z 0-9 -` (internationalised names in their xn-- form), at most 253 characters, and not an
 * IP address. A leading `*.` label is refused: one certificate per name keeps edges simple.
 */
export function parseHostname(input: string): string {
  let h = input.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  const bad = (why: string): SiteInputError => new SiteInputError(`hostname ${show(input)} is invalid: ${why}`);
  if (h === '') throw bad('it is empty');
  if (h.length > 253) throw bad('longer than 253 characters');
  if (h.startsWith('*.')) throw bad('wildcards are not supported; list each name');
  if (parseIp(h) !== null) throw bad('an IP address is not a hostname');
  const labels = h.split('.');
  if (labels.length < 2) throw bad('use a full name such as www.example.com');
  if (!labels.every((l) => LABEL.test(l))) throw bad("each label is 1–63 letters, digits or '-', not starting or ending with '-'");
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) throw bad('the last label cannot be numeric');
  return h;
}

/** A site's local target, as the origin connects to it. */
export interface SiteTarget {
  scheme: 'http' | 'https';
  /** IPv4 address, IPv6 address (without brackets) or a hostname, lower case. */
  host: string;
  port: number;
}

/** `scheme://host:port` of a target, IPv6 hosts bracketed. */
export function formatTarget(t: SiteTarget): string {
  return `${t.scheme}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

/**
 * A target: `http://host:port`, `https://host:port` (a trailing `/` allowed, no other path) or
 * `host:port` (meaning http). The port is required unless the scheme gives it (80, 443).
 */
export function parseTarget(input: string): SiteTarget {
  const raw = input.trim();
  const bad = (why: string): SiteInputError =>
    new SiteInputError(`target ${show(input)} is invalid: ${why} (e.g. http://127.0.0.1:8080 or 127.0.0.1:8080)`);
  const m = /^(?:([a-zA-Z]+):\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/[\]]+)(?::([0-9]{1,5}))?\/?$/.exec(raw);
  if (!m) throw bad('expected scheme://host:port');
  const scheme = (m[1] ?? 'http').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw bad(`the scheme must be http or https`);
  const hostText = (m[2] ?? '').toLowerCase();
  let host: string;
  if (hostText.startsWith('[')) {
    const ip = parseIp(hostText.slice(1, -1));
    if (!ip || ip.length === 4 || !hostText.includes(':')) throw bad('the bracketed host is not an IPv6 address');
    host = hostText.slice(1, -1);
  } else if (parseIp(hostText) !== null) {
    host = hostText;
  } else if (hostText === 'localhost' || hostText.split('.').every((l) => LABEL.test(l))) {
    host = hostText;
  } else {
    throw bad('the host is not an address or a hostname');
  }
  const portText = m[3] ?? (m[1] === undefined ? undefined : scheme === 'https' ? '443' : '80');
  if (portText === undefined) throw bad('a port is required');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('the port must be 1–65535');
  return { scheme, host, port };
}

/** A health-check path: starts with `/`, URL characters only, at most 256 characters. */
export function parseHealthPath(input: string): string {
  const p = input.trim();
  if (p.length > 256 || !HEALTH_PATH.test(p)) {
    throw new SiteInputError(`health path ${show(input)} is invalid: start with '/' and use URL characters only, e.g. /healthz`);
  }
  return p;
}

/** A health-check interval in whole seconds, 2–300. */
export function parseHealthInterval(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 2 || seconds > 300) {
    throw new SiteInputError('health interval must be a whole number of seconds from 2 to 300');
  }
  return seconds;
}

/** The hostnames of a site: each canonical, duplicates removed, 1–{@link MAX_SITE_HOSTNAMES}. */
export function parseHostnames(input: readonly string[]): string[] {
  const out = [...new Set(input.map(parseHostname))];
  if (out.length === 0) throw new SiteInputError('a site needs at least one public hostname (--hostname www.example.com)');
  if (out.length > MAX_SITE_HOSTNAMES) throw new SiteInputError(`a site has at most ${MAX_SITE_HOSTNAMES} hostnames`);
  return out;
}

/**
 * A size as nginx reads it (`client_max_body_size`, `max_size`): digits with an optional
 * `k`, `m` or `g` (e.g. `1g`, `512m`), returned in canonical lower case.
 */
export function parseSize(input: string, what: string): string {
  const s = input.trim().toLowerCase();
  if (!/^[0-9]{1,6}[kmg]?$/.test(s)) throw new SiteInputError(`${what} ${show(input)} is invalid: use a number with k, m or g, e.g. 1g`);
  return s;
}
