/**
 * Where this installation's files are. Packaged (electron-builder.yml): the renderer and preload
 * inside the app (app.asar), the service bundle, its unit/plist templates and the icons in the
 * app's resources (`extraResources`). In development (`electron .` in the repository): dist/,
 * build/ and assets/ of the checkout. Also the platform's service files (socket, unit, manifest)
 * and the install spec the installer scripts are generated from.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { DARWIN_LIB, DARWIN_PLIST, DARWIN_SOCKET } from './installer/darwin-script';
import type { InstallSpec, RuntimeSource } from './installer/install-spec';
import { LINUX_LIB, LINUX_SOCKET, LINUX_UNIT } from './installer/linux-script';
import type { TrayIconName } from './tray-menu';

/** The app's files. */
export interface DesktopPaths {
  renderer: string;
  preload: string;
  settingsFile: string;
  windowIcon: string;
  /** The service bundle, its source map and the renderer the service's web console serves. */
  service: string;
  serviceMap: string;
  serviceRenderer: string;
  unitTemplate: string;
  plistTemplate: string;
  /** A tray icon (the 1x file; Electron picks @2x next to it). */
  trayIcon(name: TrayIconName, platform: string): string;
}

/** The paths for a packaged app or a development checkout. */
export function desktopPaths(o: { isPackaged: boolean; appPath: string; resourcesPath: string; userData: () => string }): DesktopPaths {
  const res = o.isPackaged ? o.resourcesPath : o.appPath;
  const built = (p: string): string => (o.isPackaged ? join(res, p) : join(o.appPath, 'dist', p));
  const template = (p: string): string => (o.isPackaged ? join(res, p) : join(o.appPath, 'build', p));
  const assets = join(res, 'assets');
  return {
    renderer: join(o.appPath, 'dist', 'renderer'),
    preload: join(o.appPath, 'dist', 'desktop', 'preload.cjs'),
    get settingsFile() { return join(o.userData(), 'settings.json'); },
    windowIcon: join(assets, 'app-icon.png'),
    service: built('cloudroofd.js'),
    serviceMap: built('cloudroofd.js.map'),
    serviceRenderer: o.isPackaged ? join(res, 'renderer') : join(o.appPath, 'dist', 'renderer'),
    unitTemplate: template('cloudroofd.service'),
    plistTemplate: template('com.cloudroof.cloudroofd.plist'),
    trayIcon: (name, platform) => join(assets, platform === 'darwin' ? `tray-${name}Template.png` : `tray-${name}.png`),
  };
}

/** The service's files on `platform`: its socket (CLOUDROOF_SOCKET overrides), unit and the app's manifest. */
export function platformFiles(platform: string, env: NodeJS.ProcessEnv): { socketPath: string; serviceInstalled: () => Promise<boolean>; installedByApp: () => Promise<boolean> } {
  const darwin = platform === 'darwin';
  return {
    socketPath: env.CLOUDROOF_SOCKET || (darwin ? DARWIN_SOCKET : LINUX_SOCKET),
    serviceInstalled: async () => existsSync(darwin ? DARWIN_PLIST : LINUX_UNIT),
    installedByApp: async () => existsSync(join(darwin ? DARWIN_LIB : LINUX_LIB, 'MANIFEST')),
  };
}

/**
 * The runtime the service will run on: the AppImage when running from one (its mount path
 * changes every run), the .app bundle on macOS, else the app's executable.
 */
export function runtimeSource(platform: string, env: NodeJS.ProcessEnv, execPath: string): RuntimeSource {
  if (platform === 'linux' && env.APPIMAGE) return { kind: 'appimage', path: env.APPIMAGE, executable: basename(execPath) };
  const bundle = /^(.*?\.app)\/(Contents\/MacOS\/[^/]+)$/.exec(execPath);
  if (platform === 'darwin' && bundle?.[1] && bundle[2]) return { kind: 'app-bundle', path: bundle[1], executable: bundle[2] };
  return { kind: 'executable', path: execPath };
}

/** The install spec for this installation (reads the unit or plist template). */
export async function installSpecFor(paths: DesktopPaths, platform: string, env: NodeJS.ProcessEnv, execPath: string, version: string): Promise<InstallSpec> {
  const template = await readFile(platform === 'darwin' ? paths.plistTemplate : paths.unitTemplate, 'utf8');
  return {
    user: userInfo().username,
    version,
    resources: {
      service: paths.service,
      ...(existsSync(paths.serviceMap) ? { serviceMap: paths.serviceMap } : {}),
      ...(platform === 'linux' && existsSync(join(paths.serviceRenderer, 'index.html')) ? { renderer: paths.serviceRenderer } : {}),
    },
    runtime: runtimeSource(platform, env, execPath),
    template,
  };
}
