/**
 * Electron main's entry point (bundled to dist/desktop/main.cjs): the composition root. It
 * adapts the real Electron, electron-updater and sudo-prompt, computes this installation's
 * paths (packaged: the app's resources; development: the repository's dist/, build/, assets/),
 * and starts desktop.ts. No logic of its own.
 */
import { exec as sudoExec } from '@vscode/sudo-prompt';
import * as electron from 'electron';
import { autoUpdater } from 'electron-updater';
import { join } from 'node:path';
import { desktopPaths, installSpecFor, platformFiles } from './app-paths';
import { registerSchemes, startDesktop } from './desktop';
import { createRealElectronPort } from './electron-real';
import { createSudoPromptElevator } from './installer/elevate';
import { xdgAutostart, type LoginItems } from './settings-store';
import { detectTrayState } from './tray-host-linux';
import { electronUpdaterBackend } from './updater-electron';

const port = createRealElectronPort(electron);
registerSchemes(port);

const paths = desktopPaths({
  isPackaged: port.app.isPackaged, appPath: port.app.getAppPath(), resourcesPath: process.resourcesPath, userData: () => port.app.getPath('userData'),
});
const files = platformFiles(process.platform, process.env);
const launcher = process.env.APPIMAGE ?? process.execPath;
const loginItems: LoginItems = process.platform === 'darwin'
  ? { set: async (openAtLogin) => port.app.setLoginItemSettings({ openAtLogin }) }
  : xdgAutostart(process.env.XDG_CONFIG_HOME || join(port.app.getPath('home'), '.config'), launcher);

void startDesktop({
  electron: port,
  platform: process.platform,
  argv: process.argv,
  paths: { renderer: paths.renderer, preload: paths.preload, settingsFile: paths.settingsFile, windowIcon: paths.windowIcon },
  trayIcon: (name) => port.image(paths.trayIcon(name, process.platform), { template: process.platform === 'darwin' }),
  socketPath: files.socketPath,
  serviceInstalled: files.serviceInstalled,
  installedByApp: files.installedByApp,
  installSpec: () => installSpecFor(paths, process.platform, process.env, process.execPath, port.app.getVersion()),
  elevator: createSudoPromptElevator(sudoExec),
  updater: electronUpdaterBackend(autoUpdater, port.app.isPackaged, join(process.resourcesPath, 'app-update.yml')),
  loginItems,
  detectTray: () => detectTrayState(process.platform),
});
