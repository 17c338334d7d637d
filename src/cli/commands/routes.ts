/**
 * `cloudroof routes [SUBCOMMAND]`: LAN routes this node advertises to the mesh and accepts from
 * it. Each subcommand has its own options and help; prefixes are checked locally with the
 * shared parser before the service is contacted (bad input: exit 2, nothing sent).
 */
import { ControlError, type RoutesState } from '../../shared/protocol';
import { parseAdvertisedPrefix, RouteInputError } from '../../shared/routes';
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { CliError, EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from '../errors';
import { toJsonOutput } from '../json-case';
import { withSubcommands } from '../subcommands';
import {
  formatAdvertiseResult, formatCheck, formatNetworks, formatRoutes, formatWithdrawResult,
} from './routes-format';

/** Service error codes that mean the user's input was refused (exit 2, like local checks). */
const INPUT_ERRORS = new Set(['invalid-route', 'route-not-local', 'route-overlaps-mesh']);

/** Canonical prefixes for the positionals; an invalid one is exit 2 with the parser's message. */
export function checkPrefixes(args: readonly string[]): string[] {
  const out = new Set<string>();
  for (const a of args) {
    try {
      out.add(parseAdvertisedPrefix(a));
    } catch (err) {
      if (err instanceof RouteInputError) throw new CliError(err.message, EXIT_USAGE);
      throw err;
    }
  }
  return [...out];
}

/** Runs a service call, turning refusals of the input into exit-2 errors. */
async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ControlError && INPUT_ERRORS.has(err.code)) throw new CliError(err.message, EXIT_USAGE);
    throw err;
  }
}

const USAGE = `Usage: cloudroof routes [--json]
       cloudroof routes detect [--json]
       cloudroof routes advertise CIDR... [--no-masquerade] [--force] [--json]
       cloudroof routes advertise --auto [--no-masquerade] [--json]
       cloudroof routes withdraw CIDR... | --all [--json]
       cloudroof routes accept on|off
       cloudroof routes check [--json]`;

const listSub: CommandSpec = {
  name: 'routes',
  summary: 'LAN routes: advertise this machine\'s networks, accept those of others',
  help: `${USAGE}

Makes networks this machine is attached to (a home LAN with a printer or a NAS) reachable from
the other mesh nodes, and installs the routes they advertise. Without a subcommand, shows the
routes advertised here (prefix, masquerade, LAN interface, state), those accepted from other
nodes (via which node, installed or why not, standby advertisers) and the accept setting.
'cloudroof routes SUBCOMMAND --help' describes each subcommand.

Subcommands:
  detect      networks of this machine that could be advertised
  advertise   advertise prefixes (needs root)
  withdraw    stop advertising prefixes (needs root)
  accept      install routes other nodes advertise, or not (needs root; default on)
  check       preflight: forwarding, rp_filter, firewall, conflicting routes, with fixes

Options:
  --json   machine-readable output (snake_case members)
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const state = await client().call('routes');
    io.out(flagOption(values, 'json') ? toJsonOutput(state) : formatRoutes(state));
    return EXIT_OK;
  },
};

const detectSub: CommandSpec = {
  name: 'routes detect',
  summary: '',
  help: `Usage: cloudroof routes detect [--json]

Lists the networks this machine is attached to (interface, address, network, whether the
default route uses it): the candidates for 'cloudroof routes advertise'.

Options:
  --json   print { "networks": [...] } with snake_case members
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const { networks } = await client().call('detectRoutes');
    io.out(flagOption(values, 'json') ? toJsonOutput({ networks }) : formatNetworks(networks));
    return EXIT_OK;
  },
};

const advertiseSub: CommandSpec = {
  name: 'routes advertise',
  summary: '',
  help: `Usage: cloudroof routes advertise CIDR... [--no-masquerade] [--force] [--json]
       cloudroof routes advertise --auto [--no-masquerade] [--json]

Advertises networks to the mesh, so every node can reach the devices on them at their LAN
addresses. Each CIDR must be a network address (192.168.1.0/24, not 192.168.1.5/24); default
routes (0.0.0.0/0, ::/0) and prefixes overlapping the mesh subnet are refused. Advertising a
prefix again changes its masquerade setting. Needs root.

Options:
  --auto            advertise the networks 'cloudroof routes detect' finds
  --no-masquerade   keep the mesh source addresses; LAN devices then need a route back to
                    the mesh through this machine
  --force           advertise a prefix even though none of this machine's networks overlap it
  --json            print the resulting route state as JSON
`,
  options: { 'auto': { type: 'boolean' }, 'no-masquerade': { type: 'boolean' }, 'force': { type: 'boolean' }, ...jsonOption },
  maxPositionals: 100,
  async run({ values, positionals, io, client }) {
    const auto = flagOption(values, 'auto');
    if (auto === (positionals.length > 0)) {
      throw new UsageError(auto ? 'give either CIDRs or --auto, not both' : 'routes advertise needs CIDR... or --auto', 'routes advertise');
    }
    const prefixes = checkPrefixes(positionals);
    const state = await send(() => client().call('advertiseRoutes', {
      prefixes,
      ...(auto ? { auto: true } : {}),
      ...(flagOption(values, 'no-masquerade') ? { masquerade: false } : {}),
      ...(flagOption(values, 'force') ? { force: true } : {}),
    }));
    const asked = auto ? undefined : prefixes;
    if (flagOption(values, 'json')) io.out(toJsonOutput(state));
    else io.out(formatAdvertiseResult(state, asked));
    return reportFailures(state, asked, io.err);
  },
};

/** Prints the errors of the asked-for routes to stderr; exit 1 when there are any. */
function reportFailures(state: RoutesState, asked: readonly string[] | undefined, err: (t: string) => void): number {
  const failed = state.advertised.filter((r) => r.state === 'error' && (asked === undefined || asked.includes(r.prefix)));
  for (const r of failed) err(`cloudroof: ${r.prefix}: ${r.error ?? 'failed'}; 'cloudroof routes check' may say why\n`);
  return failed.length > 0 ? EXIT_ERROR : EXIT_OK;
}

const withdrawSub: CommandSpec = {
  name: 'routes withdraw',
  summary: '',
  help: `Usage: cloudroof routes withdraw CIDR... | --all [--json]

Stops advertising prefixes; the rules and settings added for them are removed and forwarding
is restored to what it was once nothing is advertised. Needs root.

Options:
  --all    withdraw every advertised prefix
  --json   print the resulting route state as JSON
`,
  options: { all: { type: 'boolean' }, ...jsonOption },
  maxPositionals: 100,
  async run({ values, positionals, io, client }) {
    const all = flagOption(values, 'all');
    if (all === (positionals.length > 0)) {
      throw new UsageError(all ? 'give either CIDRs or --all, not both' : 'routes withdraw needs CIDR... or --all', 'routes withdraw');
    }
    const prefixes = checkPrefixes(positionals);
    const state = await send(() => client().call('withdrawRoutes', all ? { all: true } : { prefixes }));
    io.out(flagOption(values, 'json') ? toJsonOutput(state) : formatWithdrawResult(state, all ? undefined : prefixes));
    return EXIT_OK;
  },
};

const acceptSub: CommandSpec = {
  name: 'routes accept',
  summary: '',
  help: `Usage: cloudroof routes accept on|off

Whether this node installs the routes other nodes advertise (default on). Routes that overlap a
network this machine is attached to are never installed. Needs root.
`,
  options: {},
  maxPositionals: 1,
  async run({ positionals, io, client }) {
    const [word] = positionals;
    if (word !== 'on' && word !== 'off') throw new UsageError('routes accept needs on or off', 'routes accept');
    const prefs = await client().call('patchPrefs', { acceptRoutes: word === 'on' });
    io.out(`Accepting routes from other nodes: ${prefs.acceptRoutes ? 'on' : 'off'}\n`);
    return EXIT_OK;
  },
};

const checkSub: CommandSpec = {
  name: 'routes check',
  summary: '',
  help: `Usage: cloudroof routes check [--json]

Checks what routing through this machine needs: IP forwarding, reverse-path filtering, a
firewall that would drop forwarded traffic, routes that conflict with advertised or accepted
ones. Prints each problem with its fix. Exit status 1 when any problem is an error.

Options:
  --json   print { "ok": ..., "findings": [...] }
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const check = await client().call('checkRoutes');
    io.out(flagOption(values, 'json') ? toJsonOutput(check) : formatCheck(check));
    return check.findings.some((f) => f.severity === 'error') ? EXIT_ERROR : EXIT_OK;
  },
};

/** The subcommands by the word after `routes`. */
const SUBCOMMANDS: Readonly<Record<string, CommandSpec>> = {
  detect: detectSub, advertise: advertiseSub, withdraw: withdrawSub, accept: acceptSub, check: checkSub,
};

/** The routes command (subcommands parse their own options). */
export const routesCommand: CommandSpec = withSubcommands('routes', SUBCOMMANDS, { bare: listSub, summary: listSub.summary, help: listSub.help });
