// Electron main's service connection (src/main/service-connection.ts) against a real control
// server with FakeBackend on a temporary Unix socket: not installed / not running (no socket,
// a stale socket nobody answers) / untrusted socket, then connected once the service appears,
// with the snapshot held and watch events forwarded; reconnected after the service restarts;
// a service speaking another protocol is `incompatible` and the app refuses to drive it.
import { spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../src/shared/ipc';
import type { WatchEvent } from '../../src/shared/protocol';
import { ServiceConnection } from '../../src/main/service-connection';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { waitFor } from '../../src/cli/lab/wait-for';

const until = (cond: () => boolean, what: string): Promise<unknown> => waitFor(cond, { what, intervalMs: 20, timeoutMs: 10_000 });

describe('service connection against a real control server', () => {
  let dir: string;
  let socketPath: string;
  let server: ControlServer | undefined;
  let conn: ServiceConnection | undefined;
  let unitExists = false;
  const states: ConnectionState['state'][] = [];
  const events: WatchEvent[] = [];

  const connect = (): ServiceConnection => {
    const c = new ServiceConnection({ socketPath, platform: 'linux', serviceInstalled: async () => unitExists, initialDelayMs: 50, maxDelayMs: 200 });
    c.onState((s) => states.push(s.state));
    c.onWatch((e) => events.push(e));
    c.start();
    conn = c;
    return c;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-main-conn-'));
    socketPath = join(dir, 'cloudroofd.sock');
    unitExists = false;
    states.length = 0;
    events.length = 0;
  });
  afterEach(async () => {
    conn?.stop();
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('not installed, then connected when the service appears; snapshot held, events forwarded', async () => {
    const c = connect();
    await until(() => c.current().state === 'not-installed', 'not-installed');
    const backend = new FakeBackend({ version: '1.2.3' });
    server = await startControlServer({ socketPath, backend, logger: silentLogger });
    await until(() => c.current().state === 'connected', 'connected');
    expect(c.current()).toEqual({ state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 });
    expect(c.snapshot()?.status.hostname).toBe('fake-host');
    expect(events[0]?.type).toBe('snapshot');
    backend.updateStatus({ tunnelState: 'connecting', wantConnected: true });
    await until(() => c.snapshot()?.status.tunnelState === 'connecting', 'the status event');
    expect(events.some((e) => e.type === 'status' && e.status.wantConnected)).toBe(true);
    expect(await c.call('getPrefs')).toMatchObject({ logLevel: 'info' });
  });

  it('not running with a unit but no socket; reconnects after the service restarts', async () => {
    unitExists = true;
    const c = connect();
    await until(() => c.current().state === 'not-running', 'not-running');
    expect(c.current().message).toMatch(/sudo systemctl start cloudroofd/);
    server = await startControlServer({ socketPath, backend: new FakeBackend(), logger: silentLogger });
    await until(() => c.current().state === 'connected', 'connected');
    await server.close();
    server = undefined;
    await until(() => c.current().state !== 'connected', 'the loss');
    expect(c.snapshot()).toBeNull();
    server = await startControlServer({ socketPath, backend: new FakeBackend(), logger: silentLogger });
    await until(() => c.current().state === 'connected', 'reconnected');
    expect(states.filter((s) => s === 'connected')).toHaveLength(2);
  });

  it('a stale socket nobody answers is not running', async () => {
    // A process that listens, then is killed: its socket file stays behind.
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const c = connect();
    await until(() => c.current().state === 'not-running', 'not-running');
  });

  it.skipIf(process.getuid?.() !== 0)('a socket owned by another user is untrusted', async () => {
    server = await startControlServer({ socketPath, backend: new FakeBackend(), logger: silentLogger });
    await chown(socketPath, 4242, 4242);
    const c = connect();
    await until(() => c.current().state === 'untrusted-socket', 'untrusted-socket');
    expect(c.current().message).toMatch(/owned by uid 4242, not root; refusing to use it/);
  });

  it('a service with another protocol version is incompatible and not driven', async () => {
    let requests: string[] = [];
    const old: Server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version: '0.5.0', protocolVersion: 0 }));
    });
    await new Promise<void>((resolve) => old.listen(socketPath, resolve));
    try {
      const c = connect();
      await until(() => c.current().state === 'incompatible', 'incompatible');
      expect(c.current()).toMatchObject({ serviceVersion: '0.5.0', serviceProtocol: 0 });
      requests = [];
      await expect(c.call('leave', {})).rejects.toThrow(/speaks control protocol 0/);
      expect(requests).toEqual([]);
    } finally {
      conn?.stop();
      await new Promise((r) => old.close(r));
    }
  });
});
