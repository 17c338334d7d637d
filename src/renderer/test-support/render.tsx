/**
 * Renders a screen inside the app's providers with a fake API and a fresh store, and unmounts
 * everything after each test (vitest runs without globals, so Testing Library cannot do it).
 */
import { cleanup, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach } from 'vitest';
import { AppContext } from '../app-context';
import { navigate } from '../routing';
import { createAppStore, type AppStore } from '../store/app-store';
import { connectStore } from '../store/connect';
import { createFakeApi, type FakeApi, type FakeApiOptions } from './fake-api';

const disconnects: (() => void)[] = [];

afterEach(() => {
  cleanup();
  disconnects.splice(0).forEach((off) => off());
  window.location.hash = '';
});

/** What {@link renderWithApp} returns. */
export interface Rendered extends RenderResult {
  fake: FakeApi;
  store: AppStore;
}

/**
 * Renders `ui` with a fake API (`opts`) and a store fed by it through connectStore (so
 * `fake.emit` reaches the store), primed at once with its app state, status and peers unless
 * `prime` is false.
 */
export function renderWithApp(ui: ReactElement, opts: FakeApiOptions & { fake?: FakeApi; prime?: boolean } = {}): Rendered {
  const fake = opts.fake ?? createFakeApi(opts);
  const store = createAppStore();
  if (opts.prime !== false) {
    store.getState().setApp(fake.state.app);
    store.getState().applyWatch({ type: 'snapshot', status: fake.state.status, peers: fake.state.peers });
  }
  disconnects.push(connectStore(fake.api, store, (route) => navigate(route)));
  const result = render(<AppContext.Provider value={{ api: fake.api, store }}>{ui}</AppContext.Provider>);
  return { ...result, fake, store };
}
