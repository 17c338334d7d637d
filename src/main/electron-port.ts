/**
 * The part of Electron's API the main process uses, as a narrow port. Every module of src/main
 * takes these interfaces instead of importing `electron`, so the modules are unit-tested against
 * fake-electron.ts (no Electron runtime here), while electron-real.ts adapts the real module and
 * is type-checked against node_modules/electron/electron.d.ts. Shapes follow Electron's own
 * (names, arguments), reduced to what is used; option objects are Electron's types.
 */
import type { BrowserWindowConstructorOptions, CustomScheme } from 'electron';

/** An image for a tray or a window (a NativeImage in Electron, a record in the fake). */
export type ImageHandle = object;

/** One item of a menu template; a subset of Electron's MenuItemConstructorOptions. */
export interface MenuItem {
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox' | 'submenu';
  checked?: boolean;
  enabled?: boolean;
  submenu?: MenuItem[];
  click?: () => void;
}

/** A tray icon. */
export interface TrayPort {
  setImage(image: ImageHandle): void;
  setToolTip(text: string): void;
  /** Builds the menu from `template` (Menu.buildFromTemplate) and sets it as the context menu. */
  setContextMenu(template: MenuItem[]): void;
  destroy(): void;
}

/** A navigation about to happen (`will-navigate`, `will-redirect`). */
export interface NavigationEvent {
  readonly url: string;
  preventDefault(): void;
}

/** A session's permission handlers. */
export interface SessionPort {
  setPermissionRequestHandler(handler: (permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (permission: string) => boolean): void;
}

/** A renderer's webContents. */
export interface WebContentsPort {
  readonly id: number;
  readonly session: SessionPort;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  onNavigation(event: 'will-navigate' | 'will-redirect', listener: (e: NavigationEvent) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** A BrowserWindow. */
export interface WindowPort {
  readonly webContents: WebContentsPort;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  hide(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  /** `close` (preventable): the user closes the window. */
  onClose(listener: (e: { preventDefault(): void }) => void): void;
  /** `closed`: the window is gone. */
  onClosed(listener: () => void): void;
}

/** What an invoke handler learns about its sender (Electron's IpcMainInvokeEvent, reduced). */
export interface IpcInvokeEvent {
  readonly sender: { readonly id: number };
  readonly senderFrame: { readonly url: string } | null;
}

/** ipcMain's invoke half. */
export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** The app module. */
export interface AppPort {
  readonly isPackaged: boolean;
  getVersion(): string;
  getPath(name: 'userData' | 'home' | 'appData'): string;
  /** The app's root (the packaged app.asar, or the repository in development). */
  getAppPath(): string;
  whenReady(): Promise<void>;
  requestSingleInstanceLock(): boolean;
  on(event: 'second-instance' | 'activate' | 'before-quit' | 'window-all-closed', listener: () => void): void;
  onWebContentsCreated(listener: (contents: WebContentsPort) => void): void;
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  /** Hides the Dock icon (macOS; no-op elsewhere). */
  hideDock(): void;
  quit(): void;
}

/** Custom protocols. */
export interface ProtocolPort {
  /** Before `ready`: declares schemes privileged (standard, secure…). */
  registerSchemesAsPrivileged(schemes: CustomScheme[]): void;
  /** After `ready`: serves `scheme://` requests on the default session. */
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void;
}

/** Desktop notifications. */
export interface NotificationPort {
  isSupported(): boolean;
  show(options: { title: string; body: string; silent?: boolean }, onClick: () => void): void;
}

/** Everything main uses from Electron. */
export interface ElectronPort {
  readonly app: AppPort;
  readonly ipcMain: IpcMainPort;
  readonly protocol: ProtocolPort;
  readonly notifications: NotificationPort;
  readonly defaultSession: SessionPort;
  readonly shell: { openExternal(url: string): Promise<void> };
  readonly clipboard: { writeText(text: string): void };
  /** nativeImage.createFromPath, marked as a template image (macOS) when asked. */
  image(path: string, opts?: { template?: boolean }): ImageHandle;
  createTray(image: ImageHandle): TrayPort;
  createWindow(options: BrowserWindowConstructorOptions): WindowPort;
}
