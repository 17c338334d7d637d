/**
 * Command-line parsing. Global options (`--socket PATH`, `--help`, `--version`) may stand
 * anywhere; the first other non-option word is the command; the rest is parsed with the
 * command's own options by `node:util` parseArgs in strict mode.
 */
import { parseArgs } from 'node:util';
import type { CommandSpec, OptionValues } from './command';
import { UsageError } from './errors';

/** Default path of cloudroofd's control socket. */
export const DEFAULT_SOCKET_PATH = '/run/cloudroof/cloudroofd.sock';

/** The argv split into global options, the command name and the command's arguments. */
export interface GlobalArgs {
  socket?: string;
  command?: string;
  /** Arguments for the command (or leftovers when there is no command). */
  rest: string[];
}

/** Splits argv (without node and script) into global options, command and the rest. */
export function splitGlobal(argv: readonly string[]): GlobalArgs {
  const out: GlobalArgs = { rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.rest.push(...argv.slice(i));
      break;
    }
    if (a === '--socket') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new UsageError('--socket needs a path');
      out.socket = v;
    } else if (a.startsWith('--socket=')) {
      out.socket = a.slice('--socket='.length);
      if (out.socket === '') throw new UsageError('--socket needs a path');
    } else if (out.command === undefined && !a.startsWith('-')) {
      out.command = a;
    } else {
      out.rest.push(a);
    }
  }
  return out;
}

/** The socket path: --socket, else env CLOUDROOF_SOCKET, else {@link DEFAULT_SOCKET_PATH}. */
export function resolveSocketPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return flag ?? (env['CLOUDROOF_SOCKET'] || DEFAULT_SOCKET_PATH);
}

/** Parsed arguments of one command. */
export interface CommandArgs {
  values: OptionValues;
  positionals: string[];
  help: boolean;
}

/** Parses a command's arguments strictly; unknown options and extra words are usage errors. */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): CommandArgs {
  if (spec.rawArgs) {
    const help = args.length > 0 && (args[0] === '--help' || args[0] === '-h');
    return { values: {}, positionals: [...args], help };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(usageMessage(err), spec.name);
  }
  const { help, ...values } = parsed.values as OptionValues;
  if (help !== true && parsed.positionals.length > (spec.maxPositionals ?? 0)) {
    // Not echoed: a stray word is often a secret pasted without its option.
    throw new UsageError('unexpected argument', spec.name);
  }
  return { values, positionals: parsed.positionals, help: help === true };
}

/** parseArgs' message (it names options, never values) on one line, minus the positional advice. */
function usageMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\. To specify a positional.*$/s, '').replace(/\n/g, ' ');
}
