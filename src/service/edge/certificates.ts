/**
 * Certificates on an edge, in certbot's layout: `<certDir>/<hostname>/fullchain.pem` and
 * `privkey.pem` (so `--cert-dir /etc/letsencrypt/live` works; its files are symlinks, which are
 * followed). The edge manager asks per hostname it serves; the capability report lists every
 * hostname the directory holds a certificate for.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_EDGE_CERTIFICATES } from '../mesh/site-messages';
import { parseHostname } from '../../shared/sites';

/** The files of one hostname's certificate. */
export interface CertPaths {
  certFile: string;
  keyFile: string;
}

/** Directory entries looked at by one scan, at most (a huge directory costs bounded work). */
const MAX_SCANNED_ENTRIES = 5000;
/** Total characters of the listed hostnames, at most, so the report fits in one datagram. */
const MAX_LISTED_CHARS = 24_000;

/** Where `hostname`'s certificate and key are expected under `certDir`. */
export function certPaths(certDir: string, hostname: string): CertPaths {
  const dir = path.join(certDir, hostname);
  return { certFile: path.join(dir, 'fullchain.pem'), keyFile: path.join(dir, 'privkey.pem') };
}

/** `hostname`'s certificate files when both exist, else null. */
export function findCertificate(certDir: string, hostname: string): CertPaths | null {
  const p = certPaths(certDir, hostname);
  return existsSync(p.certFile) && existsSync(p.keyFile) ? p : null;
}

function isCanonicalHostname(name: string): boolean {
  try {
    return parseHostname(name) === name;
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/**
 * The hostnames `certDir` holds a certificate for: subdirectories named as canonical hostnames
 * with both files present, sorted, at most `max` (and {@link MAX_LISTED_CHARS} characters in
 * all). A missing or unreadable directory holds none. Never rejects.
 */
export async function scanCertificates(certDir: string, max = MAX_EDGE_CERTIFICATES): Promise<string[]> {
  let names: string[];
  try {
    const entries = await fs.readdir(certDir, { withFileTypes: true });
    names = entries.slice(0, MAX_SCANNED_ENTRIES)
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && isCanonicalHostname(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
  const out: string[] = [];
  let chars = 0;
  for (const name of names) {
    if (out.length >= max || chars + name.length > MAX_LISTED_CHARS) break;
    const p = certPaths(certDir, name);
    if (!(await exists(p.certFile)) || !(await exists(p.keyFile))) continue;
    out.push(name);
    chars += name.length;
  }
  return out;
}
