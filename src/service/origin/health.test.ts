import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HealthCheck } from '../../shared/protocol/site-schemas';
import { checkHttp, describeError, HealthMonitor } from './health';
import type { HttpCheckSpec, MonitoredCheck } from './health';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What the test server saw of each request. */
const seen: { path: string; host: string | undefined }[] = [];
const held: net.Socket[] = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({ path: req.url ?? '', host: req.headers.host });
  if (req.url === '/hang') return; // accepts, never answers
  const status = Number(/^\/status\/([0-9]{3})$/.exec(req.url ?? '')?.[1] ?? 200);
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end('x'.repeat(100_000)); // a body the check must discard
}

const server = http.createServer(handler);
server.on('connection', (s) => held.push(s));
let port = 0;
let deadPort = 0;

function listen(s: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => s.listen(0, host, () => resolve((s.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  port = await listen(server);
  const tmp = net.createServer();
  deadPort = await listen(tmp);
  await new Promise((r) => tmp.close(r));
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => server.close(r));
});

const spec = (path: string, extra: Partial<HttpCheckSpec> = {}): HttpCheckSpec =>
  ({ scheme: 'http', host: '127.0.0.1', port, path, timeoutMs: 3000, ...extra });

describe('checkHttp', () => {
  it('is healthy for any answer below 500, with status and latency, sending path and Host', async () => {
    const before = Date.now();
    const ok = await checkHttp(spec('/healthz', { hostHeader: 'www.example.com' }));
    expect(ok).toMatchObject({ state: 'healthy', status: 200 });
    expect(ok.error).toBeUndefined();
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(ok.checkedAt).toBeGreaterThanOrEqual(before);
    expect(seen.at(-1)).toEqual({ path: '/healthz', host: 'www.example.com' });
    expect(await checkHttp(spec('/status/404'))).toMatchObject({ state: 'healthy', status: 404 });
    expect(seen.at(-1)?.host).toBe(`127.0.0.1:${port}`);
  });

  it('is unhealthy for 5xx: "answered 503"', async () => {
    const r = await checkHttp(spec('/status/503'));
    expect(r).toMatchObject({ state: 'unhealthy', status: 503, error: 'answered 503' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('says "connection refused" when nothing listens', async () => {
    const r = await checkHttp(spec('/', { port: deadPort }));
    expect(r).toEqual({ state: 'unhealthy', error: 'connection refused', checkedAt: expect.any(Number) });
  });

  it('times out after timeoutMs', async () => {
    const started = Date.now();
    const r = await checkHttp(spec('/hang', { timeoutMs: 300 }));
    expect(r).toEqual({ state: 'unhealthy', error: 'timed out after 0.3 s', checkedAt: expect.any(Number) });
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await checkHttp(spec('/hang', { timeoutMs: 3000, port: deadPort }))).error).toBe('connection refused');
  });

  it('reports a TLS error short, e.g. https to a plain http server', async () => {
    const r = await checkHttp(spec('/', { scheme: 'https' }));
    expect(r.state).toBe('unhealthy');
    expect(r.error).toBe('TLS error: wrong version number');
  });

  it('maps other failures to short human text', () => {
    const e = (code: string, message = `x ${code}`): NodeJS.ErrnoException => Object.assign(new Error(message), { code });
    expect(describeError(e('ENOTFOUND', 'getaddrinfo ENOTFOUND nope.invalid'), 3000)).toBe('host not found');
    expect(describeError(e('EAI_AGAIN'), 3000)).toBe('host not found');
    expect(describeError(e('EHOSTUNREACH'), 3000)).toBe('host unreachable');
    expect(describeError(e('ECONNRESET', 'socket hang up'), 3000)).toBe('connection closed without an answer');
    expect(describeError(e('HPE_INVALID_CONSTANT'), 3000)).toBe('not an HTTP answer');
    expect(describeError(e('EPROTO', 'write EPROTO 80:error:0A00010B:SSL routines::wrong version number:\n'), 3000))
      .toBe('TLS error: wrong version number');
    expect(describeError(e('EX', 'y'.repeat(300)), 3000)).toHaveLength(100);
  });

  describe.skipIf(!hasOpenssl())('https with a self-signed certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crf-health-'));
    let tlsServer: https.Server | undefined;
    let tlsPort = 0;
    const sni: (string | undefined)[] = [];

    beforeAll(async () => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=local.test',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      tlsServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, handler);
      tlsServer.on('secureConnection', (s) => sni.push((s as unknown as { servername?: string }).servername));
      tlsPort = await listen(tlsServer);
    });

    afterAll(async () => {
      await new Promise((r) => (tlsServer ? tlsServer.close(r) : r(undefined)));
      rmSync(dir, { recursive: true, force: true });
    });

    it('accepts the certificate (the user\'s own service) and sends the Host name as SNI', async () => {
      const r = await checkHttp(spec('/healthz', { scheme: 'https', port: tlsPort, hostHeader: 'blog.example.com' }));
      expect(r).toMatchObject({ state: 'healthy', status: 200 });
      expect(sni.at(-1)).toBe('blog.example.com');
    });
  });
});

/** A check that answers from a queue the test controls. */
function scripted(): { check: (s: HttpCheckSpec) => Promise<HealthCheck>; calls: HttpCheckSpec[]; resolveNext: (r: HealthCheck) => void } {
  const calls: HttpCheckSpec[] = [];
  const pending: ((r: HealthCheck) => void)[] = [];
  return {
    calls,
    check: (s) => { calls.push(s); return new Promise((resolve) => pending.push(resolve)); },
    resolveNext: (r) => pending.shift()?.(r),
  };
}

const healthy: HealthCheck = { state: 'healthy', status: 200, latencyMs: 1, checkedAt: 1 };
const down: HealthCheck = { state: 'unhealthy', error: 'connection refused', checkedAt: 2 };
const mspec = (extra: Partial<MonitoredCheck> = {}): MonitoredCheck => ({ ...spec('/'), intervalS: 10, ...extra });

describe('HealthMonitor', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('checks at once, then every intervalS after each check, firing onChange on changes only', async () => {
    vi.useFakeTimers();
    const s = scripted();
    const m = new HealthMonitor({ check: s.check });
    const changes: [string, HealthCheck][] = [];
    m.onChange((k, c) => changes.push([k, c]));
    m.set('blog', mspec());
    expect(s.calls).toHaveLength(1);
    expect(m.get('blog')).toEqual({ state: 'unknown' });
    s.resolveNext(healthy);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.get('blog')).toEqual(healthy);
    expect(changes).toEqual([['blog', healthy]]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(s.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls).toHaveLength(2);
    s.resolveNext({ ...healthy, latencyMs: 7 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(changes).toHaveLength(1); // same state and status
    s.resolveNext(down);
    await vi.advanceTimersByTimeAsync(0);
    expect(changes.at(-1)).toEqual(['blog', down]);
    m.stop();
  });

  it('never overlaps checks of one key, and reruns at once when the target changed meanwhile', async () => {
    vi.useFakeTimers();
    const s = scripted();
    const m = new HealthMonitor({ check: s.check });
    m.set('blog', mspec({ intervalS: 2 }));
    await vi.advanceTimersByTimeAsync(60_000); // a check slower than the interval
    expect(s.calls).toHaveLength(1);
    m.set('blog', mspec({ intervalS: 2 })); // same spec: nothing
    m.set('blog', mspec({ intervalS: 2, port: 9 })); // new target while one is running
    expect(s.calls).toHaveLength(1);
    s.resolveNext(healthy); // stale: dropped
    await vi.advanceTimersByTimeAsync(0);
    expect(m.get('blog').state).toBe('unknown');
    expect(s.calls.map((c) => c.port)).toEqual([port, 9]);
    s.resolveNext(down);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.get('blog')).toEqual(down);
    m.set('blog', mspec({ intervalS: 5, port: 9 })); // interval only: keep the result, reschedule
    expect(m.get('blog')).toEqual(down);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(s.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls).toHaveLength(3);
    m.stop();
  });

  it('delete() and stop() end the checks; a failing check becomes unhealthy; timers are unref\'d', async () => {
    vi.useFakeTimers();
    const s = scripted();
    const m = new HealthMonitor({ check: (x) => (x.path === '/boom' ? Promise.reject(new Error('boom')) : s.check(x)) });
    m.set('a', mspec({ path: '/boom' }));
    m.set('b', mspec());
    await vi.advanceTimersByTimeAsync(0);
    expect(m.get('a')).toMatchObject({ state: 'unhealthy', error: 'boom' });
    const timer = (m as unknown as { entries: Map<string, { timer?: NodeJS.Timeout }> }).entries.get('a')?.timer;
    expect(timer?.hasRef()).toBe(false);
    m.delete('b');
    s.resolveNext(healthy);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(m.get('b')).toEqual({ state: 'unknown' });
    expect(s.calls).toHaveLength(1);
    expect(m.keys()).toEqual(['a']);
    m.stop();
    expect(m.keys()).toEqual([]);
    m.set('c', mspec()); // ignored once stopped
    expect(m.keys()).toEqual([]);
    expect(s.calls).toHaveLength(1);
  });

  it('runs real checks by default', async () => {
    const m = new HealthMonitor();
    const changed = new Promise<HealthCheck>((resolve) => m.onChange((_k, c) => resolve(c)));
    m.set('site', mspec({ path: '/status/503' }));
    expect(await changed).toMatchObject({ state: 'unhealthy', status: 503, error: 'answered 503' });
    m.stop();
  });
});
