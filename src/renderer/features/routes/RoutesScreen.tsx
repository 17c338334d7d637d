/**
 * LAN routes: the networks this machine is attached to, each with a checkbox that advertises or
 * withdraws it; the masquerade option; the preflight's findings with their fixes (advertising
 * is disabled, with the reason, while one is an error); accepting routes from other nodes.
 */
import type { IpcResult } from '../../../shared/ipc';
import type { RoutesCheck, RoutesState } from '../../../shared/protocol';
import { Banner } from '../../components/Banner';
import { Card } from '../../components/Card';
import { Checkbox } from '../../components/Checkbox';
import { StatusBadge } from '../../components/StatusBadge';
import { useAction } from '../../hooks/use-action';
import { useResource } from '../../hooks/use-resource';
import { useRuntime } from '../../hooks/use-runtime';
import { AcceptedRoutesTable } from '../dashboard/RouteTables';
import { AcceptRoutesOption } from './AcceptRoutesOption';
import { blockedReason, routeRows } from './route-rows';
import { RouteRowItem } from './RouteRowItem';

function Preflight({ check }: { check: RoutesCheck | undefined }) {
  if (!check) return null;
  if (check.findings.length === 0) return <p className="hint">Preflight passed: this node can route its LAN for the mesh.</p>;
  return (
    <ul className="findings" aria-label="Preflight findings">
      {check.findings.map((f) => (
        <li key={f.id}>
          <StatusBadge tone={f.severity === 'error' ? 'error' : 'warn'}>{f.severity === 'error' ? 'Error' : 'Warning'}</StatusBadge> {f.message}
          <p className="hint">Fix: <code>{f.fix}</code></p>
        </li>
      ))}
    </ul>
  );
}

/** The masquerade option; changing it re-advertises what is advertised with the new value. */
function MasqueradeOption({ routes, masquerade }: { routes: RoutesState; masquerade: boolean }) {
  const { api, store } = useRuntime();
  const action = useAction(async (on: boolean): Promise<IpcResult<RoutesState>> => {
    const result = await api.service.advertiseRoutes({ prefixes: routes.advertised.map((r) => r.prefix), masquerade: on });
    if (result.ok) store.getState().setResource('routes', result.value);
    return result;
  });
  return (
    <>
      <Checkbox
        label="Masquerade mesh traffic to the LAN"
        checked={masquerade}
        busy={action.busy}
        disabled={routes.advertised.length === 0}
        onChange={(on) => void action.run(on)}
        description="LAN devices then need no route back to the mesh. Turn it off only if your LAN router routes the mesh subnet to this node."
      />
      {action.error && <p className="field-error" role="alert">{action.error.message}</p>}
    </>
  );
}

/** The routes screen. */
export function RoutesScreen() {
  const detect = useResource('detectRoutes');
  const check = useResource('checkRoutes');
  const routes = useResource('routes');
  const blocked = blockedReason(check.data);
  const r = routes.data;
  const masquerade = r && r.advertised.length > 0 ? r.advertised.every((a) => a.masquerade) : true;
  const error = detect.error ?? check.error ?? routes.error;
  return (
    <div className="screen">
      <h1>LAN routes</h1>
      <p className="lead">Advertise a network this machine is attached to, and every node of the mesh can reach its devices through this one.</p>
      {error && <Banner tone="error">{error.message}</Banner>}
      <Card title="Preflight">
        <Preflight check={check.data} />
      </Card>
      <Card title="Networks of this machine">
        {detect.data && r && (
          <ul className="route-list">
            {routeRows(detect.data.networks, r.advertised).map((row) => <RouteRowItem key={row.prefix} row={row} masquerade={masquerade} blocked={blocked} />)}
          </ul>
        )}
        {detect.data?.networks.length === 0 && <p className="empty">No LAN network was detected on this machine.</p>}
        {r && <MasqueradeOption routes={r} masquerade={masquerade} />}
        {r?.forwarding && <p className="hint">IP forwarding: IPv4 {r.forwarding.ipv4 ? 'on' : 'off'}, IPv6 {r.forwarding.ipv6 ? 'on' : 'off'}</p>}
      </Card>
      <Card title="Routes from other nodes">
        {r && <AcceptRoutesOption checked={r.acceptRoutes} />}
        {r && <AcceptedRoutesTable routes={r.accepted} />}
      </Card>
    </div>
  );
}
