/**
 * A scripted {@link CommandRunner} for unit tests: records every call and answers from a list
 * of rules (first match wins), so golden tests can assert the exact argv a config produces.
 */
import { CommandError } from './exec';
import type { CommandResult, CommandRunner, RunOptions } from './exec';

/** One recorded call of {@link FakeCommandRunner.run}. */
export interface RecordedCommand {
  argv: string[];
  input?: string;
}

/** A scripted answer: output, a failure, or a function computing either. */
export type FakeReply =
  | Partial<CommandResult>
  | { fail: { exitCode?: number; stderr?: string; missingBinary?: boolean } }
  | ((argv: readonly string[], input?: string) => Partial<CommandResult>);

interface Rule {
  match: (argv: readonly string[]) => boolean;
  reply: FakeReply;
  times: number;
}

/**
 * Records argv (and stdin) of each call. Unmatched calls succeed with empty output.
 * `on(prefix, reply)` answers calls whose argv starts with `prefix`; `once` answers one call.
 */
export class FakeCommandRunner implements CommandRunner {
  /** Every call in order. */
  readonly calls: RecordedCommand[] = [];
  private readonly rules: Rule[] = [];

  /** Answers every call whose argv starts with `prefix` (a predicate also works). */
  on(prefix: readonly string[] | ((argv: readonly string[]) => boolean), reply: FakeReply): this {
    this.rules.push({ match: toMatcher(prefix), reply, times: Infinity });
    return this;
  }

  /** Like {@link on}, but for the next matching call only. Takes precedence over `on`. */
  once(prefix: readonly string[] | ((argv: readonly string[]) => boolean), reply: FakeReply): this {
    this.rules.unshift({ match: toMatcher(prefix), reply, times: 1 });
    return this;
  }

  /** The argv of every call, each joined with spaces (handy for golden comparisons). */
  commands(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }

  /** Forgets the recorded calls (rules stay). */
  clear(): void {
    this.calls.length = 0;
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
    this.calls.push(opts.input === undefined ? { argv: [...argv] } : { argv: [...argv], input: opts.input });
    const rule = this.rules.find((r) => r.times > 0 && r.match(argv));
    if (!rule) return { stdout: '', stderr: '' };
    rule.times -= 1;
    const reply = rule.reply;
    if (typeof reply === 'function') {
      const out = reply(argv, opts.input);
      return { stdout: out.stdout ?? '', stderr: out.stderr ?? '' };
    }
    if ('fail' in reply) {
      throw new CommandError(argv, {
        exitCode: reply.fail.missingBinary ? null : (reply.fail.exitCode ?? 1),
        stderr: reply.fail.stderr ?? '',
        missingBinary: reply.fail.missingBinary ?? false,
      });
    }
    return { stdout: reply.stdout ?? '', stderr: reply.stderr ?? '' };
  }
}

function toMatcher(prefix: readonly string[] | ((argv: readonly string[]) => boolean)): (argv: readonly string[]) => boolean {
  if (typeof prefix === 'function') return prefix;
  return (argv) => prefix.every((p, i) => argv[i] === p);
}
