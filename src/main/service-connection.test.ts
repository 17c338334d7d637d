// The service connection's backoff and state mapping with a scripted client and fake timers:
// retries after 0.5 s doubling to 30 s, reset once connected; reconnectNow retries at once; the
// client's failures map to the states the app shows (with what to do). The same against a real
// control server is test/integration/service-connection.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientError } from '../client/transport';
import { ControlError, type VersionInfo, type WatchEvent } from '../shared/protocol';
import { connectionFailure, nextDelay } from './connection-state';
import { ServiceConnection, type ServiceClient } from './service-connection';
import { status } from './test-fixtures';

const enoent = () => new ClientError('not-running', 'no socket', 'ENOENT');

/** A client whose next attempts fail or succeed as the test says. */
class ScriptedClients {
  attempts: number[] = [];
  fail: Error | null = enoent();
  version: VersionInfo = { version: '1.2.3', protocolVersion: 1 };
  private end: (() => void) | undefined;
  create = (): ServiceClient => ({
    version: async () => {
      this.attempts.push(Date.now());
      if (this.fail) throw this.fail;
      return this.version;
    },
    watch: (onEvent: (e: WatchEvent) => void, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
      onEvent({ type: 'snapshot', status: status(), peers: [] });
      signal.addEventListener('abort', () => resolve());
      this.end = () => reject(new ClientError('connection-failed', 'cloudroofd closed the watch stream'));
    }),
    call: async () => ({}),
    stream: async () => undefined,
  });
  /** The service goes away: the open watch fails. */
  drop(): void { this.end?.(); }
}

describe('service connection backoff', () => {
  let clients: ScriptedClients;
  let conn: ServiceConnection;
  const t0 = 1_000_000;
  const since = () => clients.attempts.map((t) => t - t0);

  beforeEach(() => {
    vi.useFakeTimers({ now: t0 });
    clients = new ScriptedClients();
    conn = new ServiceConnection({ socketPath: '/run/x.sock', platform: 'linux', serviceInstalled: async () => false, createClient: clients.create });
  });
  afterEach(() => {
    conn.stop();
    vi.useRealTimers();
  });

  it('retries after 0.5 s, doubling up to 30 s', async () => {
    conn.start();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(since()).toEqual([0, 500, 1500, 3500, 7500, 15_500, 31_500, 61_500, 91_500]);
    expect(conn.current()).toEqual({ state: 'not-installed', message: 'The Cloudroof service is not installed on this computer.' });
  });

  it('resets the backoff once connected, and reconnects when the service goes away', async () => {
    conn.start();
    await vi.advanceTimersByTimeAsync(3600);
    clients.fail = null;
    await vi.advanceTimersByTimeAsync(4000);
    expect(conn.current()).toEqual({ state: 'connected', serviceVersion: '1.2.3', serviceProtocol: 1 });
    expect(conn.snapshot()?.status.hostname).toBe('laptop');
    clients.attempts = [];
    clients.fail = enoent();
    const dropped = Date.now();
    clients.drop();
    await vi.advanceTimersByTimeAsync(2000);
    expect(clients.attempts.map((t) => t - dropped)).toEqual([500, 1500]);
    expect(conn.snapshot()).toBeNull();
  });

  it('reconnectNow tries at once with a fresh backoff', async () => {
    conn.start();
    await vi.advanceTimersByTimeAsync(20_000);
    const n = clients.attempts.length;
    clients.fail = null;
    conn.reconnectNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(clients.attempts).toHaveLength(n + 1);
    expect(conn.current().state).toBe('connected');
  });

  it('another protocol is incompatible, and calls are refused', async () => {
    clients.fail = null;
    clients.version = { version: '0.9.0', protocolVersion: 0 };
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(conn.current()).toMatchObject({ state: 'incompatible', serviceVersion: '0.9.0', serviceProtocol: 0 });
    expect(conn.current().message).toMatch(/speaks control protocol 0, but this app needs protocol 1/);
    await expect(conn.call('status')).rejects.toMatchObject({ code: 'incompatible' });
  });
});

describe('connection failure mapping', () => {
  const ctx = (installed: boolean, platform = 'linux') => ({ socketPath: '/run/cloudroof/cloudroofd.sock', platform, serviceInstalled: async () => installed });

  it('no socket: not installed, or not running when a unit exists', async () => {
    expect((await connectionFailure(enoent(), ctx(false))).state).toBe('not-installed');
    expect(await connectionFailure(enoent(), ctx(true))).toEqual({
      state: 'not-running', message: 'The Cloudroof service is installed but not running (nothing answers on /run/cloudroof/cloudroofd.sock). Start it with: sudo systemctl start cloudroofd',
    });
  });

  it('refused: not running; permission denied: log in again or join the group', async () => {
    expect((await connectionFailure(new ClientError('not-running', 'x', 'ECONNREFUSED'), ctx(false))).state).toBe('not-running');
    const denied = await connectionFailure(new ClientError('permission-denied', 'x', 'EACCES'), ctx(true));
    expect(denied.state).toBe('permission-denied');
    expect(denied.message).toMatch(/log out and in again/);
    expect(denied.message).toContain('sudo usermod -aG cloudroof "$USER"');
    expect((await connectionFailure(new ClientError('permission-denied', 'x', 'EACCES'), ctx(true, 'darwin'))).message).toContain('dseditgroup');
  });

  it('untrusted socket, bad answers and service errors', async () => {
    expect(await connectionFailure(new ClientError('untrusted-socket', '/run/x.sock is owned by uid 1000, not root; refusing to use it'), ctx(true))).toEqual({
      state: 'untrusted-socket', message: '/run/x.sock is owned by uid 1000, not root; refusing to use it. Something other than the Cloudroof service may be listening there.',
    });
    expect(await connectionFailure(new ClientError('timeout', 'cloudroofd did not answer within 15 s'), ctx(true))).toEqual({ state: 'error', message: 'cloudroofd did not answer within 15 s' });
    expect(await connectionFailure(new ControlError('internal', 'boom'), ctx(true))).toEqual({ state: 'error', message: 'boom' });
    expect(await connectionFailure(new TypeError('x is undefined'), ctx(true))).toEqual({ state: 'error', message: 'Unexpected failure talking to the service.' });
  });

  it('the backoff doubles to its cap', () => {
    expect(nextDelay(500, 30_000)).toBe(1000);
    expect(nextDelay(16_000, 30_000)).toBe(30_000);
    expect(nextDelay(30_000, 30_000)).toBe(30_000);
  });
});
