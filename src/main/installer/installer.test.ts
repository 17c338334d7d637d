// The installer as the app drives it, with a fake elevator: AppState.install follows the
// connection; install runs this platform's script, shows `busy`, reconnects at once; a dismissed
// password prompt leaves lastError "…cancelled; nothing was changed"; uninstall first asks the
// service to withdraw routes, leave edge mode and the mesh, then runs the uninstall script.
import { describe, expect, it } from 'vitest';
import { AppStateStore } from '../app-state';
import { appState, connected, FakeConnection } from '../test-fixtures';
import { classifyFailure, type Elevator } from './elevate';
import type { InstallSpec } from './install-spec';
import { ServiceInstaller } from './installer';

const spec: InstallSpec = {
  user: 'alice', version: '1.4.0', template: '[Service]\nExecStart=@BIN@/cloudroofd\n',
  resources: { service: '/opt/Cloudroof/resources/cloudroofd.js' }, runtime: { kind: 'executable', path: '/opt/Cloudroof/cloudroof' },
};

class FakeElevator implements Elevator {
  readonly scripts: string[] = [];
  busyDuringRun: unknown;
  constructor(private readonly outcome: Error | null = null, private readonly store?: AppStateStore) {}
  async run(script: string): Promise<{ stdout: string; stderr: string }> {
    this.scripts.push(script);
    this.busyDuringRun = this.store?.get().install?.busy;
    if (this.outcome) throw this.outcome;
    return { stdout: '', stderr: '' };
  }
}

function setup(elevatorOutcome: Error | null = null, platform = 'linux', installSpec: InstallSpec = spec) {
  const store = new AppStateStore(appState('not-installed'));
  const conn = new FakeConnection({
    routes: { acceptRoutes: true, advertised: [{ prefix: '192.168.1.0/24', masquerade: true, state: 'active' }], accepted: [] },
    edge: { enabled: true, nginx: { available: true, running: true }, config: { state: 'applied' }, sites: [] },
    withdrawRoutes: {}, disableEdge: {}, leave: {},
  });
  conn.state = { state: 'not-installed', message: 'x' };
  const elevator = new FakeElevator(elevatorOutcome, store);
  let manifest = false;
  const installer = new ServiceInstaller({
    platform, store, connection: conn, elevator, bundled: { version: '1.4.0', protocol: 1 },
    installSpec: async () => installSpec, installedByApp: async () => manifest,
  });
  return { store, conn, elevator, installer, setManifest: (m: boolean) => { manifest = m; } };
}

describe('service installer', () => {
  it('follows the connection into AppState.install', async () => {
    const { store, conn, installer, setManifest } = setup();
    installer.start();
    await installer.refresh();
    expect(store.get().install).toEqual({ action: 'install', reason: 'The Cloudroof service is not installed on this computer yet.', bundledVersion: '1.4.0' });
    setManifest(true);
    conn.setState({ state: 'connected', serviceVersion: '1.3.0', serviceProtocol: 1 });
    await new Promise((r) => setImmediate(r));
    expect(store.get().install).toMatchObject({ action: 'upgrade', installedVersion: '1.3.0' });
  });

  it('installs with the platform script behind one prompt, busy meanwhile, then reconnects', async () => {
    const { store, conn, elevator, installer } = setup();
    await installer.install();
    expect(elevator.scripts).toHaveLength(1);
    expect(elevator.scripts[0]).toContain('# Cloudroof desktop: install cloudroofd as a systemd service');
    expect(elevator.busyDuringRun).toBe('installing');
    expect(store.get().install?.busy).toBeUndefined();
    expect(store.get().install?.lastError).toBeUndefined();
    expect(conn.reconnects).toBe(1);
    const mac = setup(null, 'darwin', {
      ...spec, template: '<plist>@RUNTIME@ @SERVICE@ @SOCKET@ @STATE_DIR@ @LOG@</plist>\n',
      runtime: { kind: 'app-bundle', path: '/Applications/Cloudroof.app', executable: 'Contents/MacOS/Cloudroof' },
    });
    await mac.installer.install();
    expect(mac.elevator.scripts[0]).toContain('launchctl bootstrap system');
  });

  it('a dismissed password prompt changes nothing and says so', async () => {
    const { store, installer } = setup(classifyFailure(new Error('User did not grant permission.'), ''));
    await installer.install();
    expect(store.get().install).toMatchObject({ action: 'install', lastError: 'The administrator password prompt was cancelled; nothing was changed' });
    expect(store.get().install?.busy).toBeUndefined();
  });

  it('a failing script reports its own error line', async () => {
    const { store, installer } = setup(classifyFailure(new Error('Command failed'), 'cloudroof-desktop-install: error: this installer needs systemd (systemctl was not found)\n'));
    await installer.install();
    expect(store.get().install?.lastError).toBe('this installer needs systemd (systemctl was not found)');
  });

  it('an invalid install input is reported without running anything', async () => {
    const { store, elevator } = setup();
    const bad = new ServiceInstaller({
      platform: 'linux', store, connection: new FakeConnection(), elevator, bundled: { version: '1.4.0', protocol: 1 },
      installSpec: async () => ({ ...spec, user: 'root' }), installedByApp: async () => false,
    });
    await bad.install();
    expect(elevator.scripts).toEqual([]);
    expect(store.get().install?.lastError).toMatch(/cannot add "root"/);
  });

  it('uninstall undoes the service\'s changes first, then removes it', async () => {
    const { conn, elevator, installer } = setup();
    conn.state = { state: 'connected', serviceVersion: '1.4.0', serviceProtocol: 1 };
    conn.snap = { status: connected(1, { interface: 'wg-home' }), peers: [] };
    await installer.uninstall(true);
    expect(conn.calls).toEqual([
      { name: 'routes', body: undefined }, { name: 'withdrawRoutes', body: { all: true } },
      { name: 'edge', body: undefined }, { name: 'disableEdge', body: {} },
      { name: 'leave', body: {} },
    ]);
    expect(elevator.scripts[0]).toContain("readonly IFACE='wg-home'");
    expect(elevator.scripts[0]).toContain('readonly PURGE=1');
    expect(conn.reconnects).toBe(1);
  });

  it('uninstall without a reachable service runs the script alone', async () => {
    const { conn, elevator, installer } = setup();
    conn.state = { state: 'not-running', message: 'x' };
    await installer.uninstall(false);
    expect(conn.calls).toEqual([]);
    expect(elevator.scripts[0]).toContain('readonly PURGE=0');
  });
});
