/**
 * Bundles a small TypeScript program (importing from this repo's src/) into one ESM file in a
 * fresh temp dir, for running inside a network namespace with `ip netns exec … node <script>`.
 * The caller removes `dir` when done.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** Writes `<tmp>/<name>.mjs` from `source`; returns the temp dir and the script path. */
export async function bundleChildScript(source: string, name: string): Promise<{ dir: string; script: string }> {
  const dir = mkdtempSync(join(tmpdir(), `cr-${name}-`));
  const script = join(dir, `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: resolve(import.meta.dirname, '../../..'), loader: 'ts', sourcefile: `${name}.ts` },
    outfile: script, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
  });
  return { dir, script };
}
