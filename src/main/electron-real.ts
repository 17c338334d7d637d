/**
 * The real {@link ElectronPort}: Electron's modules adapted to the port's shapes, and nothing
 * else (no decisions here; they live in the modules that take the port). Type-checked against
 * electron.d.ts by tsconfig.electron.json; only app.ts imports it.
 */
import type * as Electron from 'electron';
import type { ElectronPort, MenuItem, SessionPort, WebContentsPort, WindowPort } from './electron-port';

type ElectronModule = typeof Electron;

function adaptSession(ses: Electron.Session): SessionPort {
  return {
    setPermissionRequestHandler: (handler) => ses.setPermissionRequestHandler((_wc, permission, callback) => handler(permission, callback)),
    setPermissionCheckHandler: (handler) => ses.setPermissionCheckHandler((_wc, permission) => handler(permission)),
  };
}

function adaptWebContents(wc: Electron.WebContents): WebContentsPort {
  return {
    id: wc.id,
    session: adaptSession(wc.session),
    send: (channel, payload) => wc.send(channel, payload),
    isDestroyed: () => wc.isDestroyed(),
    onNavigation: (event, listener) => {
      if (event === 'will-navigate') wc.on('will-navigate', (e) => listener(e));
      else wc.on('will-redirect', (e) => listener(e));
    },
    setWindowOpenHandler: (handler) => wc.setWindowOpenHandler((details) => handler(details)),
  };
}

function adaptWindow(win: Electron.BrowserWindow): WindowPort {
  const webContents = adaptWebContents(win.webContents);
  return {
    webContents,
    loadURL: (url) => win.loadURL(url),
    show: () => win.show(),
    focus: () => win.focus(),
    hide: () => win.hide(),
    restore: () => win.restore(),
    isMinimized: () => win.isMinimized(),
    isDestroyed: () => win.isDestroyed(),
    onClose: (listener) => { win.on('close', (e) => listener(e)); },
    onClosed: (listener) => { win.on('closed', listener); },
  };
}

/** Adapts the `electron` module (passed in, so this file has no side effects). */
export function createRealElectronPort(e: ElectronModule): ElectronPort {
  const { app } = e;
  return {
    app: {
      get isPackaged() { return app.isPackaged; },
      getVersion: () => app.getVersion(),
      getPath: (name) => app.getPath(name),
      getAppPath: () => app.getAppPath(),
      whenReady: () => app.whenReady(),
      requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
      on: (event, listener) => { app.on(event as 'activate', listener); },
      onWebContentsCreated: (listener) => { app.on('web-contents-created', (_e, wc) => listener(adaptWebContents(wc))); },
      setLoginItemSettings: (settings) => app.setLoginItemSettings(settings),
      hideDock: () => app.dock?.hide(),
      quit: () => app.quit(),
    },
    ipcMain: {
      handle: (channel, listener) => e.ipcMain.handle(channel, (event, ...args: unknown[]) => listener(event, ...args)),
      removeHandler: (channel) => e.ipcMain.removeHandler(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes) => e.protocol.registerSchemesAsPrivileged(schemes),
      handle: (scheme, handler) => e.protocol.handle(scheme, handler),
    },
    notifications: {
      isSupported: () => e.Notification.isSupported(),
      show: (options, onClick) => {
        const n = new e.Notification(options);
        n.on('click', onClick);
        n.show();
      },
    },
    get defaultSession() { return adaptSession(e.session.defaultSession); },
    shell: { openExternal: (url) => e.shell.openExternal(url) },
    clipboard: { writeText: (text) => e.clipboard.writeText(text) },
    image: (path, opts) => {
      const img = e.nativeImage.createFromPath(path);
      if (opts?.template) img.setTemplateImage(true);
      return img;
    },
    createTray: (image) => {
      const tray = new e.Tray(image as Electron.NativeImage);
      return {
        setImage: (img) => tray.setImage(img as Electron.NativeImage),
        setToolTip: (text) => tray.setToolTip(text),
        setContextMenu: (template: MenuItem[]) => tray.setContextMenu(e.Menu.buildFromTemplate(template)),
        destroy: () => tray.destroy(),
      };
    },
    createWindow: (options) => adaptWindow(new e.BrowserWindow(options)),
  };
}
