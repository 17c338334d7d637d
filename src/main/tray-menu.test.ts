// The tray menu for every state: service states, tunnel states, the expected state, the join
// toggle without a secret, mesh IPs, LAN routes (one subnet, several, preflight failing), the
// updater's label, icons and tooltips.
import { describe, expect, it } from 'vitest';
import type { AppState } from '../shared/ipc';
import { appState, connected, status } from './test-fixtures';
import { trayView, type RoutesModel, type TrayItem, type TrayModel } from './tray-menu';

const labels = (items: TrayItem[]): string[] => items.map((i) => (i.type === 'separator' ? '---' : i.label ?? ''));
const find = (items: TrayItem[], prefix: string): TrayItem | undefined => items.find((i) => i.label?.startsWith(prefix));
const view = (m: Partial<TrayModel> & { app: AppState }) => trayView({ status: null, routes: null, ...m });

describe('tray menu', () => {
  it.each([
    ['connecting', 'Connecting to the service…', 'disconnected'],
    ['not-installed', 'Service not installed', 'disconnected'],
    ['not-running', 'Service not running', 'disconnected'],
    ['permission-denied', 'No access to the service', 'error'],
    ['untrusted-socket', 'Service socket not trusted', 'error'],
    ['incompatible', 'Service version not supported', 'error'],
    ['error', 'Service error', 'error'],
  ] as const)('without the service (%s): status line, icon, no mesh items', (state, line, icon) => {
    const v = view({ app: appState(state) });
    expect(v.items[0]).toEqual({ label: line, enabled: false });
    expect(v.icon).toBe(icon);
    expect(v.tooltip).toBe(`Cloudroof — ${line}`);
    expect(find(v.items, 'Join mesh')).toBeUndefined();
    expect(find(v.items, 'Expose')).toBeUndefined();
    const setup = find(v.items, 'Set up the service');
    if (state === 'not-installed' || state === 'not-running' || state === 'incompatible') expect(setup?.action).toEqual({ type: 'open', route: 'setup' });
    else expect(setup).toBeUndefined();
    expect(labels(v.items).slice(-4)).toEqual(['Open dashboard', '---', 'Check for updates', 'Quit Cloudroof']);
  });

  it('disconnected: the full menu with the toggle off', () => {
    const v = view({ app: appState(), status: status() });
    expect(labels(v.items)).toEqual([
      'Disconnected', 'Join mesh', '---', 'Expose a service…', 'Open dashboard', '---', 'Check for updates', 'Quit Cloudroof',
    ]);
    expect(find(v.items, 'Join mesh')).toMatchObject({ type: 'checkbox', checked: false, action: { type: 'toggle-join', want: true } });
    expect(v.icon).toBe('disconnected');
  });

  it('connected: peers in the status line, the toggle on, both mesh IPs copyable', () => {
    const v = view({ app: appState(), status: connected(3) });
    expect(v.items[0]?.label).toBe('Connected · 3 peers');
    expect(find(v.items, 'Join mesh')).toMatchObject({ checked: true, action: { type: 'toggle-join', want: false } });
    expect(find(v.items, 'Mesh IP 10.42.7.1')?.action).toEqual({ type: 'copy', text: '10.42.7.1' });
    expect(find(v.items, 'Mesh IP fd00:42::1')?.action).toEqual({ type: 'copy', text: 'fd00:42::1' });
    expect(v.icon).toBe('connected');
    expect(view({ app: appState(), status: connected(1) }).items[0]?.label).toBe('Connected · 1 peer');
  });

  it('connecting and error tunnels', () => {
    const c = view({ app: appState(), status: status({ tunnelState: 'connecting', wantConnected: true }) });
    expect(c.items[0]?.label).toBe('Connecting…');
    expect(c.icon).toBe('connecting');
    const e = view({ app: appState(), status: status({ tunnelState: 'error', wantConnected: true, lastError: { code: 'wireguard-unavailable', message: 'no WireGuard: install wireguard-go or load the kernel module please' } }) });
    expect(e.items[0]?.label).toMatch(/^Error: no WireGuard: install wireguard-go .*…$/);
    expect(e.items[0]?.label?.length).toBeLessThanOrEqual(60);
    expect(e.icon).toBe('error');
  });

  it('shows the expected state while an intent is unconfirmed', () => {
    const on = view({ app: appState('connected', { expected: { wantConnected: true } }), status: status() });
    expect(on.items[0]?.label).toBe('Connecting…');
    expect(find(on.items, 'Join mesh')).toMatchObject({ checked: true, action: { want: false } });
    expect(on.icon).toBe('connecting');
    const off = view({ app: appState('connected', { expected: { wantConnected: false } }), status: connected(2) });
    expect(off.items[0]?.label).toBe('Disconnected');
    expect(find(off.items, 'Join mesh')).toMatchObject({ checked: false });
    expect(find(off.items, 'Mesh IP')).toBeUndefined();
  });

  it('without a stored secret the toggle opens the join screen instead', () => {
    const v = view({ app: appState(), status: status(), secretStored: false });
    expect(find(v.items, 'Join mesh')).toBeUndefined();
    expect(find(v.items, 'Join a mesh…')?.action).toEqual({ type: 'open', route: 'join' });
  });

  describe('Advertise LAN routes', () => {
    const withRoutes = (routes: RoutesModel) => view({ app: appState(), status: connected(1), routes }).items;

    it('one subnet: a checkbox naming it', () => {
      const items = withRoutes({ candidates: ['192.168.1.0/24'], advertised: [] });
      expect(find(items, 'Advertise LAN routes')).toMatchObject({
        label: 'Advertise LAN routes (192.168.1.0/24)', type: 'checkbox', checked: false, enabled: true,
        action: { type: 'advertise', prefix: '192.168.1.0/24', on: true },
      });
      const on = withRoutes({ candidates: ['192.168.1.0/24'], advertised: ['192.168.1.0/24'] });
      expect(find(on, 'Advertise LAN routes')).toMatchObject({ checked: true, action: { on: false } });
    });

    it('several subnets: a submenu of checkboxes', () => {
      const item = find(withRoutes({ candidates: ['192.168.1.0/24', 'fd00:1::/64'], advertised: ['fd00:1::/64'] }), 'Advertise LAN routes');
      expect(item?.type).toBe('submenu');
      expect(item?.submenu).toEqual([
        { label: '192.168.1.0/24', type: 'checkbox', checked: false, enabled: true, action: { type: 'advertise', prefix: '192.168.1.0/24', on: true } },
        { label: 'fd00:1::/64', type: 'checkbox', checked: true, enabled: true, action: { type: 'advertise', prefix: 'fd00:1::/64', on: false } },
      ]);
    });

    it('preflight failing: disabled, with the reason', () => {
      const items = withRoutes({ candidates: ['192.168.1.0/24'], advertised: [], blocked: 'IP forwarding is off and cannot be enabled' });
      expect(find(items, 'Advertise LAN routes')).toMatchObject({ enabled: false });
      expect(find(items, 'Unavailable:')).toEqual({ label: 'Unavailable: IP forwarding is off and cannot be enabled', enabled: false });
    });

    it('no LAN detected: a disabled line', () => {
      expect(find(withRoutes({ candidates: [], advertised: [] }), 'Advertise')).toEqual({ label: 'Advertise LAN routes (no LAN detected)', enabled: false });
    });
  });

  it('labels the update item with the updater state', () => {
    const item = (update: AppState['update']): TrayItem | undefined => view({ app: appState('connected', { update }), status: status() }).items.at(-2);
    expect(item({ state: 'idle' })).toEqual({ label: 'Check for updates', action: { type: 'check-updates' } });
    expect(item({ state: 'checking' })).toEqual({ label: 'Checking for updates…', enabled: false });
    expect(item({ state: 'downloading', version: '1.3.0', progress: 0.42 })).toEqual({ label: 'Downloading update 1.3.0 (42 %)', enabled: false });
    expect(item({ state: 'ready', version: '1.3.0' })).toEqual({ label: 'Restart to update to 1.3.0', action: { type: 'install-update' } });
    expect(item({ state: 'up-to-date' })?.label).toBe('Check for updates (up to date)');
    expect(item({ state: 'offline' })?.label).toBe('Check for updates (offline)');
    expect(item({ state: 'error' })?.label).toBe('Check for updates (last check failed)');
    expect(item({ state: 'disabled' })).toEqual({ label: 'Updates are off in this build', enabled: false });
  });

  it('always ends with Open dashboard and Quit', () => {
    for (const app of [appState('not-installed'), appState()]) {
      const v = view({ app, status: status() });
      expect(find(v.items, 'Open dashboard')?.action).toEqual({ type: 'open', route: 'dashboard' });
      expect(v.items.at(-1)).toEqual({ label: 'Quit Cloudroof', action: { type: 'quit' } });
    }
  });
});
