// The wizard's probe against real local servers (HTTP with a title, a redirect, a closed port,
// a TCP server that is not HTTP, a server that never answers, TLS mix-ups, a self-signed https
// target) and its pure parts (error wording, title extraction).
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlError } from '../../shared/protocol';
import { htmlTitle, probeErrorMessage, probeSite } from './probe';
import { selfSignedCertificate } from './verify-test-servers';

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/hang') return;
  if (req.url === '/login') {
    res.writeHead(302, { location: '/login/', server: 'test-app/2' });
    return void res.end();
  }
  if (req.url === '/json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end('{"title":"<title>not html</title>"}');
  }
  res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', server: 'nginx/1.22.1' });
  res.end(`<!doctype html><html><head>\n<TITLE lang="en">  Welcome &amp; hello\n  to&#32;nginx&#x21; </TITLE></head><body>${'x'.repeat(200_000)}</body></html>`);
}

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
const listen = (s: net.Server): Promise<number> => new Promise((resolve) => {
  servers.push(s);
  s.on('connection', (c: net.Socket) => sockets.push(c));
  s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
});
let httpPort = 0;
let sshPort = 0;
let deadPort = 0;

beforeAll(async () => {
  httpPort = await listen(http.createServer(handler));
  // Speaks first, and not HTTP (an SSH server's banner).
  sshPort = await listen(net.createServer((c) => c.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')));
  const tmp = net.createServer();
  deadPort = await new Promise((resolve) => tmp.listen(0, '127.0.0.1', () => resolve((tmp.address() as net.AddressInfo).port)));
  await new Promise((r) => tmp.close(r));
});

afterAll(async () => {
  for (const c of sockets) c.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('probeSite', () => {
  it('answers status, latency, content type, Server and the HTML title', async () => {
    const r = await probeSite({ target: `127.0.0.1:${httpPort}` });
    expect(r).toEqual({
      target: `http://127.0.0.1:${httpPort}`, ok: true, status: 200, latencyMs: expect.any(Number),
      contentType: 'text/html; charset=utf-8', server: 'nginx/1.22.1', title: 'Welcome & hello to nginx!',
    });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect((await probeSite({ target: `http://127.0.0.1:${httpPort}/`, healthPath: '/missing' })).status).toBe(404);
  });

  it('reports a redirect with its Location, and reads no title from non-HTML', async () => {
    expect(await probeSite({ target: `http://127.0.0.1:${httpPort}`, healthPath: '/login' })).toMatchObject({ ok: true, status: 302, location: '/login/', server: 'test-app/2' });
    const json = await probeSite({ target: `http://127.0.0.1:${httpPort}`, healthPath: '/json' });
    expect(json).toMatchObject({ ok: true, status: 200, contentType: 'application/json' });
    expect(json.title).toBeUndefined();
  });

  it('says in plain words why nothing answered', async () => {
    expect(await probeSite({ target: `127.0.0.1:${deadPort}` })).toEqual({ target: `http://127.0.0.1:${deadPort}`, ok: false, error: `connection refused: nothing listens on 127.0.0.1:${deadPort}` });
    expect((await probeSite({ target: `127.0.0.1:${sshPort}` })).error).toBe('not an HTTP server (if it speaks TLS, use https://)');
    expect((await probeSite({ target: `127.0.0.1:${httpPort}`, healthPath: '/hang' }, 300)).error).toBe('timed out after 0.3 s');
    expect((await probeSite({ target: `https://127.0.0.1:${httpPort}` })).error).toBe('TLS error: wrong version number (it does not speak TLS: use http://)');
  });

  it('refuses a bad target or health path with invalid-site, before any connection', async () => {
    for (const req of [{ target: 'ftp://127.0.0.1:21' }, { target: '127.0.0.1' }, { target: `127.0.0.1:${httpPort}`, healthPath: 'no-slash' }]) {
      const err = await probeSite(req).catch((e: ControlError) => e);
      expect(err).toMatchObject({ code: 'invalid-site' });
    }
  });

  const hasOpenssl = (() => { try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  it.skipIf(!hasOpenssl)('probes an https target with a self-signed certificate, as the health checks do', async () => {
    const port = await listen(https.createServer(selfSignedCertificate('local.test'), handler));
    expect(await probeSite({ target: `https://127.0.0.1:${port}` })).toMatchObject({ ok: true, status: 200, title: 'Welcome & hello to nginx!' });
    expect((await probeSite({ target: `http://127.0.0.1:${port}` })).error).toMatch(/^not an HTTP server|^connection closed without an answer$/);
  });
});

describe('htmlTitle', () => {
  it('decodes entities, collapses whitespace, bounds the length, ignores an empty title', () => {
    expect(htmlTitle('<title>A &lt;b&gt; &quot;c&quot; &#39;d&#x27; &nbsp;e &bogus; &#0;</title>')).toBe('A <b> "c" \'d\' e &bogus; &#0;');
    expect(htmlTitle(`<title>${'t'.repeat(500)}</title>`)).toHaveLength(200);
    expect(htmlTitle('<title>  \n </title>')).toBeUndefined();
    expect(htmlTitle('<html>no title</html>')).toBeUndefined();
    expect(htmlTitle('<title>unterminated')).toBeUndefined();
  });
});

describe('probeErrorMessage', () => {
  const t = { scheme: 'http' as const, host: '::1', port: 8080 };
  it('words refusals, parse errors and TLS mix-ups for people', () => {
    expect(probeErrorMessage({ code: 'ECONNREFUSED', error: 'connection refused' }, t)).toBe('connection refused: nothing listens on [::1]:8080');
    expect(probeErrorMessage({ code: 'HPE_INVALID_CONSTANT', error: 'not an HTTP answer' }, { ...t, scheme: 'https' })).toBe('not an HTTP server');
    expect(probeErrorMessage({ code: 'EPROTO', error: 'TLS error: packet length too long' }, { ...t, scheme: 'https' })).toBe('TLS error: packet length too long (it does not speak TLS: use http://)');
    expect(probeErrorMessage({ code: 'ETIMEDOUT', error: 'timed out after 5 s' }, t)).toBe('timed out after 5 s');
    expect(probeErrorMessage({ code: 'ENOTFOUND', error: 'host not found' }, t)).toBe('host not found');
  });
});
