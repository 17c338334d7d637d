// Lint, and the import boundaries of ARCHITECTURE.md ("Import rules"): a forbidden import fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = { group: ['node:*'], message: 'This layer must not touch Node APIs (ARCHITECTURE.md, import rules).' };
const layer = (name) => ({ group: [`**/${name}/**`, `**/${name}`], message: `Importing ${name}/ from here crosses a layer boundary (ARCHITECTURE.md).` });
// src/client has no index module; matching only paths below it keeps 'react-dom/client' allowed.
const clientLayer = { group: ['**/client/**'], message: 'Importing client/ from here crosses a layer boundary (ARCHITECTURE.md).' };
const electron = { name: 'electron', message: 'Only src/main may import electron.' };
const react = { group: ['react', 'react-dom', 'react/*', 'zustand', 'zustand/*'], message: 'React/zustand belong to src/renderer.' };

/** Boundary rules per layer: `files` globs and what they may not import. */
const boundaries = [
  { files: ['src/shared/**'], paths: [electron], patterns: [nodeBuiltins, react, layer('service'), layer('cli'), clientLayer, layer('main'), layer('preload'), layer('renderer')] },
  { files: ['src/service/**'], paths: [electron], patterns: [react, layer('cli'), clientLayer, layer('main'), layer('preload'), layer('renderer')] },
  // src/client: the Node-side client of the control API, shared by the CLI and Electron main.
  { files: ['src/client/**'], paths: [electron], patterns: [react, layer('service'), layer('cli'), layer('main'), layer('preload'), layer('renderer')] },
  { files: ['src/cli/**'], paths: [electron], patterns: [react, layer('service'), layer('main'), layer('preload'), layer('renderer')] },
  { files: ['src/main/**'], paths: [], patterns: [react, layer('service'), layer('cli'), layer('renderer')] },
  { files: ['src/preload/**'], paths: [], patterns: [react, layer('service'), layer('cli'), clientLayer, layer('main'), layer('renderer')] },
  { files: ['src/renderer/**'], paths: [electron], patterns: [nodeBuiltins, layer('service'), layer('cli'), clientLayer, layer('main'), layer('preload')] },
  { files: ['src/renderer/components/**'], paths: [electron], patterns: [nodeBuiltins, layer('service'), layer('cli'), clientLayer, layer('main'), layer('preload'), layer('store'), layer('api')] },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...boundaries.map(({ files, paths, patterns }) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
  })),
  {
    files: ['**/*.js', '**/*.mjs', 'bin/*'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
