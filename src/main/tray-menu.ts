/**
 * The tray menu as a pure function of state (issue 6, "Tray menu"): status line, Join mesh
 * toggle, mesh IP (click to copy), Advertise LAN routes, Expose a service…, Open dashboard,
 * Check for updates (labelled with the updater's state), Quit — plus the icon and tooltip.
 * Items carry an {@link TrayAction} instead of a click handler, so every state's menu is
 * unit-tested as data; tray-controller.ts turns actions into effects. The join toggle shows the
 * expected state (AppState.expected) while the service has not confirmed it yet.
 */
import { connectedLabel } from '../shared/human-format';
import type { AppState, Route } from '../shared/ipc';
import type { Status, TunnelState } from '../shared/protocol';

/** What a tray item does when clicked. */
export type TrayAction =
  | { type: 'toggle-join'; want: boolean }
  | { type: 'open'; route: Route }
  | { type: 'copy'; text: string }
  | { type: 'advertise'; prefix: string; on: boolean }
  | { type: 'check-updates' }
  | { type: 'install-update' }
  | { type: 'quit' };

/** One menu item. */
export interface TrayItem {
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox' | 'submenu';
  checked?: boolean;
  enabled?: boolean;
  submenu?: TrayItem[];
  action?: TrayAction;
}

/** The tray icon's states (assets/tray-<name>.png). */
export type TrayIconName = 'connected' | 'connecting' | 'disconnected' | 'error';

/** LAN routes as the tray shows them. */
export interface RoutesModel {
  /** Networks of the default routes (IPv4/IPv6) that could be advertised, canonical CIDRs. */
  candidates: string[];
  /** Prefixes this node advertises. */
  advertised: string[];
  /** Why advertising cannot work here (the preflight's first error), if it cannot. */
  blocked?: string;
}

/** Everything the menu depends on. */
export interface TrayModel {
  app: AppState;
  status: Status | null;
  /** Whether the service holds a mesh secret; undefined while not known. */
  secretStored?: boolean;
  routes: RoutesModel | null;
}

/** The menu, icon and tooltip for one state. */
export interface TrayView {
  items: TrayItem[];
  icon: TrayIconName;
  tooltip: string;
}

const SEPARATOR: TrayItem = { type: 'separator' };

const SERVICE_LINES: Record<Exclude<AppState['connection']['state'], 'connected'>, string> = {
  'connecting': 'Connecting to the service…',
  'not-installed': 'Service not installed',
  'not-running': 'Service not running',
  'permission-denied': 'No access to the service',
  'untrusted-socket': 'Service socket not trusted',
  'incompatible': 'Service version not supported',
  'error': 'Service error',
};

function shorten(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The tunnel state to show: the expected one while an intent is unconfirmed. */
export function shownTunnelState(app: AppState, status: Status): TunnelState {
  if (app.expected) return app.expected.wantConnected ? 'connecting' : 'disconnected';
  return status.tunnelState;
}

function statusLine(app: AppState, status: Status | null): string {
  if (app.connection.state !== 'connected' || !status) return SERVICE_LINES[app.connection.state === 'connected' ? 'connecting' : app.connection.state];
  const tunnel = shownTunnelState(app, status);
  if (tunnel === 'connected') return connectedLabel(status.peerCount);
  if (tunnel === 'connecting') return 'Connecting…';
  if (tunnel === 'error') return shorten(`Error: ${status.lastError?.message ?? 'the tunnel failed'}`);
  return 'Disconnected';
}

function iconFor(app: AppState, status: Status | null): TrayIconName {
  const c = app.connection.state;
  if (c !== 'connected' || !status) return c === 'connecting' || c === 'not-installed' || c === 'not-running' ? 'disconnected' : 'error';
  return shownTunnelState(app, status);
}

function joinItems(m: TrayModel, status: Status): TrayItem[] {
  if (m.secretStored === false) return [{ label: 'Join a mesh…', action: { type: 'open', route: 'join' } }];
  const want = m.app.expected?.wantConnected ?? status.wantConnected;
  const items: TrayItem[] = [{ label: 'Join mesh', type: 'checkbox', checked: want, action: { type: 'toggle-join', want: !want } }];
  if (!m.app.expected && status.tunnelState === 'connected') {
    for (const ip of [status.meshIPv4, status.meshIPv6]) {
      if (ip) items.push({ label: `Mesh IP ${ip} (click to copy)`, action: { type: 'copy', text: ip } });
    }
  }
  return items;
}

function routeItems(r: RoutesModel | null): TrayItem[] {
  if (!r) return [];
  if (r.candidates.length === 0) return [{ label: 'Advertise LAN routes (no LAN detected)', enabled: false }];
  const box = (prefix: string, label: string): TrayItem => {
    const on = r.advertised.includes(prefix);
    return { label, type: 'checkbox', checked: on, enabled: r.blocked === undefined, action: { type: 'advertise', prefix, on: !on } };
  };
  const items: TrayItem[] = r.candidates.length === 1
    ? [box(r.candidates[0] as string, `Advertise LAN routes (${r.candidates[0]})`)]
    : [{ label: 'Advertise LAN routes', type: 'submenu', submenu: r.candidates.map((p) => box(p, p)) }];
  if (r.blocked !== undefined) items.push({ label: shorten(`Unavailable: ${r.blocked}`, 80), enabled: false });
  return items;
}

function updateItem(u: AppState['update']): TrayItem {
  switch (u.state) {
    case 'disabled': return { label: 'Updates are off in this build', enabled: false };
    case 'checking': return { label: 'Checking for updates…', enabled: false };
    case 'available':
    case 'downloading': return { label: `Downloading update${u.version ? ` ${u.version}` : ''} (${Math.round((u.progress ?? 0) * 100)} %)`, enabled: false };
    case 'ready': return { label: `Restart to update to ${u.version ?? 'the new version'}`, action: { type: 'install-update' } };
    case 'up-to-date': return { label: 'Check for updates (up to date)', action: { type: 'check-updates' } };
    case 'offline': return { label: 'Check for updates (offline)', action: { type: 'check-updates' } };
    case 'error': return { label: 'Check for updates (last check failed)', action: { type: 'check-updates' } };
    default: return { label: 'Check for updates', action: { type: 'check-updates' } };
  }
}

/** The tray for `m`. */
export function trayView(m: TrayModel): TrayView {
  const line = statusLine(m.app, m.status);
  const items: TrayItem[] = [{ label: line, enabled: false }];
  const c = m.app.connection.state;
  if (c === 'connected' && m.status) {
    items.push(...joinItems(m, m.status));
    const routes = routeItems(m.routes);
    if (routes.length > 0) items.push(SEPARATOR, ...routes);
    items.push(SEPARATOR, { label: 'Expose a service…', action: { type: 'open', route: 'expose' } });
  } else if (c === 'not-installed' || c === 'not-running' || c === 'incompatible') {
    items.push({ label: 'Set up the service…', action: { type: 'open', route: 'setup' } });
  }
  items.push(
    { label: 'Open dashboard', action: { type: 'open', route: 'dashboard' } },
    SEPARATOR,
    updateItem(m.app.update),
    { label: 'Quit Cloudroof', action: { type: 'quit' } },
  );
  return { items, icon: iconFor(m.app, m.status), tooltip: `Cloudroof — ${line}` };
}
