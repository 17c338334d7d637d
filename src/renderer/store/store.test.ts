import { describe, expect, it, vi } from 'vitest';
import { createFakeApi, deferred } from '../test-support/fake-api';
import { disconnectedStatus, samplePeer, sampleRoutes, sampleStatus } from '../test-support/fixtures';
import { createAppStore } from './app-store';
import { connectStore } from './connect';
import { fetchResource } from './resources';

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('connectStore', () => {
  it('subscribes to watch, app and navigate before fetching anything', async () => {
    const fake = createFakeApi();
    const store = createAppStore();
    const seenAtFirstCall: number[] = [];
    const original = fake.app.getAppState;
    fake.app.getAppState = (req) => {
      seenAtFirstCall.push(fake.listenerCount('watch'), fake.listenerCount('app'), fake.listenerCount('navigate'));
      return original(req);
    };
    connectStore(fake.api, store, () => undefined);
    await settle();
    expect(seenAtFirstCall).toEqual([1, 1, 1]);
    expect(store.getState().app?.environment).toBe('electron');
    expect(store.getState().status?.meshIPv4).toBe('10.42.7.1');
    expect(store.getState().peers).toHaveLength(2);
  });

  it('falls back to service.status and service.peers when main holds no snapshot', async () => {
    const fake = createFakeApi({ snapshot: null });
    const store = createAppStore();
    connectStore(fake.api, store, () => undefined);
    await settle();
    expect(fake.callsTo('status')).toHaveLength(1);
    expect(fake.callsTo('peers')).toHaveLength(1);
    expect(store.getState().peers.map((p) => p.hostname)).toEqual(['vps-1', 'pi']);
  });

  it('never lets the fetched snapshot overwrite a newer watch event', async () => {
    const fake = createFakeApi();
    const hold = deferred();
    const original = fake.app.watchSnapshot;
    fake.app.watchSnapshot = async (req) => { await hold.promise; return original(req); };
    const store = createAppStore();
    connectStore(fake.api, store, () => undefined);
    fake.emit('watch', { type: 'snapshot', status: disconnectedStatus(), peers: [] });
    hold.resolve();
    await settle();
    expect(store.getState().status?.tunnelState).toBe('disconnected');
    expect(store.getState().peers).toEqual([]);
  });

  it('applies watch, app and navigate events, and unsubscribes', async () => {
    const fake = createFakeApi();
    const store = createAppStore();
    const navigate = vi.fn();
    const stop = connectStore(fake.api, store, navigate);
    await settle();
    const before = store.getState().status;
    fake.emit('watch', { type: 'status', status: sampleStatus({ peerCount: 3 }) });
    const changed = store.getState().status;
    fake.emit('watch', { type: 'peers', peers: [samplePeer({ hostname: 'new' })] });
    fake.emit('app', { ...fake.state.app, update: { state: 'ready', version: '0.3.0' } });
    fake.emit('navigate', { route: 'expose' });
    expect(changed).not.toBe(before); // a status event is a change screens refresh on…
    expect(changed?.peerCount).toBe(3);
    expect(store.getState().status).toBe(changed); // …a peers event is not
    expect(store.getState().peers.map((p) => p.hostname)).toEqual(['new']);
    expect(store.getState().app?.update.state).toBe('ready');
    expect(navigate).toHaveBeenCalledWith('expose');
    stop();
    expect(fake.listenerCount('watch') + fake.listenerCount('app') + fake.listenerCount('navigate')).toBe(0);
  });

  it('keeps the app error when the app state cannot be read (a wrong web console token)', async () => {
    const fake = createFakeApi();
    fake.app.getAppState = () => { throw Object.assign(new Error('open the URL again'), { code: 'unauthorized' }); };
    const store = createAppStore();
    connectStore(fake.api, store, () => undefined);
    await settle();
    expect(store.getState().appError).toEqual({ code: 'unauthorized', message: 'open the URL again' });
  });

  it('a refused token stays shown when an app state arrives after it; other errors clear', () => {
    const store = createAppStore();
    const state = { environment: 'web', appVersion: '1', platform: 'linux', connection: { state: 'error' }, update: { state: 'disabled' } } as const;
    store.getState().setAppError({ code: 'unauthorized', message: 'open the URL again' });
    store.getState().setApp(state);
    expect(store.getState().appError?.code).toBe('unauthorized');
    const other = createAppStore();
    other.getState().setAppError({ code: 'service-unavailable', message: 'down' });
    other.getState().setApp(state);
    expect(other.getState().appError).toBeNull();
  });
});

describe('resources', () => {
  it('stores answers and errors, and drops a fetch overtaken by a newer write', async () => {
    const fake = createFakeApi();
    const store = createAppStore();
    await fetchResource(fake.api, store, 'routes');
    expect(store.getState().resources.routes?.data?.advertised).toEqual([]);
    const hold = deferred();
    fake.service.routes = async () => { await hold.promise; return sampleRoutes(); };
    const slow = fetchResource(fake.api, store, 'routes');
    store.getState().setResource('routes', sampleRoutes({ advertised: [{ prefix: '192.168.1.0/24', masquerade: true, state: 'active' }] }));
    hold.resolve();
    await slow;
    expect(store.getState().resources.routes?.data?.advertised).toHaveLength(1);
    fake.service.routes = () => { throw Object.assign(new Error('the service is not running'), { code: 'service-unavailable' }); };
    await fetchResource(fake.api, store, 'routes');
    expect(store.getState().resources.routes?.error?.message).toBe('the service is not running');
    expect(store.getState().resources.routes?.data?.advertised).toHaveLength(1);
  });
});
