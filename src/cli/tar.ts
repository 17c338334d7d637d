/**
 * A minimal POSIX ustar writer for the bug report: regular files and directories with short
 * ASCII names, built in memory and gzipped with node:zlib. It covers exactly what `bugreport`
 * writes (a dozen small text files) and nothing more, so no dependency is needed; GNU tar,
 * bsdtar and Python's tarfile read it.
 */
import { gzipSync } from 'node:zlib';

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated, printable ASCII, at most 100 bytes. */
  name: string;
  /** File content; absent for a directory (name ending in `/`). */
  data?: string | Uint8Array;
  /** Permission bits; default 0644 for files, 0755 for directories. */
  mode?: number;
  /** Modification time, Unix seconds. */
  mtime: number;
}

const BLOCK = 512;

/** Writes `value` as a NUL-terminated zero-padded octal field of `width` bytes at `offset`. */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  const text = Math.floor(value).toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new Error('tar: numeric field overflow');
  header.write(text + '\0', offset, width, 'ascii');
}

/** The 512-byte ustar header of one entry (checksum included). */
export function tarHeader(name: string, size: number, mode: number, mtime: number, type: '0' | '5'): Buffer {
  if (!/^[\x20-\x7e]{1,100}$/.test(name) || name.startsWith('/') || name.split('/').includes('..')) {
    throw new Error(`tar: unsupported member name ${JSON.stringify(name)}`);
  }
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'ascii');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.write(' '.repeat(8), 148, 8, 'ascii'); // checksum counts as spaces while it is computed
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0' + '00', 257, 8, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** The uncompressed archive: header and padded data per entry, then two zero blocks. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const dir = e.data === undefined;
    const data = dir ? Buffer.alloc(0) : typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data as Uint8Array);
    parts.push(tarHeader(e.name, data.length, e.mode ?? (dir ? 0o755 : 0o644), e.mtime, dir ? '5' : '0'), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The archive gzipped (a `.tar.gz`). */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tarArchive(entries));
}
