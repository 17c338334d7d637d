/**
 * The app's own settings (launch at login, automatic updates) in userData/settings.json, written
 * atomically (a temporary file renamed over the old one), validated on load (a damaged file
 * falls back to the defaults). Launch at login is applied to the OS on every change: macOS
 * login items, or on Linux an XDG autostart entry (~/.config/autostart/cloudroof.desktop)
 * created or removed. A missing file means this is the app's first run.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppSettings, type AppSettingsPatch } from '../shared/ipc';
import type { AppStateStore } from './app-state';

/** Settings of a new installation. */
export const DEFAULT_SETTINGS: AppSettings = { launchAtLogin: false, autoUpdate: true };

/** The OS's "start at login" switch. */
export interface LoginItems {
  set(enabled: boolean): Promise<void>;
}

/** Writes `text` to `file` atomically (same directory, then rename). */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // A name of its own per write (two settings changes may overlap), flushed before the rename so
  // a crash leaves the old file or the new one, never a torn one; no stray temp file on failure.
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The autostart entry that starts `exec` hidden (tray only) at login. */
export function autostartEntry(exec: string): string {
  if (/[\n"`$\\]/.test(exec)) throw new Error('the app path cannot be written to an autostart entry');
  const quoted = /^[A-Za-z0-9/._+@-]+$/.test(exec) ? exec : `"${exec}"`;
  return [
    '[Desktop Entry]', 'Type=Application', 'Name=Cloudroof', 'Comment=Cloudroof mesh (tray)',
    `Exec=${quoted} --hidden`, 'Icon=cloudroof', 'Terminal=false', 'X-GNOME-Autostart-enabled=true', '',
  ].join('\n');
}

/** Linux: an XDG autostart entry under `configHome` (XDG_CONFIG_HOME or ~/.config). */
export function xdgAutostart(configHome: string, exec: string): LoginItems {
  const file = join(configHome, 'autostart', 'cloudroof.desktop');
  return {
    set: async (enabled) => {
      if (enabled) await writeFileAtomic(file, autostartEntry(exec));
      else await rm(file, { force: true });
    },
  };
}

/** Options of {@link SettingsStore}. */
export interface SettingsStoreOptions {
  /** userData/settings.json */
  file: string;
  store: AppStateStore;
  loginItems: LoginItems;
  /** Called when autoUpdate changes. */
  onAutoUpdate?: (on: boolean) => void;
}

/** Loads, changes and persists the app settings. */
export class SettingsStore {
  private settings: AppSettings = DEFAULT_SETTINGS;

  constructor(private readonly o: SettingsStoreOptions) {}

  /** Loads the settings into AppState; `firstRun` when there was no file (one is written then). */
  async load(): Promise<{ settings: AppSettings; firstRun: boolean }> {
    let text: string | undefined;
    try {
      text = await readFile(this.o.file, 'utf8');
    } catch {
      text = undefined;
    }
    const firstRun = text === undefined;
    this.settings = firstRun ? DEFAULT_SETTINGS : parseSettings(text as string);
    if (firstRun) await writeFileAtomic(this.o.file, `${JSON.stringify(this.settings, null, 2)}\n`).catch(() => undefined);
    this.o.store.update({ settings: this.settings });
    return { settings: this.settings, firstRun };
  }

  /** The current settings. */
  get(): AppSettings {
    return this.settings;
  }

  /** Applies `patch` (login item first: if the OS refuses, nothing is saved) and saves. */
  async update(patch: AppSettingsPatch): Promise<AppSettings> {
    const next: AppSettings = { ...this.settings, ...definedOnly(patch) };
    if (next.launchAtLogin !== this.settings.launchAtLogin) await this.o.loginItems.set(next.launchAtLogin);
    await writeFileAtomic(this.o.file, `${JSON.stringify(next, null, 2)}\n`);
    const autoChanged = next.autoUpdate !== this.settings.autoUpdate;
    this.settings = next;
    this.o.store.update({ settings: next });
    if (autoChanged) this.o.onAutoUpdate?.(next.autoUpdate);
    return next;
  }
}

function definedOnly(patch: AppSettingsPatch): Partial<AppSettings> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<AppSettings>;
}

/** Parses settings.json: valid members kept, the rest defaulted. */
export function parseSettings(text: string): AppSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return DEFAULT_SETTINGS;
  }
  const out: AppSettings = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof AppSettings)[]) {
    const v = AppSettings.shape[key].safeParse((raw as Record<string, unknown> | null)?.[key]);
    if (v.success) out[key] = v.data;
  }
  return out;
}
