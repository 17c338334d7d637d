/**
 * The service's own state as the watch stream reports it (ARCHITECTURE.md principle 4): this
 * node's Status and its peers. A projection, never the source of truth: only watch events, the
 * snapshot main holds, and the answers of service calls write here.
 */
import type { StateCreator } from 'zustand';
import type { Peer, Status, WatchEvent } from '../../shared/protocol';

/** The service slice of the store. */
export interface ServiceSlice {
  /** A new object on every status or snapshot (never edited in place): screens refresh their on-demand data when it changes. */
  status: Status | null;
  peers: Peer[];
  /** True once a watch event arrived (a fetched snapshot must not overwrite it: it may be older). */
  watchSeen: boolean;
  /** Applies one line of the watch stream. */
  applyWatch(event: WatchEvent): void;
  /** Applies a snapshot fetched at start, unless a watch event already gave a newer one. */
  applyFetchedSnapshot(status: Status | null, peers: Peer[] | null): void;
  /** Applies the Status a service call answered with (join, leave). */
  applyStatus(status: Status): void;
}

/** Creates the service slice. */
export const createServiceSlice: StateCreator<ServiceSlice, [], [], ServiceSlice> = (set, get) => ({
  status: null,
  peers: [],
  watchSeen: false,
  applyWatch: (event) => {
    if (event.type === 'snapshot') set({ status: event.status, peers: event.peers, watchSeen: true });
    else if (event.type === 'status') set({ status: event.status, watchSeen: true });
    else set({ peers: event.peers, watchSeen: true });
  },
  applyFetchedSnapshot: (status, peers) => {
    if (get().watchSeen) return;
    set({ ...(status ? { status } : {}), ...(peers ? { peers } : {}) });
  },
  applyStatus: (status) => set({ status }),
});
