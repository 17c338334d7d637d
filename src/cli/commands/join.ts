/** `cloudroof join`: sends the secret (checked locally first) and the options to cloudroofd. */
import { flagOption, jsonOption, stringOption, type CommandSpec } from '../command';
import { EXIT_OK, UsageError } from '../errors';
import { toJsonOutput } from '../json-case';
import { readSecretInput, secretOptions, validateSecret } from '../secret-input';
import { discoveryFromFlags, discoveryOptions } from './discovery-flags';
import { checkMeshSubnet } from './shared';

/** The join command. */
export const joinCommand: CommandSpec = {
  name: 'join',
  summary: 'join a mesh (secret from --secret-file, stdin or --secret)',
  help: `Usage: cloudroof join [--secret-file PATH | --secret - | --secret S] [--mesh-subnet CIDR] [--switch]
                     [discovery options] [--json]

Joins this node to the mesh given by the secret. The secret is read from:
  --secret-file PATH   a file (recommended; keep it mode 0600)
  --secret -           stdin; stdin is also read when no option is given and it is not a terminal
  --secret S           the command line (works, but lands in shell history and the process list)

Options:
  --mesh-subnet CIDR   use a custom IPv4 mesh subnet (prefix /30 or shorter); every node of the
                       mesh must use the same one
  --switch             leave the current mesh and join this one
  --json               print the resulting status as JSON

Discovery (how nodes on other networks find each other; defaults as Go wgmesh). Giving any of
these replaces the node's stored discovery settings; giving none keeps them:
  --no-lan-discovery   no LAN multicast (peers are found through the DHT, exchange, cache)
  --no-dht             no BitTorrent DHT
  --dht-bootstrap LIST DHT bootstrap nodes, host:port,... (default: the public BitTorrent routers)
  --stun LIST          STUN servers, host:port,... (default: Google's two; "" for none)
  --no-ipv6            never use IPv6 underlay endpoints
  --no-punching        no hole punching or rendezvous
  --introducer         serve rendezvous and relay traffic for nodes that cannot meet directly
                       (only on a node with a public address)
  --gossip             in-mesh gossip of peer lists (off by default, as in Go)
  --force-relay        always relay through an introducer when one exists
`,
  options: { ...secretOptions, 'mesh-subnet': { type: 'string' }, 'switch': { type: 'boolean' }, ...discoveryOptions, ...jsonOption },
  async run({ values, io, client }) {
    const input = await readSecretInput(values, io, 'join', true);
    if (input === undefined) {
      throw new UsageError('join needs a secret: --secret-file PATH, pipe it on stdin, or --secret S', 'join');
    }
    validateSecret(input);
    const meshSubnet = checkMeshSubnet(stringOption(values, 'mesh-subnet'));
    const discovery = discoveryFromFlags(values);
    const status = await client().join({
      secret: input,
      ...(meshSubnet !== undefined ? { meshSubnet } : {}),
      ...(flagOption(values, 'switch') ? { switch: true } : {}),
      ...(discovery ? { discovery } : {}),
    });
    if (flagOption(values, 'json')) {
      io.out(toJsonOutput(status));
    } else {
      io.out(`Joined mesh ${status.networkId ?? ''} on ${status.interface}: ${status.tunnelState}` +
        `${status.meshIPv4 ? `, mesh IPv4 ${status.meshIPv4}` : ''}${status.meshIPv6 ? `, IPv6 ${status.meshIPv6}` : ''}\n`);
    }
    return EXIT_OK;
  },
};
