/**
 * Checks that the programs the service drives are installed, before anything is changed, so
 * a missing package is reported by name instead of failing half-way through a join.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { packageHintFor } from './exec';

/** Absolute path of `name` on PATH (plus the sbin folders), or undefined. */
export function findProgram(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const dirs = [...envPath.split(path.delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch { /* next */ }
  }
  return undefined;
}

/** Error message naming what is missing and how to install it, or undefined when all exist. */
export function missingPrograms(names: readonly string[]): string | undefined {
  const missing = names.filter((n) => !findProgram(n));
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map((n) => packageHintFor(n) ?? n))];
  return `${missing.join(', ')} not found; install with: sudo apt-get install ${pkgs.join(' ')}`;
}
