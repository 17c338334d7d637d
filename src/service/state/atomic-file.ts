/**
 * Crash-safe state files: write to a temporary file in the same directory with the final
 * mode, fsync it, rename over the target, fsync the directory. A reader therefore sees the
 * old file or the new one, never a torn one, even after kill -9 or power loss.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

/** A state directory that cannot be used; the message says why and what to do. */
export class StateDirError extends Error {
  readonly code = 'state-dir-unusable';
}

/** Creates `dir` (mode 0700) if needed and checks it is writable. */
export async function ensureStateDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.access(dir, constants.W_OK | constants.X_OK);
    const probe = path.join(dir, `.probe-${process.pid}`);
    await fs.writeFile(probe, '');
    await fs.unlink(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new StateDirError(`state directory ${dir} is not writable (${code}); pass --state-dir DIR or fix its permissions`);
  }
  await removeTempFiles(dir);
}

/** Names {@link writeFileAtomic} gives its temporary files: `.<name>.<pid>.<ms>.tmp`. */
const TEMP_FILE = /^\..+\.\d+\.\d+\.tmp$/;

/**
 * Deletes temporary files that writes killed mid-way left in `dir` (a kill -9 between open and
 * rename): they may hold a copy of a credential, and nothing else would ever remove them. Call
 * only while nothing writes in `dir` (at start-up, or under the writer's own queue).
 */
export async function removeTempFiles(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) if (TEMP_FILE.test(name)) await fs.rm(path.join(dir, name), { force: true });
}

/** Atomically replaces `file` with `data` (mode default 0600). */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fs.open(tmp, 'w', mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.chmod(mode); // umask may have narrowed or widened it
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    // A full disk fails the write: do not leave an empty temporary file per attempt behind.
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const d = await fs.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Reads and parses a JSON file; returns undefined when it does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as unknown;
}

/** Writes pretty-printed (two-space) JSON atomically. */
export async function writeJsonFile(file: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', mode);
}
