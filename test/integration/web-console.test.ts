// The web console's HTTP surface for real: a control server on its Unix socket and the
// WebConsoleManager with a FakeBackend, listening on a free loopback port. Static files with
// their headers, traversal, loopback-only listening, the IPC contract over HTTP (invoke, stream
// framing and abort, events), and that no log line carries the token. The control endpoints,
// the state files and `cloudroof web` are in web-console-control.test.ts.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CONSOLE_CSP } from '../../src/service/control/web-console-access';
import { createLogger } from '../../src/service/log';
import type { FakeBackend } from '../../src/service/control/fake';
import { httpRequest, openLines } from '../support/http';
import { authorised, expectCleanLogs, MESH_SECRET, PAGE, startConsoleLab, VERIFY_EVENTS, verifyingBackend, type ConsoleLab } from '../support/web-console';

const logLines: string[] = [];
const logger = createLogger('test', { level: 'debug', json: true, write: (l) => logLines.push(l) });
let lab: ConsoleLab;
let backend: FakeBackend;
const tokensSeen = new Set<string>();

const web = () => ({ port: lab.port });
const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  httpRequest(web(), 'POST', path, { headers: authorised(lab, headers), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

beforeAll(async () => {
  backend = await verifyingBackend();
  lab = await startConsoleLab({ logger, backend });
  tokensSeen.add(lab.token);
});
afterAll(async () => {
  await lab?.close();
});

describe('web console: static files', () => {
  it('listens on 127.0.0.1 and [::1] only', async () => {
    const v6 = Object.values(networkInterfaces()).flat().some((a) => a?.internal && a.address === '::1');
    if (v6) expect((await httpRequest({ port: lab.port, host: '::1' }, 'GET', '/', { headers: { host: `[::1]:${lab.port}` } })).status).toBe(200);
    const others = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && !a.address.startsWith('fe80')).map((a) => a!.address);
    for (const address of ['127.0.0.2', ...others]) {
      await expect(httpRequest({ port: lab.port, host: address }, 'GET', '/', { headers: { host: `127.0.0.1:${lab.port}` } }), address).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('serves index.html with the security headers on every response', async () => {
    for (const host of [`127.0.0.1:${lab.port}`, `localhost:${lab.port}`, `[::1]:${lab.port}`]) {
      const r = await httpRequest(web(), 'GET', '/', { headers: { host } });
      expect(r.status, host).toBe(200);
      expect(r.text).toBe(PAGE.index);
      expect(r.headers).toMatchObject({
        'content-type': 'text/html; charset=utf-8', 'content-security-policy': WEB_CONSOLE_CSP, 'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store',
      });
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    const asset = await httpRequest(web(), 'GET', '/assets/app-1a2b.js');
    expect(asset).toMatchObject({ status: 200, text: PAGE.script });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    const head = await httpRequest(web(), 'HEAD', '/index.html');
    expect(head).toMatchObject({ status: 200, text: '' });
    const error = await httpRequest(web(), 'GET', '/nope.js');
    expect(error.status).toBe(404);
    expect(error.headers['content-security-policy']).toBe(WEB_CONSOLE_CSP);
  });

  it('refuses path traversal, symlinks out of the root, dotfiles and directories', async () => {
    const paths = [
      '/../outside.txt', '/assets/../../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/assets/%2e%2e%2f%2e%2e%2foutside.txt',
      '/..%5coutside.txt', '/assets/..\\..\\outside.txt'.replace(/\\/g, '%5c'), '/assets/link.txt', '/.hidden', '/assets/', '/assets', '//outside.txt',
      '/index.html%00.js', '/%2fetc%2fpasswd', '/assets/%252e%252e/outside.txt', '/%c0%ae%c0%ae/outside.txt', '/%',
    ];
    for (const path of paths) {
      const r = await httpRequest(web(), 'GET', path);
      expect(r.status, path).toBe(404);
      expect(r.text, path).not.toContain('OUTSIDE');
      expect((r.json as { error: { code: string } }).error.code, path).toBe('not-found');
    }
    expect((await httpRequest(web(), 'POST', '/index.html')).status).toBe(405);
  });
});

describe('web console: the IPC contract over HTTP', () => {
  it('invokes service calls through the control handlers (codes and messages kept)', async () => {
    const status = await post('/api/invoke/svc/status');
    expect(status.status).toBe(200);
    expect(status.headers['cache-control']).toBe('no-store');
    expect(status.json).toMatchObject({ ok: true, value: { tunnelState: 'disconnected', hostname: 'fake-host' } });
    const join = await post('/api/invoke/svc/join', { secret: 'too-short' });
    expect(join.json).toEqual({ ok: false, error: { code: 'invalid-secret', message: expect.any(String) } });
    expect(join.text).not.toContain('too-short');
    expect(backend.joined).toBe(false);
    const bad = await post('/api/invoke/svc/join', { secret: 'x'.repeat(30), extra: 1 });
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect((await post('/api/invoke/svc/diagnostics')).json).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('answers app calls: the web app state, a snapshot, and unsupported for desktop-only calls', async () => {
    const app = await post('/api/invoke/app/getAppState', {});
    expect(app.json).toEqual({
      ok: true,
      value: { environment: 'web', appVersion: '0.0.0-fake', platform: process.platform, connection: { state: 'connected', serviceVersion: '0.0.0-fake', serviceProtocol: 1 }, update: { state: 'disabled' } },
    });
    expect((await post('/api/invoke/app/watchSnapshot', {})).json).toMatchObject({ ok: true, value: { status: { hostname: 'fake-host' }, peers: [] } });
    for (const [name, body] of [['installService', {}], ['uninstallService', { purge: false }], ['setAppSettings', {}], ['checkForUpdates', {}], ['installUpdate', {}], ['openExternal', { url: 'https://example.com/' }]] as const) {
      const r = await post(`/api/invoke/app/${name}`, body);
      expect(r.json, name).toEqual({ ok: false, error: { code: 'unsupported', message: expect.stringContaining('only available in the desktop app') } });
    }
  });

  it('streams NDJSON: items, then one result line', async () => {
    await backend.join({ secret: MESH_SECRET });
    const s = await openLines(web(), 'POST', '/api/stream/verifySite', { headers: authorised(lab), body: JSON.stringify({ name: 'blog' }) });
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('application/x-ndjson');
    expect(await s.rest()).toEqual([
      { item: { type: 'step', step: { edge: 'edge-1', check: 'request', state: 'running' } } },
      { item: { type: 'done', ok: true, steps: [{ edge: 'edge-1', check: 'request', state: 'passed' }], publicUrls: ['https://blog.example.com/'] } },
      { result: { ok: true, value: null } },
    ]);
    await backend.leave();
    const failed = await openLines(web(), 'POST', '/api/stream/verifySite', { headers: authorised(lab), body: '{"name":"blog"}' });
    expect(await failed.next()).toEqual({ result: { ok: false, error: { code: 'not-joined', message: 'this node is not in a mesh, so no edge can be reached (cloudroof join)' } } });
  });

  it('aborts the backend\'s work when the stream\'s client goes away', async () => {
    await backend.join({ secret: MESH_SECRET });
    backend.verify.events = VERIFY_EVENTS.slice(0, 1);
    backend.verify.hold = true;
    const s = await openLines(web(), 'POST', '/api/stream/verifySite', { headers: authorised(lab), body: '{"name":"blog"}' });
    expect(await s.next()).toMatchObject({ item: { type: 'step' } });
    s.close();
    await expect.poll(() => backend.verify.aborted).toBe(1);
    backend.verify.hold = false;
    backend.verify.events = [...VERIFY_EVENTS];
  });

  it('events: the app state, then a watch snapshot, then live changes', async () => {
    const s = await openLines(web(), 'GET', '/api/events', { headers: authorised(lab) });
    expect(s.headers['content-type']).toBe('application/x-ndjson');
    expect(s.headers['content-security-policy']).toBe(WEB_CONSOLE_CSP);
    expect(await s.next()).toMatchObject({ event: 'app', payload: { environment: 'web', connection: { state: 'connected' } } });
    expect(await s.next()).toMatchObject({ event: 'watch', payload: { type: 'snapshot', status: { hostname: 'fake-host' }, peers: [] } });
    backend.updateStatus({ tunnelState: 'connecting' });
    expect(await s.next()).toMatchObject({ event: 'watch', payload: { type: 'status', status: { tunnelState: 'connecting' } } });
    s.close();
    await s.closed;
  });
});

describe('web console: keep-alive', () => {
  it('writes {} on an idle event stream', async () => {
    const quiet = await startConsoleLab({ logger, keepAliveMs: 20 });
    try {
      tokensSeen.add(quiet.token);
      const s = await openLines({ port: quiet.port }, 'GET', '/api/events', { headers: authorised(quiet) });
      expect(await s.next()).toMatchObject({ event: 'app' });
      expect(await s.next()).toMatchObject({ event: 'watch', payload: { type: 'snapshot' } });
      expect(await s.next()).toEqual({});
      expect(await s.next()).toEqual({});
      s.close();
    } finally {
      await quiet.close();
    }
  });
});

describe('web console: logs', () => {
  it('never writes the token or the URL to a log line', () => {
    expectCleanLogs(logLines, tokensSeen);
  });
});
