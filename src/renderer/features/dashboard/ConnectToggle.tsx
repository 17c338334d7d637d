/**
 * The join toggle (intent, ARCHITECTURE.md principle 3): sets `wantConnected` and shows the
 * intended state at once — the one main expects (AppState.expected, e.g. after a tray click) or
 * the one just asked for — until the service's status confirms or the call fails. Without a
 * stored secret the service answers `not-joined`, and the toggle points to the join screen.
 */
import { useEffect, useState } from 'react';
import { StatusBadge } from '../../components/StatusBadge';
import { Toggle } from '../../components/Toggle';
import { useAction } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';
import { routeHref } from '../../routing';
import { useAppStore } from '../../store/use-app-store';
import { tunnelBadge } from './node-format';

/** The toggle with the observed state beside it. */
export function ConnectToggle() {
  const { api, store } = useRuntime();
  const status = useAppStore((s) => s.status);
  const expected = useAppStore((s) => s.app?.expected?.wantConnected);
  const [pending, setPending] = useState<boolean | null>(null);
  const action = useAction((want: boolean) => api.service.patchPrefs({ wantConnected: want }));
  useEffect(() => {
    if (pending !== null && status?.wantConnected === pending) setPending(null);
  }, [pending, status?.wantConnected]);
  const change = async (want: boolean): Promise<void> => {
    setPending(want);
    const result = await action.run(want);
    if (!result?.ok) return setPending(null);
    const fresh = await api.service.status();
    if (fresh.ok) store.getState().applyStatus(fresh.value);
  };
  const checked = pending ?? expected ?? status?.wantConnected ?? false;
  const badge = tunnelBadge(status);
  return (
    <div className="connect">
      <Toggle label="Join mesh" checked={checked} busy={action.busy} onChange={(want) => void change(want)} disabled={!status} />
      <StatusBadge tone={badge.tone}>{badge.label}</StatusBadge>
      {action.error && (
        <p className="field-error" role="alert">
          {action.error.message}
          {action.error.code === 'not-joined' && <> — <a href={routeHref('join')}>open the join screen</a></>}
        </p>
      )}
    </div>
  );
}
