/**
 * A small in-memory {@link ElectronPort} for unit tests: it records what main asks of Electron
 * (windows and their options, tray menus, notifications, IPC handlers, clipboard, opened URLs,
 * login items, protocol handlers) and lets a test play the user or a renderer: click a menu
 * item, click a notification, navigate a window, invoke an IPC channel as some sender.
 */
import type { BrowserWindowConstructorOptions, CustomScheme } from 'electron';
import type {
  AppPort, ElectronPort, ImageHandle, IpcInvokeEvent, MenuItem, NavigationEvent, SessionPort, TrayPort, WebContentsPort, WindowPort,
} from './electron-port';

/** An image as the fake records it. */
export interface FakeImage { path: string; template: boolean }

/** A session that records its permission handlers. */
export class FakeSession implements SessionPort {
  request: ((permission: string, callback: (granted: boolean) => void) => void) | undefined;
  check: ((permission: string) => boolean) | undefined;
  setPermissionRequestHandler(h: NonNullable<FakeSession['request']>): void { this.request = h; }
  setPermissionCheckHandler(h: NonNullable<FakeSession['check']>): void { this.check = h; }
}

let nextId = 1;

/** A webContents: records what was sent to it; `navigate` plays a navigation. */
export class FakeWebContents implements WebContentsPort {
  readonly id = nextId++;
  readonly sent: { channel: string; payload: unknown }[] = [];
  destroyed = false;
  openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  private readonly nav: { event: string; listener: (e: NavigationEvent) => void }[] = [];
  constructor(readonly session: FakeSession = new FakeSession()) {}
  send(channel: string, payload: unknown): void { this.sent.push({ channel, payload }); }
  isDestroyed(): boolean { return this.destroyed; }
  onNavigation(event: 'will-navigate' | 'will-redirect', listener: (e: NavigationEvent) => void): void { this.nav.push({ event, listener }); }
  setWindowOpenHandler(handler: NonNullable<FakeWebContents['openHandler']>): void { this.openHandler = handler; }
  /** Plays a navigation; true when a listener prevented it. */
  navigate(url: string, event: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    let prevented = false;
    for (const n of this.nav) if (n.event === event) n.listener({ url, preventDefault: () => { prevented = true; } });
    return prevented;
  }
}

/** A window: records its options, URL and visibility. */
export class FakeWindow implements WindowPort {
  readonly webContents = new FakeWebContents();
  url = '';
  visible: boolean;
  minimized = false;
  destroyed = false;
  focused = 0;
  private closeListeners: ((e: { preventDefault(): void }) => void)[] = [];
  private closedListeners: (() => void)[] = [];
  constructor(readonly options: BrowserWindowConstructorOptions) { this.visible = options.show !== false; }
  loadURL(url: string): Promise<void> { this.url = url; return Promise.resolve(); }
  show(): void { this.visible = true; }
  focus(): void { this.focused++; }
  hide(): void { this.visible = false; }
  restore(): void { this.minimized = false; }
  isMinimized(): boolean { return this.minimized; }
  isDestroyed(): boolean { return this.destroyed; }
  onClose(listener: (e: { preventDefault(): void }) => void): void { this.closeListeners.push(listener); }
  onClosed(listener: () => void): void { this.closedListeners.push(listener); }
  /** The user closes the window; returns true when main kept it (hid it instead). */
  close(): boolean {
    let prevented = false;
    for (const l of this.closeListeners) l({ preventDefault: () => { prevented = true; } });
    if (prevented) return true;
    this.destroyed = true;
    this.webContents.destroyed = true;
    for (const l of this.closedListeners) l();
    return false;
  }
}

/** A tray: the last image, tooltip and menu. */
export class FakeTray implements TrayPort {
  image: FakeImage;
  tooltip = '';
  menu: MenuItem[] = [];
  destroyed = false;
  constructor(image: ImageHandle) { this.image = image as FakeImage; }
  setImage(image: ImageHandle): void { this.image = image as FakeImage; }
  setToolTip(text: string): void { this.tooltip = text; }
  setContextMenu(template: MenuItem[]): void { this.menu = template; }
  destroy(): void { this.destroyed = true; }
  /** Finds an item by label (a string: prefix; a RegExp: match), also in submenus. */
  item(label: string | RegExp, items: MenuItem[] = this.menu): MenuItem | undefined {
    for (const i of items) {
      const l = i.label ?? '';
      if (typeof label === 'string' ? l.startsWith(label) : label.test(l)) return i;
      const inner = i.submenu && this.item(label, i.submenu);
      if (inner) return inner;
    }
    return undefined;
  }
  /** Clicks an item found by {@link item}; throws when absent or disabled. */
  click(label: string | RegExp): void {
    const i = this.item(label);
    if (!i) throw new Error(`no menu item ${String(label)} in ${this.labels().join(' | ')}`);
    if (i.enabled === false) throw new Error(`menu item ${String(label)} is disabled`);
    i.click?.();
  }
  /** Labels of the top-level items. */
  labels(): string[] { return this.menu.map((i) => (i.type === 'separator' ? '---' : i.label ?? '')); }
}

/** The fake app module. */
export class FakeApp implements AppPort {
  isPackaged = false;
  version = '1.2.3';
  singleInstance = true;
  loginItem: { openAtLogin: boolean } | undefined;
  dockHidden = false;
  quitCalls = 0;
  readonly listeners = new Map<string, (() => void)[]>();
  readonly created: ((contents: WebContentsPort) => void)[] = [];
  constructor(readonly userData = '/tmp/cloudroof-fake-user-data') {}
  getVersion(): string { return this.version; }
  getPath(name: 'userData' | 'home' | 'appData'): string { return name === 'userData' ? this.userData : `/tmp/fake-${name}`; }
  getAppPath(): string { return '/tmp/fake-app'; }
  whenReady(): Promise<void> { return Promise.resolve(); }
  requestSingleInstanceLock(): boolean { return this.singleInstance; }
  on(event: string, listener: () => void): void { this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]); }
  onWebContentsCreated(listener: (contents: WebContentsPort) => void): void { this.created.push(listener); }
  setLoginItemSettings(settings: { openAtLogin: boolean }): void { this.loginItem = settings; }
  hideDock(): void { this.dockHidden = true; }
  quit(): void { this.quitCalls++; }
  /** Emits an app event. */
  emit(event: string): void { for (const l of this.listeners.get(event) ?? []) l(); }
}

/** The fake Electron. */
export class FakeElectron implements ElectronPort {
  readonly app = new FakeApp();
  readonly defaultSession = new FakeSession();
  readonly handlers = new Map<string, (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  readonly schemes: CustomScheme[] = [];
  readonly protocols = new Map<string, (request: Request) => Promise<Response>>();
  readonly notes: { title: string; body: string; click: () => void }[] = [];
  notificationsSupported = true;
  readonly windows: FakeWindow[] = [];
  readonly trays: FakeTray[] = [];
  readonly opened: string[] = [];
  clipboardText = '';

  readonly ipcMain = {
    handle: (channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void => {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      this.handlers.set(channel, listener);
    },
    removeHandler: (channel: string): void => { this.handlers.delete(channel); },
  };
  readonly protocol = {
    registerSchemesAsPrivileged: (schemes: CustomScheme[]): void => { this.schemes.push(...schemes); },
    handle: (scheme: string, handler: (request: Request) => Promise<Response>): void => { this.protocols.set(scheme, handler); },
  };
  readonly notifications = {
    isSupported: (): boolean => this.notificationsSupported,
    show: (o: { title: string; body: string }, click: () => void): void => { this.notes.push({ title: o.title, body: o.body, click }); },
  };
  readonly shell = { openExternal: (url: string): Promise<void> => { this.opened.push(url); return Promise.resolve(); } };
  readonly clipboard = { writeText: (text: string): void => { this.clipboardText = text; } };

  image(path: string, opts?: { template?: boolean }): ImageHandle { return { path, template: opts?.template === true } satisfies FakeImage; }
  createTray(image: ImageHandle): FakeTray { const t = new FakeTray(image); this.trays.push(t); return t; }
  /** Creates a window; like Electron, emits `web-contents-created` for its webContents. */
  createWindow(options: BrowserWindowConstructorOptions): FakeWindow {
    const w = new FakeWindow(options);
    this.windows.push(w);
    for (const l of this.app.created) l(w.webContents);
    return w;
  }

  /** Invokes an IPC channel as `sender` from a frame at `frameUrl` (null: no frame). */
  invoke(channel: string, sender: { id: number }, frameUrl: string | null, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ sender, senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args);
  }

  /** Emits `web-contents-created` for a new webContents and returns it. */
  createWebContents(): FakeWebContents {
    const wc = new FakeWebContents();
    for (const l of this.app.created) l(wc);
    return wc;
  }
}
