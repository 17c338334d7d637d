/**
 * The desktop app's wiring over an {@link ElectronPort} (app.ts passes the real one, tests the
 * fake): the app:// origin and window hardening, the service connection, installer, settings,
 * updater, tray, notifications and the IPC table, and the app's lifecycle — one instance (a
 * second launch, e.g. from the launcher entry, shows the window), window hidden at start unless
 * this is the first run, the desktop has no tray, or (Linux) it was not started by autostart
 * with `--hidden`; closing the window keeps the app in the tray; Quit ends it.
 */
import { createIpcDispatcher, type Route, type TrayState } from '../shared/ipc';
import { PROTOCOL_VERSION } from '../shared/protocol';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { AppStateStore } from './app-state';
import type { ElectronPort, ImageHandle } from './electron-port';
import type { Elevator } from './installer/elevate';
import type { InstallSpec } from './installer/install-spec';
import { ServiceInstaller } from './installer/installer';
import { broadcastEvent, registerIpc } from './ipc';
import { createMainHandlers } from './ipc-handlers';
import { NotificationFeed } from './notification-feed';
import { ServiceConnection, type ServiceClient } from './service-connection';
import { SettingsStore, type LoginItems } from './settings-store';
import { TrayController } from './tray-controller';
import type { TrayIconName } from './tray-menu';
import { Updater, type UpdaterBackend } from './updater';
import { WindowManager } from './windows';

/** Everything the desktop app needs from outside. */
export interface DesktopDeps {
  electron: ElectronPort;
  platform: string;
  argv: string[];
  /** dist/renderer, dist/desktop/preload.cjs, the settings file, the window icon. */
  paths: { renderer: string; preload: string; settingsFile: string; windowIcon?: string };
  /** The tray icon for a state (template images on macOS). */
  trayIcon: (name: TrayIconName) => ImageHandle;
  socketPath: string;
  serviceInstalled: () => Promise<boolean>;
  installedByApp: () => Promise<boolean>;
  installSpec: () => Promise<InstallSpec>;
  elevator: Elevator;
  updater: UpdaterBackend;
  loginItems: LoginItems;
  detectTray: () => Promise<TrayState>;
  createClient?: (socketPath: string) => ServiceClient;
}

/** The running app's parts (for tests and for shutting down). */
export interface Desktop {
  store: AppStateStore;
  connection: ServiceConnection;
  windows: WindowManager;
  tray: TrayController;
  installer: ServiceInstaller;
  updater: Updater;
  settings: SettingsStore;
  notifications: NotificationFeed;
  /** Stops timers and connections (before quitting). */
  shutdown(): void;
}

/** Registers the app:// scheme's privileges; must run before the app is ready. */
export function registerSchemes(electron: ElectronPort): void {
  electron.protocol.registerSchemesAsPrivileged(APP_SCHEME_PRIVILEGES);
}

/** Starts the app; resolves with its parts, or null when another instance runs (this one quits). */
export async function startDesktop(d: DesktopDeps): Promise<Desktop | null> {
  const { electron } = d;
  if (!electron.app.requestSingleInstanceLock()) {
    electron.app.quit();
    return null;
  }
  await electron.app.whenReady();
  if (d.platform === 'darwin') electron.app.hideDock();
  electron.protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: d.paths.renderer }));
  const { store, windows, connection } = createCore(d);
  const parts = wireParts(d, store, windows, connection);
  const shutdown = wireLifecycle(d, parts, windows, connection);
  registerIpc(electron.ipcMain, createIpcDispatcher(createMainHandlers({
    store, connection, installer: parts.installer, settings: parts.settings, updater: parts.updater,
    openExternal: (url) => electron.shell.openExternal(url),
  })), windows);
  await startParts(d, parts, store, windows, connection);
  return { store, connection, windows, ...parts, shutdown };
}

/** The state store, the windows and the service connection, with the state pushed to the renderer. */
function createCore(d: DesktopDeps): { store: AppStateStore; windows: WindowManager; connection: ServiceConnection } {
  const store = new AppStateStore({
    environment: 'electron', appVersion: d.electron.app.getVersion(), platform: d.platform,
    connection: { state: 'connecting' }, update: { state: 'idle' },
  });
  const windows: WindowManager = new WindowManager({
    electron: d.electron, preload: d.paths.preload, navigate: (route) => { broadcastEvent(windows, 'navigate', { route }); },
    ...(d.paths.windowIcon ? { icon: d.paths.windowIcon } : {}),
  });
  windows.install();
  const connection = new ServiceConnection({
    socketPath: d.socketPath, platform: d.platform, serviceInstalled: d.serviceInstalled,
    ...(d.createClient ? { createClient: d.createClient } : {}),
  });
  store.subscribe((state) => { broadcastEvent(windows, 'app', state); });
  connection.onState((c) => store.update({ connection: c }));
  connection.onWatch((event) => { broadcastEvent(windows, 'watch', event); });
  return { store, windows, connection };
}

/** Loads the settings, looks for a tray host, starts every part, and shows the window when due. */
async function startParts(d: DesktopDeps, parts: Parts, store: AppStateStore, windows: WindowManager, connection: ServiceConnection): Promise<void> {
  const { settings, firstRun } = await parts.settings.load();
  const tray = await d.detectTray();
  store.update({ tray });
  windows.setHideOnClose(tray.available);
  parts.tray.start();
  connection.start();
  parts.installer.start();
  parts.updater.start(settings.autoUpdate);
  parts.notifications.start();
  const hidden = d.argv.includes('--hidden') || d.platform === 'darwin';
  if (firstRun || !tray.available || !hidden) windows.show();
}

type Parts = Pick<Desktop, 'tray' | 'installer' | 'updater' | 'settings' | 'notifications'>;

function wireParts(d: DesktopDeps, store: AppStateStore, windows: WindowManager, connection: ServiceConnection): Parts {
  const updater = new Updater({ backend: d.updater, store, beforeInstall: () => windows.setHideOnClose(false) });
  const settings = new SettingsStore({ file: d.paths.settingsFile, store, loginItems: d.loginItems, onAutoUpdate: (on) => updater.setAutoUpdate(on) });
  const open = (route: Route): void => windows.show(route);
  const notifications = new NotificationFeed({ notifications: d.electron.notifications, connection, store, open });
  const installer = new ServiceInstaller({
    platform: d.platform, store, connection, elevator: d.elevator,
    bundled: { version: d.electron.app.getVersion(), protocol: PROTOCOL_VERSION },
    installSpec: d.installSpec, installedByApp: d.installedByApp,
  });
  const tray = new TrayController({
    electron: d.electron, store, connection, icon: d.trayIcon,
    actions: {
      open,
      checkForUpdates: () => { void updater.check(); },
      installUpdate: () => updater.install(),
      quit: () => d.electron.app.quit(),
      report: (title, body) => notifications.show({ key: `error:${title}`, title, body, route: 'dashboard' }),
    },
  });
  return { tray, installer, updater, settings, notifications };
}

function wireLifecycle(d: DesktopDeps, p: Parts, windows: WindowManager, connection: ServiceConnection): () => void {
  const { app } = d.electron;
  let stopped = false;
  const shutdown = (): void => {
    if (stopped) return;
    stopped = true;
    windows.setHideOnClose(false);
    p.notifications.stop();
    p.updater.stop();
    p.tray.stop();
    connection.stop();
  };
  // A second launch (the launcher entry) or a Dock click shows the window.
  app.on('second-instance', () => windows.show());
  app.on('activate', () => windows.show());
  app.on('before-quit', shutdown);
  // Only reached when closing does not hide (no tray, or quitting): nothing else keeps the app reachable.
  app.on('window-all-closed', () => app.quit());
  return shutdown;
}
