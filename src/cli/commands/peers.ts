/** `cloudroof peers`: the mesh peers as a table or JSON. */
import type { Peer } from '../../shared/protocol';
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { EXIT_OK } from '../errors';
import { formatAge, formatBytes, formatTable } from '../format';
import { toJsonOutput } from '../json-case';

/** The peers command. */
export const peersCommand: CommandSpec = {
  name: 'peers',
  summary: 'list the mesh peers',
  help: `Usage: cloudroof peers [--json]

Lists the peers cloudroofd knows: hostname, mesh addresses, endpoint, time since the last
WireGuard handshake, bytes received/sent, how each peer was discovered, and the path traffic
takes (direct, direct-lan, relay via another node, or none yet).

Options:
  --json   print { "peers": [...] } with snake_case members
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const peers = await client().peers();
    io.out(flagOption(values, 'json') ? toJsonOutput({ peers }) : formatPeers(peers, Date.now()));
    return EXIT_OK;
  },
};

/** The peer table (or a note when there are none). */
export function formatPeers(peers: readonly Peer[], now: number): string {
  if (peers.length === 0) return 'No peers.\n';
  const rows = [['HOSTNAME', 'MESH IPS', 'ENDPOINT', 'HANDSHAKE', 'RX', 'TX', 'VIA', 'PATH']];
  for (const p of peers) {
    rows.push([
      p.hostname ?? p.publicKey.slice(0, 8) + '…',
      [p.meshIPv4, p.meshIPv6].filter(Boolean).join(' '),
      p.endpoint ?? '-',
      formatAge(p.lastHandshakeTime, now),
      formatBytes(p.rxBytes),
      formatBytes(p.txBytes),
      p.discoveredVia.join(',') || '-',
      p.path === 'relay' && p.relayVia ? `relay via ${p.relayVia}` : p.path,
    ]);
  }
  return formatTable(rows);
}
