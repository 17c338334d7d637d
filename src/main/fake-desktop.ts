/**
 * Desktop dependencies for tests and benchmarks: the app wired on a {@link FakeElectron} to a
 * real control socket, with an installer, updater, login items and tray detection that do
 * nothing (the service counts as installed by the app, no update feed, a tray host present).
 */
import { join } from 'node:path';
import type { DesktopDeps } from './desktop';
import type { FakeElectron } from './fake-electron';

/** Deps for `startDesktop` on `electron`, talking to `socketPath`, with files under `dir`. */
export function fakeDesktopDeps(electron: FakeElectron, dir: string, socketPath: string, patch: Partial<DesktopDeps> = {}): DesktopDeps {
  return {
    electron, platform: 'linux', argv: ['cloudroof'],
    paths: { renderer: join(dir, 'renderer'), preload: '/app/dist/desktop/preload.cjs', settingsFile: join(dir, 'userData', 'settings.json') },
    trayIcon: (name) => electron.image(`/assets/tray-${name}.png`),
    socketPath,
    serviceInstalled: async () => true, installedByApp: async () => true,
    installSpec: async () => { throw new Error('not used'); },
    elevator: { run: async () => ({ stdout: '', stderr: '' }) },
    updater: { configured: () => false, setAutoDownload: () => undefined, setAutoInstallOnAppQuit: () => undefined, on: () => undefined, checkForUpdates: async () => null, quitAndInstall: () => undefined },
    loginItems: { set: async () => undefined },
    detectTray: async () => ({ available: true }),
    ...patch,
  };
}
