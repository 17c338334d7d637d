/**
 * `cloudroof secret show`: prints the stored mesh secret, to add another machine to the mesh.
 * The secret is a credential, so it is shown only on explicit request: confirmed at a terminal,
 * or with `--yes` (scripts); without a terminal and without `--yes` the command refuses. The
 * secret goes to stdout alone (pipe it to a file or to `cloudroof join` elsewhere); the question
 * and the warning go to stderr.
 */
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { CliError, EXIT_ERROR, EXIT_OK, EXIT_USAGE } from '../errors';
import { toJsonOutput } from '../json-case';
import { withSubcommands } from '../subcommands';

/** The confirmation question asked at a terminal. */
export const REVEAL_QUESTION =
  'Anyone who has the mesh secret can join this mesh. Show it? [y/N] ';

const showSub: CommandSpec = {
  name: 'secret show',
  summary: '',
  help: `Usage: cloudroof secret show [--yes] [--json]

Prints the mesh secret this node joined with, exactly as it was given to 'cloudroof join', so
another machine can join the same mesh (e.g. cloudroof secret show --yes | ssh host sudo cloudroof join).
Anyone with the secret can join the mesh: keep it off chat logs and shared screens.
At a terminal it asks first; otherwise --yes is required. Needs access to the control socket
(root or the cloudroof group).

Options:
  --yes    do not ask (required when stdin is not a terminal)
  --json   print { "secret": ..., "token": true|false } (token: in wgmesh://v1/ form)
`,
  options: { yes: { type: 'boolean', short: 'y' }, ...jsonOption },
  async run({ values, io, client }) {
    if (!flagOption(values, 'yes')) {
      if (!io.stdinIsTTY) throw new CliError('refusing to print the mesh secret without a terminal to confirm it; pass --yes', EXIT_USAGE);
      const answer = (await io.ask(REVEAL_QUESTION)).trim();
      if (!/^y(es)?$/i.test(answer)) {
        io.err('Not shown.\n');
        return EXIT_ERROR;
      }
    }
    const res = await client().call('revealSecret', { confirm: true });
    io.out(flagOption(values, 'json') ? toJsonOutput(res) : `${res.secret}\n`);
    return EXIT_OK;
  },
};

/** The secret command. */
export const secretCommand: CommandSpec = withSubcommands('secret', { show: showSub }, {
  summary: 'show the mesh secret (to add another machine)',
  help: `Usage: cloudroof secret show [--yes] [--json]

The mesh secret this node joined with. 'cloudroof secret show --help' describes the options.
To generate a new secret: cloudroof init --secret.
`,
});
