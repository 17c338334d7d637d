/**
 * The one AppState main holds (shared/ipc/app-schemas.ts): the connection, installer, settings,
 * updater and tray parts are written by their modules through {@link AppStateStore.update};
 * listeners (the `app` event to the renderer, the tray) see every change. A projection for the
 * UI, never a source of truth for the service's state.
 */
import type { AppState } from '../shared/ipc';

/** A listener of state changes. */
export type AppStateListener = (state: AppState) => void;

/** Holds the AppState and notifies on change. */
export class AppStateStore {
  private state: AppState;
  private readonly listeners = new Set<AppStateListener>();

  constructor(initial: AppState) {
    this.state = initial;
  }

  /** The current state (do not mutate it). */
  get(): AppState {
    return this.state;
  }

  /**
   * Merges `patch` into the state and notifies the listeners. A member set to `undefined` is
   * removed (how `expected` is cleared).
   */
  update(patch: Partial<AppState>): void {
    const next: Record<string, unknown> = { ...this.state, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    this.state = next as AppState;
    for (const l of this.listeners) l(this.state);
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: AppStateListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}
