// Electron main wired together (src/main/desktop.ts) on the fake Electron, talking to a real
// control server with FakeBackend over a temporary Unix socket: the app:// scheme, hardening and
// IPC table are installed; the first run opens the window; the tray follows the real service;
// the tray's Join toggle sends the intent, shows the expected state and the watch stream
// confirms it; the renderer's IPC reaches the service; a second launch shows the window; a
// desktop without a tray opens the window and says why; Quit stops everything.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wireName } from '../../src/shared/ipc';
import { startDesktop, type Desktop, type DesktopDeps } from '../../src/main/desktop';
import { FakeElectron, type FakeTray, type FakeWindow } from '../../src/main/fake-electron';
import { fakeDesktopDeps } from '../../src/main/fake-desktop';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { waitFor } from '../../src/cli/lab/wait-for';

const until = (cond: () => boolean, what: string): Promise<unknown> => waitFor(cond, { what, intervalMs: 20, timeoutMs: 10_000 });

describe('desktop main wired to a real control server', () => {
  let dir: string;
  let server: ControlServer;
  let backend: FakeBackend;
  let electron: FakeElectron;
  let desktop: Desktop | null = null;

  const deps = (patch: Partial<DesktopDeps> = {}): DesktopDeps => fakeDesktopDeps(electron, dir, join(dir, 'cloudroofd.sock'), patch);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-desktop-'));
    backend = new FakeBackend({ version: '1.2.3' });
    server = await startControlServer({ socketPath: join(dir, 'cloudroofd.sock'), backend, logger: silentLogger });
    electron = new FakeElectron();
  });
  afterEach(async () => {
    if (desktop) electron.app.emit('before-quit');
    desktop = null;
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('wires the window, tray and IPC to the service; the tray toggle goes through intent and back', async () => {
    electron.app.version = '1.3.0';
    desktop = await startDesktop(deps());
    expect(electron.protocols.has('app')).toBe(true);
    expect(electron.handlers.has(wireName('svc', 'status'))).toBe(true);
    const win = electron.windows[0] as FakeWindow;
    expect(win.visible).toBe(true);
    const tray = electron.trays[0] as FakeTray;
    await until(() => tray.labels()[0] === 'Disconnected', 'the tray to show the service');
    expect(desktop?.store.get().connection).toEqual({ state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 });
    await until(() => desktop?.store.get().install?.action === 'upgrade', 'the installer to offer the upgrade to the app\'s service');

    // A mesh joined and left before (a secret is stored); the toggle starts from there.
    let peersEvents = 0;
    desktop?.connection.onWatch((e) => { if (e.type === 'peers') peersEvents++; });
    await backend.join({ secret: 'wgmesh://v1/test' });
    await backend.leave();
    await until(() => peersEvents === 1, 'the leave to reach main');
    tray.click('Join mesh');
    expect(desktop?.store.get().expected).toEqual({ wantConnected: true });
    expect(tray.labels()[0]).toBe('Connecting…');
    await until(() => backend.getPrefs().wantConnected, 'the intent to reach the service');
    backend.updateStatus({ tunnelState: 'connected', wantConnected: true, meshIPv4: '10.42.7.1' });
    await until(() => desktop?.store.get().expected === undefined, 'the watch stream to confirm');
    expect(tray.labels()[0]).toBe('Connected · 0 peers');

    const res = await electron.invoke(wireName('svc', 'getPrefs'), win.webContents, 'app://cloudroof/index.html', undefined);
    expect(res).toMatchObject({ ok: true, value: { wantConnected: true } });
    expect(win.webContents.sent.some((m) => m.channel === wireName('event', 'app'))).toBe(true);
    expect(win.webContents.sent.some((m) => m.channel === wireName('event', 'watch'))).toBe(true);
  });

  it('after the first run it starts in the tray; a second launch shows the window', async () => {
    desktop = await startDesktop(deps());
    electron.app.emit('before-quit');
    electron = new FakeElectron();
    desktop = await startDesktop(deps({ electron, argv: ['cloudroof', '--hidden'] }));
    expect(electron.windows).toEqual([]);
    electron.app.emit('second-instance');
    expect((electron.windows[0] as FakeWindow).visible).toBe(true);
  });

  it('without a tray host the window opens, says why, and closing it quits', async () => {
    const hint = 'no tray here';
    desktop = await startDesktop(deps({ argv: ['cloudroof', '--hidden'], detectTray: async () => ({ available: false, hint }) }));
    expect(desktop?.store.get().tray).toEqual({ available: false, hint });
    const win = electron.windows[0] as FakeWindow;
    expect(win.visible).toBe(true);
    expect(win.close()).toBe(false);
    electron.app.emit('window-all-closed');
    expect(electron.app.quitCalls).toBe(1);
  });

  it('a second instance quits at once', async () => {
    electron.app.singleInstance = false;
    expect(await startDesktop(deps())).toBeNull();
    expect(electron.app.quitCalls).toBe(1);
    expect(electron.trays).toEqual([]);
  });
});
