/** `cloudroof init --secret`: prints a new mesh secret token. */
import { generateSecretToken } from '../../shared/mesh/secret';
import { flagOption, type CommandSpec } from '../command';
import { EXIT_OK, UsageError } from '../errors';

/** The init command. */
export const initCommand: CommandSpec = {
  name: 'init',
  summary: 'generate a new mesh secret',
  help: `Usage: cloudroof init --secret

Prints a new mesh secret (wgmesh://v1/ followed by 128 random bytes in base64url) on one line.
Every node of a mesh joins with the same secret. Treat it like a password: store it in a file
readable only by you and pass it with 'cloudroof join --secret-file PATH'.
`,
  options: { secret: { type: 'boolean' } },
  async run({ values, io }) {
    if (!flagOption(values, 'secret')) throw new UsageError('init needs --secret (it prints a new mesh secret)', 'init');
    io.out(generateSecretToken() + '\n');
    return EXIT_OK;
  },
};
