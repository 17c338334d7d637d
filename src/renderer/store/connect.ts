/**
 * Feeds the store from the API (ARCHITECTURE.md principle 4). Lifecycle: subscribe to the
 * `watch`, `app` and `navigate` events FIRST, so nothing that happens while the initial fetches
 * run is lost; then fetch the app state and the snapshot main holds (falling back to
 * service.status and service.peers when main has none yet). Fetched values never overwrite
 * newer ones that arrived meanwhile (events, answers of calls). The returned function unsubscribes.
 */
import type { CloudroofApi, Route } from '../../shared/ipc';
import type { AppStore } from './app-store';

/** Starts feeding `store` from `api`; `navigate` shows a screen main asked for. */
export function connectStore(api: CloudroofApi, store: AppStore, navigate: (route: Route) => void): () => void {
  const s = store.getState();
  const offs = [
    api.on('watch', (event) => s.applyWatch(event)),
    api.on('app', (app) => s.setApp(app)),
    api.on('navigate', ({ route }) => navigate(route)),
  ];
  void loadInitial(api, store);
  return () => offs.forEach((off) => off());
}

async function loadInitial(api: CloudroofApi, store: AppStore): Promise<void> {
  const s = store.getState();
  const appSeq = s.appSeq;
  const [app, snapshot] = await Promise.all([api.app.getAppState({}), api.app.watchSnapshot({})]);
  if (app.ok) s.applyFetchedApp(app.value, appSeq);
  else if (store.getState().app === null) s.setAppError(app.error);
  if (snapshot.ok && snapshot.value) {
    s.applyFetchedSnapshot(snapshot.value.status, snapshot.value.peers);
    return;
  }
  const [status, peers] = await Promise.all([api.service.status(), api.service.peers()]);
  s.applyFetchedSnapshot(status.ok ? status.value : null, peers.ok ? peers.value.peers : null);
}
