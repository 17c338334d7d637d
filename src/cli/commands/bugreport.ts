/**
 * `cloudroof bugreport`: asks the service for its redacted diagnostics (it is root and sees
 * what a user cannot) and writes them as a .tar.gz with one file per section and a README.
 * Nothing is redacted here: the service sends nothing unredacted.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DiagnosticsResponse } from '../../shared/protocol';
import { stringOption, type CommandSpec } from '../command';
import { CliError, EXIT_OK } from '../errors';
import { tarGz, type TarEntry } from '../tar';

/** What each known section holds (README.txt). */
const SECTION_HELP: Readonly<Record<string, string>> = {
  'status.json': 'state, interface, mesh addresses, ports, counters (cloudroof status)',
  'peers.json': 'peers: mesh IPs, endpoints, handshakes, traffic, discovery (cloudroof peers)',
  'prefs.json': 'preferences: the intent the service reconciles towards (the secret is not part of them)',
  'routes.json': 'LAN routes advertised and accepted (cloudroof routes)',
  'sites.json': 'sites exposed here and the edges\' reports (cloudroof expose list)',
  'edge.json': 'edge mode: nginx, last config applied, sites served (cloudroof edge status)',
  'wireguard.json': 'the WireGuard device as the service last read it: peers, endpoints, handshakes (no keys but public ones)',
  'logs.txt': 'the service\'s recent log entries (up to 2000)',
  'ip-addr.txt': 'ip -d addr',
  'ip-route.txt': 'ip route and ip -6 route',
  'ip-rule.txt': 'ip rule and ip -6 rule',
  'nft.txt': 'nft list table inet cloudroof and inet cloudroof_origin (absent when unused)',
  'versions.txt': 'cloudroofd, node, OS, nginx, wireguard-go, wg, nft, ip versions',
  'sysctl.txt': 'forwarding, rp_filter and related sysctls',
};

/** `20261125T060000Z` for a Unix-ms time. */
export function fileTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** `cloudroof-bugreport-<host>-<UTC timestamp>`, the host reduced to file-name characters. */
export function reportBaseName(report: Pick<DiagnosticsResponse, 'hostname' | 'collectedAt'>): string {
  const host = report.hostname.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 40) || 'host';
  return `cloudroof-bugreport-${host}-${fileTimestamp(report.collectedAt)}`;
}

/** README.txt: what was collected, when, and what was redacted. */
export function readmeText(report: DiagnosticsResponse): string {
  const r = report.redactions;
  const width = Math.max(...Object.keys(report.sections).map((n) => n.length), 10) + 2;
  const files = Object.keys(report.sections).map((n) => `  ${n.padEnd(width)}${SECTION_HELP[n] ?? ''}`.trimEnd());
  return `Cloudroof bug report
====================

Node ${report.hostname}, cloudroofd ${report.version}, collected ${new Date(report.collectedAt).toISOString()}
by the service (as root) on that node, with 'cloudroof bugreport'.

Files:
${files.join('\n')}

Redaction, done by cloudroofd before anything left it:
  - the mesh secret in every form (wgmesh:// token, raw, base64 and hex encodings) and the
    keys derived from it: [redacted-secret]
  - private and preshared keys (any 44-character base64 key that is not the public key of this
    node or a peer): [redacted-key]; public keys are kept
  - public IPv4 and IPv6 addresses: [public-ipv4-N] and [public-ipv6-N], the same address with
    the same placeholder in every file; private, CGNAT, link-local, ULA, loopback,
    documentation and mesh addresses are kept
  This report: ${r.secrets} secret occurrence(s), ${r.keys} key(s), ${r.publicIPv4} public IPv4 and ${r.publicIPv6} public IPv6 address(es) replaced.

Not redacted: hostnames (of the node, peers and sites), interface names, MAC addresses, LAN
and mesh addresses. Please read the files before you share them.
`;
}

/** The archive members: a directory named like the archive, README.txt, one file per section. */
export function reportEntries(report: DiagnosticsResponse, base: string): TarEntry[] {
  const mtime = Math.floor(report.collectedAt / 1000);
  return [
    { name: `${base}/`, mtime },
    { name: `${base}/README.txt`, data: readmeText(report), mtime },
    ...Object.entries(report.sections).map(([name, text]) => ({ name: `${base}/${name}`, data: text, mtime })),
  ];
}

/** The bugreport command. */
export const bugreportCommand: CommandSpec = {
  name: 'bugreport',
  summary: 'write a redacted diagnostics bundle (.tar.gz) to attach to an issue',
  help: `Usage: cloudroof bugreport [-o FILE]

Asks the service for everything a maintainer needs to understand a problem (status, peers,
preferences, routes, sites, edge state, recent logs, the WireGuard device without private
keys, ip addr/route/rule, the nftables tables, versions, forwarding sysctls) and writes it as a
.tar.gz. The service redacts the mesh secret, private and preshared keys and public IP
addresses before sending anything; README.txt inside says what was collected. Prints the
path of the file. Reading the service's diagnostics needs access to its socket (root or the
cloudroof group).

Options:
  -o, --output FILE   where to write (default ./cloudroof-bugreport-<host>-<UTC time>.tar.gz);
                      an existing file is not overwritten
`,
  options: { output: { type: 'string', short: 'o' } },
  async run({ values, io, client }) {
    const report = await client().call('diagnostics');
    const base = reportBaseName(report);
    const file = resolve(stringOption(values, 'output') ?? `${base}.tar.gz`);
    const archive = tarGz(reportEntries(report, base));
    try {
      // 0600: the bundle describes this machine's network; it is for the user to share, not for everyone.
      await writeFile(file, archive, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new CliError(`${file} already exists; choose another name with -o`);
      throw new CliError(`cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    io.out(`${file}\n`);
    const r = report.redactions;
    io.err(`cloudroof: redacted ${r.secrets} secret occurrence(s), ${r.keys} key(s), ${r.publicIPv4 + r.publicIPv6} public address(es); see README.txt inside and review before sharing\n`);
    return EXIT_OK;
  },
};
