/**
 * The service on this machine (desktop app only): its version, and uninstalling it after a
 * confirmation — the app asks the service to leave and undo what it changed, then removes it;
 * `purge` also deletes its state (identity, secret).
 */
import { useState } from 'react';
import type { AppState } from '../../../shared/ipc';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Checkbox } from '../../components/Checkbox';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { KeyValueList } from '../../components/KeyValueList';
import { useAction } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';

/** The "Service" card. */
export function ServiceSection({ app }: { app: AppState }) {
  const { api, store } = useRuntime();
  const [asking, setAsking] = useState(false);
  const [purge, setPurge] = useState(false);
  const uninstall = useAction(async () => {
    const result = await api.app.uninstallService({ purge });
    if (result.ok) store.getState().setApp(result.value);
    return result;
  });
  const busy = uninstall.busy || app.install?.busy === 'uninstalling';
  const confirm = async (): Promise<void> => {
    const result = await uninstall.run();
    if (result?.ok) setAsking(false);
  };
  return (
    <Card title="Service">
      <KeyValueList items={[['Service version', app.connection.serviceVersion], ['App version', app.appVersion]]} />
      <div className="row">
        <Button variant="danger" onClick={() => setAsking(true)} busy={busy} busyLabel="Uninstalling…">Uninstall service…</Button>
      </div>
      {asking && (
        <ConfirmDialog
          title="Uninstall the Cloudroof service?"
          confirmLabel="Uninstall"
          danger
          busy={busy}
          error={uninstall.error?.message ?? app.install?.lastError}
          onConfirm={() => void confirm()}
          onCancel={() => { uninstall.reset(); setAsking(false); }}
        >
          <p>This node leaves the mesh, and the service, its system unit and the cloudroof group are removed with every change they made. Your system asks for your password.</p>
          <Checkbox label="Also delete this node’s identity and the mesh secret" checked={purge} onChange={setPurge} />
        </ConfirmDialog>
      )}
    </Card>
  );
}
