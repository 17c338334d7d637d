/**
 * The command seam: every external program the service runs (`ip`, `wg`, `nft`, `ifconfig`…)
 * goes through a {@link CommandRunner}. Commands are argv arrays handed to `execFile`, never a
 * shell string, so no value (an interface name, a CIDR from the network) can be interpreted by
 * a shell. Secrets travel on stdin only: argv is visible to every local user in /proc.
 */
import { execFile } from 'node:child_process';

/** Output of a command that exited with status 0. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Per-call options of {@link CommandRunner.run}. */
export interface RunOptions {
  /** Written to the child's stdin, then stdin is closed. Never included in errors or logs. */
  input?: string;
  /** Kill the child (SIGTERM) after this many milliseconds and reject. */
  timeoutMs?: number;
}

/** Runs one program to completion. Rejects with {@link CommandError} on any failure. */
export interface CommandRunner {
  run(argv: readonly string[], opts?: RunOptions): Promise<CommandResult>;
}

const packageHints: Record<string, string> = {
  ip: 'iproute2',
  wg: 'wireguard-tools',
  'wireguard-go': 'wireguard-go',
  nft: 'nftables',
};

/** The distribution package that provides `binary` (Debian names), if known. */
export function packageHintFor(binary: string): string | undefined {
  const base = binary.slice(binary.lastIndexOf('/') + 1);
  return packageHints[base];
}

/** Details of a failed command; see {@link CommandError}. */
export interface CommandErrorDetails {
  /** Exit status, or null when the child was killed by a signal or never started. */
  exitCode: number | null;
  stderr: string;
  /** The program could not be found (ENOENT). */
  missingBinary?: boolean;
  timedOut?: boolean;
  signal?: string | null;
}

/**
 * A command failed to start, exited non-zero, or timed out. The message names the argv, the
 * exit status and stderr (trimmed), never the stdin input, so it is safe to log.
 */
export class CommandError extends Error {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  /** True when the program does not exist; see {@link packageHint}. */
  readonly missingBinary: boolean;
  /** Package to install when {@link missingBinary} is set (e.g. `wireguard-tools` for `wg`). */
  readonly packageHint: string | undefined;
  readonly timedOut: boolean;
  readonly signal: string | null;

  constructor(argv: readonly string[], d: CommandErrorDetails) {
    const missing = d.missingBinary ?? false;
    const hint = missing ? packageHintFor(argv[0] ?? '') : undefined;
    super(describe(argv, d, missing, hint));
    this.name = 'CommandError';
    this.argv = [...argv];
    this.exitCode = d.exitCode;
    this.stderr = d.stderr;
    this.missingBinary = missing;
    this.packageHint = hint;
    this.timedOut = d.timedOut ?? false;
    this.signal = d.signal ?? null;
  }
}

function describe(argv: readonly string[], d: CommandErrorDetails, missing: boolean, hint?: string): string {
  const cmd = argv.join(' ');
  if (missing) return `${argv[0] ?? '?'}: command not found${hint ? ` (install the ${hint} package)` : ''}`;
  const err = d.stderr.trim();
  const tail = err ? `: ${err}` : '';
  if (d.timedOut) return `${cmd}: timed out${tail}`;
  if (d.exitCode === null) return `${cmd}: killed by ${d.signal ?? 'signal'}${tail}`;
  return `${cmd}: exit status ${d.exitCode}${tail}`;
}

let spawned = 0;

/** Number of child processes this service has spawned so far (the benchmark reports the rate). */
export function spawnedProcessCount(): number {
  return spawned;
}

/** Counts one spawned process; called by every code path that starts a child. */
export function noteProcessSpawned(): void {
  spawned += 1;
}

/** Options of {@link ExecCommandRunner}. */
export interface ExecCommandRunnerOptions {
  /**
   * Prepended to every argv, e.g. `['ip', 'netns', 'exec', 'ns1']` to run inside a network
   * namespace (netns tests). Error messages still name the full argv.
   */
  prefix?: readonly string[];
  /** Timeout when a call gives none; default 30 s. */
  defaultTimeoutMs?: number;
}

// `ip netns exec NS prog` execs prog itself; when prog is missing, ip reports it like this.
const netnsExecMissing = /exec of "([^"]+)" failed: No such file or directory/;

/** The real {@link CommandRunner}: `execFile` without a shell, stdout/stderr as UTF-8. */
export class ExecCommandRunner implements CommandRunner {
  private readonly prefix: readonly string[];
  private readonly defaultTimeoutMs: number;

  constructor(opts: ExecCommandRunnerOptions = {}) {
    this.prefix = opts.prefix ?? [];
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 30_000;
  }

  run(argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
    const full = [...this.prefix, ...argv];
    const [file, ...args] = full;
    if (file === undefined) return Promise.reject(new Error('CommandRunner.run: empty argv'));
    noteProcessSpawned();
    return new Promise((resolve, reject) => {
      const child = execFile(
        file,
        args,
        { encoding: 'utf8', timeout: opts.timeoutMs ?? this.defaultTimeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true },
        (err, stdout, stderr) => {
          if (!err) return resolve({ stdout, stderr });
          const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: NodeJS.Signals | null };
          if (e.code === 'ENOENT') return reject(new CommandError(full, { exitCode: null, stderr: '', missingBinary: true }));
          const viaNetns = netnsExecMissing.exec(stderr);
          if (viaNetns && this.prefix.length > 0) {
            return reject(new CommandError([viaNetns[1] ?? file, ...args], { exitCode: null, stderr, missingBinary: true }));
          }
          reject(new CommandError(full, {
            exitCode: typeof e.code === 'number' ? e.code : null,
            stderr,
            timedOut: e.killed === true && e.signal === 'SIGTERM' && typeof e.code !== 'number',
            signal: e.signal ?? null,
          }));
        },
      );
      // EPIPE when the child exits without reading stdin is reported by the exit status instead.
      child.stdin?.on('error', () => {});
      child.stdin?.end(opts.input ?? '');
    });
  }
}
