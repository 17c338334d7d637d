/**
 * App updates through electron-updater, behind {@link UpdaterBackend} (a fake in tests): with
 * automatic updates on, a check at start and then daily; updates download in the background and
 * install on quit, or at once with `install()`. Every event becomes AppState.update; a
 * downloaded update is `ready` (notifications.ts announces it). Network failures (offline,
 * DNS, refused, timeouts) are `offline` and quiet — no dialog, no notification, the next check
 * simply tries again; a build without an update feed is `disabled` and never checks.
 */
import type { UpdateState } from '../shared/ipc';
import type { AppStateStore } from './app-state';

/** electron-updater's events the app follows. */
export type UpdaterEvent = 'checking-for-update' | 'update-available' | 'update-not-available' | 'download-progress' | 'update-downloaded' | 'error';

/** What the app uses of electron-updater's autoUpdater. */
export interface UpdaterBackend {
  /** Whether this build has a usable update feed (packaged, with a real publish URL). */
  configured(): boolean;
  setAutoDownload(on: boolean): void;
  setAutoInstallOnAppQuit(on: boolean): void;
  on(event: UpdaterEvent, listener: (arg: unknown) => void): void;
  checkForUpdates(): Promise<unknown>;
  quitAndInstall(): void;
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ESOCKETTIMEDOUT']);
const NETWORK_MESSAGE = /net::ERR_(INTERNET_DISCONNECTED|NETWORK_CHANGED|NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|CONNECTION_\w+|ADDRESS_UNREACHABLE|TIMED_OUT|PROXY_CONNECTION_FAILED|NETWORK_IO_SUSPENDED)|\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b/;

/** True for failures that only mean "no network right now". */
export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  return typeof e?.message === 'string' && NETWORK_MESSAGE.test(e.message);
}

const versionOf = (info: unknown): string | undefined => {
  const v = (info as { version?: unknown } | null | undefined)?.version;
  return typeof v === 'string' ? v : undefined;
};

/** Options of {@link Updater}. */
export interface UpdaterOptions {
  backend: UpdaterBackend;
  store: AppStateStore;
  now?: () => number;
  /** Interval of automatic checks; default one day. */
  intervalMs?: number;
  /**
   * Called right before quitAndInstall, which closes the windows before `before-quit` fires:
   * windows that hide instead of closing must stop doing so first.
   */
  beforeInstall?: () => void;
}

/** Follows the backend into AppState.update and schedules checks. */
export class Updater {
  private timer: ReturnType<typeof setInterval> | undefined;
  private enabled = false;

  constructor(private readonly o: UpdaterOptions) {}

  /** Starts: `disabled` without a feed; else follows events and, when `autoUpdate`, checks now and daily. */
  start(autoUpdate: boolean): void {
    const b = this.o.backend;
    if (!b.configured()) {
      this.set({ state: 'disabled', message: 'This build has no update feed.' });
      return;
    }
    this.enabled = true;
    b.setAutoDownload(true);
    b.on('checking-for-update', () => this.set({ state: 'checking' }));
    b.on('update-available', (info) => this.set({ state: 'downloading', ...this.version(info), progress: 0 }));
    b.on('download-progress', (p) => this.progress(p));
    b.on('update-not-available', () => this.set({ state: 'up-to-date', checkedAt: this.now() }));
    b.on('update-downloaded', (info) => this.set({ state: 'ready', ...this.version(info), checkedAt: this.now() }));
    b.on('error', (err) => this.failed(err));
    this.set({ state: 'idle' });
    this.setAutoUpdate(autoUpdate);
  }

  /** Turns automatic checks (and install on quit) on or off. */
  setAutoUpdate(on: boolean): void {
    if (!this.enabled) return;
    this.o.backend.setAutoInstallOnAppQuit(on);
    clearInterval(this.timer);
    this.timer = undefined;
    if (!on) return;
    void this.check();
    this.timer = setInterval(() => { void this.check(); }, this.o.intervalMs ?? 24 * 3600_000);
  }

  /** Checks now (a ready or downloading update is not checked again). */
  async check(): Promise<void> {
    const state = this.o.store.get().update.state;
    if (!this.enabled || state === 'ready' || state === 'downloading' || state === 'checking') return;
    try {
      await this.o.backend.checkForUpdates();
    } catch (err) {
      this.failed(err);
    }
  }

  /** Quits and installs a downloaded update (nothing unless one is ready). */
  install(): void {
    if (this.o.store.get().update.state !== 'ready') return;
    this.o.beforeInstall?.();
    this.o.backend.quitAndInstall();
  }

  /** Stops the daily checks. */
  stop(): void {
    clearInterval(this.timer);
  }

  private failed(err: unknown): void {
    if (isNetworkError(err)) this.set({ state: 'offline', message: 'No connection to the update server; trying again later.' });
    else this.set({ state: 'error', message: 'The update check failed.' });
  }

  private progress(p: unknown): void {
    const percent = (p as { percent?: unknown } | null)?.percent;
    const current = this.o.store.get().update;
    const progress = typeof percent === 'number' ? Math.min(1, Math.max(0, percent / 100)) : 0;
    this.set({ ...current, state: 'downloading', progress });
  }

  private version(info: unknown): { version?: string } {
    const v = versionOf(info);
    return v !== undefined ? { version: v } : {};
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private set(update: UpdateState): void {
    this.o.store.update({ update });
  }
}
