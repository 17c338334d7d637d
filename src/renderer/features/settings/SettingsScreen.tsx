/** Settings: the service's network, the mesh secret, and — in the desktop app — the app itself and the service. */
import { useAppStore } from '../../store/use-app-store';
import { AppSettingsSection } from './AppSettingsSection';
import { NetworkSettings } from './NetworkSettings';
import { SecretSettings } from './SecretSettings';
import { ServiceSection } from './ServiceSection';

/** The settings screen. */
export function SettingsScreen() {
  const app = useAppStore((s) => s.app);
  const electron = app?.environment === 'electron';
  return (
    <div className="screen">
      <h1>Settings</h1>
      <div className="grid">
        <NetworkSettings />
        <SecretSettings />
        {electron && app && <AppSettingsSection app={app} />}
        {electron && app && <ServiceSection app={app} />}
      </div>
      {!electron && <p className="hint">Launching at login, updates and uninstalling are settings of the desktop app.</p>}
    </div>
  );
}
