/**
 * The dashboard window and the hardening every renderer gets (ARCHITECTURE.md, "Security of the
 * control channel"): sandboxed, context-isolated, no Node, web security on, our preload only;
 * navigation limited to the app's origin, new windows denied (http/https links open in the
 * user's browser instead), every permission request and check denied. The hardening is applied
 * through `web-contents-created`, so it also covers webContents this module did not create.
 *
 * Lifecycle: one main window, created on first use and loaded from app://cloudroof/; closing it
 * hides it while the app lives on in the tray (or, without a tray, lets the app quit).
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { APP_INDEX_URL, isAppUrl } from './app-protocol';
import type { ElectronPort, SessionPort, WebContentsPort, WindowPort } from './electron-port';
import type { Route } from '../shared/ipc';

/** The options of the main window: hidden until shown, and locked down. */
export function mainWindowOptions(preload: string, icon?: string): BrowserWindowConstructorOptions {
  return {
    width: 1040,
    height: 720,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Cloudroof',
    autoHideMenuBar: true,
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** True for a URL the user's browser may open: http(s) only, never file:, javascript: or custom schemes. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Denies every permission request and check of `session`. */
export function denyAllPermissions(session: SessionPort): void {
  session.setPermissionRequestHandler((_permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * Locks down one webContents: navigations and redirects away from app://cloudroof are
 * prevented; `window.open` is denied, and an http(s) URL goes to the user's browser instead.
 */
export function hardenWebContents(contents: WebContentsPort, openExternal: (url: string) => void): void {
  const guard = (e: { url: string; preventDefault(): void }): void => {
    if (!isAppUrl(e.url)) e.preventDefault();
  };
  contents.onNavigation('will-navigate', guard);
  contents.onNavigation('will-redirect', guard);
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url)) openExternal(url);
    return { action: 'deny' };
  });
  denyAllPermissions(contents.session);
}

/** Options of {@link WindowManager}. */
export interface WindowManagerOptions {
  electron: ElectronPort;
  /** The built preload (dist/desktop/preload.cjs). */
  preload: string;
  icon?: string;
  /** Sends `navigate { route }` to the renderer. */
  navigate: (route: Route) => void;
}

/** Owns the main window and the hardening of every webContents. */
export class WindowManager {
  private main: WindowPort | undefined;
  private hideOnClose = true;

  constructor(private readonly o: WindowManagerOptions) {}

  /** Hardens every webContents from now on, and the default session. Call before creating windows. */
  install(): void {
    const open = (url: string): void => { void this.o.electron.shell.openExternal(url).catch(() => undefined); };
    this.o.electron.app.onWebContentsCreated((contents) => hardenWebContents(contents, open));
    denyAllPermissions(this.o.electron.defaultSession);
  }

  /** Whether closing the window only hides it (true while a tray keeps the app reachable). */
  setHideOnClose(hide: boolean): void {
    this.hideOnClose = hide;
  }

  /** Shows (creating if needed) and focuses the main window, on `route` when given. */
  show(route?: Route): void {
    const existing = this.main;
    if (existing && !existing.isDestroyed()) {
      if (route) this.o.navigate(route);
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const win = this.create(route);
    win.show();
    win.focus();
  }

  /** True when `id` is the webContents of one of our windows. */
  ownsWebContents(id: number): boolean {
    return this.webContents().some((c) => c.id === id);
  }

  /** The live webContents of our windows. */
  webContents(): WebContentsPort[] {
    const w = this.main;
    return w && !w.isDestroyed() && !w.webContents.isDestroyed() ? [w.webContents] : [];
  }

  private create(route?: Route): WindowPort {
    const win = this.o.electron.createWindow(mainWindowOptions(this.o.preload, this.o.icon));
    win.onClose((e) => {
      if (!this.hideOnClose) return;
      e.preventDefault();
      win.hide();
    });
    win.onClosed(() => {
      if (this.main === win) this.main = undefined;
    });
    this.main = win;
    void win.loadURL(route ? `${APP_INDEX_URL}#/${route}` : APP_INDEX_URL).catch(() => undefined);
    return win;
  }
}
