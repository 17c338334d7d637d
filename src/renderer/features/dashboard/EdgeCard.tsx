/** Edge mode on this node (shown only when enabled): nginx, the last config, and the hostnames served. */
import type { EdgeSite } from '../../../shared/protocol';
import { Card } from '../../components/Card';
import { KeyValueList } from '../../components/KeyValueList';
import { StatusBadge } from '../../components/StatusBadge';
import { Table } from '../../components/Table';
import { useResource } from '../../hooks/use-resource';
import { nodeName } from './node-format';

function origins(site: EdgeSite): string {
  const healthy = site.origins.filter((o) => o.health.state === 'healthy').length;
  return `${healthy} of ${site.origins.length} healthy${site.origins.length ? `: ${site.origins.map(nodeName).join(', ')}` : ''}`;
}

/** The "Edge" card, or nothing when edge mode is off. */
export function EdgeCard() {
  const edge = useResource('edge');
  const e = edge.data;
  if (!e?.enabled) return null;
  const cfg = e.config;
  return (
    <Card title="Edge">
      <KeyValueList
        items={[
          ['nginx', e.nginx.error ? <StatusBadge tone="error">{e.nginx.error}</StatusBadge> : <StatusBadge tone={e.nginx.running ? 'ok' : 'warn'}>{e.nginx.running ? `Running${e.nginx.version ? ` ${e.nginx.version}` : ''}` : 'Not running'}</StatusBadge>],
          ['Config', cfg.state === 'failed' ? <StatusBadge tone="error">{`Refused: ${cfg.lastError ?? ''}`}</StatusBadge> : <StatusBadge tone={cfg.state === 'applied' ? 'ok' : 'busy'}>{cfg.state === 'applied' ? 'Applied' : cfg.state}</StatusBadge>],
          ['Certificates', e.settings?.certDir],
        ]}
      />
      <Table
        caption="Hostnames this edge serves"
        rows={e.sites}
        rowKey={(s) => s.hostname}
        empty="No origin has announced a site yet."
        columns={[
          { header: 'Hostname', cell: (s) => s.hostname },
          { header: 'Site', cell: (s) => s.site },
          { header: 'TLS', cell: (s) => (s.tls === 'ok' ? <StatusBadge tone="ok">Certificate</StatusBadge> : <StatusBadge tone="warn">{`Missing: ${s.certPath}`}</StatusBadge>) },
          { header: 'Origins', cell: (s) => (s.conflict ? <StatusBadge tone="warn">{`Conflict: ${s.conflict}`}</StatusBadge> : origins(s)) },
        ]}
      />
    </Card>
  );
}
