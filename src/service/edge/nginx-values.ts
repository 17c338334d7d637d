/**
 * Allow-list checks for every value that reaches nginx configuration text on an edge.
 *
 * Security edge: hostnames, origin addresses and site names arrive from the mesh (another
 * node's announcement), so they are re-validated here even though the sender and the site
 * code checked them already. Each check accepts only characters that cannot end a directive,
 * open a block, start a comment or a variable, and throws an Error naming the field otherwise.
 */
import { formatIp, parseIp } from '../../shared/mesh/ip';
import { parseHostname, parseSize } from '../../shared/sites';

/** A configuration value that must not be rendered; the message names the field. */
export class NginxValueError extends Error {
  constructor(field: string, why: string) {
    super(`nginx config: ${field} ${why}`);
    this.name = 'NginxValueError';
  }
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const SITE = /^[a-z0-9-]{1,40}$/;
const VERSION = /^([0-9]{1,4})\.([0-9]{1,4})\.([0-9]{1,4})$/;

/** Text of a bad value for a message: short printable values quoted, others described. */
function shown(v: unknown): string {
  const s = String(v);
  return s.length <= 80 && /^[\x20-\x7e]*$/.test(s) ? JSON.stringify(s) : `(${s.length} characters)`;
}

/** A public hostname that is already canonical (lower case, no trailing dot). */
export function checkHostname(field: string, v: string): string {
  let canonical: string;
  try {
    canonical = parseHostname(v);
  } catch (err) {
    throw new NginxValueError(field, `is invalid: ${(err as Error).message}`);
  }
  if (canonical !== v) throw new NginxValueError(field, `${shown(v)} is not in canonical form (${canonical})`);
  return v;
}

/** An IPv4 or IPv6 address (no brackets, no zone); returns its canonical text. */
export function checkIpHost(field: string, v: string): string {
  const bytes = typeof v === 'string' ? parseIp(v) : null;
  if (!bytes) throw new NginxValueError(field, `${shown(v)} is not an IP address`);
  return formatIp(bytes);
}

/** A TCP port, an integer 1–65535. */
export function checkPort(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 65535) throw new NginxValueError(field, `${shown(v)} is not a port (1–65535)`);
  return v;
}

/** A size as nginx reads it (`512m`, `1g`), canonical lower case. */
export function checkSize(field: string, v: string): string {
  try {
    return parseSize(v, field);
  } catch (err) {
    throw new NginxValueError(field, `is invalid: ${(err as Error).message}`);
  }
}

/** An absolute file-system path of `A-Z a-z 0-9 . _ / -` only, with no `..` component. */
export function checkPath(field: string, v: string): string {
  if (typeof v !== 'string' || !SAFE_PATH.test(v) || v.split('/').includes('..')) {
    throw new NginxValueError(field, `${shown(v)} is not an absolute path of letters, digits, '.', '_', '/' and '-'`);
  }
  return v;
}

/** A site name: 1–40 of `a-z 0-9 -`. */
export function checkSite(field: string, v: string): string {
  if (typeof v !== 'string' || !SITE.test(v)) throw new NginxValueError(field, `${shown(v)} is not a site name (a-z, 0-9, '-')`);
  return v;
}

/** An nginx version `major.minor.patch`, as numbers. */
export function checkVersion(field: string, v: string): [number, number, number] {
  const m = typeof v === 'string' ? VERSION.exec(v) : null;
  if (!m) throw new NginxValueError(field, `${shown(v)} is not a version like 1.22.1`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** True when version `v` is at least `min` (both `[major, minor, patch]`). */
export function versionAtLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}
