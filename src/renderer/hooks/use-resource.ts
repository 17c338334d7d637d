/**
 * On-demand service data for a screen: fetched when the screen opens, again whenever a status
 * event arrives, and every 5 s while the page is visible. The data lives in the store, so two
 * screens showing the same resource share one copy.
 */
import { useCallback, useEffect } from 'react';
import type { ResponseOf } from '../../shared/protocol';
import type { Resource, ResourceName } from '../store/resource-slice';
import { fetchResource } from '../store/resources';
import { useAppStore } from '../store/use-app-store';
import { useRuntime } from './use-runtime';
import { useVisibleInterval } from './use-visible-interval';

/** Interval of the refresh while a screen is visible. */
export const RESOURCE_REFRESH_MS = 5000;

/** A resource as a screen uses it. */
export type ResourceView<T> = Omit<Resource<T>, 'seq'> & { refresh(): void };

/** Keeps resource `name` fresh while the calling component is mounted. */
export function useResource<N extends ResourceName>(name: N): ResourceView<ResponseOf<N>> {
  const { api, store } = useRuntime();
  const entry = useAppStore((s) => s.resources[name]) as Resource<ResponseOf<N>> | undefined;
  const status = useAppStore((s) => s.status);
  const refresh = useCallback(() => void fetchResource(api, store, name), [api, store, name]);
  useEffect(refresh, [refresh, status]);
  useVisibleInterval(refresh, RESOURCE_REFRESH_MS);
  return { data: entry?.data, error: entry?.error, loading: entry?.loading ?? true, refresh };
}
