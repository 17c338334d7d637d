/**
 * The renderer's one zustand store, made of slices: the app's state, the service's watched state
 * and the on-demand resources. A vanilla store (one per app instance, one per test) handed to
 * React through {@link AppContext}; never a module singleton.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createAppSlice, type AppSlice } from './app-slice';
import { createResourceSlice, type ResourceSlice } from './resource-slice';
import { createServiceSlice, type ServiceSlice } from './service-slice';

/** Everything the store holds. */
export type AppStoreState = AppSlice & ServiceSlice & ResourceSlice;
/** The store. */
export type AppStore = StoreApi<AppStoreState>;

/** A new, empty store. */
export function createAppStore(): AppStore {
  return createStore<AppStoreState>()((...a) => ({
    ...createAppSlice(...a),
    ...createServiceSlice(...a),
    ...createResourceSlice(...a),
  }));
}
