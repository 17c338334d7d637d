/**
 * Listening TCP sockets on Linux with their processes, from /proc alone (no process spawned):
 * the socket tables (proc-net-tcp.ts), then one pass over /proc/<pid>/fd/* mapping each
 * `socket:[inode]` link to its process, stopping as soon as every listening inode is found.
 * The file system sits behind {@link ProcFs} so the walk is tested with a fake.
 *
 * /proc/net is the network namespace of the reading process (the service's); processes of other
 * PID namespaces, or whose fds cannot be read, simply leave a socket without a process.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { ListeningSocket } from './listening-sockets';
import { parseProcNetTcp, type ProcListenEntry } from './proc-net-tcp';

/** The few file operations the walk needs; each resolves undefined where the real one fails. */
export interface ProcFs {
  /** Text of a file (`/proc/net/tcp`, `/proc/<pid>/comm`). */
  readFile(path: string): Promise<string | undefined>;
  /** Names in a directory (`/proc`, `/proc/<pid>/fd`). */
  readdir(path: string): Promise<string[] | undefined>;
  /** Target of a symbolic link (`/proc/<pid>/fd/3` → `socket:[12345]`). */
  readlink(path: string): Promise<string | undefined>;
}

/** The real /proc; errors (a process that exited, EACCES) read as undefined. */
export const nodeProcFs: ProcFs = {
  readFile: (p) => readFile(p, 'utf8').catch(() => undefined),
  readdir: (p) => readdir(p).catch(() => undefined),
  readlink: (p) => readlink(p).catch(() => undefined),
};

const SOCKET_LINK = /^socket:\[([0-9]+)\]$/;

/** The owner (lowest pid) of each inode in `wanted`, found by walking /proc/<pid>/fd. */
export async function findSocketOwners(fs: ProcFs, wanted: ReadonlySet<string>): Promise<Map<string, { pid: number; process?: string }>> {
  const owners = new Map<string, { pid: number; process?: string }>();
  const pids = ((await fs.readdir('/proc')) ?? []).filter((n) => /^[0-9]+$/.test(n)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    if (owners.size === wanted.size) break;
    const fds = (await fs.readdir(`/proc/${pid}/fd`)) ?? [];
    const links = await Promise.all(fds.map((fd) => fs.readlink(`/proc/${pid}/fd/${fd}`)));
    const inodes = links.map((l) => SOCKET_LINK.exec(l ?? '')?.[1]).filter((i): i is string => i !== undefined && wanted.has(i) && !owners.has(i));
    if (inodes.length === 0) continue;
    const comm = (await fs.readFile(`/proc/${pid}/comm`))?.trim();
    for (const inode of inodes) owners.set(inode, comm ? { pid, process: comm } : { pid });
  }
  return owners;
}

/** Every listening TCP socket of this network namespace, with its process where found. */
export async function listProcListeningSockets(fs: ProcFs): Promise<ListeningSocket[]> {
  const [v4, v6] = await Promise.all([fs.readFile('/proc/net/tcp'), fs.readFile('/proc/net/tcp6')]);
  const entries: ProcListenEntry[] = [...parseProcNetTcp(v4 ?? '', 4), ...parseProcNetTcp(v6 ?? '', 6)];
  // Inode 0 (a socket being torn down) is in no fd table: looking for it would walk all of /proc.
  const owners = await findSocketOwners(fs, new Set(entries.map((e) => e.inode).filter((i) => i !== '0')));
  return entries.map(({ inode, ...socket }) => ({ ...socket, ...owners.get(inode) }));
}
