// The updater against a fake electron-updater: disabled without a feed; with automatic updates a
// check at start and daily; each event becomes AppState.update (checking, downloading with
// progress, up to date, ready); network failures are `offline` (quiet), others `error`;
// install only when ready; automatic checks can be turned off. Also the feed detection.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppStateStore } from './app-state';
import { appState } from './test-fixtures';
import { isNetworkError, Updater, type UpdaterBackend, type UpdaterEvent } from './updater';
import { feedConfigured, PLACEHOLDER_FEED_HOST } from './updater-electron';

class FakeUpdater implements UpdaterBackend {
  feed = true;
  autoDownload = false;
  autoInstall: boolean | undefined;
  checks = 0;
  installs = 0;
  failWith: unknown;
  readonly listeners = new Map<UpdaterEvent, (arg: unknown) => void>();
  configured(): boolean { return this.feed; }
  setAutoDownload(on: boolean): void { this.autoDownload = on; }
  setAutoInstallOnAppQuit(on: boolean): void { this.autoInstall = on; }
  on(event: UpdaterEvent, listener: (arg: unknown) => void): void { this.listeners.set(event, listener); }
  async checkForUpdates(): Promise<unknown> {
    this.checks++;
    if (this.failWith) throw this.failWith;
    this.emit('checking-for-update');
    return null;
  }
  quitAndInstall(): void { this.installs++; }
  emit(event: UpdaterEvent, arg?: unknown): void { this.listeners.get(event)?.(arg); }
}

describe('updater', () => {
  let backend: FakeUpdater;
  let store: AppStateStore;
  let beforeInstall = 0;
  const make = () => new Updater({ backend, store, now: () => 1_900_000_000_000, beforeInstall: () => { beforeInstall++; } });

  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeUpdater();
    store = new AppStateStore(appState());
    beforeInstall = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('is disabled, and never checks, without a feed', async () => {
    backend.feed = false;
    const u = make();
    u.start(true);
    await u.check();
    await vi.advanceTimersByTimeAsync(2 * 86_400_000);
    expect(store.get().update).toEqual({ state: 'disabled', message: 'This build has no update feed.' });
    expect(backend.checks).toBe(0);
  });

  it('checks at start and daily, downloads in the background, and installs when ready', async () => {
    const u = make();
    u.start(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.checks).toBe(1);
    expect(backend.autoDownload).toBe(true);
    expect(backend.autoInstall).toBe(true);
    expect(store.get().update).toEqual({ state: 'checking' });
    backend.emit('update-available', { version: '1.3.0' });
    expect(store.get().update).toEqual({ state: 'downloading', version: '1.3.0', progress: 0 });
    backend.emit('download-progress', { percent: 42.5 });
    expect(store.get().update).toEqual({ state: 'downloading', version: '1.3.0', progress: 0.425 });
    u.install();
    expect(backend.installs).toBe(0);
    backend.emit('update-downloaded', { version: '1.3.0' });
    expect(store.get().update).toEqual({ state: 'ready', version: '1.3.0', checkedAt: 1_900_000_000_000 });
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(backend.checks).toBe(1);
    u.install();
    expect(backend.installs).toBe(1);
    expect(beforeInstall).toBe(1);
    u.stop();
  });

  it('checks again every day while up to date', async () => {
    const u = make();
    u.start(true);
    await vi.advanceTimersByTimeAsync(0);
    backend.emit('update-not-available', { version: '1.2.3' });
    expect(store.get().update).toEqual({ state: 'up-to-date', checkedAt: 1_900_000_000_000 });
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(backend.checks).toBe(2);
    u.stop();
  });

  it.each([
    ['ENOTFOUND', Object.assign(new Error('getaddrinfo ENOTFOUND updates.example'), { code: 'ENOTFOUND' })],
    ['net::ERR_INTERNET_DISCONNECTED', new Error('net::ERR_INTERNET_DISCONNECTED')],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' })],
    ['ETIMEDOUT', new Error('request failed: ETIMEDOUT')],
  ])('a network failure (%s) is offline, quietly', async (_name, err) => {
    const u = make();
    backend.failWith = err;
    u.start(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.get().update).toEqual({ state: 'offline', message: 'No connection to the update server; trying again later.' });
    backend.failWith = undefined;
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(backend.checks).toBe(2);
    u.stop();
  });

  it('other failures are errors (from the event or the call)', async () => {
    const u = make();
    u.start(false);
    backend.emit('error', new Error('sha512 checksum mismatch'));
    expect(store.get().update).toEqual({ state: 'error', message: 'The update check failed.' });
    backend.failWith = new Error('Cannot parse releases feed');
    await u.check();
    expect(store.get().update.state).toBe('error');
  });

  it('without automatic updates: no checks until asked, no install on quit', async () => {
    const u = make();
    u.start(false);
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    expect(backend.checks).toBe(0);
    expect(backend.autoInstall).toBe(false);
    expect(store.get().update).toEqual({ state: 'idle' });
    await u.check();
    expect(backend.checks).toBe(1);
    u.setAutoUpdate(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.checks).toBe(1);
    backend.emit('update-not-available');
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(backend.checks).toBe(2);
    u.setAutoUpdate(false);
    await vi.advanceTimersByTimeAsync(2 * 86_400_000);
    expect(backend.checks).toBe(2);
  });

  it('tells network failures from others', () => {
    expect(isNetworkError({ code: 'EAI_AGAIN' })).toBe(true);
    expect(isNetworkError(new Error('net::ERR_NAME_NOT_RESOLVED'))).toBe(true);
    expect(isNetworkError(new Error('HttpError: 404 Not Found'))).toBe(false);
    expect(isNetworkError(undefined)).toBe(false);
  });

  it('counts a feed only when app-update.yml names a real URL', () => {
    expect(feedConfigured(null)).toBe(false);
    expect(feedConfigured(`provider: generic\nurl: https://${PLACEHOLDER_FEED_HOST}/desktop\n`)).toBe(false);
    expect(feedConfigured('provider: generic\nurl: https://downloads.example.org/cloudroof\nchannel: latest\n')).toBe(true);
  });
});
