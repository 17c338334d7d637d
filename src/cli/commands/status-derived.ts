/**
 * `cloudroof status --secret S`: pure derivation, no service needed (wgmesh spec 5.4). The JSON
 * form matches wgmesh member for member; `service_status` says whether cloudroofd answers on the
 * control socket.
 */
import { meshStatusInfo } from '../../shared/mesh/derive';
import { ControlClient } from '../../client/control-client';
import { flagOption, stringOption, type CommandContext } from '../command';
import { EXIT_OK, UsageError } from '../errors';
import { readSecretInput, validateSecret } from '../secret-input';
import { checkInterfaceName, checkMeshSubnet } from './shared';

/** `active` when cloudroofd answers on `socketPath` within a short time, else `inactive`. */
export async function serviceStatus(socketPath: string): Promise<'active' | 'inactive'> {
  try {
    await new ControlClient({ socketPath, timeoutMs: 2000 }).version();
    return 'active';
  } catch {
    return 'inactive';
  }
}

/** Runs the derived form of `status`. */
export async function runDerivedStatus({ values, io, socketPath }: CommandContext): Promise<number> {
  const input = await readSecretInput(values, io, 'status', false);
  if (input === undefined) throw new UsageError('--secret is required', 'status');
  const raw = validateSecret(input);
  const interfaceName = checkInterfaceName(stringOption(values, 'interface') ?? 'wg0');
  const meshSubnet = checkMeshSubnet(stringOption(values, 'mesh-subnet'));
  const info = meshStatusInfo(raw, { interfaceName, ...(meshSubnet !== undefined ? { meshSubnet } : {}) });
  const service = await serviceStatus(socketPath);
  if (flagOption(values, 'json')) {
    const out = {
      interface: info.interface,
      network_id: info.network_id,
      mesh_subnet: info.mesh_subnet,
      mesh_ipv6_prefix: info.mesh_ipv6_prefix,
      gossip_port: info.gossip_port,
      rendezvous_id: info.rendezvous_id,
      service_status: service,
    };
    io.out(JSON.stringify(out, null, 2) + '\n');
    return EXIT_OK;
  }
  io.out([
    'Mesh Status',
    '===========',
    `Interface: ${info.interface}`,
    `Network ID: ${info.network_id}`,
    `Mesh Subnet: ${info.mesh_subnet}${meshSubnet !== undefined ? ' (custom)' : ''}`,
    `Mesh IPv6 Prefix: ${info.mesh_ipv6_prefix}`,
    `Gossip Port: ${info.gossip_port}`,
    `Rendezvous ID: ${info.rendezvous_id}`,
    '',
    `Service Status: ${service}`,
    '',
    `Run 'wg show ${info.interface}' to see the WireGuard interface and its peers.`,
    '',
  ].join('\n'));
  return EXIT_OK;
}
