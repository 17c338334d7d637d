/**
 * Banners above every screen: the service is unreachable (or still connecting), the app needs a
 * newer service, the desktop shows no tray icons (with how to get one; dismissible), an update
 * is ready to install.
 */
import { useState } from 'react';
import type { AppState } from '../../../shared/ipc';
import { Banner } from '../../components/Banner';
import { Button } from '../../components/Button';
import { useAction } from '../../hooks/use-action';
import { useApi } from '../../hooks/use-runtime';
import { routeHref } from '../../routing';

function ConnectionBanner({ app }: { app: AppState }) {
  const { state, message } = app.connection;
  if (state === 'connecting') return <Banner tone="info" title="Connecting to the Cloudroof service…">{message}</Banner>;
  if (state !== 'error') return null;
  return <Banner tone="error" title="The Cloudroof service cannot be reached">{message ?? 'The app keeps trying to reconnect.'}</Banner>;
}

function UpdateBanner({ app }: { app: AppState }) {
  const api = useApi();
  const install = useAction(() => api.app.installUpdate({}));
  if (app.update.state !== 'ready') return null;
  return (
    <Banner
      tone="ok"
      title={app.update.version ? `Cloudroof ${app.update.version} is ready to install` : 'An update is ready to install'}
      actions={<Button variant="primary" busy={install.busy} busyLabel="Restarting…" onClick={() => void install.run()}>Restart and update</Button>}
    >
      {install.error?.message}
    </Banner>
  );
}

/** Every banner that applies to `app`. */
export function Banners({ app }: { app: AppState }) {
  const [trayDismissed, setTrayDismissed] = useState(false);
  const upgrade = app.connection.state === 'connected' && app.install?.action === 'upgrade';
  return (
    <div className="banners">
      <ConnectionBanner app={app} />
      {upgrade && (
        <Banner tone="warn" title="The app needs a newer service" actions={<a className="btn btn-secondary" href={routeHref('setup')}>Upgrade…</a>}>
          {app.install?.reason}
        </Banner>
      )}
      {app.tray && !app.tray.available && !trayDismissed && (
        <Banner tone="info" title="No tray icon on this desktop" actions={<Button variant="ghost" onClick={() => setTrayDismissed(true)}>Dismiss</Button>}>
          {app.tray.hint ?? 'Your desktop shows no tray icons; Cloudroof opens this window instead.'}
        </Banner>
      )}
      <UpdateBanner app={app} />
    </div>
  );
}
