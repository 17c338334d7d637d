// The settings store on a real temporary directory: first run (no file: defaults written),
// loading (damaged members defaulted), changes saved atomically and pushed to AppState, launch
// at login applied to the OS first (a refusal saves nothing), the XDG autostart entry created
// and removed.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppStateStore } from './app-state';
import { autostartEntry, DEFAULT_SETTINGS, parseSettings, SettingsStore, xdgAutostart, type LoginItems } from './settings-store';
import { appState } from './test-fixtures';

describe('settings store', () => {
  let dir: string;
  let store: AppStateStore;
  let login: boolean[];
  let auto: boolean[];
  const loginItems: LoginItems = { set: async (on) => { login.push(on); } };
  const make = (items = loginItems) => new SettingsStore({ file: join(dir, 'userData', 'settings.json'), store, loginItems: items, onAutoUpdate: (on) => auto.push(on) });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-settings-'));
    store = new AppStateStore(appState());
    login = [];
    auto = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('first run: defaults, written to disk, in AppState', async () => {
    const s = make();
    expect(await s.load()).toEqual({ settings: DEFAULT_SETTINGS, firstRun: true });
    expect(JSON.parse(await readFile(join(dir, 'userData', 'settings.json'), 'utf8'))).toEqual(DEFAULT_SETTINGS);
    expect(store.get().settings).toEqual(DEFAULT_SETTINGS);
    expect((await make().load()).firstRun).toBe(false);
  });

  it('saves changes atomically, applies launch at login and reports autoUpdate', async () => {
    const s = make();
    await s.load();
    await s.update({ launchAtLogin: true });
    expect(login).toEqual([true]);
    expect(store.get().settings).toEqual({ launchAtLogin: true, autoUpdate: true });
    await s.update({ autoUpdate: false });
    expect(auto).toEqual([false]);
    expect(login).toEqual([true]);
    expect(JSON.parse(await readFile(join(dir, 'userData', 'settings.json'), 'utf8'))).toEqual({ launchAtLogin: true, autoUpdate: false });
    expect(await readdir(join(dir, 'userData'))).toEqual(['settings.json']);
    const again = make();
    expect((await again.load()).settings).toEqual({ launchAtLogin: true, autoUpdate: false });
  });

  it('saves nothing when the OS refuses the login item', async () => {
    const s = make({ set: async () => { throw new Error('login items unavailable'); } });
    await s.load();
    await expect(s.update({ launchAtLogin: true })).rejects.toThrow(/login items unavailable/);
    expect(s.get()).toEqual(DEFAULT_SETTINGS);
    expect(JSON.parse(await readFile(join(dir, 'userData', 'settings.json'), 'utf8'))).toEqual(DEFAULT_SETTINGS);
  });

  it('a damaged file falls back member by member', async () => {
    expect(parseSettings('not json')).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('{"launchAtLogin": true, "autoUpdate": "yes"}')).toEqual({ launchAtLogin: true, autoUpdate: true });
    expect(parseSettings('null')).toEqual(DEFAULT_SETTINGS);
  });

  it('creates and removes the XDG autostart entry', async () => {
    const items = xdgAutostart(join(dir, 'config'), '/opt/Cloudroof/cloudroof');
    await items.set(true);
    const file = join(dir, 'config', 'autostart', 'cloudroof.desktop');
    expect(await readFile(file, 'utf8')).toBe(autostartEntry('/opt/Cloudroof/cloudroof'));
    expect(await readFile(file, 'utf8')).toContain('Exec=/opt/Cloudroof/cloudroof --hidden\n');
    await items.set(false);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    await items.set(false);
  });

  it('quotes an Exec path with spaces and refuses characters the entry cannot carry', () => {
    expect(autostartEntry('/home/al ice/Apps/Cloudroof.AppImage')).toContain('Exec="/home/al ice/Apps/Cloudroof.AppImage" --hidden\n');
    expect(() => autostartEntry('/tmp/$(reboot)')).toThrow(/cannot be written/);
  });
});
