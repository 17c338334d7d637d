import { describe, expect, it } from 'vitest';
import { createIpcClient, type IpcTransport } from './ipc-client';
import { createIpcDispatcher, type IpcHandlers } from './dispatcher';
import { SERVICE_CHANNELS, STREAM_CHANNELS, appChannels } from './schema';
import type { AppState } from './app-schemas';

const appState: AppState = {
  environment: 'web', appVersion: '0.1.0', platform: 'linux',
  connection: { state: 'connected' }, update: { state: 'disabled' },
};

function handlers(overrides: Partial<IpcHandlers> = {}): IpcHandlers & { calls: { name: string; body: unknown }[] } {
  const calls: { name: string; body: unknown }[] = [];
  const unsupported = async (): Promise<never> => { throw Object.assign(new Error('not available in the web console'), { code: 'unsupported' }); };
  return {
    calls,
    service: async (name, body) => {
      calls.push({ name, body });
      if (name === 'join') throw Object.assign(new Error('the secret is too short'), { code: 'invalid-secret' });
      if (name === 'getPrefs') return { wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true, extra: 'stripped' };
      if (name === 'leave') throw new TypeError('boom at /root/secret-path');
      return {};
    },
    stream: async (_name, _body, emit) => {
      emit({ type: 'step', step: { edge: 'k', check: 'request', state: 'running' } });
      emit({ type: 'bogus' });
      emit({ type: 'done', ok: true, steps: [], publicUrls: ['https://a.example.com/'] });
    },
    app: {
      getAppState: async () => appState, watchSnapshot: async () => null, installService: unsupported,
      uninstallService: unsupported, setAppSettings: unsupported, checkForUpdates: unsupported, installUpdate: unsupported,
      openExternal: async () => ({}),
    },
    ...overrides,
  };
}

/** A transport that passes payloads through JSON, as Electron's structured clone and HTTP would. */
function loopback(h: IpcHandlers): IpcTransport {
  const d = createIpcDispatcher(h);
  const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)) as T);
  return {
    invoke: async (kind, name, payload) => clone(await d.invoke(kind, name, clone(payload))),
    stream: async (name, payload, onItem) => clone(await d.stream(name, clone(payload), (item) => onItem(clone(item)))),
    subscribe: () => () => undefined,
  };
}

describe('IPC contract', () => {
  it('generates one channel per entry of the table on both ends', () => {
    const d = createIpcDispatcher(handlers());
    const names = d.channels().map((c) => `${c.kind}:${c.name}`);
    expect(names).toHaveLength(SERVICE_CHANNELS.length + Object.keys(appChannels).length + STREAM_CHANNELS.length);
    const api = createIpcClient(loopback(handlers()));
    for (const n of SERVICE_CHANNELS) expect(typeof api.service[n]).toBe('function');
    for (const n of Object.keys(appChannels)) expect(typeof (api.app as Record<string, unknown>)[n]).toBe('function');
  });

  it('passes a valid call through and strips undeclared members of the answer', async () => {
    const api = createIpcClient(loopback(handlers()));
    const res = await api.service.getPrefs();
    expect(res).toEqual({ ok: true, value: { wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true } });
  });

  it('keeps the code and message of a service error, and hides anything else', async () => {
    const api = createIpcClient(loopback(handlers()));
    expect(await api.service.join({ secret: 'x' })).toEqual({ ok: false, error: { code: 'invalid-secret', message: 'the secret is too short' } });
    expect(await api.service.leave({})).toEqual({ ok: false, error: { code: 'internal', message: 'internal error' } });
  });

  it('refuses a request that does not match its schema before it is sent, and again on arrival', async () => {
    const h = handlers();
    const api = createIpcClient(loopback(h));
    const res = await api.service.join({ secret: 'x'.repeat(20), bogus: 1 } as never);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('invalid-request');
    const d = createIpcDispatcher(h);
    const raw = await d.invoke('svc', 'join', { secret: 'abc', extra: true });
    expect(raw).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(h.calls).toHaveLength(0);
  });

  it('answers unknown channels (diagnostics is not on the allow-list)', async () => {
    const d = createIpcDispatcher(handlers());
    expect(await d.invoke('svc', 'diagnostics', undefined)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(await d.invoke('app', '__proto__', undefined)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(await d.stream('logs', undefined, () => undefined)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('delivers valid stream items and drops malformed ones', async () => {
    const api = createIpcClient(loopback(handlers()));
    const items: unknown[] = [];
    const res = await api.stream.verifySite({ name: 'blog' }, (i) => items.push(i));
    expect(res).toEqual({ ok: true, value: null });
    expect(items).toHaveLength(2);
  });

  it('turns a transport failure into a result', async () => {
    const api = createIpcClient({
      invoke: async () => { throw new Error('socket closed'); },
      stream: async () => { throw new Error('socket closed'); },
      subscribe: () => () => undefined,
    });
    expect(await api.service.status()).toEqual({ ok: false, error: { code: 'service-unavailable', message: 'socket closed' } });
  });

  it('validates events and drops malformed ones', () => {
    let listener: ((p: unknown) => void) | undefined;
    const api = createIpcClient({ invoke: async () => null, stream: async () => null, subscribe: (_e, l) => { listener = l; return () => undefined; } });
    const got: unknown[] = [];
    api.on('navigate', (p) => got.push(p));
    listener?.({ route: 'expose' });
    listener?.({ route: 'nowhere' });
    expect(got).toEqual([{ route: 'expose' }]);
  });
});
