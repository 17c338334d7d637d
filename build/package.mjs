// Makes the release tarball that scripts/install.sh installs from on a server without npm:
// dist/cloudroof-<version>.tar.gz with one top directory cloudroof-<version>/ holding the built
// bundles (no node_modules: they are bundled), the bin/ wrappers, the systemd unit template and
// the installer. Run after `npm run build` (`npm run package` does both). `--out DIR` writes the
// tarball elsewhere.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : join(root, 'dist');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const name = `cloudroof-${version}`;
const files = [
  'bin/cloudroof', 'bin/cloudroofd',
  'dist/cloudroof.js', 'dist/cloudroof.js.map', 'dist/cloudroofd.js', 'dist/cloudroofd.js.map',
  'build/cloudroofd.service', 'scripts/install.sh', 'package.json', 'README.md',
];
const missing = files.filter((f) => !existsSync(join(root, f)));
if (missing.length > 0) {
  console.error(`package: missing ${missing.join(', ')}; run npm run build first`);
  process.exit(1);
}
const stage = mkdtempSync(join(tmpdir(), 'cloudroof-package-'));
try {
  for (const f of files) {
    mkdirSync(dirname(join(stage, name, f)), { recursive: true });
    copyFileSync(join(root, f), join(stage, name, f));
  }
  mkdirSync(outDir, { recursive: true });
  const tarball = join(outDir, `${name}.tar.gz`);
  // Owned by root and with stable modes, whoever builds it.
  execFileSync('tar', ['-czf', tarball, '--owner=0', '--group=0', '--numeric-owner', '--mode=u+rwX,go+rX,go-w', '-C', stage, name]);
  console.log(`package: ${tarball} (install on a server: tar xzf ${name}.tar.gz && sudo bash ${name}/scripts/install.sh)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
