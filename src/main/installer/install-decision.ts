/**
 * What the installer should offer, decided from facts (pure): how the app reaches the service,
 * which version and protocol answered, the service the app carries, and whether the app's own
 * installer put the service there (its manifest exists). The app never drives a service with
 * another protocol version: an older one is upgraded (when it is the app's own), a newer one
 * needs a newer app, and one installed by scripts/install.sh is updated the way it was
 * installed.
 */
import type { ConnectionState, InstallState } from '../../shared/ipc';
import { startServiceCommand } from '../../shared/ipc';

/** Facts the decision is made from. */
export interface InstallFacts {
  platform: string;
  connection: ConnectionState;
  bundled: { version: string; protocol: number };
  /** The app's installer manifest exists (the service is the app's). */
  installedByApp: boolean;
}

/** Platforms the app can install the service on. */
export const INSTALLER_PLATFORMS = ['linux', 'darwin'];

/**
 * Compares dotted versions (`1.2.10` > `1.2.9`; a pre-release `1.2.0-beta` < `1.2.0`); a negative
 * number when a < b, 0 when equal, positive when a > b. Non-numeric parts compare as text.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = a.split(/-(.*)/s);
  const [coreB = '', preB] = b.split(/-(.*)/s);
  const pa = coreA.split('.');
  const pb = coreB.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (d !== 0) return d;
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA.localeCompare(preB, 'en', { numeric: true });
}

function decideAnswering(f: InstallFacts, version: string, protocol: number): Pick<InstallState, 'action' | 'reason'> {
  const { bundled } = f;
  const elsewhere = 'It was installed outside the app (scripts/install.sh?): update it the same way, or uninstall it there and install from the app.';
  if (protocol > bundled.protocol) {
    return { action: 'unsupported', reason: `The service (cloudroofd ${version}) speaks control protocol ${protocol}, newer than this app's ${bundled.protocol}. Update the app.` };
  }
  if (protocol < bundled.protocol) {
    return f.installedByApp
      ? { action: 'upgrade', reason: `The service (cloudroofd ${version}) speaks control protocol ${protocol}; this app needs ${bundled.protocol}. Upgrade it to ${bundled.version}.` }
      : { action: 'unsupported', reason: `The service (cloudroofd ${version}) speaks control protocol ${protocol}; this app needs ${bundled.protocol}. ${elsewhere}` };
  }
  if (compareVersions(version, bundled.version) < 0 && f.installedByApp) {
    return { action: 'upgrade', reason: `This app carries cloudroofd ${bundled.version}, newer than the installed ${version}.` };
  }
  return { action: 'none' };
}

/** The installer's offer for `f` (without the busy/lastError parts, which the installer adds). */
export function decideInstall(f: InstallFacts): InstallState {
  const base = { bundledVersion: f.bundled.version, ...(f.connection.serviceVersion ? { installedVersion: f.connection.serviceVersion } : {}) };
  if (!INSTALLER_PLATFORMS.includes(f.platform)) {
    return { ...base, action: 'unsupported', reason: `The app cannot install the service on ${f.platform}.` };
  }
  const c = f.connection;
  switch (c.state) {
    case 'not-installed':
      return { ...base, action: 'install', reason: 'The Cloudroof service is not installed on this computer yet.' };
    case 'not-running':
      return f.installedByApp
        ? { ...base, action: 'install', reason: 'The service is installed but not running; installing it again repairs and starts it.' }
        : { ...base, action: 'unsupported', reason: `A service installed outside the app is not running: start it the way it was installed (${startServiceCommand(f.platform)}).` };
    case 'connected':
    case 'incompatible':
      if (c.serviceVersion === undefined || c.serviceProtocol === undefined) return { ...base, action: 'none' };
      return { ...base, ...decideAnswering(f, c.serviceVersion, c.serviceProtocol) };
    default:
      return { ...base, action: 'none' };
  }
}
