/**
 * Listening TCP sockets of this machine, for the exposure wizard: the one place that picks how
 * they are found. Linux reads /proc (proc-sockets.ts: no process spawned); macOS asks `lsof`
 * (lsof.ts) through the CommandRunner. Both give the same {@link ListeningSocket} records.
 */
import type { CommandRunner } from '../exec';
import { listLsofListeningSockets } from './lsof';
import { listProcListeningSockets, nodeProcFs, type ProcFs } from './proc-sockets';

/** One listening TCP socket. */
export interface ListeningSocket {
  /**
   * The bound address in canonical text: dotted IPv4 (also for IPv4-mapped IPv6 binds, which
   * then count as family 4), RFC 5952 IPv6, `0.0.0.0` or `::` for the wildcards.
   */
  address: string;
  port: number;
  family: 4 | 6;
  /** The owning process, when it could be found (lowest pid when several share the socket). */
  pid?: number;
  /** Its short name (`/proc/<pid>/comm`, lsof's command name). */
  process?: string;
}

/** What {@link listListeningSockets} needs. */
export interface ListeningSocketsDeps {
  platform: NodeJS.Platform;
  /** Runs `lsof` on macOS. */
  runner: CommandRunner;
  /** The /proc reader on Linux; default the real one. */
  procFs?: ProcFs;
}

/** Every listening TCP socket (IPv4 and IPv6) with its process where known; order unspecified. */
export function listListeningSockets(d: ListeningSocketsDeps): Promise<ListeningSocket[]> {
  return d.platform === 'darwin' ? listLsofListeningSockets(d.runner) : listProcListeningSockets(d.procFs ?? nodeProcFs);
}
