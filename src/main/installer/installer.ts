/**
 * The service installer as the app drives it: keeps AppState.install current (install-decision.ts,
 * recomputed on every connection change), and runs the generated install or uninstall script
 * for this platform behind one administrator prompt (elevate.ts). Before uninstalling, it asks
 * the service to undo what it changed in the system — withdraw advertised routes, leave edge
 * mode, leave the mesh — so removing the files leaves nothing behind. After either, it
 * reconnects at once. Failures (a dismissed prompt included) land in `lastError`.
 */
import type { ConnectionState, InstallState } from '../../shared/ipc';
import type { EdgeState, RoutesState } from '../../shared/protocol';
import type { AppStateStore } from '../app-state';
import type { ServiceConnection } from '../service-connection';
import { darwinInstallScript, darwinUninstallScript } from './darwin-script';
import type { Elevator } from './elevate';
import { decideInstall } from './install-decision';
import type { InstallSpec, UninstallSpec } from './install-spec';
import { linuxInstallScript, linuxUninstallScript } from './linux-script';

/** Options of {@link ServiceInstaller}. */
export interface ServiceInstallerOptions {
  platform: string;
  store: AppStateStore;
  connection: Pick<ServiceConnection, 'current' | 'call' | 'snapshot' | 'reconnectNow' | 'onState'>;
  elevator: Elevator;
  bundled: { version: string; protocol: number };
  /** The install spec (paths of the app's resources, runtime, user, template). */
  installSpec: () => Promise<InstallSpec>;
  /** Whether the app's installer manifest exists. */
  installedByApp: () => Promise<boolean>;
}

/** The install or uninstall script for `platform`. */
export function scriptFor(platform: string, job: { install: InstallSpec } | { uninstall: UninstallSpec }): string {
  const darwin = platform === 'darwin';
  if ('install' in job) return darwin ? darwinInstallScript(job.install) : linuxInstallScript(job.install);
  return darwin ? darwinUninstallScript(job.uninstall) : linuxUninstallScript(job.uninstall);
}

/** Installs, upgrades and removes the service. */
export class ServiceInstaller {
  private busy: InstallState['busy'];
  private lastError: string | undefined;

  constructor(private readonly o: ServiceInstallerOptions) {}

  /** Keeps AppState.install current from now on. */
  start(): void {
    this.o.connection.onState((c) => { void this.refresh(c); });
    void this.refresh();
  }

  /** Recomputes AppState.install. */
  async refresh(connection: ConnectionState = this.o.connection.current()): Promise<void> {
    const decision = decideInstall({
      platform: this.o.platform, connection, bundled: this.o.bundled,
      installedByApp: await this.o.installedByApp().catch(() => false),
    });
    this.o.store.update({
      install: { ...decision, ...(this.busy ? { busy: this.busy } : {}), ...(this.lastError ? { lastError: this.lastError } : {}) },
    });
  }

  /** Installs or upgrades the service; resolves once the script ran (or failed: see lastError). */
  async install(): Promise<void> {
    await this.run('installing', async () => scriptFor(this.o.platform, { install: await this.o.installSpec() }));
  }

  /** Undoes the service's changes, then removes it; `purge` also removes its state. */
  async uninstall(purge: boolean): Promise<void> {
    await this.run('uninstalling', async () => {
      const interfaceName = this.o.connection.snapshot()?.status.interface;
      await this.undoServiceChanges();
      return scriptFor(this.o.platform, { uninstall: { purge, ...(interfaceName ? { interfaceName } : {}) } });
    });
  }

  private async run(busy: NonNullable<InstallState['busy']>, script: () => Promise<string>): Promise<void> {
    if (this.busy) return;
    this.busy = busy;
    this.lastError = undefined;
    await this.refresh();
    try {
      await this.o.elevator.run(await script());
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : 'the installer failed';
    } finally {
      this.busy = undefined;
    }
    this.o.connection.reconnectNow();
    await this.refresh();
  }

  /** Withdraws routes, leaves edge mode and the mesh (each best effort: stopping the service also tears the tunnel down). */
  private async undoServiceChanges(): Promise<void> {
    if (this.o.connection.current().state !== 'connected') return;
    const c = this.o.connection;
    const routes = await c.call('routes').catch(() => undefined) as RoutesState | undefined;
    if (routes && routes.advertised.length > 0) await c.call('withdrawRoutes', { all: true }).catch(() => undefined);
    const edge = await c.call('edge').catch(() => undefined) as EdgeState | undefined;
    if (edge?.enabled) await c.call('disableEdge', {}).catch(() => undefined);
    const status = c.snapshot()?.status;
    if (status && (status.wantConnected || status.tunnelState !== 'disconnected')) await c.call('leave', {}).catch(() => undefined);
  }
}
