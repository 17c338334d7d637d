// The built bundles the CLI tests run. `npm test` builds before Vitest starts, so suites must not
// rebuild dist/ while other suites are running the CLI from it: they build only when it is stale
// (a developer running one file after editing src/).
import { execFile, spawn } from 'node:child_process';
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

/** Exit status and output of one CLI run. */
export interface CliRun { code: number | null; stdout: string; stderr: string }

/**
 * Runs the built CLI asynchronously (suites serve the control socket in their own process, so
 * never spawnSync) with CLOUDROOF_SOCKET cleared; `as` runs it as another user.
 */
export function runCli(args: readonly string[], opts: { input?: string; as?: { uid: number; gid: number } } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, CLOUDROOF_SOCKET: '' }, ...opts.as });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
