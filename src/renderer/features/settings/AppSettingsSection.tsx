/**
 * Settings of the desktop app (not shown in the web console): launch at login, automatic
 * updates, checking for an update and installing one that is ready.
 */
import type { AppSettingsPatch, AppState } from '../../../shared/ipc';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ProgressBar } from '../../components/ProgressBar';
import { Toggle } from '../../components/Toggle';
import { useAction } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';
import { updateText } from './update-text';

/** The "App" card for `app` (which has settings). */
export function AppSettingsSection({ app }: { app: AppState }) {
  const { api, store } = useRuntime();
  const keep = (r: Awaited<ReturnType<typeof api.app.getAppState>>): typeof r => {
    if (r.ok) store.getState().setApp(r.value);
    return r;
  };
  const settings = useAction(async (patch: AppSettingsPatch) => keep(await api.app.setAppSettings(patch)));
  const check = useAction(async () => keep(await api.app.checkForUpdates({})));
  const install = useAction(() => api.app.installUpdate({}));
  const s = app.settings ?? { launchAtLogin: false, autoUpdate: false };
  const u = app.update;
  const error = settings.error ?? check.error ?? install.error;
  return (
    <Card title="App">
      <div className="stack">
        <Toggle label="Launch at login" checked={s.launchAtLogin} busy={settings.busy} onChange={(on) => void settings.run({ launchAtLogin: on })} />
        <Toggle label="Automatic updates" checked={s.autoUpdate} busy={settings.busy} onChange={(on) => void settings.run({ autoUpdate: on })} />
        <p aria-live="polite">{updateText(u, Date.now())}</p>
        {u.state === 'downloading' && <ProgressBar value={u.progress} label="Update download" />}
        <div className="row">
          {u.state !== 'disabled' && (
            <Button busy={check.busy || u.state === 'checking'} busyLabel="Checking…" onClick={() => void check.run()}>Check for updates</Button>
          )}
          {u.state === 'ready' && <Button variant="primary" busy={install.busy} busyLabel="Restarting…" onClick={() => void install.run()}>Restart and install</Button>}
        </div>
        {error && <p className="field-error" role="alert">{error.message}</p>}
      </div>
    </Card>
  );
}
