// The tray controller against the fake Electron: the toggle sends intent and shows the expected
// state at once, the watch stream confirms or overrides it, a fallback timer restores the real
// state; a refused toggle without a secret opens the join screen; the routes items come from
// detect/routes/check and advertise or withdraw; the mesh IP is copied; icons follow the state.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlError, type Status } from '../shared/protocol';
import type { Route } from '../shared/ipc';
import { AppStateStore } from './app-state';
import { FakeElectron, type FakeTray } from './fake-electron';
import { appState, connected, FakeConnection, peer, status } from './test-fixtures';
import { TrayController } from './tray-controller';

const routesAnswers = {
  detectRoutes: { networks: [
    { iface: 'eth0', address: '192.168.1.23', cidr: '192.168.1.0/24', family: 4, defaultRoute: true },
    { iface: 'docker0', address: '172.17.0.1', cidr: '172.17.0.0/16', family: 4, defaultRoute: false },
  ] },
  routes: { acceptRoutes: true, advertised: [], accepted: [] },
  checkRoutes: { ok: true, findings: [] },
};

describe('tray controller', () => {
  let electron: FakeElectron;
  let store: AppStateStore;
  let conn: FakeConnection;
  let tray: TrayController;
  let opened: Route[];
  let reports: string[];
  let t: FakeTray;

  const start = (answers: ConstructorParameters<typeof FakeConnection>[0] = {}, first: Status = status()): void => {
    conn = new FakeConnection({ ...routesAnswers, ...answers });
    conn.snap = { status: first, peers: [] };
    tray = new TrayController({
      electron, store, connection: conn, icon: (name) => electron.image(`/icons/${name}.png`), fallbackMs: 10_000,
      actions: { open: (r) => opened.push(r), checkForUpdates: () => undefined, installUpdate: () => undefined, quit: () => undefined, report: (title) => reports.push(title) },
    });
    tray.start();
    t = electron.trays[0] as FakeTray;
  };
  const settle = () => vi.advanceTimersByTimeAsync(0);

  beforeEach(() => {
    vi.useFakeTimers();
    electron = new FakeElectron();
    store = new AppStateStore(appState());
    opened = [];
    reports = [];
  });
  afterEach(() => {
    tray.stop();
    vi.useRealTimers();
  });

  it('renders the state into the tray: menu, icon, tooltip', () => {
    start({}, connected(2));
    expect(t.labels()[0]).toBe('Connected · 2 peers');
    expect(t.image).toEqual({ path: '/icons/connected.png', template: false });
    expect(t.tooltip).toBe('Cloudroof — Connected · 2 peers');
    store.update({ connection: { state: 'not-running', message: 'x' } });
    expect(t.labels()[0]).toBe('Service not running');
    expect(t.image.path).toBe('/icons/disconnected.png');
  });

  it('the toggle shows the expected state at once, sends the intent, and the watch stream confirms it', async () => {
    start({ patchPrefs: { wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true } });
    t.click('Join mesh');
    expect(store.get().expected).toEqual({ wantConnected: true });
    expect(t.labels()[0]).toBe('Connecting…');
    expect(t.item('Join mesh')?.checked).toBe(true);
    await settle();
    expect(conn.calls.find((c) => c.name === 'patchPrefs')?.body).toEqual({ wantConnected: true });
    conn.pushStatus(status({ tunnelState: 'connecting', wantConnected: true }));
    expect(store.get().expected).toEqual({ wantConnected: true });
    conn.pushStatus(connected(0));
    expect(store.get().expected).toBeUndefined();
    expect(t.labels()[0]).toBe('Connected · 0 peers');
  });

  it('falls back to the real state after the timer when nothing confirms', async () => {
    start({ patchPrefs: { wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true } });
    t.click('Join mesh');
    await settle();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(store.get().expected).toEqual({ wantConnected: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(store.get().expected).toBeUndefined();
    expect(t.labels()[0]).toBe('Disconnected');
  });

  it('another client setting the opposite intent overrides the expected state', async () => {
    start({ patchPrefs: {} }, connected(1));
    t.click('Join mesh');
    expect(store.get().expected).toEqual({ wantConnected: false });
    await settle();
    conn.pushStatus(connected(1, { wantConnected: true }));
    expect(store.get().expected).toBeUndefined();
  });

  it('without a stored secret the refused toggle opens the join screen and the item becomes Join a mesh…', async () => {
    start({ patchPrefs: new ControlError('not-joined', 'no mesh secret is stored yet') });
    t.click('Join mesh');
    await settle();
    expect(store.get().expected).toBeUndefined();
    expect(opened).toEqual(['join']);
    expect(t.item('Join mesh')).toBeUndefined();
    t.click('Join a mesh…');
    expect(opened).toEqual(['join', 'join']);
    conn.pushStatus(status({ wantConnected: true, tunnelState: 'connecting' }));
    expect(t.item('Join mesh')).toBeDefined();
  });

  it('any other refusal is reported and the real state shown', async () => {
    start({ patchPrefs: new ControlError('busy', 'the service is busy') });
    t.click('Join mesh');
    await settle();
    expect(store.get().expected).toBeUndefined();
    expect(reports).toEqual(['Cloudroof could not change the connection']);
  });

  it('loads the routes on connect and advertises the detected default-route subnet', async () => {
    let advertised: string[] = [];
    start({
      routes: () => ({ acceptRoutes: true, advertised: advertised.map((prefix) => ({ prefix, masquerade: true, state: 'active' })), accepted: [] }),
      advertiseRoutes: (body) => { advertised = (body as { prefixes: string[] }).prefixes; return {}; },
      withdrawRoutes: () => { advertised = []; return {}; },
    });
    conn.setState({ state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 });
    await settle();
    expect(t.item('Advertise LAN routes')).toMatchObject({ label: 'Advertise LAN routes (192.168.1.0/24)', checked: false, enabled: true });
    t.click('Advertise LAN routes');
    await settle();
    expect(conn.calls.find((c) => c.name === 'advertiseRoutes')?.body).toEqual({ prefixes: ['192.168.1.0/24'] });
    expect(t.item('Advertise LAN routes')?.checked).toBe(true);
    t.click('Advertise LAN routes');
    await settle();
    expect(conn.calls.find((c) => c.name === 'withdrawRoutes')?.body).toEqual({ prefixes: ['192.168.1.0/24'] });
    expect(t.item('Advertise LAN routes')?.checked).toBe(false);
  });

  it('several default-route networks make a submenu; a failing preflight disables it with the reason', async () => {
    start({
      detectRoutes: { networks: [
        { iface: 'eth0', address: '192.168.1.23', cidr: '192.168.1.0/24', family: 4, defaultRoute: true },
        { iface: 'eth0', address: 'fd00:1::23', cidr: 'fd00:1::/64', family: 6, defaultRoute: true },
      ] },
      checkRoutes: { ok: false, findings: [
        { id: 'firewall', severity: 'warning', message: 'a firewall may drop forwarded packets', fix: '…' },
        { id: 'ip-forwarding-off', severity: 'error', message: 'IPv4 forwarding cannot be enabled', fix: '…' },
      ] },
    });
    conn.setState({ state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 });
    await settle();
    const item = t.item('Advertise LAN routes');
    expect(item?.type).toBe('submenu');
    expect(item?.submenu?.map((i) => [i.label, i.enabled])).toEqual([['192.168.1.0/24', false], ['fd00:1::/64', false]]);
    expect(t.item('Unavailable:')?.label).toBe('Unavailable: IPv4 forwarding cannot be enabled');
  });

  it('refreshes the routes when the status route summary changes, and every minute', async () => {
    start();
    conn.setState({ state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 });
    await settle();
    const count = () => conn.names().filter((n) => n === 'detectRoutes').length;
    expect(count()).toBe(1);
    conn.pushStatus(connected(1, { routes: { advertised: 1, accepted: 0, conflicts: 0 } }));
    await settle();
    expect(count()).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(count()).toBe(3);
    conn.setState({ state: 'not-running' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(count()).toBe(3);
  });

  it('loads the routes once per connect, as the real connection delivers it (state, then the snapshot)', async () => {
    start();
    conn.snap = { status: connected(1, { routes: { advertised: 0, accepted: 0, conflicts: 0 } }), peers: [] };
    conn.setState({ state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 });
    conn.pushStatus(conn.snap.status);
    await settle();
    expect(conn.names().filter((n) => n === 'detectRoutes')).toHaveLength(1);
  });

  it('leaves the tray alone when nothing it shows changed (counters, peer lists)', async () => {
    start({}, connected(1));
    await settle();
    const writes: string[] = [];
    const { setImage, setToolTip, setContextMenu } = t;
    t.setImage = (i) => { writes.push('image'); setImage.call(t, i); };
    t.setToolTip = (x) => { writes.push('tooltip'); setToolTip.call(t, x); };
    t.setContextMenu = (m) => { writes.push('menu'); setContextMenu.call(t, m); };
    conn.pushStatus(connected(1, { counters: { received: 5, accepted: 5, dropped: {} } }));
    conn.pushPeers([peer(1, { rxBytes: 100 })]);
    store.update({ settings: { launchAtLogin: true, autoUpdate: true } });
    expect(writes).toEqual([]);
    conn.pushStatus(connected(2));
    expect(writes).toEqual(['tooltip', 'menu']);
    expect(t.labels()[0]).toBe('Connected · 2 peers');
  });

  it('copies the mesh IP and opens screens', () => {
    start({}, connected(1));
    t.click('Mesh IP 10.42.7.1');
    expect(electron.clipboardText).toBe('10.42.7.1');
    t.click('Expose a service…');
    t.click('Open dashboard');
    expect(opened).toEqual(['expose', 'dashboard']);
  });
});
