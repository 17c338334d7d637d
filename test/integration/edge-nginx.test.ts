// Edge nginx for real: a managed nginx on loopback ports in a temp dir, a self-signed
// certificate, and a tiny Node origin. Checks HTTPS proxying, the HTTP redirect, caching rules,
// SSE streaming, refusal of a broken config (the old one keeps serving), the unavailable page,
// recovery of a running master by a new controller, and removal. Needs root and nginx.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecCommandRunner } from '../../src/service/engine/exec';
import type { CommandRunner, RunOptions } from '../../src/service/engine/exec';
import { renderEdgeConfig } from '../../src/service/edge/nginx-config';
import { ManagedNginx, NginxConfigError, hostNginxProcesses } from '../../src/service/edge/nginx';
import { CacheLogTailer } from '../../src/service/edge/cache-log';

const HOST = 'www.example.test';

function whySkip(): string | undefined {
  if (process.getuid?.() !== 0) return 'edge-nginx integration test skipped: needs root (nginx workers drop to nobody)';
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'nginx')));
  if (!onPath) return 'edge-nginx integration test skipped: nginx is not on PATH (apt-get install nginx)';
  return undefined;
}
const skip = whySkip();
if (skip) console.log(skip);

/** A CommandRunner that records argv and delegates to the real one. */
class RecordingRunner implements CommandRunner {
  readonly calls: string[][] = [];
  private readonly inner = new ExecCommandRunner();
  run(argv: readonly string[], opts?: RunOptions) {
    this.calls.push([...argv]);
    return this.inner.run(argv, opts);
  }
}

/** Whether this host can listen on IPv6 loopback (containers may lack it). */
async function hasIPv6(): Promise<boolean> {
  const srv = createNetServer();
  const ok = await new Promise<boolean>((r) => srv.once('error', () => r(false)).listen(0, '::1', () => r(true)));
  if (ok) await new Promise((r) => srv.close(r));
  return ok;
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

interface CurlResult { exit: number; status: number; headers: string; body: string }

/** curl with the test CA and www.example.test resolved to loopback; never follows redirects. */
function curl(url: string, ports: number[], ca: string, extra: string[] = []): Promise<CurlResult> {
  const resolve = ports.flatMap((p) => ['--resolve', `${HOST}:${p}:127.0.0.1`]);
  return new Promise((done) => {
    execFile('curl', ['-sS', '-i', '--max-time', '10', '--cacert', ca, ...resolve, ...extra, url], { encoding: 'utf8' }, (err, stdout) => {
      const sep = stdout.indexOf('\r\n\r\n');
      const headers = sep < 0 ? stdout : stdout.slice(0, sep);
      const status = Number(/^HTTP\/[0-9.]+ ([0-9]{3})/.exec(headers)?.[1] ?? 0);
      const exit = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      done({ exit, status, headers: headers.toLowerCase(), body: sep < 0 ? '' : stdout.slice(sep + 4) });
    });
  });
}

describe.skipIf(skip !== undefined)('edge nginx (managed, real nginx)', { timeout: 30_000 }, () => {
  let tmp: string;
  let ca: string;
  let origin: Server;
  let httpPort: number;
  let httpsPort: number;
  let runner: RecordingRunner;
  let nginx: ManagedNginx;
  let goodConfig: string;
  let pid: number | undefined;
  let ipv6 = false;
  let cacheLog: CacheLogTailer;
  const hits = new Map<string, number>();
  const https = (p: string, extra?: string[]) => curl(`https://${HOST}:${httpsPort}${p}`, [httpsPort, httpPort], ca, extra);

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (url === '/cacheable') res.writeHead(200, { 'cache-control': 'max-age=60' }).end('cacheable body');
    else if (url === '/cookie') res.writeHead(200, { 'cache-control': 'max-age=60', 'set-cookie': 'session=1' }).end('cookie body');
    else if (url === '/private') res.writeHead(200, { 'cache-control': 'max-age=60' }).end('for the authorised');
    else if (url === '/events' && !/text\/event-stream/.test(req.headers.accept ?? '')) res.writeHead(200).end('not a stream');
    else if (url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: first\n\n'); // then stays open: only an unbuffered proxy delivers this in time
      setTimeout(() => res.end(), 4000).unref();
    } else res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from origin ${url}`);
  }

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cr-edge-nginx-'));
    await chmod(tmp, 0o711);
    ca = join(tmp, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${HOST}`,
      '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', join(tmp, 'key.pem'), '-out', ca], { stdio: 'ignore' });
    ipv6 = await hasIPv6();
    origin = createServer(answer);
    await new Promise<void>((r) => origin.listen(0, ipv6 ? '::' : '127.0.0.1', r));
    const originPort = (origin.address() as AddressInfo).port;
    httpPort = await freePort();
    httpsPort = await freePort();
    runner = new RecordingRunner();
    nginx = new ManagedNginx({ runner, dir: join(tmp, 'nginx') });
    const info = await nginx.probe();
    expect(info.available).toBe(true);
    cacheLog = new CacheLogTailer(nginx.paths.cacheLog);
    await cacheLog.poll(); // no file yet: everything nginx logs from now on counts
    goodConfig = renderEdgeConfig([{
      hostname: HOST, site: 'blog', scheme: 'http',
      origins: [{ host: '127.0.0.1', port: originPort }, ...(ipv6 ? [{ host: '::1', port: originPort }] : [])],
      tls: { certFile: ca, keyFile: join(tmp, 'key.pem') },
    }], {
      httpPort, httpsPort, maxBody: '10m', cacheSize: '100m', ipv6, defaultServer: true,
      nginxVersion: info.version ?? '', ...nginx.paths,
    });
  });

  afterAll(async () => {
    // Stop nginx by PID whatever happened in the tests.
    const fromFile = Number((await readFile(join(tmp, 'nginx', 'nginx.pid'), 'utf8').catch(() => '')).trim());
    for (const p of [pid, fromFile]) {
      if (p && (await hostNginxProcesses.isNginx(p))) hostNginxProcesses.signalGroup(p, 'SIGKILL');
    }
    origin?.closeAllConnections();
    await new Promise((r) => origin?.close(r));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('starts nginx and serves the origin over HTTPS; HTTP redirects with 308', async () => {
    await nginx.apply(goodConfig);
    pid = Number((await readFile(join(tmp, 'nginx', 'nginx.pid'), 'utf8')).trim());
    expect(await nginx.isRunning()).toBe(true);
    const r = await https('/hello');
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from origin /hello');
    const plain = await curl(`http://${HOST}:${httpPort}/x?y=1`, [httpPort], ca);
    expect(plain.status).toBe(308);
    expect(plain.headers).toContain(`location: https://${HOST}:${httpsPort}/x?y=1`);
  });

  it('listens on IPv6 too when the host has it', async () => {
    if (!ipv6) return console.log('no IPv6 loopback here: IPv6 listen not checked');
    const r = await curl(`https://${HOST}:${httpsPort}/v6`, [], ca, ['--resolve', `${HOST}:${httpsPort}:[::1]`]);
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from origin /v6');
  });

  it('answers unknown hosts 404 over HTTP and refuses their TLS handshake', async () => {
    const r = await curl(`http://127.0.0.1:${httpPort}/`, [], ca);
    expect(r.status).toBe(404);
    const tls = await curl(`https://other.example.test:${httpsPort}/`, [], ca, ['--resolve', `other.example.test:${httpsPort}:127.0.0.1`]);
    expect(tls.exit).not.toBe(0);
    expect(tls.status).toBe(0);
  });

  it('caches what Cache-Control allows: MISS then HIT, one origin request', async () => {
    const first = await https('/cacheable');
    const second = await https('/cacheable');
    expect(first.headers).toContain('x-cache-status: miss');
    expect(second.headers).toContain('x-cache-status: hit');
    expect(second.body).toBe('cacheable body');
    expect(hits.get('/cacheable')).toBe(1);
  });

  it('never serves a Set-Cookie response or an authorised request from the cache', async () => {
    for (let i = 0; i < 2; i++) expect((await https('/cookie')).headers).not.toContain('x-cache-status: hit');
    expect(hits.get('/cookie')).toBe(2);
    for (let i = 0; i < 2; i++) {
      const r = await https('/private', ['-H', 'Authorization: Bearer x']);
      expect(r.headers).toContain('x-cache-status: bypass');
    }
    expect(hits.get('/private')).toBe(2);
  });

  it('logs each proxied request\'s cache result to the cache log (metrics)', async () => {
    await cacheLog.poll();
    const c = cacheLog.counts();
    expect(c.hit).toBeGreaterThanOrEqual(1); // /cacheable the second time
    expect(c.miss).toBeGreaterThanOrEqual(3); // /hello, /cacheable, /cookie ×2
    expect(c.bypass).toBe(2); // the authorised requests
    expect(cacheLog.hitRatio()).toBeGreaterThan(0);
  });

  it('sends server-sent events through the uncached SSE location', async () => {
    const r = await https('/events', ['-H', 'Accept: text/event-stream', '--max-time', '2']);
    expect(r.status).toBe(200);
    expect(r.body).toContain('data: first');
    // proxy_cache off there: no cache status at all, unlike the ordinary location.
    expect(r.headers).not.toContain('x-cache-status');
    expect((await https('/events')).headers).toContain('x-cache-status: miss');
  });

  it('refuses a broken config: throws, no reload, the old config keeps serving', async () => {
    const live = join(tmp, 'nginx', 'edge.conf');
    const before = await readFile(live);
    runner.calls.length = 0;
    await expect(nginx.apply(`${goodConfig}\nthis is not nginx;\n`)).rejects.toBeInstanceOf(NginxConfigError);
    await expect(nginx.apply(`${goodConfig}\nthis is not nginx;\n`)).rejects.toThrow(/unknown directive "this"/);
    expect((await readFile(live)).equals(before)).toBe(true);
    expect(runner.calls.some((a) => a.includes('-s'))).toBe(false);
    expect((await https('/hello')).status).toBe(200);
  });

  it('a new controller finds the running master and does not reload an unchanged config', async () => {
    const again = new RecordingRunner();
    const second = new ManagedNginx({ runner: again, dir: join(tmp, 'nginx') });
    expect(await second.isRunning()).toBe(true);
    await second.apply(goodConfig);
    expect(again.calls).toEqual([]);
  });

  it('shows the unavailable page when the origin is down', async () => {
    origin.closeAllConnections();
    await new Promise((r) => origin.close(r));
    const r = await https('/hello');
    expect(r.status).toBe(502);
    expect(r.body).toContain('Site temporarily unavailable');
  });

  it('remove() stops nginx and deletes its files', async () => {
    await nginx.remove();
    expect(pid && (await hostNginxProcesses.isNginx(pid))).toBe(false);
    expect(existsSync(join(tmp, 'nginx'))).toBe(false);
    expect(await nginx.isRunning()).toBe(false);
    await nginx.remove(); // idempotent
  });
});
