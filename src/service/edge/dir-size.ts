/** Disk use of a directory tree, for the edge's cache figure. */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Sum of the sizes of regular files under `dir` (symlinks not followed), visiting at most
 * `maxEntries` entries so a huge cache cannot stall the service; 0 when `dir` is missing.
 */
export async function dirSize(dir: string, maxEntries = 200_000): Promise<number> {
  let total = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0 && seen < maxEntries) {
    const d = stack.pop() as string;
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (++seen > maxEntries) break;
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += await fs.lstat(p).then((st) => st.size, () => 0);
    }
  }
  return total;
}
