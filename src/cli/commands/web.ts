/**
 * `cloudroof web`: turns on the local web console (the desktop app's screens in a browser, for
 * headless machines) and prints its URL, or turns it off with `--stop`.
 */
import os from 'node:os';
import type { WebConsoleEnableRequest, WebConsoleState } from '../../shared/protocol';
import { flagOption, jsonOption, stringOption, type CommandSpec } from '../command';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../errors';
import { toJsonOutput } from '../json-case';
import { portOption } from './shared';

/** The text `cloudroof web` prints for an enabled console (the URL carries the token). */
export function formatWebConsole(state: WebConsoleState, host: string): string {
  if (!state.enabled) return 'The web console is off.\n';
  const lines: string[] = [];
  if (state.url) {
    const port = state.port ?? new URL(state.url).port;
    lines.push(
      `Web console: ${state.url}`, '',
      'Open it in a browser on this machine. From another machine, forward the port over SSH:',
      `  ssh -L ${port}:127.0.0.1:${port} ${host}`,
      'and open the same URL there (keep the same port on both ends: the console answers only', `to 127.0.0.1:${port}, localhost:${port} and [::1]:${port}).`, '',
      'Anyone who has this URL can control this node: keep it private. \'cloudroof web --new-token\'',
      'replaces it (open pages must then be reopened); \'cloudroof web --stop\' turns the console off.',
    );
  } else {
    lines.push(`The web console is enabled on port ${state.port ?? '?'} but not listening.`);
  }
  return lines.join('\n') + '\n';
}

/** The web command. */
export const webCommand: CommandSpec = {
  name: 'web',
  summary: 'open the web console (the app\'s screens in a browser, on 127.0.0.1)',
  help: `Usage: cloudroof web [--port N] [--new-token] [--json]
       cloudroof web --stop

Turns on the web console and prints its URL: the same screens as the desktop app, served by
cloudroofd on 127.0.0.1 (and [::1]) only, for machines without a desktop. From another machine,
forward the port over SSH (ssh -L 7475:127.0.0.1:7475 HOST, the same port on both ends) and
open the URL there. The URL carries an access token: anyone who has it can control this node.
The console stays on across restarts of the service until 'cloudroof web --stop'.

Options:
  --port N       TCP port on 127.0.0.1 (default 7475, or the port used before)
  --new-token    replace the access token (open pages must be reopened with the new URL)
  --stop         turn the web console off
  --json         print the console's state as JSON (it includes the URL)
`,
  options: { port: { type: 'string' }, 'new-token': { type: 'boolean' }, stop: { type: 'boolean' }, ...jsonOption },
  async run({ values, io, client }) {
    const port = portOption(stringOption(values, 'port'), '--port');
    const newToken = flagOption(values, 'new-token');
    const json = flagOption(values, 'json');
    if (flagOption(values, 'stop')) {
      if (port !== undefined || newToken) throw new UsageError('--stop takes no --port or --new-token', 'web');
      const state = await client().call('disableWebConsole', {});
      io.out(json ? toJsonOutput(state) : formatWebConsole(state, os.hostname()));
      return EXIT_OK;
    }
    const req: WebConsoleEnableRequest = { ...(port !== undefined ? { port } : {}), ...(newToken ? { newToken } : {}) };
    const state = await client().call('enableWebConsole', req);
    io.out(json ? toJsonOutput(state) : formatWebConsole(state, os.hostname()));
    if (!state.error) return EXIT_OK;
    if (!json) io.err(`cloudroof: ${state.error}\n`);
    return EXIT_ERROR;
  },
};
