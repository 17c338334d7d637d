/**
 * `cloudroof set`: changes the service's settings that override its flags, kept across restarts
 * (PATCH /v1/prefs): the WireGuard interface name and UDP port. Values are checked locally
 * first (exit 2, nothing sent); the service checks them again against the platform's rules and
 * the ports in use, and changes nothing when it refuses.
 */
import { ControlError, type PrefsPatch, type Status } from '../../shared/protocol';
import { flagOption, jsonOption, stringOption, type CommandSpec } from '../command';
import { CliError, EXIT_OK, EXIT_USAGE, UsageError } from '../errors';
import { formatFields } from '../format';
import { toJsonOutput } from '../json-case';
import { checkInterfaceName, portOption } from './shared';

/** The patch for the options; bad values are usage errors. */
export function settingsPatch(iface: string | undefined, port: string | undefined): PrefsPatch {
  if (iface === undefined && port === undefined) throw new UsageError('set needs --interface NAME or --listen-port N', 'set');
  const patch: PrefsPatch = {};
  if (iface !== undefined) {
    try {
      patch.interfaceName = checkInterfaceName(iface);
    } catch (err) {
      throw new CliError((err as Error).message, EXIT_USAGE);
    }
  }
  const listenPort = portOption(port, '--listen-port');
  return listenPort === undefined ? patch : { ...patch, listenPort };
}

/** What changed, in words: the new interface and port, and whether the node moved to them. */
export function formatSettings(before: Status, after: Status): string {
  const moved = before.tunnelState === 'connected' && (before.interface !== after.interface || before.listenPort !== after.listenPort);
  const was = (a: unknown, b: unknown): string => (a !== undefined && a !== b ? ` (was ${String(a)})` : '');
  return formatFields([
    ['Interface', `${after.interface}${was(before.interface, after.interface)}`],
    ['Listen port', after.listenPort === undefined ? 'chosen when joining' : `${after.listenPort}${was(before.listenPort, after.listenPort)}`],
    ['State', after.tunnelState + (moved && after.tunnelState === 'connected' ? ' (reconnected on the new interface and port)' : '')],
  ]);
}

/** The set command. */
export const setCommand: CommandSpec = {
  name: 'set',
  summary: 'change the WireGuard interface name or UDP port (kept across restarts)',
  help: `Usage: cloudroof set [--interface NAME] [--listen-port N] [--json]

Changes settings of cloudroofd that override its --interface and --listen-port flags and are
kept across restarts. While joined, the node reconnects on the new interface and port at once
(peers find it again within seconds); if it cannot, the previous ones are kept. A name another
interface already has, or a UDP port in use on the machine, is refused and nothing changes.
Needs root.

Options:
  --interface NAME   WireGuard interface (Linux: up to 15 letters, digits, '_' or '-',
                     starting with a letter; macOS: utunN)
  --listen-port N    WireGuard UDP port, 1-65535 (forward it on your router for NAT traversal)
  --json             print the resulting preferences as JSON
`,
  options: { 'interface': { type: 'string' }, 'listen-port': { type: 'string' }, ...jsonOption },
  async run({ values, io, client }) {
    const patch = settingsPatch(stringOption(values, 'interface'), stringOption(values, 'listen-port'));
    const c = client();
    const before = await c.call('status');
    let prefs;
    try {
      prefs = await c.call('patchPrefs', patch);
    } catch (err) {
      if (err instanceof ControlError && err.code === 'invalid-interface') throw new CliError(err.message, EXIT_USAGE);
      throw err;
    }
    io.out(flagOption(values, 'json') ? toJsonOutput(prefs) : formatSettings(before, await c.call('status')));
    return EXIT_OK;
  },
};
