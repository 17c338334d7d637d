/**
 * `cloudroof expose services` and `cloudroof expose check URL`: what the exposure wizard's first
 * steps show, for the command line. The services listed and the check run on the machine of the
 * service (the one that would expose them), not necessarily this shell's.
 */
import type { LocalService, ProbeSiteRequest, ProbeSiteResponse } from '../../shared/protocol';
import { formatTarget, parseHealthPath, parseTarget } from '../../shared/sites';
import { flagOption, jsonOption, stringOption, type CommandSpec } from '../command';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../errors';
import { formatFields, formatTable } from '../format';
import { toJsonOutput } from '../json-case';
import { asInput } from './expose';

/** The `expose services` table: port, address, process, pid, suggested URL, exposed as. */
export function formatLocalServices(services: readonly LocalService[]): string {
  if (services.length === 0) return 'No listening TCP services found on this machine.\n';
  const rows = [['PORT', 'ADDRESS', 'PROCESS', 'PID', 'URL', 'EXPOSED AS']];
  for (const s of services) {
    rows.push([String(s.port), s.address, s.process ?? '-', s.pid === undefined ? '-' : String(s.pid), s.url, s.exposedAs ?? '-']);
  }
  return formatTable(rows) + 'Expose one: cloudroof expose add NAME URL --hostname www.example.com\n';
}

/** The `expose check` text: what answered, or why nothing did. */
export function formatProbe(p: ProbeSiteResponse): string {
  if (!p.ok) return `${p.target} does not answer: ${p.error ?? 'no answer'}\n`;
  const latency = p.latencyMs === undefined ? '' : ` in ${p.latencyMs < 10 ? p.latencyMs.toFixed(1) : Math.round(p.latencyMs)} ms`;
  const fields: [string, string | undefined][] = [
    ['Content type', p.contentType], ['Server', p.server], ['Title', p.title], ['Redirects to', p.location],
  ];
  const shown = fields.filter(([, v]) => v !== undefined);
  return `${p.target} answers: HTTP ${p.status ?? '?'}${latency}\n${shown.length ? formatFields(shown) : ''}`;
}

const servicesSub: CommandSpec = {
  name: 'expose services',
  summary: '',
  help: `Usage: cloudroof expose services [--json]

Lists the TCP services listening on the service's machine, one per port and address family:
port, bound address, process and pid, the URL to expose it with, and the site that already
exposes it. cloudroofd's own sockets and those bound only to the mesh addresses are left out.

Options:
  --json   print { "services": [...] } with snake_case members
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const res = await client().call('localServices');
    io.out(flagOption(values, 'json') ? toJsonOutput(res) : formatLocalServices(res.services));
    return EXIT_OK;
  },
};

/** The probe request for the arguments (a bad URL or path throws SiteInputError). */
function probeRequest(url: string, healthPath: string | undefined): ProbeSiteRequest {
  return { target: formatTarget(parseTarget(url)), ...(healthPath !== undefined ? { healthPath: parseHealthPath(healthPath) } : {}) };
}

const checkSub: CommandSpec = {
  name: 'expose check',
  summary: '',
  help: `Usage: cloudroof expose check URL [--health-path PATH] [--json]

Checks once, without exposing anything, that URL (http://host:port, https://host:port or
host:port) answers HTTP from the service's machine: status, latency, content type, Server
header, redirect target and the page title, or why it does not answer (nothing listening, a
timeout after 5 s, not an HTTP server, a TLS error). Exit status 1 when it does not answer.

Options:
  --health-path PATH   path to request (default /)
  --json               print the answer as JSON (snake_case members)
`,
  options: { 'health-path': { type: 'string' }, ...jsonOption },
  maxPositionals: 1,
  async run({ values, positionals, io, client }) {
    const [url] = positionals;
    if (url === undefined) throw new UsageError('expose check needs URL', 'expose check');
    // Bad input, found here or by the service (invalid-site): exit 2.
    const req = await asInput(() => probeRequest(url, stringOption(values, 'health-path')));
    const res = await asInput(() => client().call('probeSite', req));
    io.out(flagOption(values, 'json') ? toJsonOutput(res) : formatProbe(res));
    return res.ok ? EXIT_OK : EXIT_ERROR;
  },
};

/** The subcommands of `expose` defined here, by name. */
export const exposeLocalSubcommands: Readonly<Record<string, CommandSpec>> = { services: servicesSub, check: checkSub };
