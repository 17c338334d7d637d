/**
 * The web service an origin exposes in the edge tests and benchmarks: a self-contained Node
 * CommonJS program (builtins only, plus `ws` loaded from the absolute path in `WS_PATH`, because it
 * runs from a temp dir) that listens on 127.0.0.1:<argv port> only, so visitors can reach it
 * solely through Cloudroof. Every answer is deterministic, and the app counts what reaches it, so a
 * test can prove that a cache HIT never got to the origin.
 *
 * Routes: GET|HEAD /static/{hello.txt,app.js,big.bin} (public, max-age=300, ETag, 304 on
 * If-None-Match; big.bin is 100 MiB streamed from one deterministic 1 MiB block), GET /big-nocache
 * (the same 100 MiB, or `?bytes=N`, no-store), GET /echo (JSON: method, url, headers, host,
 * x-forwarded-for/-proto, app id, per-process request counter), GET /count (requests seen per path
 * and per url), GET /cookie (public, max-age=300 AND Set-Cookie), GET /healthz ("ok"), websocket
 * echo at /ws, GET /sse (10 events 200 ms apart, each carrying the server's Date.now(); no
 * X-Accel-Buffering header, so only the edge's own config can unbuffer it), POST /upload (sha256 of
 * the streamed body), GET /small and /small-nocache (200 bytes, cacheable / no-store).
 *
 * Lifecycle of {@link startOriginApp}: write the program into the node's lab dir → spawn it in the
 * node's namespace (tracked by the lab) → resolve once /healthz answers → stop() (SIGTERM, SIGKILL
 * after 3 s) or the lab's destroy() ends it.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { NetnsLab } from './netns-lab';
import { waitFor } from './wait-for';

/** Size of /static/big.bin and the default size of /big-nocache: 100 MiB. */
export const BIG_FILE_BYTES = 100 * 1024 * 1024;
/** Body length of /small and /small-nocache. */
export const SMALL_BYTES = 200;

/** Source of the origin app (CommonJS); run as `node <file> <port>` with env `WS_PATH` and `APP_ID`. */
export function originAppSource(): string {
  return String.raw`'use strict';
const http = require('http');
const crypto = require('crypto');
const port = Number(process.argv[2] || 8080);
const appId = process.env.APP_ID || 'origin';
let WebSocketServer = null;
try { if (process.env.WS_PATH) WebSocketServer = require(process.env.WS_PATH).WebSocketServer; } catch (e) { console.error('ws unavailable: ' + e.message); }

const BIG = ${BIG_FILE_BYTES};
const MAX_NOCACHE = 1024 * 1024 * 1024;
let block = null; // 1 MiB, deterministic: sha256('cloudroof-origin-app-' + k) for k = 0..32767
function bigBlock() {
  if (block) return block;
  block = Buffer.alloc(1024 * 1024);
  for (let k = 0; k < 32768; k++) crypto.createHash('sha256').update('cloudroof-origin-app-' + k).digest().copy(block, k * 32);
  return block;
}
const small = Buffer.from('s'.repeat(${SMALL_BYTES - 1}) + '\n');
const statics = {
  'hello.txt': { type: 'text/plain; charset=utf-8', body: Buffer.from('hello from the cloudroof origin app\n') },
  'app.js': { type: 'application/javascript', body: Buffer.from(Array.from({ length: 64 }, (_, i) => 'console.log(' + i + ');').join('\n') + '\n') },
  'big.bin': { type: 'application/octet-stream', size: BIG },
};
for (const [name, f] of Object.entries(statics)) {
  const tag = f.body ? crypto.createHash('sha256').update(f.body).digest('hex').slice(0, 16) : 'big-v1-' + BIG;
  f.etag = '"' + name + '-' + tag + '"';
}

let seq = 0;
const perPath = {};
const perUrl = {};
function count(req) {
  seq++;
  const path = req.url.split('?')[0];
  perPath[path] = (perPath[path] || 0) + 1;
  perUrl[req.url] = (perUrl[req.url] || 0) + 1;
}

function send(res, status, headers, body) {
  res.writeHead(status, Object.assign({ 'Content-Length': Buffer.byteLength(body) }, headers));
  res.end(body);
}
function json(res, value, status) {
  send(res, status || 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, JSON.stringify(value) + '\n');
}

// Writes 'bytes' bytes of the deterministic stream (the block repeated), honouring backpressure.
function stream(req, res, bytes) {
  const b = bigBlock();
  let left = bytes;
  let stopped = false;
  res.on('close', () => { stopped = true; });
  if (req.method === 'HEAD') return res.end();
  const pump = () => {
    while (left > 0 && !stopped) {
      const n = Math.min(left, b.length);
      left -= n;
      if (!res.write(n === b.length ? b : b.subarray(0, n))) return res.once('drain', pump);
    }
    if (!stopped) res.end();
  };
  pump();
}

function serveStatic(req, res, name) {
  const f = Object.prototype.hasOwnProperty.call(statics, name) ? statics[name] : null;
  if (!f) return send(res, 404, { 'Content-Type': 'text/plain' }, 'no such file\n');
  const headers = { 'Content-Type': f.type, 'Cache-Control': 'public, max-age=300', 'ETag': f.etag };
  if (req.headers['if-none-match'] === f.etag) { res.writeHead(304, headers); return res.end(); }
  if (f.body) {
    res.writeHead(200, Object.assign({ 'Content-Length': f.body.length }, headers));
    return res.end(req.method === 'HEAD' ? undefined : f.body);
  }
  res.writeHead(200, Object.assign({ 'Content-Length': f.size }, headers));
  stream(req, res, f.size);
}

function sse(req, res) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let i = 0;
  const tick = () => {
    res.write('id: ' + i + '\nevent: tick\ndata: ' + JSON.stringify({ i: i, t: Date.now() }) + '\n\n');
    if (++i >= 10) { clearInterval(timer); res.end(); }
  };
  const timer = setInterval(tick, 200);
  res.on('close', () => clearInterval(timer));
  tick();
}

function upload(req, res) {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  req.on('data', (c) => { bytes += c.length; hash.update(c); });
  req.on('end', () => json(res, { bytes: bytes, sha256: hash.digest('hex') }));
  req.on('error', () => res.destroy());
}

const server = http.createServer((req, res) => {
  count(req);
  const url = new URL(req.url, 'http://origin.invalid');
  const p = url.pathname;
  const get = req.method === 'GET' || req.method === 'HEAD';
  if (get && p.startsWith('/static/')) return serveStatic(req, res, p.slice('/static/'.length));
  if (get && p === '/echo') {
    const h = req.headers;
    return json(res, { app: appId, seq: seq, method: req.method, url: req.url, headers: h, host: h.host,
      xForwardedFor: h['x-forwarded-for'], xForwardedProto: h['x-forwarded-proto'], remoteAddress: req.socket.remoteAddress });
  }
  if (get && p === '/count') return json(res, { app: appId, total: seq, paths: perPath, urls: perUrl });
  if (get && p === '/healthz') return send(res, 200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }, 'ok');
  if (get && p === '/small') return send(res, 200, { 'Content-Type': 'text/plain', 'Cache-Control': 'public, max-age=300' }, small);
  if (get && p === '/small-nocache') return send(res, 200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }, small);
  if (get && p === '/cookie') {
    return send(res, 200, { 'Content-Type': 'text/plain', 'Cache-Control': 'public, max-age=300',
      'Set-Cookie': 'session=' + seq + '; Path=/; HttpOnly' }, 'cookie ' + seq + '\n');
  }
  if (get && p === '/big-nocache') {
    const n = url.searchParams.has('bytes') ? Number(url.searchParams.get('bytes')) : BIG;
    if (!Number.isInteger(n) || n < 0 || n > MAX_NOCACHE) return send(res, 400, { 'Content-Type': 'text/plain' }, 'bad bytes\n');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': n, 'Cache-Control': 'no-store' });
    return stream(req, res, n);
  }
  if (get && p === '/sse') return sse(req, res);
  if (req.method === 'POST' && p === '/upload') return upload(req, res);
  send(res, 404, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }, 'not found: ' + p + '\n');
});
// Longer than any proxy's upstream keepalive, so an idle pooled connection is never closed under it.
server.keepAliveTimeout = 75000;
server.headersTimeout = 76000;
server.requestTimeout = 0;

const wss = WebSocketServer ? new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 }) : null;
server.on('upgrade', (req, socket, head) => {
  count(req);
  if (!wss || req.url.split('?')[0] !== '/ws') { socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'); return; }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
});

server.listen(port, '127.0.0.1', () => console.log('origin app ' + appId + ' listening on 127.0.0.1:' + port));
const stop = () => { server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;
}

/** Absolute path of the `ws` package entry point, for the app's `WS_PATH`. */
export function wsModulePath(): string {
  return createRequire(import.meta.url).resolve('ws');
}

/** A running origin app (see {@link startOriginApp}). */
export interface OriginApp {
  readonly node: number;
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGTERM, SIGKILL after 3 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Writes the app to `<node dir>/origin-app.cjs`, starts it in node `node`'s namespace (log
 * `origin-app-<port>.log`, env APP_ID = `id`, default `node<i>`) and resolves once
 * `http://127.0.0.1:<port>/healthz` answers inside that namespace (rejects after 10 s).
 */
export async function startOriginApp(lab: NetnsLab, node: number, port = 8080, id = `node${node}`): Promise<OriginApp> {
  const file = join(lab.nodeDir(node), 'origin-app.cjs');
  writeFileSync(file, originAppSource(), { mode: 0o644 });
  const child = lab.spawn(node, [process.execPath, file, String(port)], {
    logName: `origin-app-${port}`, env: { WS_PATH: wsModulePath(), APP_ID: id },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`origin app exited (${child.exitCode}): ${lab.readLog(node, `origin-app-${port}`)}`);
      const r = await lab.exec(node, ['curl', '-sf', '--max-time', '1', `http://127.0.0.1:${port}/healthz`]);
      return r.code === 0 && r.stdout === 'ok';
    }, { timeoutMs: 10_000, intervalMs: 100, what: `the origin app on node ${node} port ${port}` });
  } catch (err) {
    await stop();
    throw err;
  }
  return { node, port, child, stop };
}
