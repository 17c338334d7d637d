/** `cloudroof demo`: hands its arguments to the lab's demo (src/cli/lab/demo.ts), loaded on demand. */
import type { CommandSpec } from '../command';
import { EXIT_OK } from '../errors';

/** The demo command; its options belong to the lab, so they are passed through unparsed. */
export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'run a local demo mesh in network namespaces (root)',
  help: `Usage: cloudroof demo [ARGS...]

Builds a demo mesh on this machine. Run 'cloudroof demo --help' for its options.
`,
  options: {},
  rawArgs: true,
  async run({ args }) {
    const { runDemo } = await import('../lab/demo.js');
    const code: unknown = await runDemo(args);
    return typeof code === 'number' ? code : EXIT_OK;
  },
};
