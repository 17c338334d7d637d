// Window and session hardening against the fake Electron, and the app:// protocol handler:
// locked-down webPreferences; navigation and redirects only within app://cloudroof; window.open
// denied (http/https handed to the browser, nothing else); permissions denied for every
// webContents (also ones main did not create) and the default session; the window hidden on
// close while a tray exists; files served from the renderer directory only, with the CSP.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, APP_SCHEME_PRIVILEGES, CONTENT_SECURITY_POLICY, createAppProtocolHandler, isAppUrl, resolveAppPath } from './app-protocol';
import { FakeElectron, type FakeWindow } from './fake-electron';
import { mainWindowOptions, WindowManager } from './windows';

function manager(): { electron: FakeElectron; windows: WindowManager; navigated: string[] } {
  const electron = new FakeElectron();
  const navigated: string[] = [];
  const windows = new WindowManager({ electron, preload: '/app/dist/desktop/preload.cjs', navigate: (r) => navigated.push(r) });
  windows.install();
  return { electron, windows, navigated };
}

describe('windows', () => {
  it('creates the main window sandboxed, isolated, without Node, with our preload, from app://cloudroof', () => {
    const { electron, windows } = manager();
    windows.show();
    const win = electron.windows[0] as FakeWindow;
    expect(win.options).toEqual(mainWindowOptions('/app/dist/desktop/preload.cjs'));
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, preload: '/app/dist/desktop/preload.cjs',
      webviewTag: false, allowRunningInsecureContent: false,
    });
    expect(win.url).toBe(APP_INDEX_URL);
    expect(win.visible).toBe(true);
    expect(windows.ownsWebContents(win.webContents.id)).toBe(true);
    expect(windows.ownsWebContents(win.webContents.id + 1000)).toBe(false);
  });

  it('opens on a route: in the URL for a new window, as a navigate event for an existing one', () => {
    const { electron, windows, navigated } = manager();
    windows.show('expose');
    expect(electron.windows[0]?.url).toBe(`${APP_INDEX_URL}#/expose`);
    windows.show('settings');
    expect(electron.windows).toHaveLength(1);
    expect(navigated).toEqual(['settings']);
  });

  it('blocks navigation and redirects away from the app origin', () => {
    const { electron, windows } = manager();
    windows.show();
    const wc = (electron.windows[0] as FakeWindow).webContents;
    expect(wc.navigate('app://cloudroof/index.html#/join')).toBe(false);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/index.html', 'javascript:alert(1)', 'not a url']) {
      expect(wc.navigate(url)).toBe(true);
      expect(wc.navigate(url, 'will-redirect')).toBe(true);
    }
  });

  it('denies window.open; http(s) links go to the browser, other schemes nowhere', () => {
    const { electron, windows } = manager();
    windows.show();
    const open = (electron.windows[0] as FakeWindow).webContents.openHandler;
    for (const url of ['https://cloudroof.example/docs', 'http://192.168.1.5:8080/', 'file:///etc/passwd', 'smb://host/share', 'app://cloudroof/x']) {
      expect(open?.({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.opened).toEqual(['https://cloudroof.example/docs', 'http://192.168.1.5:8080/']);
  });

  it('denies every permission, also for webContents main did not create, and on the default session', () => {
    const { electron } = manager();
    const other = electron.createWebContents();
    for (const session of [other.session, electron.defaultSession]) {
      let granted: boolean | undefined;
      session.request?.('media', (g) => { granted = g; });
      expect(granted).toBe(false);
      expect(session.check?.('notifications')).toBe(false);
      expect(session.check?.('clipboard-read')).toBe(false);
    }
    expect(other.navigate('https://evil.example/')).toBe(true);
  });

  it('hides instead of closing while a tray exists; closes when told not to', () => {
    const { electron, windows } = manager();
    windows.show();
    const win = electron.windows[0] as FakeWindow;
    expect(win.close()).toBe(true);
    expect(win.visible).toBe(false);
    windows.show();
    expect(win.visible).toBe(true);
    windows.setHideOnClose(false);
    expect(win.close()).toBe(false);
    expect(windows.webContents()).toEqual([]);
    windows.show();
    expect(electron.windows).toHaveLength(2);
  });
});

describe('app:// protocol', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cr-app-proto-'));
    await mkdir(join(root, 'renderer', 'assets'), { recursive: true });
    await writeFile(join(root, 'renderer', 'index.html'), '<!doctype html><p>Cloudroof</p>');
    await writeFile(join(root, 'renderer', 'assets', 'main.js'), 'console.log(1)');
    await writeFile(join(root, 'secret.txt'), 'outside the renderer');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('is registered standard and secure, without bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(isAppUrl('app://cloudroof/x')).toBe(true);
    expect(isAppUrl('app://cloudroof.evil/x')).toBe(false);
    expect(isAppUrl('https://cloudroof/x')).toBe(false);
  });

  it('serves files with their type and the CSP', async () => {
    const handle = createAppProtocolHandler({ root: join(root, 'renderer') });
    const index = await handle(new Request('app://cloudroof/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await index.text()).toContain('Cloudroof');
    const js = await handle(new Request('app://cloudroof/assets/main.js'));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const missing = await handle(new Request('app://cloudroof/nope.js'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await handle(new Request('app://cloudroof/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('never leaves the renderer directory', async () => {
    const r = join(root, 'renderer');
    const handle = createAppProtocolHandler({ root: r });
    // Dot segments, also percent-encoded, are resolved by the URL parser within the origin's path.
    expect(resolveAppPath(r, 'app://cloudroof/../secret.txt')).toBe(join(r, 'secret.txt'));
    expect(resolveAppPath(r, 'app://cloudroof/%2e%2e/secret.txt')).toBe(join(r, 'secret.txt'));
    // Separators and NUL hidden by percent-encoding, other hosts, broken encodings: refused.
    for (const url of ['app://cloudroof/..%2fsecret.txt', 'app://cloudroof/assets/..%2f..%2fsecret.txt', 'app://cloudroof/%2e%2e%2fsecret.txt',
      'app://cloudroof/%00index.html', 'app://cloudroof/..%5csecret.txt', 'app://other/index.html', 'app://cloudroof/%E0%A4%A']) {
      expect(resolveAppPath(r, url), url).toBeNull();
      expect((await handle(new Request(url))).status, url).toBe(403);
    }
    for (const url of ['app://cloudroof/../secret.txt', 'app://cloudroof/%2e%2e/%2e%2e/secret.txt']) {
      const res = await handle(new Request(url));
      expect(res.status, url).toBe(404);
      expect(await res.text()).not.toContain('outside the renderer');
    }
  });
});
