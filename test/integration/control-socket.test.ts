// The control socket's file-system side: modes (0600, 0660 with a group), the directory check,
// stale sockets, a live service on the path, a non-socket at the path, and removal on close.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer } from '../../src/service/control/server';
import { lookupGroupId } from '../../src/service/control/socket';
import { silentLogger } from '../../src/service/log';

const start = (socketPath: string, group?: string) =>
  startControlServer({ socketPath, backend: new FakeBackend(), logger: silentLogger, ...(group ? { group } : {}) });

/** Name of this process's primary group, from /etc/group. */
async function ownGroupName(): Promise<string | undefined> {
  const gid = String(process.getgid?.());
  const line = (await readFile('/etc/group', 'utf8')).split('\n').find((l) => l.split(':')[2] === gid);
  return line?.split(':')[0];
}

describe('control socket', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cr-sock-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('creates the directory 0755 and the socket 0600 without the group, and removes it on close', async () => {
    const socketPath = join(dir, 'run', 'cloudroofd.sock');
    const server = await start(socketPath, 'cloudroof-test-no-such-group');
    expect((await stat(join(dir, 'run'))).mode & 0o777).toBe(0o755);
    const st = await stat(socketPath);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(server.socketMode).toBe(0o600);
    await server.close();
    await server.close(); // idempotent
    await expect(stat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('relaxes the socket to 0660 with the group when the group exists', async () => {
    const group = await ownGroupName();
    if (!group) return; // no named primary group on this machine
    const server = await start(join(dir, 'c.sock'), group);
    const st = await stat(join(dir, 'c.sock'));
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.gid).toBe(await lookupGroupId(group));
    await server.close();
  });

  it('uses the cloudroof group by default when it exists', async () => {
    const server = await start(join(dir, 'c.sock'));
    const expected = (await lookupGroupId('cloudroof')) === undefined ? 0o600 : 0o660;
    expect((await stat(join(dir, 'c.sock'))).mode & 0o777).toBe(expected);
    await server.close();
  });

  it('refuses a socket directory writable by others', async () => {
    const open = join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    await expect(start(join(open, 'c.sock'))).rejects.toThrow(/writable by group or others/);
  });

  it('removes a stale socket nobody answers on', async () => {
    const socketPath = join(dir, 'c.sock');
    // A process that listens and is killed leaves its socket file behind.
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await stat(socketPath)).isSocket()).toBe(true);
    const server = await start(socketPath);
    expect((await stat(socketPath)).isSocket()).toBe(true);
    await server.close();
  });

  it('refuses to start when another service answers on the socket', async () => {
    const socketPath = join(dir, 'c.sock');
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(socketPath, resolve));
    try {
      await expect(start(socketPath)).rejects.toThrow(`another cloudroofd is running on ${socketPath}`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('refuses to replace something that is not a socket', async () => {
    const socketPath = join(dir, 'c.sock');
    await writeFile(socketPath, 'keep me');
    await expect(start(socketPath)).rejects.toThrow(/not a socket/);
    expect(await readFile(socketPath, 'utf8')).toBe('keep me');
  });
});
