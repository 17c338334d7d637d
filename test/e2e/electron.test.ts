// The desktop app in a real Electron (Playwright's `_electron`), where an Electron runtime is
// installed: it starts on a control server with FakeBackend (CLOUDROOF_SOCKET), opens its window
// on the first run from app://cloudroof with the preload's one object and no Node, reaches the
// service through IPC, blocks navigation away from the app, and the window's screenshot is kept.
// Skipped, saying why, where Electron's runtime is absent (`electron` installed with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on the machines this project is tested on) or there is no
// display; it then does not count as coverage (the unit tests on the fake Electron do).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { screenshotDir } from './support/browser';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** '' when Electron can run here, else why not (printed). */
function skipReason(): string {
  let reason = '';
  if (!existsSync(join(repo, 'node_modules', 'electron', 'dist'))) reason = 'no Electron runtime (node_modules/electron/dist is absent: electron was installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1)';
  else if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) reason = 'no display (run under xvfb-run)';
  else if (!existsSync(join(repo, 'dist', 'desktop', 'main.cjs'))) reason = 'not built (npm run build)';
  if (reason) console.warn(`[e2e] skipping the Electron end-to-end test: ${reason}`);
  return reason;
}

const reason = skipReason();

describe.skipIf(reason !== '')('the desktop app in Electron', () => {
  let dir: string;
  let server: ControlServer;
  let app: ElectronApplication;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cloudroof-electron-'));
    server = await startControlServer({ socketPath: join(dir, 'cloudroofd.sock'), backend: new FakeBackend({ hostname: 'e2e-host' }), logger: silentLogger });
    app = await _electron.launch({
      args: [repo, `--user-data-dir=${join(dir, 'user-data')}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: repo,
      env: { ...process.env, CLOUDROOF_SOCKET: join(dir, 'cloudroofd.sock'), XDG_CONFIG_HOME: join(dir, 'config') } as Record<string, string>,
    });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the window on app://cloudroof with only the preload object, and reaches the service', async () => {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toMatch(/^app:\/\/cloudroof\/index\.html/);
    // (Evaluated in the page; typed through globalThis, as this file is compiled without the DOM library.)
    const globals = await page.evaluate(() => ({
      api: typeof (globalThis as { cloudroof?: unknown }).cloudroof,
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
    }));
    expect(globals).toEqual({ api: 'object', require: 'undefined', process: 'undefined' });
    const status = await page.evaluate(() => (globalThis as unknown as { cloudroof: { service: { status(): Promise<unknown> } } }).cloudroof.service.status());
    expect(status).toMatchObject({ ok: true, value: { hostname: 'e2e-host' } });
    await page.screenshot({ path: join(screenshotDir('electron'), '01-first-run.png') });
  });

  it('does not navigate away from the app', async () => {
    const page = await app.firstWindow();
    await page.evaluate(() => { (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/'; }).catch(() => undefined);
    // will-navigate prevents it: the URL never changes (a bounded wait for a navigation that must not come).
    await expect(page.waitForURL(/example\.com/, { timeout: 3000 })).rejects.toThrow();
    expect(page.url()).toMatch(/^app:\/\/cloudroof\//);
  });
});
