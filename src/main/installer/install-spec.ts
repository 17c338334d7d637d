/**
 * What the generated install and uninstall scripts are made from (installer/linux-script.ts,
 * installer/darwin-script.ts): the bundled files, the runtime the service runs on, the user to
 * admit to the socket, and the unit/plist template. Pure data; the app fills it in (app paths,
 * `process.execPath`, `$APPIMAGE`, the user name), tests fill it in with fixtures.
 */

/**
 * The program that runs cloudroofd: the app's own Electron runtime with ELECTRON_RUN_AS_NODE=1,
 * so no separate Node.js is needed. A system-wide installed app (deb/rpm under /opt) is used in
 * place; an AppImage (a user-owned file whose mount path changes on every run) is unpacked
 * once into the service's own root-owned directory; a macOS app bundle is copied there, since a
 * root daemon must not run a binary its user can rewrite.
 */
export type RuntimeSource =
  | { kind: 'executable'; path: string }
  | { kind: 'appimage'; path: string; executable: string }
  | { kind: 'app-bundle'; path: string; executable: string };

/** Inputs of an install script. */
export interface InstallSpec {
  /** The desktop user admitted to the control socket (group cloudroof). */
  user: string;
  /** The app's version, recorded in the manifest. */
  version: string;
  /** The bundled service (resources/cloudroofd.js), its source map and the renderer (web console). */
  resources: { service: string; serviceMap?: string; renderer?: string };
  runtime: RuntimeSource;
  /** The unit (build/cloudroofd.service) or plist (build/com.cloudroof.cloudroofd.plist) template text. */
  template: string;
  /** How long to wait for the control socket after starting the service; default 30 s. */
  waitSeconds?: number;
}

/** Inputs of an uninstall script. */
export interface UninstallSpec {
  /** Also remove the service's state (identity, secret, preferences). */
  purge: boolean;
  /** The mesh interface, removed if something left it behind (default cloudroof0). */
  interfaceName?: string;
}
