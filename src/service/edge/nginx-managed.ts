/**
 * A private nginx instance owned by cloudroofd, entirely under one directory (used on hosts
 * without a system nginx service, and in tests).
 *
 * Lifecycle: apply() writes dir/nginx.conf (which includes dir/edge.conf), validates a new
 * edge config as a candidate (dir/edge.next.conf through dir/nginx-test.conf) so the live file
 * is never touched by a refused config, renames it live, then reloads the running master or
 * starts one (`nginx -p dir -c dir/nginx.conf` daemonises). The master is found through its
 * pid file, so a cloudroofd restarted after a crash reloads it instead of starting a second.
 * remove() quits it (TERM/KILL by PID after a grace period) and deletes what it wrote.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { CommandRunner } from '../engine/exec';
import { SerialQueue } from '../serial-queue';
import { removeTempFiles, writeFileAtomic } from '../state/atomic-file';
import { GENERATED_HEADER } from './nginx-config';
import { checkPath } from './nginx-values';
import {
  hostNginxProcesses, nginxFailure, prepareWebDirs, probeNginx, readBytes, readPid, waitGone, waitReloaded,
} from './nginx-common';
import type { EdgeNginx, EdgeNginxPaths, NginxInfo, NginxProcesses } from './nginx-common';

/** Options of {@link ManagedNginx}. */
export interface ManagedNginxOptions {
  runner: CommandRunner;
  /** Directory owning the instance, e.g. `<stateDir>/nginx`; absolute, safe characters only. */
  dir: string;
  logger?: Logger;
  /** Program to run; default `nginx`. */
  binary?: string;
  processes?: NginxProcesses;
  /** Types file to include when it exists; default Debian's `/etc/nginx/mime.types`. */
  mimeTypes?: string;
  /** How long remove() waits for a graceful quit before SIGTERM; default 5 s. */
  stopTimeoutMs?: number;
}

const DEBIAN_MIME_TYPES = '/etc/nginx/mime.types';
/** Entries of `dir` this class creates; remove() deletes exactly these. */
const OWNED = ['nginx.conf', 'nginx-test.conf', 'edge.conf', 'edge.next.conf', 'nginx.pid', 'logs', 'tmp', 'cache', 'www', 'acme'];

/**
 * The main configuration of the managed instance (pure). Every path nginx writes to is inside
 * `dir`, so the instance touches nothing of a system nginx. `include` is the edge file.
 */
export function renderManagedMainConfig(dir: string, include: string, mimeTypes: string | null): string {
  const d = checkPath('dir', dir);
  const types = mimeTypes === null
    ? ['    types {', '        text/html html htm;', '        text/plain txt;', '        text/css css;', '        application/javascript js;', '    }']
    : [`    include ${checkPath('mimeTypes', mimeTypes)};`];
  return [
    GENERATED_HEADER,
    `pid ${d}/nginx.pid;`,
    `error_log ${d}/logs/error.log warn;`,
    'worker_processes auto;',
    'worker_rlimit_nofile 8192;',
    'events {',
    '    worker_connections 4096;',
    '}',
    'http {',
    ...types,
    '    default_type application/octet-stream;',
    '    access_log off;',
    '    server_tokens off;',
    '    sendfile on;',
    `    client_body_temp_path ${d}/tmp/client_body;`,
    `    proxy_temp_path ${d}/tmp/proxy;`,
    `    fastcgi_temp_path ${d}/tmp/fastcgi;`,
    `    uwsgi_temp_path ${d}/tmp/uwsgi;`,
    `    scgi_temp_path ${d}/tmp/scgi;`,
    `    include ${checkPath('include', include)};`,
    '}',
    '',
  ].join('\n');
}

/** {@link EdgeNginx} as a private nginx instance under `dir`. */
export class ManagedNginx implements EdgeNginx {
  readonly mode = 'managed';
  readonly paths: EdgeNginxPaths;
  private readonly dir: string;
  private readonly binary: string;
  private readonly log: Logger;
  private readonly processes: NginxProcesses;
  private readonly queue = new SerialQueue();

  constructor(private readonly o: ManagedNginxOptions) {
    this.dir = checkPath('dir', path.resolve(o.dir));
    if (this.dir === '/') throw new Error('ManagedNginx: dir must not be /');
    this.binary = o.binary ?? 'nginx';
    this.log = (o.logger ?? silentLogger).child('nginx');
    this.processes = o.processes ?? hostNginxProcesses;
    this.paths = { cacheDir: this.file('cache'), errorPageRoot: this.file('www'), acmeRoot: this.file('acme'), cacheLog: path.join(this.file('logs'), 'cache.log') };
  }

  /** Runs `nginx -v`. */
  probe(): Promise<NginxInfo> {
    return probeNginx(this.o.runner, this.binary);
  }

  /** See {@link EdgeNginx.apply}. */
  apply(httpConfig: string): Promise<void> {
    return this.queue.run(() => this.applyNow(httpConfig));
  }

  /** True when the pid file names a live nginx process. */
  async isRunning(): Promise<boolean> {
    return (await this.livePid()) !== undefined;
  }

  /** Stops the instance and deletes the files it wrote (then `dir`, if empty). */
  remove(): Promise<void> {
    return this.queue.run(async () => {
      await this.stop();
      for (const name of OWNED) await fs.rm(this.file(name), { recursive: true, force: true });
      await removeTempFiles(this.dir); // of writes a crash interrupted
      await fs.rmdir(this.dir).catch(() => undefined); // not ours if something else is in it
    });
  }

  private async applyNow(httpConfig: string): Promise<void> {
    const mainChanged = await this.prepare();
    const live = await readBytes(this.file('edge.conf'));
    const same = live?.equals(Buffer.from(httpConfig, 'utf8')) ?? false;
    const pid = await this.livePid();
    if (same && !mainChanged && pid !== undefined) return;
    if (!same) await this.install(httpConfig);
    else await this.test('nginx.conf');
    if (pid !== undefined) {
      const before = (await this.processes.children?.(pid)) ?? [];
      await this.nginx(['-s', 'reload'], 'reload');
      const took = await waitReloaded(this.processes, pid, before);
      this.log.info(took ? 'nginx reloaded' : 'nginx reload signalled; new workers not seen within 5 s', { pid });
    } else {
      await this.nginx([], 'start');
      this.log.info('nginx started', { pid: await readPid(this.file('nginx.pid')) });
    }
  }

  /** Validates the candidate with its own main config, then renames it over the live file. */
  private async install(httpConfig: string): Promise<void> {
    const candidate = this.file('edge.next.conf');
    await writeFileAtomic(candidate, httpConfig, 0o600);
    try {
      await this.test('nginx-test.conf');
    } catch (err) {
      await fs.rm(candidate, { force: true });
      throw err;
    }
    await fs.rename(candidate, this.file('edge.conf'));
  }

  /** Creates the layout and writes both main configs; true when nginx.conf changed. */
  private async prepare(): Promise<boolean> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o711 });
    await fs.chmod(this.dir, 0o711); // workers (nobody) traverse it; nobody lists it
    await fs.mkdir(this.file('logs'), { recursive: true, mode: 0o700 });
    await fs.mkdir(this.file('tmp'), { recursive: true, mode: 0o711 });
    await prepareWebDirs(this.paths, this.log);
    const mime = this.o.mimeTypes ?? DEBIAN_MIME_TYPES;
    const types = existsSync(mime) ? mime : null;
    const main = renderManagedMainConfig(this.dir, this.file('edge.conf'), types);
    await this.writeIfChanged('nginx-test.conf', renderManagedMainConfig(this.dir, this.file('edge.next.conf'), types));
    return this.writeIfChanged('nginx.conf', main);
  }

  private async writeIfChanged(name: string, text: string): Promise<boolean> {
    if ((await readBytes(this.file(name)))?.toString('utf8') === text) return false;
    await writeFileAtomic(this.file(name), text, 0o600);
    return true;
  }

  private async test(mainFile: string): Promise<void> {
    try {
      await this.o.runner.run([this.binary, '-t', '-q', '-p', this.dir, '-c', this.file(mainFile)], { timeoutMs: 30_000 });
    } catch (err) {
      throw nginxFailure(err, 'test');
    }
  }

  private async nginx(extra: string[], what: 'start' | 'reload' | 'quit'): Promise<void> {
    try {
      await this.o.runner.run([this.binary, '-p', this.dir, '-c', this.file('nginx.conf'), ...extra], { timeoutMs: 30_000 });
    } catch (err) {
      throw nginxFailure(err, what);
    }
  }

  /** Graceful quit; SIGTERM then SIGKILL to the process group if the master outlives the grace period. */
  private async stop(): Promise<void> {
    const pid = await this.livePid();
    if (pid === undefined) return;
    await this.nginx(['-s', 'quit'], 'quit').catch((err: Error) => this.log.warn('nginx -s quit failed', { error: err.message }));
    // A graceful quit waits for open requests (an SSE stream may last an hour).
    if (await waitGone(this.processes, pid, this.o.stopTimeoutMs ?? 5000)) return;
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      this.log.warn('nginx did not stop in time; signalling it', { pid, signal });
      this.processes.signalGroup(pid, signal);
      if (await waitGone(this.processes, pid, 2000)) return;
    }
    throw new Error(`nginx (pid ${pid}) did not stop`);
  }

  private async livePid(): Promise<number | undefined> {
    const pid = await readPid(this.file('nginx.pid'));
    return pid !== undefined && (await this.processes.isNginx(pid)) ? pid : undefined;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }
}
