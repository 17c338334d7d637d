/** The shape of a `cloudroof` command and what it gets to run. */
import type { ParseArgsConfig } from 'node:util';
import type { ControlClient } from '../client/control-client';
import type { Io } from './io';

/** Option definitions in `node:util` parseArgs form. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Parsed option values. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Everything a command's `run` receives. */
export interface CommandContext {
  /** Parsed options of the command (globals removed). */
  values: OptionValues;
  /** Positional arguments after the command name. */
  positionals: string[];
  /** For `rawArgs` commands: the arguments after the command name, unparsed. */
  args: string[];
  io: Io;
  /** Control socket path (from --socket, CLOUDROOF_SOCKET or the default). */
  socketPath: string;
  /** A client of the control socket (created on first use). */
  client(): ControlClient;
}

/** One command: its name, help text, options and implementation. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text (usage line first). */
  help: string;
  options: OptionsConfig;
  /** Highest number of positionals accepted (default 0). */
  maxPositionals?: number;
  /** Skip option parsing and pass the arguments through (`demo`). */
  rawArgs?: boolean;
  /** Runs the command; resolves with the exit code. Throws CliError/UsageError/ControlError. */
  run(ctx: CommandContext): Promise<number>;
}

/** A string option's value (undefined if absent). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a string option given several times (`multiple: true`), in order; [] if absent. */
export function stringListOption(values: OptionValues, name: string): string[] {
  return [values[name]].flat().filter((x): x is string => typeof x === 'string');
}

/** A boolean option's value. */
export function flagOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** The `--json` option shared by most commands. */
export const jsonOption: OptionsConfig = { json: { type: 'boolean' } };
