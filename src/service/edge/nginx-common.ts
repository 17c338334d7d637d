/**
 * What both edge nginx controllers (managed and system) share: the {@link EdgeNginx} contract,
 * its errors, the version probe, process checks by PID, and the files nginx workers serve.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log';
import { CommandError } from '../engine/exec';
import type { CommandRunner } from '../engine/exec';
import { writeFileAtomic } from '../state/atomic-file';
import { UNAVAILABLE_PAGE_FILE, unavailablePageHtml } from './nginx-config';

/** Result of {@link EdgeNginx.probe}. */
export interface NginxInfo {
  available: boolean;
  /** `major.minor.patch` of the nginx core, e.g. `1.22.1`. */
  version?: string;
  /** Why nginx is not usable, with how to fix it (e.g. {@link NGINX_MISSING}). */
  error?: string;
}

/** The message when the nginx binary does not exist. */
export const NGINX_MISSING = 'nginx is not installed: apt-get install nginx';

/** nginx refused a configuration (`nginx -t`); the message is its complaint, trimmed, safe to show. */
export class NginxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NginxConfigError';
  }
}

/** Where the renderer must point nginx (see EdgeRenderOptions). */
export interface EdgeNginxPaths {
  cacheDir: string;
  errorPageRoot: string;
  acmeRoot: string;
  /** The cache log (EdgeRenderOptions.cacheLog): in a directory that exists before nginx -t runs. */
  cacheLog: string;
}

/** The nginx that serves this edge: a private instance (`managed`) or the host's (`system`). */
export interface EdgeNginx {
  /** `managed` owns the whole instance (and its default servers); `system` adds one file to the host's nginx. */
  readonly mode: 'managed' | 'system';
  /** Paths the renderer needs (cacheDir, errorPageRoot, acmeRoot, cacheLog). */
  readonly paths: EdgeNginxPaths;
  /** Runs `nginx -v` (it prints to stderr) and reports the version or why nginx is unusable. */
  probe(): Promise<NginxInfo>;
  /**
   * Installs `httpConfig` as the live config: write a candidate, validate with `nginx -t`, and
   * only if valid make it live and reload (start nginx if not running). If invalid: the previous
   * file stays/is restored byte for byte, nothing reloads, throws {@link NginxConfigError}.
   * Unchanged text with nginx running → no reload.
   */
  apply(httpConfig: string): Promise<void>;
  /** Whether the nginx master serving this config is alive. */
  isRunning(): Promise<boolean>;
  /** Removes everything it installed and stops (managed) or reloads (system) nginx. Idempotent. */
  remove(): Promise<void>;
}

/** `nginx -v` through `runner`: the version, or an error saying how to install nginx. */
export async function probeNginx(runner: CommandRunner, binary: string): Promise<NginxInfo> {
  try {
    const r = await runner.run([binary, '-v'], { timeoutMs: 10_000 });
    // "nginx version: nginx/1.22.1" (openresty: "nginx version: openresty/1.21.4.1").
    const m = /nginx version: [A-Za-z.-]+\/([0-9]+\.[0-9]+\.[0-9]+)/.exec(`${r.stderr}\n${r.stdout}`);
    if (!m?.[1]) return { available: false, error: `could not read the version from "nginx -v": ${(r.stderr || r.stdout).trim().slice(0, 200)}` };
    return { available: true, version: m[1] };
  } catch (err) {
    if (err instanceof CommandError && err.missingBinary) return { available: false, error: NGINX_MISSING };
    return { available: false, error: `nginx -v failed: ${(err as Error).message}` };
  }
}

/** nginx's complaint from its stderr: message lines without the `nginx: ` prefix and the "test failed" footer. */
export function nginxComplaint(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim().replace(/^nginx: /, ''))
    .filter((l) => l !== '' && !/configuration file .* test (failed|is successful)$/.test(l) && !/syntax is ok$/.test(l));
  const text = lines.join('; ');
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

/** Turns a failed nginx command into the error to throw: missing binary, refused config, or `what` failed. */
export function nginxFailure(err: unknown, what: 'test' | 'start' | 'reload' | 'quit'): Error {
  if (!(err instanceof CommandError)) return err as Error;
  if (err.missingBinary) return new Error(NGINX_MISSING);
  const complaint = nginxComplaint(err.stderr) || err.message;
  if (what === 'test') return new NginxConfigError(`nginx refused the configuration: ${complaint}`);
  return new Error(`nginx ${what} failed: ${complaint}`);
}

/** Reads a file's exact bytes; undefined when it does not exist. */
export async function readBytes(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Puts `previous` back at `file` (atomically), or removes `file` when there was none. */
export async function restoreFile(file: string, previous: Buffer | undefined, mode: number): Promise<void> {
  if (previous === undefined) await fs.rm(file, { force: true });
  else await writeFileAtomic(file, previous, mode);
}

/** Checks on nginx processes by PID (a seam so unit tests need no real processes). */
export interface NginxProcesses {
  /** True when `pid` is alive and is an nginx process: not a recycled PID, not a zombie. */
  isNginx(pid: number): Promise<boolean>;
  /** Sends `signal` to the process group of `pid` (the master and its workers), or to `pid` alone. */
  signalGroup(pid: number, signal: NodeJS.Signals): void;
  /** PIDs of `pid`'s children (the master's workers); absent where it cannot be known. */
  children?(pid: number): Promise<number[]>;
}

/**
 * Waits until a reload of the master `pid` took effect. `nginx -s reload` returns as soon as the
 * signal is sent; the new config serves once new workers run and the old ones stopped
 * accepting. So: wait for a worker that was not there before (≤ 5 s), then for the old workers
 * to exit (≤ 0.5 s more: some keep long-lived connections, e.g. websockets, open for longer).
 */
export async function waitReloaded(processes: NginxProcesses, pid: number, before: readonly number[]): Promise<boolean> {
  if (!processes.children) return true;
  const old = new Set(before);
  const poll = async (until: number, done: (kids: number[]) => boolean): Promise<boolean> => {
    for (;;) {
      const kids = await processes.children!(pid);
      if (done(kids)) return true;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const started = await poll(Date.now() + 5000, (kids) => kids.some((k) => !old.has(k)));
  await poll(Date.now() + 500, (kids) => !kids.some((k) => old.has(k)));
  return started;
}

/** {@link NginxProcesses} of this host: /proc on Linux, `kill(pid, 0)` elsewhere. */
export const hostNginxProcesses: NginxProcesses = {
  async isNginx(pid) {
    if (!Number.isInteger(pid) || pid <= 1) return false;
    try {
      // A zombie has an empty cmdline; a recycled PID names another program.
      return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('nginx');
    } catch {
      if (existsSync('/proc/self')) return false;
    }
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  async children(pid) {
    // Every /proc/<n>/stat names its parent (field 4); a few hundred small reads at most.
    const out: number[] = [];
    const entries = await fs.readdir('/proc').catch(() => [] as string[]);
    await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
      const stat = await fs.readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(e));
    }));
    return out;
  },
  signalGroup(pid, signal) {
    // A daemonised nginx master leads its own session and process group (setsid), so the
    // workers are signalled with it and none is orphaned still holding the ports.
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, signal);
        return;
      } catch {
        // not a group leader, or already gone
      }
    }
  },
};

/** The PID in `file`, or undefined (missing, empty — `nginx -t` creates it empty — or garbage). */
export async function readPid(file: string): Promise<number | undefined> {
  const text = (await readBytes(file))?.toString('utf8').trim() ?? '';
  return /^[0-9]{1,10}$/.test(text) ? Number(text) : undefined;
}

/** Polls until `pid` is no nginx process any more; false when still alive after `timeoutMs`. */
export async function waitGone(processes: NginxProcesses, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await processes.isNginx(pid))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Creates the directories nginx workers use and writes the unavailable page. Workers run as an
 * unprivileged user (nobody, www-data), so each ancestor must let others traverse (`x` only:
 * names cannot be listed; state files stay 0600). The cache directory itself is created by
 * the nginx master, which hands it to the worker user.
 */
export async function prepareWebDirs(paths: EdgeNginxPaths, logger: Logger): Promise<void> {
  await fs.mkdir(path.dirname(paths.cacheDir), { recursive: true, mode: 0o711 });
  for (const dir of [paths.errorPageRoot, path.join(paths.acmeRoot, '.well-known', 'acme-challenge')]) {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  }
  for (const dir of [paths.errorPageRoot, paths.acmeRoot]) {
    await fs.chmod(dir, 0o755);
    await allowTraversal(path.dirname(dir), logger);
  }
  await allowTraversal(path.dirname(paths.cacheDir), logger);
  const page = path.join(paths.errorPageRoot, UNAVAILABLE_PAGE_FILE);
  const html = unavailablePageHtml();
  if ((await readBytes(page))?.toString('utf8') !== html) await writeFileAtomic(page, html, 0o644);
}

/** Adds the others-`x` bit to `dir` and its ancestors that we own and that lack it. */
async function allowTraversal(dir: string, logger: Logger): Promise<void> {
  const uid = process.getuid?.();
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await fs.stat(d);
    if ((st.mode & 0o001) === 0) {
      if (st.uid === uid) {
        await fs.chmod(d, (st.mode & 0o7777) | 0o001);
        logger.info('let nginx workers traverse a directory (others: x only)', { dir: d });
      } else {
        logger.warn('nginx workers may not reach their files: directory not traversable by others', { dir: d });
      }
    }
    if (d === path.dirname(d)) return;
  }
}
