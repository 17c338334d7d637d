/**
 * The "accept routes from other nodes" setting (service.patchPrefs), shown on the routes screen
 * and in Settings. Its answer refreshes both caches it changes: the prefs (kept) and the routes
 * (fetched again, as accepted routes get installed or removed).
 */
import type { IpcResult } from '../../../shared/ipc';
import type { Prefs } from '../../../shared/protocol';
import { Checkbox } from '../../components/Checkbox';
import { useAction } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';
import { fetchResource } from '../../store/resources';

/** The checkbox, `checked` as the service last said, with the call's error under it. */
export function AcceptRoutesOption({ checked, description }: { checked: boolean; description?: string }) {
  const { api, store } = useRuntime();
  const action = useAction(async (on: boolean): Promise<IpcResult<Prefs>> => {
    const result = await api.service.patchPrefs({ acceptRoutes: on });
    if (result.ok) store.getState().setResource('getPrefs', result.value);
    void fetchResource(api, store, 'routes');
    return result;
  });
  return (
    <>
      <Checkbox label="Accept routes from other nodes" checked={checked} busy={action.busy} onChange={(on) => void action.run(on)} description={description} />
      {action.error && <p className="field-error" role="alert">{action.error.message}</p>}
    </>
  );
}
