/** This node: state, names, mesh addresses (with copy), key, endpoint, NAT, port, discovery. */
import type { ReactNode } from 'react';
import { Card } from '../../components/Card';
import { CopyButton } from '../../components/CopyButton';
import { KeyValueList } from '../../components/KeyValueList';
import { StatusBadge } from '../../components/StatusBadge';
import { routeHref } from '../../routing';
import { useAppStore } from '../../store/use-app-store';
import { discoverySummary, tunnelBadge } from './node-format';

/** A value with its Copy button, or undefined (shown as a dash). */
function copyable(value: string | undefined, what: string): ReactNode {
  if (!value) return undefined;
  return <span className="copyable"><span className="mono">{value}</span><CopyButton text={value} what={what} /></span>;
}

/** The "This node" card. */
export function ThisNodeCard() {
  const status = useAppStore((s) => s.status);
  if (!status) return <Card title="This node"><p className="empty">No information from the service yet.</p></Card>;
  const badge = tunnelBadge(status);
  const joined = status.meshIPv4 !== undefined || status.tunnelState !== 'disconnected';
  return (
    <Card title="This node">
      {!joined && <p className="empty">This node is not in a mesh. <a href={routeHref('join')}>Join one</a></p>}
      {status.lastError && <p className="field-error" role="alert">{status.lastError.message}</p>}
      <KeyValueList
        items={[
          ['State', <StatusBadge tone={badge.tone}>{badge.label}</StatusBadge>],
          ['Hostname', status.hostname],
          ['Mesh IPv4', copyable(status.meshIPv4, 'mesh IPv4 address')],
          ['Mesh IPv6', copyable(status.meshIPv6, 'mesh IPv6 address')],
          ['Public key', copyable(status.publicKey, 'public key')],
          ['Endpoint', status.endpoint],
          ['NAT type', status.natType],
          ['Listen port', status.listenPort],
          ['Interface', status.interface],
          ['Mesh subnet', status.meshSubnet],
          ['Discovery', joined ? discoverySummary(status.discovery) : undefined],
        ]}
      />
    </Card>
  );
}
