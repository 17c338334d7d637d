import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../engine/fake';
import { nginxComplaint } from './nginx-common';
import {
  createEdgeNginx, ManagedNginx, NGINX_MISSING, NginxConfigError, renderManagedMainConfig, SystemNginx,
} from './nginx';
import type { NginxProcesses } from './nginx';

/** Processes that are "alive" while their PID is in the set; signals are recorded. */
class FakeProcesses implements NginxProcesses {
  readonly alive = new Set<number>();
  readonly signals: string[] = [];
  killOn: string | undefined;
  async isNginx(pid: number): Promise<boolean> { return this.alive.has(pid); }
  signalGroup(pid: number, signal: NodeJS.Signals): void {
    this.signals.push(signal);
    if (signal === this.killOn) this.alive.delete(pid);
  }
}

const refusal = 'nginx: [emerg] unknown directive "this" in /x/edge.next.conf:3\nnginx: configuration file /x/nginx-test.conf test failed\n';

let tmp: string;
beforeEach(async () => { tmp = await mkdtemp(join(tmpdir(), 'cr-nginx-unit-')); });
afterEach(async () => { await rm(tmp, { recursive: true, force: true }); });

describe('probe', () => {
  it('parses the version nginx -v prints on stderr', async () => {
    const runner = new FakeCommandRunner().on(['nginx', '-v'], { stderr: 'nginx version: nginx/1.22.1\n' });
    expect(await new ManagedNginx({ runner, dir: join(tmp, 'n') }).probe()).toEqual({ available: true, version: '1.22.1' });
    expect(runner.commands()).toEqual(['nginx -v']);
  });

  it('reports a missing binary with the apt-get hint', async () => {
    const runner = new FakeCommandRunner().on(['nginx'], { fail: { missingBinary: true } });
    const info = await new SystemNginx({ runner, stateDir: tmp }).probe();
    expect(info).toEqual({ available: false, error: NGINX_MISSING });
    expect(info.error).toBe('nginx is not installed: apt-get install nginx');
  });

  it('reports output it cannot read as unavailable', async () => {
    const runner = new FakeCommandRunner().on(['nginx', '-v'], { stderr: 'something else\n' });
    expect((await new ManagedNginx({ runner, dir: join(tmp, 'n') }).probe()).available).toBe(false);
  });
});

describe('ManagedNginx', () => {
  let dir: string;
  let runner: FakeCommandRunner;
  let procs: FakeProcesses;
  let nginx: ManagedNginx;
  const test = (main = 'nginx-test.conf') => `nginx -t -q -p ${dir} -c ${dir}/${main}`;
  const cmd = (...extra: string[]) => [`nginx -p ${dir} -c ${dir}/nginx.conf`, ...extra].join(' ');

  beforeEach(() => {
    dir = join(tmp, 'nginx');
    procs = new FakeProcesses();
    // Starting "daemonises": the master writes its pid file.
    runner = new FakeCommandRunner().on((a) => a.length === 5 && a[1] === '-p', () => {
      writeFileSync(join(dir, 'nginx.pid'), '4242\n');
      procs.alive.add(4242);
      return {};
    }).on((a) => a.includes('quit'), () => { procs.alive.delete(4242); return {}; });
    nginx = new ManagedNginx({ runner, dir, processes: procs, stopTimeoutMs: 50 });
  });

  it('validates a candidate, makes it live and starts nginx; writes its main config and the page', async () => {
    await nginx.apply('# one\n');
    expect(runner.commands()).toEqual([test(), cmd()]);
    expect(await readFile(join(dir, 'edge.conf'), 'utf8')).toBe('# one\n');
    const main = await readFile(join(dir, 'nginx.conf'), 'utf8');
    expect(main).toContain(`include ${dir}/edge.conf;`);
    expect(main).toContain(`pid ${dir}/nginx.pid;`);
    expect(await readFile(join(dir, 'nginx-test.conf'), 'utf8')).toContain(`include ${dir}/edge.next.conf;`);
    expect(await readFile(join(dir, 'www', 'cloudroof-unavailable.html'), 'utf8')).toContain('temporarily unavailable');
    expect((await stat(dir)).mode & 0o777).toBe(0o711);
    expect(await nginx.isRunning()).toBe(true);
  });

  it('does nothing for unchanged text, reloads for new text', async () => {
    await nginx.apply('# one\n');
    runner.clear();
    await nginx.apply('# one\n');
    expect(runner.commands()).toEqual([]);
    await nginx.apply('# two\n');
    expect(runner.commands()).toEqual([test(), cmd('-s reload')]);
  });

  it('keeps the live file byte for byte and never reloads when nginx -t refuses', async () => {
    await nginx.apply('# one\n');
    runner.clear();
    runner.once(['nginx', '-t'], { fail: { stderr: refusal } });
    const err = await nginx.apply('this is not nginx;\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NginxConfigError);
    expect((err as Error).message).toBe('nginx refused the configuration: [emerg] unknown directive "this" in /x/edge.next.conf:3');
    expect(runner.commands()).toEqual([test()]);
    expect(await readFile(join(dir, 'edge.conf'), 'utf8')).toBe('# one\n');
    await expect(stat(join(dir, 'edge.next.conf'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a new instance finds the running master (after a crash) and reloads it instead of starting another', async () => {
    await nginx.apply('# one\n');
    const again = new ManagedNginx({ runner, dir, processes: procs });
    runner.clear();
    await again.apply('# one\n');
    await again.apply('# two\n');
    expect(runner.commands()).toEqual([test(), cmd('-s reload')]);
  });

  it('starts nginx again when the pid file is stale or empty', async () => {
    await nginx.apply('# one\n');
    procs.alive.clear();
    expect(await nginx.isRunning()).toBe(false);
    await writeFile(join(dir, 'nginx.pid'), '');
    expect(await nginx.isRunning()).toBe(false);
    runner.clear();
    await nginx.apply('# one\n');
    expect(runner.commands()).toEqual([test('nginx.conf'), cmd()]);
  });

  it('reports a start failure with nginx\'s words', async () => {
    runner.once((a) => a.length === 5, { fail: { stderr: 'nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)\n' } });
    await expect(nginx.apply('# one\n')).rejects.toThrow('nginx start failed: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)');
  });

  it('says how to install nginx when the binary is missing', async () => {
    runner.once(['nginx', '-t'], { fail: { missingBinary: true } });
    await expect(nginx.apply('# one\n')).rejects.toThrow(NGINX_MISSING);
  });

  it('remove() quits nginx, deletes its files, and is idempotent', async () => {
    await nginx.apply('# one\n');
    await writeFile(join(tmp, 'keep'), 'not ours');
    runner.clear();
    await nginx.remove();
    expect(runner.commands()).toEqual([cmd('-s quit')]);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(tmp, 'keep'), 'utf8')).toBe('not ours');
    runner.clear();
    await nginx.remove();
    expect(runner.commands()).toEqual([]);
  });

  it('remove() signals the process group by PID when nginx outlives the quit', async () => {
    await nginx.apply('# one\n');
    runner.once((a) => a.includes('quit'), {}); // this master ignores the quit
    procs.killOn = 'SIGTERM';
    await nginx.remove();
    expect(procs.signals).toEqual(['SIGTERM']);
    expect(procs.alive.size).toBe(0);
  });

  it('refuses an unsafe directory', () => {
    expect(() => new ManagedNginx({ runner, dir: '/' })).toThrow(/dir/);
    expect(() => new ManagedNginx({ runner, dir: '/var/lib/a b' })).toThrow(/dir/);
  });

  it('renders a self-contained main config with every temp path inside dir', () => {
    const main = renderManagedMainConfig('/srv/n', '/srv/n/edge.conf', null);
    for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) expect(main).toContain(`${t}_temp_path /srv/n/tmp/${t};`);
    expect(main).toContain('error_log /srv/n/logs/error.log warn;');
    expect(main).toContain('types {');
    expect(renderManagedMainConfig('/srv/n', '/srv/n/edge.conf', '/etc/nginx/mime.types')).toContain('include /etc/nginx/mime.types;');
  });
});

describe('SystemNginx', () => {
  let confDir: string;
  let pidFile: string;
  let runner: FakeCommandRunner;
  let procs: FakeProcesses;
  let nginx: SystemNginx;
  const ours = () => join(confDir, 'cloudroof-edge.conf');

  beforeEach(async () => {
    confDir = join(tmp, 'conf.d');
    await mkdir(confDir);
    await writeFile(join(confDir, 'users-own.conf'), 'server { listen 81; }\n');
    pidFile = join(tmp, 'nginx.pid');
    procs = new FakeProcesses();
    runner = new FakeCommandRunner();
    nginx = new SystemNginx({ runner, confDir, stateDir: join(tmp, 'state'), processes: procs, pidFile, systemd: false });
  });

  const running = async () => { await writeFile(pidFile, '77\n'); procs.alive.add(77); };

  it('keeps its web directories under the state directory', () => {
    expect(nginx.paths).toEqual({
      cacheDir: join(tmp, 'state', 'nginx-edge', 'cache'), errorPageRoot: join(tmp, 'state', 'nginx-edge', 'www'), acmeRoot: join(tmp, 'state', 'nginx-edge', 'acme'),
      cacheLog: join(tmp, 'state', 'nginx-edge', 'cache.log'),
    });
  });

  it('places its file, validates, and starts nginx when it is not running (systemctl under systemd)', async () => {
    await nginx.apply('# one\n');
    expect(runner.commands()).toEqual(['nginx -t -q', 'nginx']);
    expect(await readFile(ours(), 'utf8')).toBe('# one\n');
    const sd = new SystemNginx({ runner, confDir, stateDir: join(tmp, 'state'), processes: procs, pidFile, systemd: true });
    runner.clear();
    await sd.apply('# one\n');
    expect(runner.commands()).toEqual(['systemctl start nginx']);
  });

  it('reloads a running nginx, and not at all for unchanged text', async () => {
    await running();
    await nginx.apply('# one\n');
    await nginx.apply('# one\n');
    expect(runner.commands()).toEqual(['nginx -t -q', 'nginx -s reload']);
  });

  it('restores the previous file byte for byte and never reloads when nginx -t refuses', async () => {
    await running();
    const previous = Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0d, 0x0a]); // not even valid UTF-8
    await writeFile(ours(), previous);
    runner.once(['nginx', '-t'], { fail: { stderr: refusal } });
    await expect(nginx.apply('this is not nginx;\n')).rejects.toBeInstanceOf(NginxConfigError);
    expect(runner.commands()).toEqual(['nginx -t -q']);
    expect((await readFile(ours())).equals(previous)).toBe(true);
    expect(await readFile(join(confDir, 'users-own.conf'), 'utf8')).toBe('server { listen 81; }\n');
  });

  it('removes its file again when the first config is refused', async () => {
    runner.once(['nginx', '-t'], { fail: { stderr: refusal } });
    await expect(nginx.apply('this is not nginx;\n')).rejects.toThrow(/unknown directive "this"/);
    await expect(stat(ours())).rejects.toMatchObject({ code: 'ENOENT' });
    expect(runner.commands()).toEqual(['nginx -t -q']);
  });

  it('remove() deletes its file and directories, reloads, and is idempotent', async () => {
    await running();
    await nginx.apply('# one\n');
    runner.clear();
    await nginx.remove();
    expect(runner.commands()).toEqual(['nginx -s reload']);
    await expect(stat(ours())).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(join(tmp, 'state', 'nginx-edge'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(confDir, 'users-own.conf'), 'utf8')).toBe('server { listen 81; }\n');
    runner.clear();
    await nginx.remove();
    expect(runner.commands()).toEqual([]);
  });
});

describe('createEdgeNginx', () => {
  it('puts the managed instance in <stateDir>/nginx and the system web dirs in <stateDir>/nginx-edge', () => {
    const runner = new FakeCommandRunner();
    const stateDir = join(tmp, 'state'); // constructors touch no files
    const managed = createEdgeNginx('managed', { runner, stateDir });
    expect(managed.mode).toBe('managed');
    expect(managed.paths.cacheDir).toBe(join(stateDir, 'nginx', 'cache'));
    expect(managed.paths.cacheLog).toBe(join(stateDir, 'nginx', 'logs', 'cache.log')); // logs/ exists before nginx -t; remove() deletes it
    const system = createEdgeNginx('system', { runner, stateDir });
    expect(system.mode).toBe('system');
    expect(system.paths.acmeRoot).toBe(join(stateDir, 'nginx-edge', 'acme'));
    expect(system.paths.cacheLog).toBe(join(stateDir, 'nginx-edge', 'cache.log'));
  });
});

describe('nginxComplaint', () => {
  it('keeps nginx\'s messages and drops the prefix and the footer', () => {
    expect(nginxComplaint(refusal)).toBe('[emerg] unknown directive "this" in /x/edge.next.conf:3');
    expect(nginxComplaint('x'.repeat(2000)).length).toBe(1001);
  });
});
