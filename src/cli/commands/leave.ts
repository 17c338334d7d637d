/** `cloudroof leave`: leaves the mesh. */
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { EXIT_OK } from '../errors';
import { toJsonOutput } from '../json-case';

/** The leave command. */
export const leaveCommand: CommandSpec = {
  name: 'leave',
  summary: 'leave the mesh and take the tunnel down',
  help: `Usage: cloudroof leave [--json]

Leaves the mesh: cloudroofd forgets the secret and removes the WireGuard interface. The node's
key pair is kept, so it gets the same mesh address when it joins again.

Options:
  --json   print the resulting status as JSON
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const status = await client().leave();
    io.out(flagOption(values, 'json') ? toJsonOutput(status) : `Left the mesh; tunnel ${status.tunnelState}\n`);
    return EXIT_OK;
  },
};
