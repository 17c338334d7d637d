// electron-builder.yml: loaded and validated by electron-builder's own code (its config loader
// and its JSON schema, app-builder-lib/scheme.json), the settings the issue asks for, and every
// file it references present once `npm run build` has run (built here when stale). Also
// package.json's `main` for Electron next to the CLI's bin entries, and the committed icons.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util/out/DebugLogger';
import type { Configuration, FileSet } from 'app-builder-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale } from '../../test/support/dist';
import { feedConfigured } from './updater-electron';

const repo = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { main?: string; bin?: Record<string, string> };

describe('electron-builder.yml', () => {
  let config: Configuration;
  beforeAll(async () => {
    config = await getConfig(repo, null, null);
  });

  it('is valid for electron-builder (its own schema validation)', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, linux: { ...config.linux, categroy: 'Network' } as never }, new DebugLogger(false))).rejects.toThrow(/configuration\.linux/);
  });

  it('packages the app as the issue asks', () => {
    expect(config).toMatchObject({
      appId: 'io.cloudroof.desktop', productName: 'Cloudroof',
      linux: { target: ['AppImage', 'deb', 'rpm'], category: 'Network' },
      mac: { target: ['dmg', 'zip'], hardenedRuntime: true, extendInfo: { LSUIElement: true } },
      publish: { provider: 'generic' },
    });
    // electron-builder's loader normalises `files` into file sets.
    const patterns = (config.files as FileSet[]).flatMap((f) => f.filter ?? []);
    expect(patterns).toEqual(expect.arrayContaining(['dist/desktop/**', 'dist/renderer/**', 'package.json']));
    const desktop = config.linux?.desktop as { entry?: Record<string, string> } | undefined;
    expect(desktop?.entry?.Categories).toBe('Network;');
  });

  it('ships a placeholder feed that the app treats as "no updates"', () => {
    const publish = config.publish as { url: string };
    expect(feedConfigured(`provider: generic\nurl: ${publish.url}\n`)).toBe(false);
  });

  it('names only files that exist after the build', async () => {
    await buildIfStale();
    const resources = (config.extraResources as FileSet[]).map((r) => r.from as string);
    const files = [
      'dist/desktop/main.cjs', 'dist/desktop/preload.cjs', 'dist/renderer/index.html', 'package.json',
      config.beforeBuild as string, config.linux?.icon as string, config.mac?.icon as string, ...resources,
    ];
    for (const f of files) expect(existsSync(join(repo, f)), f).toBe(true);
    for (const state of ['connected', 'connecting', 'disconnected', 'error']) {
      for (const name of [`tray-${state}.png`, `tray-${state}@2x.png`, `tray-${state}Template.png`, `tray-${state}Template@2x.png`]) {
        expect(existsSync(join(repo, 'assets', name)), name).toBe(true);
      }
    }
  }, 300_000);
});

describe('package.json for Electron', () => {
  it('points main at the desktop bundle and keeps the CLI bin entries', () => {
    expect(pkg.main).toBe('dist/desktop/main.cjs');
    expect(pkg.bin).toEqual({ cloudroof: 'bin/cloudroof', cloudroofd: 'bin/cloudroofd' });
  });
});

describe('icons', () => {
  const size = (file: string): [number, number] => {
    const b = readFileSync(join(repo, file));
    expect(b.subarray(1, 4).toString('ascii'), file).toBe('PNG');
    return [b.readUInt32BE(16), b.readUInt32BE(20)];
  };

  it('are PNGs of the sizes each use needs', () => {
    expect(size('build/icon.png')).toEqual([1024, 1024]);
    expect(size('assets/app-icon.png')).toEqual([256, 256]);
    expect(size('assets/tray-connected.png')).toEqual([16, 16]);
    expect(size('assets/tray-connected@2x.png')).toEqual([32, 32]);
    expect(size('assets/tray-errorTemplate@2x.png')).toEqual([32, 32]);
    expect(statSync(join(repo, 'assets/tray-connectedTemplate.png')).size).toBeGreaterThan(0);
  });
});
