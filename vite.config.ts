// Builds the renderer (src/renderer) into dist/renderer: one page that Electron loads from the
// app bundle and the web console serves over HTTP. `base: './'` keeps every asset URL relative,
// so the same files work from app:// and from http://127.0.0.1:PORT/.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/renderer',
  base: './',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: false,
    reportCompressedSize: false,
    // No inline scripts or styles: the pages run under a CSP without 'unsafe-inline'.
    assetsInlineLimit: 0,
  },
});
