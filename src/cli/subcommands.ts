/**
 * Commands with subcommands (`routes`, `expose`, `edge`): the word after the command picks the
 * subcommand, which parses its own options strictly and has its own `--help`.
 */
import { parseCommandArgs } from './args';
import type { CommandContext, CommandSpec } from './command';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors';

/**
 * A command that dispatches to `subcommands` by the next word. `bare` runs when no word (or only
 * options) follows; without it, a subcommand is required. The command's own help is `bare`'s,
 * or `help`.
 */
export function withSubcommands(
  name: string, subcommands: Readonly<Record<string, CommandSpec>>, opts: { bare?: CommandSpec; summary: string; help: string },
): CommandSpec {
  const run = async (ctx: CommandContext): Promise<number> => {
    const [word, ...rest] = ctx.args;
    const bareCall = word === undefined || word.startsWith('-');
    if (bareCall && !opts.bare && (word === '--help' || word === '-h' || word === undefined)) {
      ctx.io.out(opts.help);
      return word === undefined ? EXIT_USAGE : EXIT_OK;
    }
    const sub = bareCall ? opts.bare : Object.hasOwn(subcommands, word) ? subcommands[word] : undefined;
    if (!sub) throw new UsageError(/^[a-z]{1,20}$/.test(word ?? '') ? `unknown ${name} subcommand '${word}'` : `unknown ${name} subcommand`, name);
    const args = bareCall ? ctx.args : rest;
    const parsed = parseCommandArgs(sub, args);
    if (parsed.help) {
      ctx.io.out(sub.help);
      return EXIT_OK;
    }
    return sub.run({ ...ctx, values: parsed.values, positionals: parsed.positionals, args });
  };
  return { name, summary: opts.summary, help: opts.help, options: {}, rawArgs: true, run };
}
