import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../log';
import { formatMetricsAddress, isLoopbackHost, parseMetricsAddress } from './address';
import { startMetricsServer, type MetricsRenderer, type MetricsServer } from './server';

/** A logger that keeps warnings. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const l: Logger & { warnings: string[] } = {
    warnings, debug: () => {}, info: () => {}, error: () => {}, warn: (m) => { warnings.push(m); }, child: () => l,
  };
  return l;
}

const renderer: MetricsRenderer = { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => 'cloudroof_up 1\n' };
let server: MetricsServer | undefined;
let blocker: Server | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
  blocker = undefined;
});

const url = (path: string): string => `http://127.0.0.1:${server?.address.port}${path}`;

describe('startMetricsServer', () => {
  it('serves GET /metrics with the registry\'s content type', async () => {
    server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, renderer, recordingLogger());
    const r = await fetch(url('/metrics'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await r.text()).toBe('cloudroof_up 1\n');
    expect((await fetch(url('/metrics?x=1'))).status).toBe(200);
    const head = await fetch(url('/metrics'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, renderer, recordingLogger());
    expect((await fetch(url('/'))).status).toBe(404);
    expect((await fetch(url('/metrics/x'))).status).toBe(404);
    const post = await fetch(url('/metrics'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 when collecting fails, and keeps serving', async () => {
    let fail = true;
    const flaky: MetricsRenderer = { contentType: 'text/plain', render: async () => { if (fail) throw new Error('boom'); return 'ok\n'; } };
    server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, flaky, recordingLogger());
    expect((await fetch(url('/metrics'))).status).toBe(500);
    fail = false;
    expect(await (await fetch(url('/metrics'))).text()).toBe('ok\n');
  });

  it('refuses a port in use with a clear message', async () => {
    const b = createServer();
    blocker = b;
    await new Promise<void>((r) => b.listen(0, '127.0.0.1', r));
    const port = (b.address() as AddressInfo).port;
    await expect(startMetricsServer({ host: '127.0.0.1', port }, renderer, recordingLogger()))
      .rejects.toThrow(`metrics address 127.0.0.1:${port} is already in use; choose another port with --metrics`);
  });

  it('refuses an address that is not on this machine', async () => {
    await expect(startMetricsServer({ host: '192.0.2.1', port: 9474 }, renderer, recordingLogger()))
      .rejects.toThrow('metrics address 192.0.2.1:9474 is not an address of this machine');
  });

  it('warns when it listens beyond loopback', async () => {
    const quiet = recordingLogger();
    server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, renderer, quiet);
    expect(quiet.warnings).toEqual([]);
    await server.close();
    const loud = recordingLogger();
    server = await startMetricsServer({ host: '0.0.0.0', port: 0 }, renderer, loud);
    expect(loud.warnings.join()).toMatch(/beyond this machine/);
  });
});

describe('parseMetricsAddress', () => {
  it('accepts host:port and [v6]:port', () => {
    expect(parseMetricsAddress('127.0.0.1:9474')).toEqual({ host: '127.0.0.1', port: 9474 });
    expect(parseMetricsAddress('[::1]:9474')).toEqual({ host: '::1', port: 9474 });
    expect(parseMetricsAddress('localhost:1')).toEqual({ host: 'localhost', port: 1 });
    expect(parseMetricsAddress('0.0.0.0:65535')).toEqual({ host: '0.0.0.0', port: 65535 });
  });

  it.each([
    ['9474', /not host:port/], ['127.0.0.1', /not host:port/], ['127.0.0.1:', /not host:port/], [':9474', /not host:port/],
    ['127.0.0.1:0', /port out of range/], ['127.0.0.1:70000', /port out of range/], ['127.0.0.1:94a', /not host:port/],
    ['::1:9474', /bracket an IPv6 address/], ['[127.0.0.1]:9474', /not an IPv6 address/], ['bad_host:9474', /not an IPv4 address or host name/],
    ['http://127.0.0.1:9474', /not host:port/],
  ])('refuses %s', (text, why) => {
    expect(() => parseMetricsAddress(text)).toThrow(why);
    expect(() => parseMetricsAddress(text)).toThrow(/--metrics must be host:port or \[v6\]:port/);
  });

  it('knows loopback addresses and formats IPv6 with brackets', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', 'fd00::1']) expect(isLoopbackHost(h), h).toBe(false);
    expect(formatMetricsAddress({ host: '::1', port: 9 })).toBe('[::1]:9');
    expect(formatMetricsAddress({ host: '127.0.0.1', port: 9 })).toBe('127.0.0.1:9');
  });
});
