/**
 * How the dashboard words the service's state: badges for the tunnel, health, edges and routes,
 * a peer's path, and a one-line discovery summary. Pure.
 */
import { connectedLabel } from '../../../shared/human-format';
import type { DiscoveryStatus, HealthCheck, Peer, SiteEdgeState, Status } from '../../../shared/protocol';
import type { Tone } from '../../components/StatusBadge';

/** A badge: its tone and text. */
export interface Badge {
  tone: Tone;
  label: string;
}

/** The tunnel's observed state. */
export function tunnelBadge(status: Status | null): Badge {
  switch (status?.tunnelState) {
    case 'connected': return { tone: 'ok', label: connectedLabel(status.peerCount) };
    case 'connecting': return { tone: 'busy', label: 'Connecting…' };
    case 'error': return { tone: 'error', label: 'Error' };
    case 'disconnected': return { tone: 'off', label: 'Disconnected' };
    default: return { tone: 'off', label: 'Unknown' };
  }
}

/** How traffic reaches a peer: `Direct`, `Direct (LAN)`, `Relayed via vps-1`, `No path yet`. */
export function pathLabel(peer: Peer): string {
  switch (peer.path) {
    case 'direct': return 'Direct';
    case 'direct-lan': return 'Direct (LAN)';
    case 'relay': return peer.relayVia ? `Relayed via ${peer.relayVia}` : 'Relayed';
    default: return 'No path yet';
  }
}

/** A site's local health. */
export function healthBadge(h: HealthCheck): Badge {
  const latency = h.latencyMs !== undefined ? ` · ${Math.round(h.latencyMs)} ms` : '';
  if (h.state === 'healthy') return { tone: 'ok', label: `Healthy${latency}` };
  if (h.state === 'unhealthy') return { tone: 'error', label: `Unhealthy${h.error ? `: ${h.error}` : ''}` };
  return { tone: 'busy', label: 'Not checked yet' };
}

const EDGE_STATES: Record<SiteEdgeState, Badge> = {
  serving: { tone: 'ok', label: 'Serving' },
  unreachable: { tone: 'error', label: 'Cannot reach this origin' },
  conflict: { tone: 'warn', label: 'Hostname conflict' },
  'config-error': { tone: 'error', label: 'nginx config refused' },
  'no-certificate': { tone: 'warn', label: 'No certificate' },
};

/** An edge's state for one of our sites. */
export function siteEdgeBadge(state: SiteEdgeState): Badge {
  return EDGE_STATES[state];
}

/** `LAN · DHT ready (120 nodes) · endpoint from STUN · hole punching`. */
export function discoverySummary(d: DiscoveryStatus | undefined): string {
  if (!d) return '—';
  const parts: string[] = [];
  if (d.lan) parts.push('LAN');
  if (d.dht) parts.push(d.dht.state === 'ready' ? `DHT ready (${d.dht.nodes} nodes)` : `DHT ${d.dht.state}${d.dht.error ? `: ${d.dht.error}` : ''}`);
  parts.push(d.endpointSource === 'none' ? `no public endpoint${d.stunError ? ` (${d.stunError})` : ''}` : `endpoint from ${d.endpointSource === 'ipv6' ? 'IPv6' : 'STUN'}`);
  if (d.punching) parts.push('hole punching');
  if (d.introducer) parts.push('introducer');
  if (d.gossip) parts.push('gossip');
  return parts.join(' · ');
}

/** A peer's or edge's name (shared with the CLI). */
export { nodeName } from '../../../shared/human-format';
