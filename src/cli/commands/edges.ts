/**
 * `cloudroof edges`: the mesh's edges as this node hears them (their capability reports, this
 * node first when it is an edge): nginx, the last config, ports, certificate directory and the
 * hostnames each holds a certificate for.
 */
import type { MeshEdge } from '../../shared/protocol';
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { EXIT_OK } from '../errors';
import { formatAge, formatTable, nodeName } from '../format';
import { toJsonOutput } from '../json-case';

/** Certificates shown per edge in the table before `+N more`. */
const SHOWN_CERTIFICATES = 3;

/** The name an edge is shown by: its hostname, else the start of its key. */
export const edgeName = (e: Pick<MeshEdge, 'hostname' | 'publicKey'>): string => nodeName(e);

function nginxText(e: MeshEdge): string {
  if (!e.nginx.available) return 'unavailable';
  return e.nginx.running ? 'running' : 'stopped';
}

function certificatesText(list: readonly string[]): string {
  if (list.length === 0) return 'none';
  const more = list.length - SHOWN_CERTIFICATES;
  return list.slice(0, SHOWN_CERTIFICATES).join(', ') + (more > 0 ? `, +${more} more` : '');
}

/** The `edges` text: one row per edge, then what is wrong with each, if anything. */
export function formatMeshEdges(edges: readonly MeshEdge[], now: number): string {
  if (edges.length === 0) {
    return 'No edge has reported in the last minute. Turn edge mode on on a mesh node with nginx: sudo cloudroof edge enable\n';
  }
  const rows = [['EDGE', 'MESH IP', 'NGINX', 'CONFIG', 'PORTS', 'CERT DIR', 'CERTIFICATES', 'REPORTED']];
  const notes: string[] = [];
  for (const e of edges) {
    rows.push([edgeName(e), e.meshIPv4 ?? '-', nginxText(e), e.config.state, `${e.httpPort}/${e.httpsPort}`, e.certDir,
      certificatesText(e.certificates), formatAge(e.reportedAt, now)]);
    if (e.nginx.error) notes.push(`${edgeName(e)}: nginx: ${e.nginx.error}`);
    if (e.config.lastError) notes.push(`${edgeName(e)}: config ${e.config.state === 'failed' ? 'refused' : 'pending'}: ${e.config.lastError}`);
    if (e.certificates.length === 0 && e.acmeWebroot) {
      notes.push(`${edgeName(e)}: no certificate yet; ACME challenges are served from ${e.acmeWebroot} (certbot certonly --webroot -w ${e.acmeWebroot} -d HOST)`);
    }
  }
  return formatTable(rows) + notes.map((n) => `${n}\n`).join('');
}

/** The edges command. */
export const edgesCommand: CommandSpec = {
  name: 'edges',
  summary: 'list the mesh\'s edges: nginx, config, ports, certificates',
  help: `Usage: cloudroof edges [--json]

Lists the edges of the mesh as this node hears them: every node in edge mode reports every 5 s
whether its nginx runs, the last configuration it applied, its HTTP/HTTPS ports, where it
expects certificates (<cert dir>/<hostname>/fullchain.pem and privkey.pem), the webroot it
serves ACME challenges from, and the hostnames it holds a certificate for. An edge that has
not reported for a minute is left out. This node is listed first when it is an edge itself.

Options:
  --json   machine-readable output (snake_case members)
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const res = await client().call('edges');
    io.out(flagOption(values, 'json') ? toJsonOutput(res) : formatMeshEdges(res.edges, Date.now()));
    return EXIT_OK;
  },
};
