/**
 * The tray icon: renders tray-menu.ts's view of the current state (AppState, the watch
 * snapshot, LAN routes) into Electron's tray, and turns clicked actions into effects — the join
 * intent (join-intent.ts), copying the mesh IP, advertising or withdrawing a LAN route, opening
 * a screen, the updater, quitting. The full menu is the context menu (Linux trays only show
 * that). Routes are (re)loaded on connect, when the status's route summary changes, after a
 * route action, and every minute while connected (networks change). Rendering is cheap when
 * nothing shown changed: the tray's image, tooltip and menu are only replaced when they differ
 * (watch events arrive for counters and peers the tray does not show).
 */
import type { DetectResponse, RoutesCheck, RoutesState, Status, UnaryEndpointName } from '../shared/protocol';
import type { AppState, Route } from '../shared/ipc';
import type { AppStateStore } from './app-state';
import type { ElectronPort, ImageHandle, MenuItem, TrayPort } from './electron-port';
import { JoinIntent } from './join-intent';
import { trayView, type RoutesModel, type TrayAction, type TrayIconName, type TrayItem } from './tray-menu';
import type { ServiceConnection } from './service-connection';

/** Loads the routes part of the menu from the service. */
export async function loadRoutesModel(call: (name: UnaryEndpointName) => Promise<unknown>): Promise<RoutesModel> {
  const [detect, routes, check] = await Promise.all([call('detectRoutes'), call('routes'), call('checkRoutes')]) as
    [DetectResponse, RoutesState, RoutesCheck];
  const advertised = routes.advertised.map((a) => a.prefix);
  const detected = detect.networks.filter((n) => n.defaultRoute).map((n) => n.cidr);
  const candidates = [...new Set([...detected, ...advertised])];
  const blocked = check.ok ? undefined : (check.findings.find((f) => f.severity === 'error')?.message ?? 'the routing preflight failed');
  return { candidates, advertised, ...(blocked !== undefined ? { blocked } : {}) };
}

/** What the tray asks of the rest of the app. */
export interface TrayActions {
  open(route: Route): void;
  checkForUpdates(): void;
  installUpdate(): void;
  quit(): void;
  /** Tells the user something failed (a notification). */
  report(title: string, body: string): void;
}

/** Options of {@link TrayController}. */
export interface TrayControllerOptions {
  electron: ElectronPort;
  store: AppStateStore;
  connection: Pick<ServiceConnection, 'call' | 'onWatch' | 'onState' | 'snapshot'>;
  icon: (name: TrayIconName) => ImageHandle;
  actions: TrayActions;
  fallbackMs?: number;
  routesPollMs?: number;
}

/** Owns the tray icon and its menu. */
export class TrayController {
  private tray: TrayPort | undefined;
  private routes: RoutesModel | null = null;
  private secretStored: boolean | undefined;
  private routesSummary = '';
  /** What the tray shows now (icon, tooltip, menu as JSON), to skip unchanged updates. */
  private shown: { icon?: TrayIconName; tooltip?: string; menu?: string } = {};
  private poll: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  readonly intent: JoinIntent;

  constructor(private readonly o: TrayControllerOptions) {
    this.intent = new JoinIntent({
      store: o.store,
      send: async (want) => { await o.connection.call('patchPrefs', { wantConnected: want }); },
      onRefused: (err) => this.refused(err),
      current: () => o.connection.snapshot()?.status,
      ...(o.fallbackMs !== undefined ? { fallbackMs: o.fallbackMs } : {}),
    });
  }

  /** Creates the tray and follows the state. */
  start(): void {
    this.tray = this.o.electron.createTray(this.o.icon('disconnected'));
    this.shown = { icon: 'disconnected' };
    this.unsubscribe.push(
      this.o.store.subscribe(() => this.render()),
      // The menu shows the status's peer count, not the peer list: peers events change nothing here.
      this.o.connection.onWatch((e) => { if (e.type !== 'peers') this.onStatus(e.status); }),
      this.o.connection.onState((s) => this.onConnection(s)),
    );
    this.render();
  }

  /** Removes the tray. */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    clearInterval(this.poll);
    this.intent.clear();
    this.tray?.destroy();
    this.tray = undefined;
  }

  /** Runs a menu action (also what a click does). */
  async handle(action: TrayAction): Promise<void> {
    const a = this.o.actions;
    switch (action.type) {
      case 'toggle-join': return this.intent.set(action.want);
      case 'open': return a.open(action.route);
      case 'copy': return this.o.electron.clipboard.writeText(action.text);
      case 'advertise': return this.advertise(action.prefix, action.on);
      case 'check-updates': return a.checkForUpdates();
      case 'install-update': return a.installUpdate();
      case 'quit': return a.quit();
    }
  }

  /** Reloads the routes part of the menu (errors leave the last one). */
  async refreshRoutes(): Promise<void> {
    try {
      this.routes = await loadRoutesModel((name) => this.o.connection.call(name));
    } catch {
      return;
    }
    this.render();
  }

  private onStatus(status: Status): void {
    if (status.networkId !== undefined || status.wantConnected) this.secretStored = true;
    this.intent.observe(status);
    const summary = JSON.stringify(status.routes ?? null);
    if (summary !== this.routesSummary) {
      this.routesSummary = summary;
      void this.refreshRoutes();
    }
    this.render();
  }

  private onConnection(state: AppState['connection']): void {
    clearInterval(this.poll);
    this.poll = undefined;
    if (state.state !== 'connected') {
      this.routes = null;
      this.intent.clear();
      return;
    }
    // The snapshot that made the state `connected` is already held and comes next as a watch
    // event: taking its route summary now keeps onStatus from loading the routes a second time.
    this.routesSummary = JSON.stringify(this.o.connection.snapshot()?.status.routes ?? null);
    void this.refreshRoutes();
    this.poll = setInterval(() => { void this.refreshRoutes(); }, this.o.routesPollMs ?? 60_000);
  }

  private async advertise(prefix: string, on: boolean): Promise<void> {
    try {
      if (on) await this.o.connection.call('advertiseRoutes', { prefixes: [prefix] });
      else await this.o.connection.call('withdrawRoutes', { prefixes: [prefix] });
    } catch (err) {
      this.o.actions.report(on ? `Could not advertise ${prefix}` : `Could not withdraw ${prefix}`, messageOf(err));
    }
    await this.refreshRoutes();
  }

  private refused(err: unknown): void {
    if ((err as { code?: unknown }).code === 'not-joined') {
      this.secretStored = false;
      this.render();
      this.o.actions.open('join');
      return;
    }
    this.o.actions.report('Cloudroof could not change the connection', messageOf(err));
  }

  private render(): void {
    if (!this.tray) return;
    const snap = this.o.connection.snapshot();
    const view = trayView({
      app: this.o.store.get(), status: snap?.status ?? null, routes: this.routes,
      ...(this.secretStored !== undefined ? { secretStored: this.secretStored } : {}),
    });
    if (view.icon !== this.shown.icon) this.tray.setImage(this.o.icon(view.icon));
    if (view.tooltip !== this.shown.tooltip) this.tray.setToolTip(view.tooltip);
    const menu = JSON.stringify(view.items);
    if (menu !== this.shown.menu) this.tray.setContextMenu(view.items.map((i) => this.toMenuItem(i)));
    this.shown = { icon: view.icon, tooltip: view.tooltip, menu };
  }

  private toMenuItem(item: TrayItem): MenuItem {
    const { action, submenu, ...rest } = item;
    const out: MenuItem = { ...rest };
    if (submenu) out.submenu = submenu.map((i) => this.toMenuItem(i));
    if (action) out.click = () => { void this.handle(action); };
    return out;
  }
}

/** A message safe to show for `err`. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : 'unknown error';
}
