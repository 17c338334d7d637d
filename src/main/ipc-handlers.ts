/**
 * The {@link IpcHandlers} of the desktop app: service calls and streams go to the service
 * connection (which refuses to drive an incompatible service), app calls to main's own modules.
 * Requests arrive already validated by the dispatcher; answers are validated by it too.
 */
import type { AppState, IpcHandlers } from '../shared/ipc';
import { ControlError, type UnaryEndpointName } from '../shared/protocol';
import type { AppStateStore } from './app-state';
import type { ServiceInstaller } from './installer/installer';
import type { ServiceConnection } from './service-connection';
import type { SettingsStore } from './settings-store';
import type { Updater } from './updater';
import { isExternalWebUrl } from './windows';

/** What the handlers use. */
export interface MainHandlerDeps {
  store: AppStateStore;
  connection: Pick<ServiceConnection, 'call' | 'stream' | 'snapshot'>;
  installer: Pick<ServiceInstaller, 'install' | 'uninstall'>;
  settings: Pick<SettingsStore, 'update'>;
  updater: Pick<Updater, 'check' | 'install'>;
  openExternal: (url: string) => Promise<void>;
}

/** Builds the handlers over `d`. */
export function createMainHandlers(d: MainHandlerDeps): IpcHandlers {
  const state = (): AppState => d.store.get();
  return {
    service: (name, body) => d.connection.call(name as UnaryEndpointName, body),
    stream: (name, body, emit) => d.connection.stream(name, body, emit),
    app: {
      getAppState: async () => state(),
      watchSnapshot: async () => d.connection.snapshot(),
      installService: async () => { await d.installer.install(); return state(); },
      uninstallService: async ({ purge }) => { await d.installer.uninstall(purge); return state(); },
      setAppSettings: async (patch) => { await d.settings.update(patch); return state(); },
      checkForUpdates: async () => { await d.updater.check(); return state(); },
      installUpdate: async () => { d.updater.install(); return state(); },
      openExternal: async ({ url }) => {
        if (!isExternalWebUrl(url)) throw new ControlError('bad-request', 'only http and https links open in the browser');
        await d.openExternal(url);
        return {};
      },
    },
  };
}
