/**
 * Where the CLI takes a mesh secret from: `--secret-file PATH`, stdin (`--secret -`, or
 * implicitly when stdin is not a terminal), or `--secret S` (accepted, with a warning, because
 * a command-line argument ends up in shell history and in every user's process list). The
 * secret is checked locally with the wgmesh rules before it is sent anywhere.
 */
import { readFile } from 'node:fs/promises';
import { parseSecret, SecretError } from '../shared/mesh/secret';
import { stringOption, type OptionValues, type OptionsConfig } from './command';
import { CliError, UsageError } from './errors';
import type { Io } from './io';

/** Options `--secret` and `--secret-file`. */
export const secretOptions: OptionsConfig = {
  'secret': { type: 'string' },
  'secret-file': { type: 'string' },
};

/** Most bytes read from a secret file or stdin. */
const MAX_SECRET_INPUT = 64 * 1024;

/** The warning printed for `--secret S`. */
export const ARGV_SECRET_WARNING =
  'cloudroof: warning: a secret given with --secret lands in your shell history and the process list; ' +
  'prefer --secret-file PATH or piping it on stdin\n';

/**
 * Reads the secret input (token or raw secret, whitespace-trimmed). With `implicitStdin`, a
 * non-terminal stdin is read when no option names a source. Resolves undefined when there is
 * no source.
 */
export async function readSecretInput(values: OptionValues, io: Io, command: string, implicitStdin: boolean): Promise<string | undefined> {
  const secret = stringOption(values, 'secret');
  const file = stringOption(values, 'secret-file');
  if (secret !== undefined && file !== undefined) throw new UsageError('use either --secret or --secret-file, not both', command);
  let input: string | undefined;
  if (secret === '-' || file === '-' || (secret === undefined && file === undefined && implicitStdin && !io.stdinIsTTY)) {
    input = await io.readStdin(MAX_SECRET_INPUT).catch((err: unknown) => {
      throw new CliError(`cannot read the secret from stdin: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (input.trim() === '') throw new CliError('no secret on stdin');
  } else if (file !== undefined) {
    input = await readSecretFile(file);
  } else if (secret !== undefined) {
    io.err(ARGV_SECRET_WARNING);
    input = secret;
  }
  return input?.trim();
}

async function readSecretFile(file: string): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_SECRET_INPUT) throw new CliError(`secret file ${file} is too large`);
    return text;
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError(`cannot read secret file ${file} (${code})`);
  }
}

/**
 * Checks the secret with the wgmesh rules (spec 1.2) and returns the raw secret. The error
 * says what is wrong without repeating any of the input.
 */
export function validateSecret(input: string): string {
  try {
    return parseSecret(input);
  } catch (err) {
    if (err instanceof SecretError) {
      throw new CliError(err.code === 'secret-too-short'
        ? 'invalid secret: it must be at least 16 bytes (not counting a wgmesh://v1/ prefix); generate one with: cloudroof init --secret'
        : 'invalid secret: it is empty');
    }
    throw err;
  }
}
