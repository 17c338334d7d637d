/**
 * Settings of the service's network: WireGuard interface name and listen port (saved together
 * with service.patchPrefs; an error lands at its field, e.g. a port in use), and accepting
 * routes from other nodes. The form keeps the user's draft until it is saved.
 */
import { useState } from 'react';
import type { IpcResult } from '../../../shared/ipc';
import type { Prefs } from '../../../shared/protocol';
import { Banner } from '../../components/Banner';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field } from '../../components/Field';
import { useAction } from '../../hooks/use-action';
import { useResource } from '../../hooks/use-resource';
import { useRuntime } from '../../hooks/use-runtime';
import { useAppStore } from '../../store/use-app-store';
import { AcceptRoutesOption } from '../routes/AcceptRoutesOption';
import { checkDraft, draftPatch, errorsFromService, type NetworkDraft, type NetworkErrors } from './network-form';

/** The "Network" card. */
export function NetworkSettings() {
  const { api, store } = useRuntime();
  const prefs = useResource('getPrefs');
  const status = useAppStore((s) => s.status);
  const [draft, setDraft] = useState<NetworkDraft | null>(null);
  const [errors, setErrors] = useState<NetworkErrors>({});
  const current: NetworkDraft = {
    interfaceName: prefs.data?.interfaceName ?? status?.interface ?? '',
    listenPort: String(prefs.data?.listenPort ?? status?.listenPort ?? ''),
  };
  const shown = draft ?? current;
  const save = useAction(async (patch: Parameters<typeof api.service.patchPrefs>[0]): Promise<IpcResult<Prefs>> => {
    const result = await api.service.patchPrefs(patch);
    if (result.ok) store.getState().setResource('getPrefs', result.value);
    return result;
  });
  const submit = async (): Promise<void> => {
    const local = checkDraft(shown);
    setErrors(local);
    if (local.interfaceName || local.listenPort) return;
    const result = await save.run(draftPatch(shown, current));
    if (!result) return;
    if (result.ok) setDraft(null);
    else setErrors(errorsFromService(result.error));
  };
  const edit = (p: Partial<NetworkDraft>): void => { setDraft({ ...shown, ...p }); setErrors({}); };
  const changed = Object.keys(draftPatch(shown, current)).length > 0;
  return (
    <Card title="Network">
      {prefs.error && <p className="field-error" role="alert">{prefs.error.message}</p>}
      <Field label="Interface name" value={shown.interfaceName} onChange={(v) => edit({ interfaceName: v })} error={errors.interfaceName} hint="The WireGuard interface, e.g. cloudroof0 (utun… on macOS)." />
      <Field label="Listen port" inputMode="numeric" value={shown.listenPort} onChange={(v) => edit({ listenPort: v })} error={errors.listenPort} hint="WireGuard’s UDP port. Changing either while joined reconnects the mesh." onEnter={() => void submit()} />
      {errors.form && <Banner tone="error">{errors.form}</Banner>}
      <div className="row">
        <Button variant="primary" disabled={!changed} busy={save.busy} busyLabel="Saving…" onClick={() => void submit()}>Save</Button>
        {draft && <Button variant="ghost" onClick={() => { setDraft(null); setErrors({}); }}>Undo changes</Button>}
      </div>
      {prefs.data && <AcceptRoutesOption checked={prefs.data.acceptRoutes} description="Install the LAN routes other nodes advertise." />}
    </Card>
  );
}
