/**
 * Whether a Linux desktop shows tray icons. Electron's tray on Linux is a StatusNotifierItem,
 * which appears only when some process owns `org.kde.StatusNotifierWatcher` on the session bus
 * (KDE, XFCE, Cinnamon, GNOME with the AppIndicator extension…). Stock GNOME has none, and an
 * app that relies on its tray is then invisible — so the app asks D-Bus, and without a watcher
 * opens its window instead and says how to get the icon. Asked with `gdbus` (GLib) or, where
 * that is missing, `dbus-send`; argv only, with a timeout.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TrayState } from '../shared/ipc';

/** Runs a program (argv, no shell) and resolves with its stdout. */
export type ExecFile = (file: string, args: string[], opts: { timeout: number }) => Promise<{ stdout: string }>;

const defaultExec: ExecFile = promisify(execFile);

/** The hint shown when the desktop has no tray host. */
export const NO_TRAY_HINT = 'Your desktop shows no tray icons, so Cloudroof opens its window instead. '
  + 'On GNOME, the "AppIndicator and KStatusNotifierItem Support" extension adds them: '
  + 'install gnome-shell-extension-appindicator (Debian and Ubuntu: sudo apt install gnome-shell-extension-appindicator; '
  + 'Fedora: sudo dnf install gnome-shell-extension-appindicator), enable it, then log out and in.';

const WATCHER = 'org.kde.StatusNotifierWatcher';

/** The gdbus call that asks whether the watcher name has an owner. */
export const GDBUS_ARGS = [
  'call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
  '--method', 'org.freedesktop.DBus.NameHasOwner', WATCHER,
];

/** The same question with dbus-send. */
export const DBUS_SEND_ARGS = [
  '--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
  'org.freedesktop.DBus.NameHasOwner', `string:${WATCHER}`,
];

/**
 * True when a StatusNotifierWatcher runs on the session bus. False when it does not, and when
 * the bus cannot be asked (no session bus: no tray host either).
 */
export async function statusNotifierWatcherPresent(exec: ExecFile = defaultExec, timeoutMs = 3000): Promise<boolean> {
  try {
    const { stdout } = await exec('gdbus', GDBUS_ARGS, { timeout: timeoutMs });
    return /\(true,?\)/.test(stdout);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  try {
    const { stdout } = await exec('dbus-send', DBUS_SEND_ARGS, { timeout: timeoutMs });
    return /boolean true/.test(stdout);
  } catch {
    return false;
  }
}

/** The tray state for `platform`: always available on macOS (the menu bar), asked on Linux. */
export async function detectTrayState(platform: string, exec: ExecFile = defaultExec): Promise<TrayState> {
  if (platform !== 'linux') return { available: true };
  return (await statusNotifierWatcherPresent(exec)) ? { available: true } : { available: false, hint: NO_TRAY_HINT };
}
