/**
 * `cloudroof status`: this node's state from cloudroofd, or with `--secret` the values derived
 * from a secret without the service (wgmesh spec 5.4).
 */
import type { DiscoveryStatus, Status } from '../../shared/protocol';
import { flagOption, jsonOption, stringOption, type CommandContext, type CommandSpec } from '../command';
import { EXIT_OK, UsageError } from '../errors';
import { formatFields } from '../format';
import { toJsonOutput } from '../json-case';
import { secretOptions } from '../secret-input';
import { runDerivedStatus } from './status-derived';

/** The status command. */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: "show this node's state (or, with --secret, a mesh's derived values)",
  help: `Usage: cloudroof status [--json]
       cloudroof status --secret S | --secret-file PATH [--json] [--interface NAME] [--mesh-subnet CIDR]

Without a secret: asks cloudroofd for this node's state (tunnel state, interface, public key,
mesh addresses, listen port, endpoint, peer count).

With --secret (or --secret-file, '-' for stdin): prints what the secret derives to, without
the service: network id, mesh subnet, IPv6 prefix, gossip port, rendezvous id, and whether
cloudroofd answers (service_status). Output as in wgmesh 'status --secret'.

Options:
  --json               machine-readable output (snake_case members)
  --interface NAME     interface name to report with --secret (default wg0)
  --mesh-subnet CIDR   custom mesh subnet to report with --secret
`,
  options: { ...secretOptions, ...jsonOption, 'interface': { type: 'string' }, 'mesh-subnet': { type: 'string' } },
  async run(ctx) {
    const { values } = ctx;
    if (stringOption(values, 'secret') !== undefined || stringOption(values, 'secret-file') !== undefined) {
      return runDerivedStatus(ctx);
    }
    if (stringOption(values, 'interface') !== undefined || stringOption(values, 'mesh-subnet') !== undefined) {
      throw new UsageError('--interface and --mesh-subnet only apply with --secret', 'status');
    }
    return runServiceStatus(ctx);
  },
};

async function runServiceStatus({ values, io, client }: CommandContext): Promise<number> {
  const status = await client().status();
  io.out(flagOption(values, 'json') ? toJsonOutput(status) : formatStatus(status));
  return EXIT_OK;
}

/** Discovery lines: how the endpoint was found, the DHT, the LAN and roles. */
function discoveryFields(d: DiscoveryStatus): [string, string][] {
  const out: [string, string][] = [];
  const how = d.endpointSource === 'ipv6' ? 'public IPv6 address' : d.endpointSource === 'stun' ? 'STUN' : 'not detected yet';
  out.push(['Endpoint via', how + (d.stunError ? ` (${d.stunError})` : '')]);
  if (d.dht) {
    const ago = d.dht.lastAnnounceAt ? `, last announce ${Math.max(0, Math.round((Date.now() - d.dht.lastAnnounceAt) / 1000))} s ago${d.dht.lastAnnounceOk === false ? ' (failed)' : ''}` : '';
    out.push(['DHT', `${d.dht.state}, ${d.dht.nodes} nodes known${ago}, ${d.dht.peersFound} addresses found${d.dht.error ? ` (${d.dht.error})` : ''}`]);
  } else {
    out.push(['DHT', 'off']);
  }
  out.push(['LAN discovery', d.lan ? 'on' : 'off']);
  const roles = [d.introducer && 'introducer', d.gossip && 'gossip', !d.punching && 'no punching'].filter(Boolean);
  if (roles.length) out.push(['Roles', roles.join(', ')]);
  return out;
}

/** The text form of a node status. */
export function formatStatus(s: Status): string {
  const fields: [string, string | number | undefined][] = [
    ['State', s.tunnelState + (s.lastError ? ` (${s.lastError.message})` : '')],
    ['Wanted', s.wantConnected ? 'connected' : 'disconnected'],
    ['Interface', s.interface],
    ['Hostname', s.hostname],
    ['Public key', s.publicKey],
    ['Mesh IPv4', s.meshIPv4],
    ['Mesh IPv6', s.meshIPv6],
    ['Mesh subnet', s.meshSubnet],
    ['Network ID', s.networkId],
    ['Listen port', s.listenPort],
    ['Endpoint', s.endpoint],
  ];
  if (s.natType !== undefined) fields.push(['NAT type', s.natType]);
  if (s.discovery) fields.push(...discoveryFields(s.discovery));
  fields.push(['Peers', s.peerCount]);
  if (s.routes) fields.push(['Routes', `${s.routes.advertised} advertised, ${s.routes.accepted} accepted${s.routes.conflicts ? `, ${s.routes.conflicts} in conflict` : ''}`]);
  if (s.sites) {
    fields.push(['Sites', `${s.sites.exposed} exposed, ${s.sites.live} live (cloudroof expose list)`]);
    if (s.sites.edge) fields.push(['Edge', `${s.sites.edge.hostnames} hostnames, config ${s.sites.edge.config} (cloudroof edge status)`]);
  }
  return formatFields(fields);
}
