/**
 * The app's state (main's, or the web console's): connection to the service, installer,
 * settings, updater, tray. Written by `app.getAppState`, the `app` event and the answers of app
 * calls; the renderer never edits it locally.
 */
import type { StateCreator } from 'zustand';
import type { AppState, IpcErrorInfo } from '../../shared/ipc';

/** The app slice of the store. */
export interface AppSlice {
  /** Null until the first `getAppState` answer or `app` event. */
  app: AppState | null;
  /** Why the app state could not be read (e.g. `unauthorized` in the web console: kept once set). */
  appError: IpcErrorInfo | null;
  /** Counts app states set, so a slow fetch does not overwrite a newer one. */
  appSeq: number;
  setApp(app: AppState): void;
  /** Sets an app state fetched when `appSeq` was `startedAt`, unless a newer one was set since. */
  applyFetchedApp(app: AppState, startedAt: number): void;
  setAppError(error: IpcErrorInfo): void;
}

/** Creates the app slice. */
export const createAppSlice: StateCreator<AppSlice, [], [], AppSlice> = (set, get) => ({
  app: null,
  appError: null,
  appSeq: 0,
  // A refused token is final for this page (a new app state, e.g. the transport's own report of
  // the refusal, must not hide it); any other start-up error is cleared by a state that arrives.
  setApp: (app) => set({ app, appError: get().appError?.code === 'unauthorized' ? get().appError : null, appSeq: get().appSeq + 1 }),
  applyFetchedApp: (app, startedAt) => {
    if (get().appSeq === startedAt) get().setApp(app);
  },
  setAppError: (appError) => set({ appError }),
});
