/**
 * The `cloudroof` command line: global options, command dispatch, help, and the mapping of
 * failures to `cloudroof: <message>` on stderr with exit 1 (error) or 2 (usage).
 */
import { ControlError } from '../shared/protocol';
import { parseCommandArgs, resolveSocketPath, splitGlobal, DEFAULT_SOCKET_PATH } from './args';
import { ControlClient } from '../client/control-client';
import type { CommandContext } from './command';
import { commands, findCommand } from './commands';
import { CliError, EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './errors';
import type { Io } from './io';
import { ClientError } from '../client/transport';

/** The top-level help. */
export function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `Usage: cloudroof [--socket PATH] COMMAND [OPTIONS]

Controls cloudroofd, the Cloudroof mesh service, over its local socket.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Global options:
  --socket PATH   control socket (env CLOUDROOF_SOCKET; default ${DEFAULT_SOCKET_PATH})
  -h, --help      help; 'cloudroof COMMAND --help' for a command's options
  -v, --version   same as 'cloudroof version'

Exit status: 0 success, 1 error, 2 usage error.
`;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    return report(err, io);
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const global = splitGlobal(argv);
  let { command } = global;
  let rest = global.rest;
  if (command === undefined) {
    if (rest.length === 0) {
      io.err(topHelp());
      return EXIT_USAGE;
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      io.out(topHelp());
      return EXIT_OK;
    }
    if (rest[0] !== '--version' && rest[0] !== '-v') throw new UsageError(`${optionName(rest[0])} needs a command`);
    command = 'version';
    rest = rest.slice(1);
  }
  if (command === 'help') return help(rest[0], io);
  const spec = findCommand(command);
  if (!spec) throw new UsageError(/^[a-z][a-z-]{0,20}$/.test(command) ? `unknown command '${command}'` : 'unknown command');
  const parsed = parseCommandArgs(spec, rest);
  if (parsed.help) {
    io.out(spec.help);
    return EXIT_OK;
  }
  const socketPath = resolveSocketPath(global.socket, io.env);
  let client: ControlClient | undefined;
  const ctx: CommandContext = {
    values: parsed.values,
    positionals: parsed.positionals,
    args: rest,
    io,
    socketPath,
    client: () => (client ??= new ControlClient({ socketPath })),
  };
  return spec.run(ctx);
}

function help(name: string | undefined, io: Io): number {
  if (name === undefined) {
    io.out(topHelp());
    return EXIT_OK;
  }
  const spec = findCommand(name);
  if (!spec) throw new UsageError('unknown command');
  io.out(spec.help);
  return EXIT_OK;
}

/** Names an option in an error without echoing a possible value (`--x=value`). */
function optionName(arg: string | undefined): string {
  return (arg ?? '').split('=')[0]?.slice(0, 32) ?? '';
}

/** Prints a failure and returns its exit code. Messages never contain the secret. */
function report(err: unknown, io: Io): number {
  if (err instanceof UsageError) {
    io.err(`cloudroof: ${err.message}\nRun 'cloudroof ${err.command ? err.command + ' ' : ''}--help' for usage.\n`);
    return EXIT_USAGE;
  }
  if (err instanceof CliError) {
    io.err(`cloudroof: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ControlError || err instanceof ClientError) {
    io.err(`cloudroof: ${err.message}\n`);
    return EXIT_ERROR;
  }
  io.err(`cloudroof: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT_ERROR;
}
