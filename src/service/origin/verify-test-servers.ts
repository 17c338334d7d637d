/**
 * Local servers for the verification's unit tests (verify-site.test.ts): an application that
 * plays the site's target (health, websocket echo, SSE, upload; or health only), and a plain
 * Node reverse proxy that plays an edge — HTTP or TLS, with an optional body limit (413), SSE
 * buffered until the end, or an unreachable upstream (502 with the edge's own page); and a
 * self-signed certificate (also for probe.test.ts). Test code only; nothing in the service
 * imports it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { UNAVAILABLE_PAGE_MARKER } from '../edge/nginx-config';

/** A listening test server. */
export interface TestServer {
  port: number;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function sse(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  const tick = (): void => {
    res.write(`id: ${i}\ndata: ${i}\n\n`);
    if (++i >= 10) { clearInterval(timer); res.end(); }
  };
  const timer = setInterval(tick, 50);
  res.on('close', () => clearInterval(timer));
  tick();
}

/** The site's application: `full` answers /healthz, /ws (echo), /sse and POST /upload; otherwise GET /healthz only (POST: 405). */
export async function startTargetApp(full: boolean): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && !full) {
      req.resume();
      req.on('end', () => res.writeHead(405).end('method not allowed'));
      return;
    }
    if (path === '/healthz') return res.end('ok');
    if (full && path === '/sse') return sse(res);
    if (full && req.method === 'POST' && path === '/upload') {
      let bytes = 0;
      req.on('data', (c: Buffer) => { bytes += c.length; });
      req.on('end', () => res.end(JSON.stringify({ bytes })));
      return;
    }
    res.writeHead(404).end('not found');
  });
  if (full) {
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin }))));
  } else {
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
  }
  return listen(server);
}

/** How the test edge behaves. */
export interface ProxyOptions {
  targetPort: number;
  /** TLS with this key and certificate (PEM); plain HTTP without. */
  tls?: { key: string; cert: string };
  /** Bodies declared larger than this get 413 from the proxy itself. */
  maxBody?: number;
  /** Hold SSE (and every) answer until the upstream ends, like nginx with buffering on. */
  buffer?: boolean;
}

function forward(o: ProxyOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (o.maxBody !== undefined && Number(req.headers['content-length'] ?? 0) > o.maxBody) {
    res.writeHead(413, { 'content-type': 'text/plain' }).end('413 Request Entity Too Large');
    req.resume();
    return;
  }
  const up = http.request({ host: '127.0.0.1', port: o.targetPort, method: req.method, path: req.url, headers: req.headers }, (ur) => {
    if (!o.buffer) {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    ur.on('data', (c: Buffer) => chunks.push(c));
    ur.on('end', () => {
      const { 'transfer-encoding': _te, ...headers } = ur.headers;
      res.writeHead(ur.statusCode ?? 502, headers).end(Buffer.concat(chunks));
    });
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' }).end(`<p><small>${UNAVAILABLE_PAGE_MARKER}</small></p>`);
  });
  req.pipe(up);
}

/** A reverse proxy to 127.0.0.1:`targetPort`, websockets relayed as raw bytes. */
export async function startProxy(o: ProxyOptions): Promise<TestServer> {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => forward(o, req, res);
  const server = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler) : http.createServer(handler);
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const up = net.connect(o.targetPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  return listen(server);
}

/** A self-signed certificate for `hostname` (openssl), as PEM texts. */
export function selfSignedCertificate(hostname: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cr-verify-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
