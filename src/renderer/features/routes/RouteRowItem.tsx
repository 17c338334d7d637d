/** One network with its advertise checkbox: checking advertises it, unchecking withdraws it. */
import type { IpcResult } from '../../../shared/ipc';
import type { RoutesState } from '../../../shared/protocol';
import { Checkbox } from '../../components/Checkbox';
import { useAction } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';
import { AdvertisedState } from '../dashboard/RouteTables';
import { describeNetwork, type RouteRow } from './route-rows';

/** Props of {@link RouteRowItem}. */
export interface RouteRowItemProps {
  row: RouteRow;
  masquerade: boolean;
  /** Why advertising is not possible now (withdrawing always is). */
  blocked?: string;
}

/** A row of the routes screen. */
export function RouteRowItem({ row, masquerade, blocked }: RouteRowItemProps) {
  const { api, store } = useRuntime();
  const action = useAction(async (advertise: boolean): Promise<IpcResult<RoutesState>> => {
    const result = advertise
      ? await api.service.advertiseRoutes({ prefixes: [row.prefix], masquerade })
      : await api.service.withdrawRoutes({ prefixes: [row.prefix] });
    if (result.ok) store.getState().setResource('routes', result.value);
    return result;
  });
  const a = row.advertised;
  return (
    <li className="route-row">
      <Checkbox
        label={<>Advertise <span className="mono">{row.prefix}</span></>}
        checked={a !== undefined}
        busy={action.busy}
        disabled={a === undefined && blocked !== undefined}
        onChange={(on) => void action.run(on)}
        description={a === undefined && blocked ? blocked : describeNetwork(row)}
      />
      {a && (
        <span className="route-state">
          <AdvertisedState route={a} />
          {a.masquerade ? ' · masquerade' : ''}
        </span>
      )}
      {action.error && <p className="field-error" role="alert">{action.error.message}</p>}
    </li>
  );
}
