/** The peers table, live from the watch stream; handshake ages tick every second. */
import { formatAge, formatBytes } from '../../../shared/human-format';
import type { Peer } from '../../../shared/protocol';
import { Card } from '../../components/Card';
import { Table, type Column } from '../../components/Table';
import { useNow } from '../../hooks/use-now';
import { useAppStore } from '../../store/use-app-store';
import { nodeName, pathLabel } from './node-format';

function columns(now: number): Column<Peer>[] {
  return [
    { header: 'Peer', cell: (p) => nodeName(p) },
    { header: 'Mesh IP', cell: (p) => <span className="mono">{p.meshIPv4}</span> },
    { header: 'Path', cell: (p) => pathLabel(p) },
    { header: 'Endpoint', cell: (p) => <span className="mono">{p.endpoint ?? '—'}</span> },
    { header: 'Last handshake', cell: (p) => formatAge(p.lastHandshakeTime, now) },
    { header: 'Received', cell: (p) => formatBytes(p.rxBytes), className: 'num' },
    { header: 'Sent', cell: (p) => formatBytes(p.txBytes), className: 'num' },
    { header: 'Discovered via', cell: (p) => p.discoveredVia.join(', ') || '—' },
  ];
}

/** The "Peers" card. */
export function PeersCard() {
  const peers = useAppStore((s) => s.peers);
  const connected = useAppStore((s) => s.status?.tunnelState === 'connected');
  const now = useNow(1000);
  return (
    <Card title={`Peers (${peers.length})`} className="card-wide">
      <Table
        caption="Peers"
        columns={columns(now)}
        rows={peers}
        rowKey={(p) => p.publicKey}
        empty={connected ? 'No peers yet: other nodes appear here when they join with the same secret.' : 'Not connected to a mesh.'}
      />
    </Card>
  );
}
