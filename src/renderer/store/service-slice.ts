/**
 * The service's own state as the watch stream reports it (ARCHITECTURE.md principle 4): this
 * node's Status and its peers. A projection, never the source of truth: only watch events, the
 * snapshot main holds, and the answers of service calls write here.
 */
import type { StateCreator } from 'zustand';
import type { Peer, Status, WatchEvent } from '../../shared/protocol';

/** The service slice of the store. */
export interface ServiceSlice {
  status: Status | null;
  peers: Peer[];
  /** Bumped on every status or snapshot; screens refresh their on-demand data when it changes. */
  statusVersion: number;
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
  statusVersion: 0,
  watchSeen: false,
  applyWatch: (event) => {
    const bump = get().statusVersion + 1;
    if (event.type === 'snapshot') set({ status: event.status, peers: event.peers, statusVersion: bump, watchSeen: true });
    else if (event.type === 'status') set({ status: event.status, statusVersion: bump, watchSeen: true });
    else set({ peers: event.peers, watchSeen: true });
  },
  applyFetchedSnapshot: (status, peers) => {
    if (get().watchSeen) return;
    set({
      ...(status ? { status, statusVersion: get().statusVersion + 1 } : {}),
      ...(peers ? { peers } : {}),
    });
  },
  applyStatus: (status) => set({ status, statusVersion: get().statusVersion + 1 }),
});
