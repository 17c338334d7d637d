// Builds everything into dist/ with esbuild (one bundle per program) and Vite (the renderer):
//   dist/cloudroof.js, dist/cloudroofd.js, dist/bench.js   Node ESM (CLI, service, benchmarks)
//   dist/desktop/main.cjs, dist/desktop/preload.cjs        Electron main and preload (CommonJS:
//                                                          sandboxed preloads cannot be ESM)
//   dist/renderer/                                         the UI, for Electron and the web console
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { build as viteBuild } from 'vite';

const present = (entries) => Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

await build({
  entryPoints: present({ cloudroof: 'src/cli/main.ts', cloudroofd: 'src/service/main.ts', bench: 'bench/run.ts' }),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The desktop benchmark builds a reference page with Vite at run time (a dev dependency, present
  // wherever benchmarks run); nothing else imports it.
  external: ['vite'],
  // CommonJS dependencies bundled into ESM still call require() for builtins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

const desktop = present({ main: 'src/main/app.ts', preload: 'src/preload/index.ts' });
if (Object.keys(desktop).length > 0) {
  await build({
    entryPoints: desktop,
    outdir: 'dist/desktop',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Minified: the preload is parsed each time a window opens (zod is most of it).
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    external: ['electron'],
  });
}

await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });
