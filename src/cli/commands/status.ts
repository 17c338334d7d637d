/**
 * `cloudroof status`: this node's state from cloudroofd, or with `--secret` the values derived
 * from a secret without the service (wgmesh spec 5.4).
 */
import type { Status } from '../../shared/protocol';
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
  fields.push(['Peers', s.peerCount]);
  if (s.routes) fields.push(['Routes', `${s.routes.advertised} advertised, ${s.routes.accepted} accepted${s.routes.conflicts ? `, ${s.routes.conflicts} in conflict` : ''}`]);
  if (s.sites) {
    fields.push(['Sites', `${s.sites.exposed} exposed, ${s.sites.live} live (cloudroof expose list)`]);
    if (s.sites.edge) fields.push(['Edge', `${s.sites.edge.hostnames} hostnames, config ${s.sites.edge.config} (cloudroof edge status)`]);
  }
  return formatFields(fields);
}
