/**
 * The app's own state, as the renderer sees it (issue 6): how main (or the web console) reaches
 * the service, what the installer would do, the app settings, the updater and the tray. Pure
 * zod schemas; main and the web console produce these values, the renderer only shows them.
 */
import { z } from 'zod';

/**
 * How the app reaches cloudroofd. `not-installed`: no service on this machine (the setup screen
 * offers to install it); `not-running`: installed but not answering; `permission-denied`: the
 * user is not in the `cloudroof` group (yet: a new login is needed after the install);
 * `untrusted-socket`: the socket is not owned by root; `incompatible`: the service speaks another
 * protocol version (the message says what to do).
 */
export const ConnectionState = z.object({
  state: z.enum(['connecting', 'connected', 'not-installed', 'not-running', 'permission-denied', 'untrusted-socket', 'incompatible', 'error']),
  /** What is wrong and what to do, safe to show. */
  message: z.string().optional(),
  serviceVersion: z.string().optional(),
  serviceProtocol: z.number().int().optional(),
});
/** How the app reaches cloudroofd. */
export type ConnectionState = z.infer<typeof ConnectionState>;

/**
 * What the installer would do with the service on this machine: nothing, install it (none
 * found), upgrade it (older than the app's, or a protocol the app cannot drive but can replace),
 * or nothing it can (`unsupported`: a platform without an installer, e.g. a service installed
 * by scripts/install.sh that is newer than the app).
 */
export const InstallState = z.object({
  action: z.enum(['none', 'install', 'upgrade', 'unsupported']),
  reason: z.string().optional(),
  /** Version of the service the app carries. */
  bundledVersion: z.string(),
  /** Version of the installed service, if one answers. */
  installedVersion: z.string().optional(),
  busy: z.enum(['installing', 'uninstalling']).optional(),
  /** Why the last install or uninstall failed (e.g. the password prompt was dismissed). */
  lastError: z.string().optional(),
});
/** What the installer would do. */
export type InstallState = z.infer<typeof InstallState>;

/** Settings that belong to the app, not the service. */
export const AppSettings = z.object({
  launchAtLogin: z.boolean(),
  /** Check for updates at start and daily, download in the background, install on quit. */
  autoUpdate: z.boolean(),
});
/** Settings that belong to the app. */
export type AppSettings = z.infer<typeof AppSettings>;

/** A change of some app settings. */
export const AppSettingsPatch = z.strictObject({
  launchAtLogin: z.boolean().optional(),
  autoUpdate: z.boolean().optional(),
});
/** A change of some app settings. */
export type AppSettingsPatch = z.infer<typeof AppSettingsPatch>;

/** The updater. `disabled`: no updater here (web console, a build without a feed). */
export const UpdateState = z.object({
  state: z.enum(['disabled', 'idle', 'checking', 'available', 'downloading', 'ready', 'up-to-date', 'offline', 'error']),
  /** The version available, downloading or ready. */
  version: z.string().optional(),
  /** 0…1 while downloading. */
  progress: z.number().min(0).max(1).optional(),
  message: z.string().optional(),
  /** Unix milliseconds of the last completed check. */
  checkedAt: z.number().optional(),
});
/** The updater's state. */
export type UpdateState = z.infer<typeof UpdateState>;

/** Whether the desktop shows tray icons; `hint` says how to get one when it does not. */
export const TrayState = z.object({ available: z.boolean(), hint: z.string().optional() });
/** Whether the desktop shows tray icons. */
export type TrayState = z.infer<typeof TrayState>;

/** Everything about the app the renderer shows besides the service's own state. */
export const AppState = z.object({
  /** `electron`: the desktop app; `web`: the web console (no installer, updater or tray). */
  environment: z.enum(['electron', 'web']),
  appVersion: z.string(),
  /** `process.platform` of the machine the service runs on. */
  platform: z.string(),
  connection: ConnectionState,
  install: InstallState.optional(),
  settings: AppSettings.optional(),
  update: UpdateState,
  tray: TrayState.optional(),
  /** The join toggle's intent while the service has not confirmed it yet. */
  expected: z.object({ wantConnected: z.boolean() }).optional(),
});
/** Everything about the app the renderer shows. */
export type AppState = z.infer<typeof AppState>;

/** Screens main can ask the renderer to show (tray menu items, notifications). */
export const Route = z.enum(['dashboard', 'join', 'expose', 'routes', 'settings', 'setup']);
/** A screen of the renderer. */
export type Route = z.infer<typeof Route>;
