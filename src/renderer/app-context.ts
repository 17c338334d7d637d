/**
 * What every container reaches through React context: the API (Electron's preload object or the
 * web console's HTTP client) and the store. Presentational components (components/) never use it.
 */
import { createContext } from 'react';
import type { CloudroofApi } from '../shared/ipc';
import type { AppStore } from './store/app-store';

/** The API and the store of one app instance. */
export interface AppRuntime {
  api: CloudroofApi;
  store: AppStore;
}

/** Provides the {@link AppRuntime}; null outside a provider (a programming error). */
export const AppContext = createContext<AppRuntime | null>(null);
