/**
 * The host's own nginx (the distribution's service): cloudroofd adds exactly one file,
 * `<confDir>/cloudroof-edge.conf`, which Debian's nginx.conf includes inside http{}. The
 * user's configuration is never touched, and the user's default site keeps the default server.
 *
 * Lifecycle: apply() places the new file, validates the whole configuration with `nginx -t`
 * and, when refused, puts the previous file back byte for byte (or removes ours) before
 * anything reloads; otherwise `nginx -s reload`, or starts nginx (systemd when it is PID 1).
 * remove() deletes our file and web directories and reloads a running nginx.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { CommandRunner } from '../engine/exec';
import { SerialQueue } from '../serial-queue';
import { writeFileAtomic } from '../state/atomic-file';
import { checkPath } from './nginx-values';
import {
  hostNginxProcesses, nginxFailure, prepareWebDirs, probeNginx, readBytes, readPid, restoreFile, waitReloaded,
} from './nginx-common';
import type { EdgeNginx, EdgeNginxPaths, NginxInfo, NginxProcesses } from './nginx-common';

/** Options of {@link SystemNginx}. */
export interface SystemNginxOptions {
  runner: CommandRunner;
  /** Directory nginx.conf includes inside http{}; default `/etc/nginx/conf.d`. */
  confDir?: string;
  /** cloudroofd's state directory; the cache, error page and ACME webroot go under `<stateDir>/nginx-edge`. */
  stateDir: string;
  logger?: Logger;
  /** Program to run; default `nginx`. */
  binary?: string;
  processes?: NginxProcesses;
  /** The system nginx's pid file; default Debian's `/run/nginx.pid`. */
  pidFile?: string;
  /** Start nginx with `systemctl start nginx`; default: when systemd is PID 1 (/run/systemd/system exists). */
  systemd?: boolean;
}

/** Name of our file inside `confDir`. */
export const SYSTEM_CONF_FILE = 'cloudroof-edge.conf';

/** {@link EdgeNginx} as one included file of the host's nginx. */
export class SystemNginx implements EdgeNginx {
  readonly mode = 'system';
  readonly paths: EdgeNginxPaths;
  /** Our file in the host's nginx configuration. */
  readonly confFile: string;
  private readonly root: string;
  private readonly binary: string;
  private readonly log: Logger;
  private readonly processes: NginxProcesses;
  private readonly queue = new SerialQueue();

  constructor(private readonly o: SystemNginxOptions) {
    this.confFile = path.join(checkPath('confDir', o.confDir ?? '/etc/nginx/conf.d'), SYSTEM_CONF_FILE);
    this.root = path.join(checkPath('stateDir', path.resolve(o.stateDir)), 'nginx-edge');
    this.binary = o.binary ?? 'nginx';
    this.log = (o.logger ?? silentLogger).child('nginx');
    this.processes = o.processes ?? hostNginxProcesses;
    const sub = (name: string): string => path.join(this.root, name);
    this.paths = { cacheDir: sub('cache'), errorPageRoot: sub('www'), acmeRoot: sub('acme'), cacheLog: sub('cache.log') };
  }

  /** Runs `nginx -v`. */
  probe(): Promise<NginxInfo> {
    return probeNginx(this.o.runner, this.binary);
  }

  /** See {@link EdgeNginx.apply}. */
  apply(httpConfig: string): Promise<void> {
    return this.queue.run(() => this.applyNow(httpConfig));
  }

  /** True when the system nginx's pid file names a live nginx process. */
  async isRunning(): Promise<boolean> {
    const pid = await readPid(this.o.pidFile ?? '/run/nginx.pid');
    return pid !== undefined && this.processes.isNginx(pid);
  }

  /** Deletes our file and web directories; reloads nginx when it was running with our file. */
  remove(): Promise<void> {
    return this.queue.run(async () => {
      const had = (await readBytes(this.confFile)) !== undefined;
      await fs.rm(this.confFile, { force: true });
      if (had && (await this.isRunning())) {
        await this.run(['-s', 'reload'], 'reload').catch((err: Error) => this.log.warn('nginx reload after removal failed', { error: err.message }));
      }
      await fs.rm(this.root, { recursive: true, force: true });
    });
  }

  private async applyNow(httpConfig: string): Promise<void> {
    await prepareWebDirs(this.paths, this.log);
    const previous = await readBytes(this.confFile);
    const same = previous?.equals(Buffer.from(httpConfig, 'utf8')) ?? false;
    const running = await this.isRunning();
    if (same && running) return;
    if (!same) await this.install(httpConfig, previous);
    if (running) {
      const pid = await readPid(this.o.pidFile ?? '/run/nginx.pid');
      const before = pid === undefined ? [] : ((await this.processes.children?.(pid)) ?? []);
      await this.run(['-s', 'reload'], 'reload');
      const took = pid === undefined || await waitReloaded(this.processes, pid, before);
      this.log.info(took ? 'nginx reloaded' : 'nginx reload signalled; new workers not seen within 5 s');
    } else {
      await this.start();
      this.log.info('nginx started');
    }
  }

  /**
   * Places the candidate where nginx.conf includes it (the only way to test it in the user's
   * context) and validates; a refusal restores the previous file before anything reloads.
   */
  private async install(httpConfig: string, previous: Buffer | undefined): Promise<void> {
    await writeFileAtomic(this.confFile, httpConfig, 0o644);
    try {
      await this.run(['-t', '-q'], 'test');
    } catch (err) {
      await restoreFile(this.confFile, previous, 0o644);
      throw err;
    }
  }

  private async start(): Promise<void> {
    const systemd = this.o.systemd ?? existsSync('/run/systemd/system');
    if (!systemd) return this.run([], 'start');
    try {
      await this.o.runner.run(['systemctl', 'start', 'nginx'], { timeoutMs: 60_000 });
    } catch (err) {
      throw nginxFailure(err, 'start');
    }
  }

  private async run(extra: string[], what: 'test' | 'start' | 'reload'): Promise<void> {
    try {
      await this.o.runner.run([this.binary, ...extra], { timeoutMs: 30_000 });
    } catch (err) {
      throw nginxFailure(err, what);
    }
  }
}
