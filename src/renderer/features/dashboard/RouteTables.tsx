/** Tables of LAN routes: those this node advertises, and those it accepts from others (with conflicts). */
import type { AcceptedRoute, AdvertisedRoute } from '../../../shared/protocol';
import { StatusBadge } from '../../components/StatusBadge';
import { Table } from '../../components/Table';
import { nodeName } from './node-format';

/** An advertised route's state as a badge (with its error, if any). */
export function AdvertisedState({ route }: { route: AdvertisedRoute }) {
  if (route.state === 'active') return <StatusBadge tone="ok">Active</StatusBadge>;
  if (route.state === 'pending') return <StatusBadge tone="busy">Pending</StatusBadge>;
  return <StatusBadge tone="error">{route.error ? `Error: ${route.error}` : 'Error'}</StatusBadge>;
}

/** Routes this node advertises. */
export function AdvertisedRoutesTable({ routes }: { routes: readonly AdvertisedRoute[] }) {
  return (
    <Table
      caption="Routes this node advertises"
      rows={routes}
      rowKey={(r) => r.prefix}
      empty="This node advertises no LAN routes."
      columns={[
        { header: 'Network', cell: (r) => <span className="mono">{r.prefix}</span> },
        { header: 'State', cell: (r) => <AdvertisedState route={r} /> },
        { header: 'Interface', cell: (r) => r.lanInterface ?? '—' },
        { header: 'Masquerade', cell: (r) => (r.masquerade ? 'Yes' : 'No') },
      ]}
    />
  );
}

/** Routes other nodes advertise, with the one carrying each and why one is not installed. */
export function AcceptedRoutesTable({ routes }: { routes: readonly AcceptedRoute[] }) {
  return (
    <Table
      caption="Routes accepted from other nodes"
      rows={routes}
      rowKey={(r) => r.prefix}
      empty="No other node advertises a LAN route."
      columns={[
        { header: 'Network', cell: (r) => <span className="mono">{r.prefix}</span> },
        { header: 'Via', cell: (r) => <>{nodeName(r.via)} <span className="mono small">{r.via.meshIPv4}</span></> },
        { header: 'State', cell: (r) => (r.installed ? <StatusBadge tone="ok">Installed</StatusBadge> : <StatusBadge tone="warn">{r.conflict ? `Not installed: ${r.conflict}` : 'Not installed'}</StatusBadge>) },
        { header: 'Standby', cell: (r) => r.standby.map(nodeName).join(', ') || '—' },
      ]}
    />
  );
}
