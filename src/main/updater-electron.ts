/**
 * The real {@link UpdaterBackend}: electron-updater's autoUpdater, adapted. "Configured" means a
 * packaged build whose electron-builder `publish` feed was set: electron-builder writes it to
 * resources/app-update.yml, and the committed config's placeholder URL (on the reserved
 * `.invalid` domain, see electron-builder.yml) counts as no feed.
 */
import { readFileSync } from 'node:fs';
import type { AppUpdater } from 'electron-updater';
import type { UpdaterBackend } from './updater';

/** The placeholder feed host of electron-builder.yml: a build made without setting a real one has no updates. */
export const PLACEHOLDER_FEED_HOST = 'updates.cloudroof.invalid';

/** Whether the app-update.yml text names a real feed. */
export function feedConfigured(appUpdateYml: string | null): boolean {
  return appUpdateYml !== null && /\burl:/.test(appUpdateYml) && !appUpdateYml.includes(PLACEHOLDER_FEED_HOST);
}

/** Adapts `autoUpdater`; `feedFile` is resources/app-update.yml. */
export function electronUpdaterBackend(updater: AppUpdater, isPackaged: boolean, feedFile: string): UpdaterBackend {
  return {
    configured: () => {
      if (!isPackaged) return false;
      let text: string | null;
      try {
        text = readFileSync(feedFile, 'utf8');
      } catch {
        text = null;
      }
      return feedConfigured(text);
    },
    setAutoDownload: (on) => { updater.autoDownload = on; },
    setAutoInstallOnAppQuit: (on) => { updater.autoInstallOnAppQuit = on; },
    on: (event, listener) => { updater.on(event, listener); },
    checkForUpdates: () => updater.checkForUpdates(),
    quitAndInstall: () => updater.quitAndInstall(),
  };
}
