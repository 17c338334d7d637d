/** `cloudroof version`: the CLI's version, and the service's when it answers. */
import { PROTOCOL_VERSION, type VersionInfo } from '../../shared/protocol';
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { EXIT_OK } from '../errors';
import { toJsonOutput } from '../json-case';
import { CLI_VERSION } from '../version';

/** The version command (also `--version`, `-v`). */
export const versionCommand: CommandSpec = {
  name: 'version',
  summary: 'print the versions of cloudroof and cloudroofd',
  help: `Usage: cloudroof version [--json]

Prints 'cloudroof version V', then cloudroofd's version and protocol version if it answers.
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    let service: VersionInfo | undefined;
    let problem: string | undefined;
    try {
      service = await client().version();
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    if (flagOption(values, 'json')) {
      io.out(toJsonOutput({ version: CLI_VERSION, protocolVersion: PROTOCOL_VERSION, service: service ?? null }));
      return EXIT_OK;
    }
    io.out(`cloudroof version ${CLI_VERSION}\n`);
    if (service) {
      io.out(`cloudroofd version ${service.version} (protocol ${service.protocolVersion})\n`);
      if (service.protocolVersion !== PROTOCOL_VERSION) {
        io.err(`cloudroof: warning: this CLI speaks protocol ${PROTOCOL_VERSION}, cloudroofd speaks ${service.protocolVersion}\n`);
      }
    } else {
      io.out(`cloudroofd: not reachable (${problem})\n`);
    }
    return EXIT_OK;
  },
};
