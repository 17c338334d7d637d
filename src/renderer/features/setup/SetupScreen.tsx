/**
 * First launch and repair: why the app cannot use the service and what to do about it. When an
 * installer can help (desktop app, install or upgrade), it says what will be installed and why
 * it needs administrator rights, then runs `app.installService` behind one OS password prompt,
 * with progress and the error (e.g. the prompt was cancelled). The web console has no installer
 * and says so.
 */
import type { AppState } from '../../../shared/ipc';
import { Banner } from '../../components/Banner';
import { Button } from '../../components/Button';
import { useAction } from '../../hooks/use-action';
import { useApi } from '../../hooks/use-runtime';
import { useAppStore } from '../../store/use-app-store';
import { serviceManager, setupCopy } from './setup-copy';

function WhatGetsInstalled({ app }: { app: AppState }) {
  return (
    <section className="card" aria-labelledby="setup-what">
      <h2 id="setup-what">What will be installed</h2>
      <ul className="plain-list">
        <li><strong>The cloudroofd service</strong>, which runs as root: only it changes the network (the WireGuard interface, routes, firewall rules).</li>
        <li><strong>{serviceManager(app.platform)}</strong> that starts it at boot and keeps it running.</li>
        <li><strong>A <code>cloudroof</code> group with you in it</strong>, so this app talks to the service without administrator rights.</li>
      </ul>
      <p>These changes need administrator rights, so your system asks for your password once. Uninstalling (Settings) removes all of them.</p>
    </section>
  );
}

function InstallAction({ app }: { app: AppState }) {
  const api = useApi();
  const install = useAction(() => api.app.installService({}));
  const action = app.install?.action;
  if (action !== 'install' && action !== 'upgrade') {
    return app.install?.reason ? <p>{app.install.reason}</p> : null;
  }
  const busy = install.busy || app.install?.busy === 'installing';
  const error = install.error?.message ?? app.install?.lastError;
  const versions = app.install?.installedVersion ? ` (installed ${app.install.installedVersion}, this app carries ${app.install.bundledVersion})` : '';
  return (
    <div className="stack">
      {action === 'upgrade' && <p>Upgrade the service{versions}.</p>}
      <div className="row">
        <Button variant="primary" busy={busy} busyLabel={action === 'upgrade' ? 'Upgrading…' : 'Installing…'} onClick={() => void install.run()}>
          {action === 'upgrade' ? 'Upgrade service' : 'Install service'}
        </Button>
      </div>
      <p className="hint" role="status">{busy ? 'Waiting for the administrator password prompt and the service to start…' : ''}</p>
      {error && !busy && <Banner tone="error" title="The service was not installed">{error}</Banner>}
    </div>
  );
}

/** The setup screen for the current AppState. */
export function SetupScreen() {
  const app = useAppStore((s) => s.app);
  if (!app) return null;
  const copy = setupCopy(app);
  const web = app.environment === 'web';
  return (
    <div className="screen">
      <h1>{copy.title}</h1>
      <p className="lead">{copy.lead}</p>
      {app.connection.message && <Banner tone="warn">{app.connection.message}</Banner>}
      {copy.steps.length > 0 && <ol className="steps">{copy.steps.map((s) => <li key={s}>{s}</li>)}</ol>}
      {web ? (
        <p>
          This is the service’s web console: there is no installer here. The service is installed on this machine (it serves this page).
          To install Cloudroof elsewhere, use the desktop app, or <code>scripts/install.sh</code> on a server.
        </p>
      ) : (
        <>
          {(app.install?.action === 'install' || app.connection.state === 'not-installed') && <WhatGetsInstalled app={app} />}
          <InstallAction app={app} />
        </>
      )}
    </div>
  );
}
