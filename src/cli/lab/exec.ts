// Running commands for the lab: argv arrays only (never a shell string), output collected, the exit
// status returned instead of thrown so callers can decide what a failure means.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** What a finished command produced. `code` is the exit code, or 128+N when killed by signal N. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options of {@link execArgv}: text written to stdin, a kill timeout, extra environment. */
export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `file` with `args` (no shell), waits for it to exit and returns its output and exit code.
 * Never rejects for a non-zero exit; a command that cannot be started yields code 127 and the
 * error in `stderr`. The child is killed with SIGKILL after `timeoutMs` (default 60 s).
 */
export function execArgv(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => undefined); // a child that exits early closes its stdin: EPIPE
    child.stdin.end(opts.input ?? '');
    child.on('error', (err) => resolve({ stdout, stderr: `${stderr}${err.message}`, code: 127 }));
    child.on('close', (code, signal) => resolve({ stdout, stderr, code: exitCode(code, signal) }));
  });
}

/** Like {@link execArgv} but rejects with the command line and its stderr when the exit code is not 0. */
export async function execChecked(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await execArgv(file, args, opts);
  if (r.code !== 0) {
    throw new Error(`${[file, ...args].join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Maps Node's (code, signal) pair to one shell-style exit status. */
export function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}
