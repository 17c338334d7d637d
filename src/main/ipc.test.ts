// IPC in main against the fake Electron: every dispatcher channel is registered; a message from
// a foreign webContents, from a frame not on app://cloudroof, or without a frame gets
// `forbidden` and never reaches a handler; stream items go to the asking window only; events are
// validated before they are sent. Then the whole path — preload's transport and the typed client
// over a fake ipcRenderer wired to the fake ipcMain — for a call, a stream and an event.
import { describe, expect, it, vi } from 'vitest';
import {
  createIpcClient, createIpcDispatcher, STREAM_ITEM_CHANNEL, wireName, type IpcHandlers,
} from '../shared/ipc';
import { createElectronTransport, type IpcRendererLike } from '../preload/transport';
import { FakeElectron, FakeWebContents, type FakeWindow } from './fake-electron';
import { broadcastEvent, registerIpc, type WindowRegistry } from './ipc';
import { appState, connected } from './test-fixtures';

const verifyItem = { type: 'step', step: { edge: 'edge-1', check: 'request', state: 'passed' } };

function handlers(calls: string[]): IpcHandlers {
  const notUsed = async (): Promise<never> => { throw new Error('not used'); };
  return {
    service: async (name) => { calls.push(`svc:${name}`); return connected(2); },
    stream: async (name, _body, emit) => { calls.push(`stream:${name}`); emit(verifyItem); emit(verifyItem); },
    app: {
      getAppState: async () => { calls.push('app:getAppState'); return appState(); },
      watchSnapshot: async () => null, installService: notUsed, uninstallService: notUsed, setAppSettings: notUsed,
      checkForUpdates: notUsed, installUpdate: notUsed, openExternal: notUsed,
    },
  };
}

function setup(): { electron: FakeElectron; win: FakeWindow; windows: WindowRegistry; calls: string[] } {
  const electron = new FakeElectron();
  const win = electron.createWindow({ show: false });
  const windows: WindowRegistry = {
    ownsWebContents: (id) => id === win.webContents.id,
    webContents: () => [win.webContents],
  };
  const calls: string[] = [];
  registerIpc(electron.ipcMain, createIpcDispatcher(handlers(calls)), windows);
  return { electron, win, windows, calls };
}

const APP = 'app://cloudroof/index.html#/dashboard';

describe('main IPC', () => {
  it('registers every channel of the table', () => {
    const { electron } = setup();
    const channels = [...electron.handlers.keys()];
    expect(channels).toContain(wireName('svc', 'status'));
    expect(channels).toContain(wireName('app', 'installService'));
    expect(channels).toContain(wireName('stream', 'verifySite'));
    expect(channels).not.toContain(wireName('svc', 'diagnostics'));
  });

  it('answers our window on the app origin', async () => {
    const { electron, win, calls } = setup();
    const res = await electron.invoke(wireName('svc', 'status'), win.webContents, APP);
    expect(res).toMatchObject({ ok: true, value: { tunnelState: 'connected', peerCount: 2 } });
    expect(calls).toEqual(['svc:status']);
  });

  it.each([
    ['a foreign webContents', 'foreign', APP],
    ['a frame on another origin', 'ours', 'https://evil.example/index.html'],
    ['a file: frame', 'ours', 'file:///usr/share/index.html'],
    ['an app: frame on another host', 'ours', 'app://evil/index.html'],
    ['no frame (navigated away or destroyed)', 'ours', null],
  ] as const)('refuses %s: forbidden, no handler runs', async (_what, sender, frame) => {
    const { electron, win, calls } = setup();
    const from = sender === 'ours' ? win.webContents : new FakeWebContents();
    for (const [channel, payload] of [[wireName('svc', 'status'), undefined], [wireName('app', 'getAppState'), {}], [wireName('stream', 'verifySite'), { id: 'x', payload: {} }]] as const) {
      const res = await electron.invoke(channel, from, frame, payload);
      expect(res).toEqual({ ok: false, error: { code: 'forbidden', message: 'this window may not use the Cloudroof API' } });
    }
    expect(calls).toEqual([]);
    expect(win.webContents.sent).toEqual([]);
  });

  it('sends stream items to the asking window only, tagged with its id', async () => {
    const { electron, win, calls } = setup();
    const res = await electron.invoke(wireName('stream', 'verifySite'), win.webContents, APP, { id: 'abc', payload: { name: 'blog' } });
    expect(res).toEqual({ ok: true, value: null });
    expect(calls).toEqual(['stream:verifySite']);
    expect(win.webContents.sent).toEqual([
      { channel: STREAM_ITEM_CHANNEL, payload: { id: 'abc', item: verifyItem } },
      { channel: STREAM_ITEM_CHANNEL, payload: { id: 'abc', item: verifyItem } },
    ]);
    const bad = await electron.invoke(wireName('stream', 'verifySite'), win.webContents, APP, { payload: {} });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('validates events before broadcasting them to our windows', () => {
    const { win, windows } = setup();
    expect(broadcastEvent(windows, 'navigate', { route: 'expose' })).toBe(true);
    expect(broadcastEvent(windows, 'navigate', { route: 'nowhere' } as never)).toBe(false);
    expect(win.webContents.sent).toEqual([{ channel: wireName('event', 'navigate'), payload: { route: 'expose' } }]);
  });
});

/** A fake ipcRenderer wired to the fake ipcMain (as the window's webContents, on the app origin). */
function rendererFor(electron: FakeElectron, win: FakeWindow): IpcRendererLike & { listeners: Map<string, Set<(e: unknown, ...a: unknown[]) => void>> } {
  const listeners = new Map<string, Set<(e: unknown, ...a: unknown[]) => void>>();
  const deliver = win.webContents.send.bind(win.webContents);
  win.webContents.send = (channel, payload) => {
    deliver(channel, payload);
    for (const l of listeners.get(channel) ?? []) l({}, payload);
  };
  return {
    listeners,
    invoke: (channel, ...args) => electron.invoke(channel, win.webContents, APP, ...args),
    on: (channel, l) => { listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)); },
    removeListener: (channel, l) => { listeners.get(channel)?.delete(l); },
  };
}

describe('preload transport ↔ main', () => {
  it('a typed call, a stream with its listener removed afterwards, and an event subscription', async () => {
    const { electron, win, windows } = setup();
    const ipc = rendererFor(electron, win);
    const api = createIpcClient(createElectronTransport(ipc));
    const status = await api.service.status();
    expect(status).toMatchObject({ ok: true, value: { peerCount: 2 } });

    const items: unknown[] = [];
    const end = await api.stream.verifySite({ name: 'blog' }, (item) => items.push(item));
    expect(end).toEqual({ ok: true, value: null });
    expect(items).toHaveLength(2);
    expect(ipc.listeners.get(STREAM_ITEM_CHANNEL)?.size ?? 0).toBe(0);

    const seen = vi.fn();
    const off = api.on('navigate', seen);
    broadcastEvent(windows, 'navigate', { route: 'settings' });
    off();
    broadcastEvent(windows, 'navigate', { route: 'dashboard' });
    expect(seen.mock.calls).toEqual([[{ route: 'settings' }]]);
  });
});
