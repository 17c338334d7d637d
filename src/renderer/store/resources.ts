/**
 * Fetching the on-demand resources into the store. One fetch per resource at a time: a request
 * while one runs is remembered and served by one more fetch when it ends (the running one may
 * have been answered before the change that prompted the request).
 */
import type { CloudroofApi, IpcResult } from '../../shared/ipc';
import type { ResponseOf } from '../../shared/protocol';
import type { AppStore } from './app-store';
import type { ResourceName } from './resource-slice';

const requestedAgain = new WeakMap<AppStore, Set<ResourceName>>();

function againSet(store: AppStore): Set<ResourceName> {
  let set = requestedAgain.get(store);
  if (!set) requestedAgain.set(store, (set = new Set()));
  return set;
}

/** Fetches resource `name` into `store`; while one fetch runs, further calls coalesce into one more. */
export async function fetchResource<N extends ResourceName>(api: CloudroofApi, store: AppStore, name: N): Promise<void> {
  if (store.getState().resources[name]?.loading) {
    againSet(store).add(name);
    return;
  }
  const startedAt = store.getState().beginResource(name);
  // Every resource channel takes no request; the generic index loses that, hence the cast.
  const call = api.service[name] as () => Promise<IpcResult<ResponseOf<N>>>;
  const result = await call();
  store.getState().finishResource(name, startedAt, result.ok ? { data: result.value } : { error: result.error });
  if (againSet(store).delete(name)) await fetchResource(api, store, name);
}
