/**
 * Data screens fetch on demand (routes, sites, edges, prefs…): the last answer of each service
 * call that takes no request, with its error and whether a fetch is running. `seq` counts writes,
 * so a slow poll that started before a newer write (an advertise's answer) is dropped.
 */
import type { StateCreator } from 'zustand';
import type { IpcErrorInfo } from '../../shared/ipc';
import type { ResponseOf } from '../../shared/protocol';

/** Service calls without a request whose answers screens show. */
export const RESOURCE_NAMES = ['routes', 'detectRoutes', 'checkRoutes', 'sites', 'edge', 'edges', 'getPrefs', 'localServices'] as const;
/** One of {@link RESOURCE_NAMES}. */
export type ResourceName = (typeof RESOURCE_NAMES)[number];

/** The cached answer of one resource. */
export interface Resource<T> {
  data?: T;
  /** The last fetch's error (cleared by a successful one). */
  error?: IpcErrorInfo;
  loading: boolean;
  /** Number of writes so far. */
  seq: number;
}

/** Every resource, absent until first fetched. */
export type Resources = { [N in ResourceName]?: Resource<ResponseOf<N>> };

/** The resource slice of the store. */
export interface ResourceSlice {
  resources: Resources;
  /** Marks a fetch as started and returns the write count it started at. */
  beginResource(name: ResourceName): number;
  /** Stores a fetch's outcome unless something newer was written since `startedAt`. */
  finishResource<N extends ResourceName>(name: N, startedAt: number, outcome: { data: ResponseOf<N> } | { error: IpcErrorInfo }): void;
  /** Stores an answer that carries the resource (e.g. advertiseRoutes → routes). */
  setResource<N extends ResourceName>(name: N, data: ResponseOf<N>): void;
}

/** Creates the resource slice. */
export const createResourceSlice: StateCreator<ResourceSlice, [], [], ResourceSlice> = (set, get) => {
  const entry = (name: ResourceName): Resource<unknown> => get().resources[name] ?? { loading: false, seq: 0 };
  const put = (name: ResourceName, next: Resource<unknown>): void =>
    set({ resources: { ...get().resources, [name]: next } });
  return {
    resources: {},
    beginResource: (name) => {
      const cur = entry(name);
      put(name, { ...cur, loading: true });
      return cur.seq;
    },
    finishResource: (name, startedAt, outcome) => {
      const cur = entry(name);
      if (cur.seq !== startedAt) return put(name, { ...cur, loading: false });
      if ('data' in outcome) put(name, { data: outcome.data, loading: false, seq: cur.seq + 1 });
      else put(name, { ...cur, error: outcome.error, loading: false, seq: cur.seq + 1 });
    },
    setResource: (name, data) => {
      const cur = entry(name);
      put(name, { data, loading: cur.loading, seq: cur.seq + 1 });
    },
  };
};
