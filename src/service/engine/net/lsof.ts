/**
 * Listening TCP sockets on macOS (no /proc there) from
 * `lsof -nP -iTCP -sTCP:LISTEN -F pcnt`: lsof's field output, one field per line, a letter and
 * its value: `p<pid>` starts a process, `c<command>` names it, then per open file `f<fd>`
 * (when printed), `t<IPv4|IPv6>` and `n<address>:<port>` (`*:80`, `127.0.0.1:631`, `[::1]:631`).
 * The `t` field is asked for besides the `pcn` ones because `*:80` alone does not say which
 * family the wildcard is. Pure parser plus one runner call (argv, never a shell).
 */
import { formatIp, parseIp, toIPv4 } from '../../../shared/mesh/ip';
import { CommandError, type CommandRunner } from '../exec';
import type { ListeningSocket } from './listening-sockets';

/** The lsof argv (numeric addresses and ports, TCP sockets in LISTEN, field output). */
export const LSOF_ARGV = ['lsof', '-nP', '-iTCP', '-sTCP:LISTEN', '-F', 'pcnt'] as const;

/** `n` field value → address, port and family (the `t` field, when given, decides a wildcard's family). */
function parseName(name: string, type: string | undefined): Omit<ListeningSocket, 'pid' | 'process'> | undefined {
  const m = /^(\*|\[[0-9A-Fa-f:.]+\]|[0-9.]+):([0-9]{1,5})$/.exec(name);
  const port = Number(m?.[2]);
  if (!m?.[1] || !(port >= 1 && port <= 65535)) return undefined;
  if (m[1] === '*') return type === 'IPv6' ? { address: '::', port, family: 6 } : { address: '0.0.0.0', port, family: 4 };
  const bytes = parseIp(m[1].replace(/^\[|\]$/g, ''));
  if (!bytes) return undefined;
  return { address: formatIp(bytes), port, family: toIPv4(bytes) ? 4 : 6 };
}

/** Parses lsof field output (see the module comment); unknown fields and bad lines are skipped. */
export function parseLsofListen(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  let pid: number | undefined;
  let command: string | undefined;
  let type: string | undefined;
  for (const line of text.split('\n')) {
    const [field, value] = [line.charAt(0), line.slice(1)];
    if (field === 'p') {
      pid = /^[0-9]+$/.test(value) ? Number(value) : undefined;
      command = undefined;
      type = undefined;
    } else if (field === 'c') {
      command = value;
    } else if (field === 'f') {
      type = undefined;
    } else if (field === 't') {
      type = value;
    } else if (field === 'n') {
      const socket = parseName(value, type);
      if (socket) out.push({ ...socket, ...(pid !== undefined ? { pid } : {}), ...(command ? { process: command } : {}) });
    }
  }
  return out;
}

/** Runs lsof; its exit status 1 with no error output means "nothing listens" (an empty list). */
export async function listLsofListeningSockets(runner: CommandRunner): Promise<ListeningSocket[]> {
  try {
    return parseLsofListen((await runner.run(LSOF_ARGV, { timeoutMs: 10_000 })).stdout);
  } catch (err) {
    if (err instanceof CommandError && err.exitCode === 1 && err.stderr.trim() === '') return [];
    throw err;
  }
}
