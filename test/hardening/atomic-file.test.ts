// Crash debris of atomic writes (found by faults.test.ts): a kill -9 between open and rename leaves
// `.<name>.<pid>.<ms>.tmp`, possibly holding a copy of the secret. The state dir is swept when the
// service starts, and the managed nginx dir when edge mode is removed; nothing else is touched.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureStateDir, removeTempFiles } from '../../src/service/state/atomic-file';

describe('temporary files of interrupted atomic writes', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cr-atomic-'));
    dirs.push(d);
    for (const n of ['.secret.4242.1795590879032.tmp', '.prefs.json.1.2.tmp', 'prefs.json', 'secret', '.hidden', 'x.tmp', '.a.b.tmp']) writeFileSync(join(d, n), 'x');
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('ensureStateDir removes them and nothing else', async () => {
    const d = fresh();
    await ensureStateDir(d);
    expect(readdirSync(d).sort()).toEqual(['.a.b.tmp', '.hidden', 'prefs.json', 'secret', 'x.tmp']);
  });

  it('removeTempFiles on a missing dir is a no-op', async () => {
    await expect(removeTempFiles(join(tmpdir(), 'cr-atomic-does-not-exist'))).resolves.toBeUndefined();
  });
});
