/**
 * Test support for in-process CLI tests: an {@link Io} that records output, and a stub control
 * client that records calls and answers from a table. Used by *.test.ts only.
 */
import type { ControlClient } from '../client/control-client';
import type { CommandSpec, OptionValues } from './command';
import type { Io } from './io';

/**
 * An Io that records stdout and stderr; `stdin` given = piped input (not a TTY). `answers` are
 * the lines typed at each `ask` (the questions go to stderr); '' once they run out.
 */
export function fakeIo(opts: { stdin?: string; tty?: boolean; answers?: string[] } = {}): Io & { stdout: string; stderr: string } {
  const answers = [...(opts.answers ?? [])];
  const io = {
    stdout: '', stderr: '',
    out(t: string) { io.stdout += t; },
    err(t: string) { io.stderr += t; },
    stdinIsTTY: opts.tty ?? opts.stdin === undefined,
    readStdin: async () => opts.stdin ?? '',
    ask: async (question: string) => { io.stderr += question; return answers.shift() ?? ''; },
    env: { CLOUDROOF_SOCKET: '/nonexistent/cloudroofd.sock' },
    onInterrupt: () => () => {},
  };
  return io;
}

/**
 * Runs `command` with `args` and a client stub: each call is recorded as `[name, body?]` and
 * answered with `answers[name]` (thrown when it is an Error), else `fallback`. `values` are the
 * parsed options the command sees (none by default; subcommand tables parse their own); `io`
 * the process it sees (default {@link fakeIo} with a terminal stdin).
 */
export async function runWithStub(
  command: CommandSpec, args: string[], answers: Record<string, unknown>, fallback?: unknown, values: OptionValues = {},
  io: ReturnType<typeof fakeIo> = fakeIo(),
): Promise<{ code: number; io: ReturnType<typeof fakeIo>; calls: unknown[][] }> {
  const calls: unknown[][] = [];
  const stub = {
    call: async (name: string, body?: unknown) => {
      calls.push(body === undefined ? [name] : [name, body]);
      const a = answers[name] ?? fallback;
      if (a instanceof Error) throw a;
      return a;
    },
  } as unknown as ControlClient;
  const code = await command.run({ values, positionals: args, args, io, socketPath: '/x', client: () => stub });
  return { code, io, calls };
}
