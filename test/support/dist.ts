// The built bundles the CLI tests run. `npm test` builds before Vitest starts, so suites must not
// rebuild dist/ while other suites are running the CLI from it: they build only when it is stale
// (a developer running one file after editing src/).
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The repository root. */
export const repoRoot = join(import.meta.dirname, '..', '..');
/** The built CLI. */
export const cliPath = join(repoRoot, 'dist', 'cloudroof.js');

/** Builds dist/ unless it is newer than every file under src/. */
export async function buildIfStale(): Promise<void> {
  const built = await stat(cliPath).then((s) => s.mtimeMs, () => 0);
  const sources = await readdir(join(repoRoot, 'src'), { recursive: true, withFileTypes: true });
  const times = await Promise.all(sources.filter((e) => e.isFile()).map((e) => stat(join(e.parentPath, e.name)).then((s) => s.mtimeMs)));
  if (built === 0 || times.some((t) => t > built)) await promisify(execFile)(process.execPath, ['build/build.mjs'], { cwd: repoRoot });
}
