import { appendFile, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheLogTailer } from './cache-log';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cr-cache-log-'));
  file = join(dir, 'cache.log');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');

describe('CacheLogTailer', () => {
  it('skips what the file held before the first poll, then counts every status', async () => {
    await writeFile(file, lines('HIT', 'HIT', 'MISS'));
    const t = new CacheLogTailer(file);
    await t.poll();
    expect(t.counts().hit).toBe(0);
    await appendFile(file, lines('HIT', 'MISS', 'BYPASS', 'EXPIRED', 'STALE', 'UPDATING', 'REVALIDATED', '-', '-', 'garbage'));
    await t.poll();
    expect(t.counts()).toEqual({ hit: 1, miss: 1, bypass: 1, expired: 1, stale: 1, updating: 1, revalidated: 1, none: 2 });
    await t.poll(); // nothing new
    expect(t.counts().hit).toBe(1);
  });

  it('counts a file that appears after the first poll from its start', async () => {
    const t = new CacheLogTailer(file);
    await t.poll();
    await writeFile(file, lines('HIT', 'MISS'));
    await t.poll();
    expect(t.counts()).toMatchObject({ hit: 1, miss: 1 });
  });

  it('keeps a line written in two parts until it is complete', async () => {
    const t = new CacheLogTailer(file);
    await t.poll();
    await writeFile(file, 'HIT\nMI');
    await t.poll();
    expect(t.counts()).toMatchObject({ hit: 1, miss: 0 });
    await appendFile(file, 'SS\n');
    await t.poll();
    expect(t.counts()).toMatchObject({ hit: 1, miss: 1 });
  });

  it('starts over after truncation and after rotation', async () => {
    await writeFile(file, '');
    const t = new CacheLogTailer(file);
    await t.poll();
    await appendFile(file, lines('HIT', 'HIT', 'HIT'));
    await t.poll();
    await writeFile(file, lines('MISS')); // truncated by someone, then written
    await t.poll();
    expect(t.counts()).toMatchObject({ hit: 3, miss: 1 });
    await rename(file, `${file}.1`); // rotated: a new file takes its place
    await writeFile(file, lines('BYPASS'));
    await t.poll();
    expect(t.counts()).toMatchObject({ hit: 3, miss: 1, bypass: 1 });
  });

  it('truncates the file once it exceeds maxBytes, and keeps counting after', async () => {
    await writeFile(file, '');
    const t = new CacheLogTailer(file, { maxBytes: 100 });
    await t.poll();
    await appendFile(file, lines(...Array.from({ length: 40 }, () => 'HIT')));
    await t.poll();
    expect((await stat(file)).size).toBe(0);
    await appendFile(file, lines('MISS'));
    await t.poll();
    expect(t.counts()).toMatchObject({ hit: 40, miss: 1 });
  });

  it('serialises concurrent polls so nothing is counted twice', async () => {
    await writeFile(file, '');
    const t = new CacheLogTailer(file);
    await t.poll();
    await appendFile(file, lines('HIT', 'HIT'));
    await Promise.all([t.poll(), t.poll(), t.poll()]);
    expect(t.counts().hit).toBe(2);
  });

  it('reports the hit ratio over cache lookups (NaN before any)', async () => {
    const t = new CacheLogTailer(file);
    expect(t.hitRatio()).toBeNaN();
    await t.poll();
    await writeFile(file, lines('HIT', 'STALE', 'MISS', 'BYPASS', '-', '-'));
    await t.poll();
    expect(t.hitRatio()).toBe(0.5);
  });
});
