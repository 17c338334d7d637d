/**
 * Parsing of /proc/net/tcp and /proc/net/tcp6 (Linux): the kernel's socket tables, one line per
 * socket. Pure: text in, records out, so every quirk is unit-tested on fixture text.
 *
 * Line format (after a header line): `sl local_address rem_address st … uid timeout inode …`,
 * addresses as `HEX:PORT` where the address is the in-memory `struct in_addr`/`in6_addr`
 * printed as 32-bit words in host byte order, i.e. little-endian per word on x86 and ARM:
 * `0100007F` is 127.0.0.1, and IPv6 `::1` is `00000000000000000000000001000000`.
 */
import { endianness } from 'node:os';
import { formatIp, isIPv4Mapped } from '../../../shared/mesh/ip';

/** Socket state LISTEN (`TCP_LISTEN` = 10) in the `st` column. */
const STATE_LISTEN = '0A';

/** A listening socket from the table, before its process is known. */
export interface ProcListenEntry {
  address: string;
  port: number;
  family: 4 | 6;
  /** Socket inode (`socket:[inode]` in /proc/<pid>/fd). */
  inode: string;
}

/**
 * Decodes a /proc address (`0100007F`, 32 hex digits for IPv6) to its bytes. `littleEndian`
 * is the machine's word order (default this machine's). Null for malformed text.
 */
export function decodeProcAddress(hex: string, littleEndian = endianness() === 'LE'): Uint8Array | null {
  if (!/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let word = 0; word < bytes.length / 4; word++) {
    for (let b = 0; b < 4; b++) {
      const at = word * 4 + (littleEndian ? 3 - b : b);
      bytes[word * 4 + b] = parseInt(hex.slice(at * 2, at * 2 + 2), 16);
    }
  }
  return bytes;
}

/**
 * The listening sockets of one table. `family` says which table the text is (4 for tcp, 6 for
 * tcp6); an IPv4-mapped bind in tcp6 (`::ffff:127.0.0.1`) is reported as family 4. Lines that
 * do not parse (the header, truncated lines) are skipped.
 */
export function parseProcNetTcp(text: string, family: 4 | 6, littleEndian = endianness() === 'LE'): ProcListenEntry[] {
  const out: ProcListenEntry[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode
    const [local, state, inode] = [cols[1], cols[3], cols[9]];
    if (state !== STATE_LISTEN || local === undefined || inode === undefined || !/^[0-9]+$/.test(inode)) continue;
    const [hexAddr = '', hexPort = ''] = local.split(':');
    const bytes = decodeProcAddress(hexAddr, littleEndian);
    const port = /^[0-9A-Fa-f]{4}$/.test(hexPort) ? parseInt(hexPort, 16) : 0;
    if (!bytes || bytes.length !== (family === 4 ? 4 : 16) || port === 0) continue;
    const mapped = bytes.length === 16 && isIPv4Mapped(bytes);
    out.push({ address: formatIp(bytes), port, family: mapped ? 4 : family, inode });
  }
  return out;
}
