/**
 * `cloudroof expose add|list|remove`: sites this node (an origin) offers to the mesh's edges.
 * Input is checked locally with the shared allow-lists before the service is contacted (bad
 * input: exit 2, nothing sent).
 */
import {
  formatTarget, parseHealthInterval, parseHealthPath, parseHostnames, parseSiteName, parseTarget, SiteInputError,
} from '../../shared/sites';
import { ControlError, type ExposeRequest } from '../../shared/protocol';
import { flagOption, jsonOption, stringListOption, stringOption, type CommandSpec } from '../command';
import { CliError, EXIT_OK, EXIT_USAGE, UsageError } from '../errors';
import { toJsonOutput } from '../json-case';
import { withSubcommands } from '../subcommands';
import { formatSites, siteSummary } from './sites-format';
import { exposeLocalSubcommands } from './expose-local';
import { exposeVerifySubcommands } from './expose-verify';

/** Service error codes that mean the input was refused (exit 2). */
const INPUT_ERRORS = new Set(['invalid-site', 'site-not-found']);

/** Runs `fn`, turning a SiteInputError or a refused input into an exit-2 error. */
export async function asInput<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SiteInputError) throw new CliError(err.message, EXIT_USAGE);
    if (err instanceof ControlError && INPUT_ERRORS.has(err.code)) throw new CliError(err.message, EXIT_USAGE);
    throw err;
  }
}

const addSub: CommandSpec = {
  name: 'expose add',
  summary: '',
  help: `Usage: cloudroof expose add NAME TARGET --hostname HOST [--hostname HOST...]
                             [--health-path PATH] [--health-interval SECONDS] [--json]

Offers a local service to the mesh's edges, which serve it to the public at each HOST. TARGET
is http://host:port, https://host:port or host:port (e.g. http://127.0.0.1:8080); the service
forwards from this node's mesh addresses to it, reachable from mesh peers only, so the machine
needs no open port and no public address. Adding a NAME again replaces that site. A target
that does not answer is still added and shown as unhealthy. Needs root.

Options:
  --hostname HOST          public name (repeat for several), e.g. www.example.com
  --health-path PATH       path checked locally and by the edges (default /)
  --health-interval SECS   seconds between local checks, 2–300 (default 10)
  --json                   print the resulting site list as JSON
`,
  options: { hostname: { type: 'string', multiple: true }, 'health-path': { type: 'string' }, 'health-interval': { type: 'string' }, ...jsonOption },
  maxPositionals: 2,
  async run({ values, positionals, io, client }) {
    const [name, target] = positionals;
    if (name === undefined || target === undefined) throw new UsageError('expose add needs NAME and TARGET', 'expose add');
    const interval = stringOption(values, 'health-interval');
    const healthPath = stringOption(values, 'health-path');
    const req: ExposeRequest = await asInput(() => ({
      name: parseSiteName(name), target: formatTarget(parseTarget(target)), hostnames: parseHostnames(stringListOption(values, 'hostname')),
      ...(healthPath !== undefined ? { healthPath: parseHealthPath(healthPath) } : {}),
      ...(interval !== undefined ? { healthIntervalS: parseHealthInterval(Number(interval)) } : {}),
    }));
    const res = await asInput(() => client().call('exposeSite', req));
    if (flagOption(values, 'json')) io.out(toJsonOutput(res));
    else {
      const site = res.sites.find((s) => s.name === req.name);
      io.out(`Exposed ${req.name} (${req.target}) as ${req.hostnames.join(', ')}${site?.meshPort ? ` on mesh port ${site.meshPort}` : ''}.\n`);
      if (site) io.out(`${siteSummary(site)}\nFollow it with: cloudroof expose list\n`);
    }
    return EXIT_OK;
  },
};

const listSub: CommandSpec = {
  name: 'expose list',
  summary: '',
  help: `Usage: cloudroof expose list [--json]

Sites this node exposes: target, local health, hostnames, the mesh port, and every edge that
reported on the site (serving, unreachable, missing certificate, conflict) with the public URLs
that work.

Options:
  --json   machine-readable output (snake_case members)
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const res = await client().call('sites');
    io.out(flagOption(values, 'json') ? toJsonOutput(res) : formatSites(res.sites, Date.now()));
    return EXIT_OK;
  },
};

const removeSub: CommandSpec = {
  name: 'expose remove',
  summary: '',
  help: `Usage: cloudroof expose remove NAME [--json]

Stops offering a site: the mesh-side listener and its firewall rule are removed and the edges
stop serving it at once. Needs root.
`,
  options: { ...jsonOption },
  maxPositionals: 1,
  async run({ values, positionals, io, client }) {
    const [name] = positionals;
    if (name === undefined) throw new UsageError('expose remove needs NAME', 'expose remove');
    const res = await asInput(async () => client().call('removeSite', { name: parseSiteName(name) }));
    io.out(flagOption(values, 'json') ? toJsonOutput(res) : `Removed ${name}; edges stop serving it.\n`);
    return EXIT_OK;
  },
};

/** The expose command. */
export const exposeCommand: CommandSpec = withSubcommands('expose', { add: addSub, list: listSub, remove: removeSub, ...exposeLocalSubcommands, ...exposeVerifySubcommands }, {
  summary: 'expose local services through the mesh\'s edges (origin)',
  help: `Usage: cloudroof expose add NAME TARGET --hostname HOST... [options]
       cloudroof expose list [--json]
       cloudroof expose remove NAME
       cloudroof expose services [--json]
       cloudroof expose check URL [--health-path PATH] [--json]
       cloudroof expose verify NAME [--edge EDGE]... [options]

Makes a service on this machine (or its LAN) public through the edges of the mesh, which
terminate TLS, cache and forward to it over WireGuard. 'cloudroof expose SUBCOMMAND --help'
describes each subcommand.
`,
});


