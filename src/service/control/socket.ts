/**
 * The control socket's file-system side: its directory, stale-socket handling, strict creation
 * and the group relaxation.
 *
 * Why it looks like this: the socket file mode is the access control of the control API. Node
 * cannot read the peer credentials of a Unix socket connection (no SO_PEERCRED/getpeereid API),
 * so the service cannot check *who* connected; instead only root (0600), or root and members of
 * the `cloudroof` group (0660 root:cloudroof), can connect at all. The directory must be
 * writable by root only, otherwise another user could replace the socket with their own.
 */
import { chmod, chown, lstat, mkdir, readFile, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Server } from 'node:net';

/** Mode of the socket while it is created and when no group is configured. */
export const STRICT_SOCKET_MODE = 0o600;
/** Mode of the socket once handed to the control group. */
export const GROUP_SOCKET_MODE = 0o660;
/** Mode of a socket directory the service creates. */
export const SOCKET_DIR_MODE = 0o755;

const euid = (): number => process.geteuid?.() ?? 0;

/**
 * Creates the socket's directory (root-owned, writable by the owner only) or checks an existing
 * one: it must be a real directory owned by this process's user and not writable by group or
 * others. Never changes the mode of an existing directory.
 */
export async function ensureSocketDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: SOCKET_DIR_MODE });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new Error(`socket directory ${dir} is not a directory`);
  if (st.uid !== euid()) throw new Error(`socket directory ${dir} is not owned by uid ${euid()}`);
  if ((st.mode & 0o022) !== 0) throw new Error(`socket directory ${dir} is writable by group or others`);
}

/** Resolves true when something accepts a connection on `socketPath` within `timeoutMs`. */
export function probeSocket(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ path: socketPath });
    const done = (answered: boolean): void => {
      sock.destroy();
      resolve(answered);
    };
    sock.setTimeout(timeoutMs, () => done(true)); // neither accepted nor refused in time: assume taken
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Makes `socketPath` free to listen on: nothing there is fine; a dead socket (nobody answers)
 * is removed; a live socket or a non-socket file is refused with an explanatory error.
 */
export async function clearStaleSocket(socketPath: string): Promise<void> {
  let st;
  try {
    st = await lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw new Error(`${socketPath} exists and is not a socket; refusing to remove it`);
  if (await probeSocket(socketPath)) throw new Error(`another cloudroofd is running on ${socketPath}`);
  await unlink(socketPath);
}

/**
 * Listens on `socketPath` so that the socket is born 0600: the umask is narrowed around the
 * bind (where the process may change it; worker threads may not), and the mode is set
 * explicitly afterwards either way.
 */
export async function listenStrict(server: Server, socketPath: string): Promise<void> {
  let previous: number | undefined;
  try {
    previous = process.umask(0o177);
  } catch {
    previous = undefined; // worker thread: rely on the chmod below and the root-only directory
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
  await chmod(socketPath, STRICT_SOCKET_MODE);
}

/** Looks a group's id up in `/etc/group` (Node has no getgrnam); undefined if absent. */
export async function lookupGroupId(name: string, groupFile = '/etc/group'): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [gname, , gid] = line.split(':');
    if (gname === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** Outcome of {@link relaxToGroup}. */
export type RelaxResult = 'relaxed' | 'no-group' | 'not-permitted';

/**
 * Hands the socket to `group` (owner unchanged) with mode 0660. Changes nothing when the group
 * does not exist, or when this process may not give files to it (not root, not a member).
 */
export async function relaxToGroup(socketPath: string, group: string): Promise<RelaxResult> {
  const gid = await lookupGroupId(group);
  if (gid === undefined) return 'no-group';
  try {
    await chown(socketPath, euid(), gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return 'not-permitted';
    throw err;
  }
  await chmod(socketPath, GROUP_SOCKET_MODE);
  return 'relaxed';
}

/** Directory that holds the socket. */
export const socketDir = (socketPath: string): string => dirname(socketPath);
