// Bundles the CLI, the service and the benchmarks into dist/ (one ESM file each) with esbuild.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = {
  cloudroof: 'src/cli/main.ts',
  cloudroofd: 'src/service/main.ts',
  bench: 'bench/run.ts',
};

await build({
  entryPoints: Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file))),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require() for builtins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
