/**
 * What a visitor on the lab's internet segment does against an edge: curl requests (HTTP or HTTPS,
 * IPv4 or IPv6, the public name pinned to one edge's address with `--resolve`, the test CA
 * trusted), a websocket echo round trip and an SSE stream with per-event arrival times, both with
 * Node (+ `ws`) inside the visitor namespace. Nothing here knows Cloudroof; it only speaks HTTP.
 */
import type { Internet, Family } from './edge-lab';
import { wsModulePath } from './origin-app';

/** Where a visitor request goes: the public name, pinned to edge node `edge`'s address of `family`. */
export interface VisitorTarget {
  edge: number;
  family?: Family;
  /** Public hostname (SNI, Host, certificate name). */
  host: string;
  /** CA certificate the visitor trusts. */
  caFile: string;
}

/** Options of {@link visitorCurl}. */
export interface VisitorCurlOptions extends VisitorTarget {
  /** Path and query, starting with `/`. */
  path: string;
  scheme?: 'http' | 'https';
  method?: string;
  headers?: Record<string, string>;
  /** Request body from a file (`--data-binary @file`). */
  dataFile?: string;
  /** Force HTTP/1.1 (default: curl's choice, HTTP/2 over TLS when offered). */
  http1?: boolean;
  /** Discard the body (large downloads); `body` is then ''. */
  discardBody?: boolean;
  /** curl `--max-time` (default 10 s). */
  maxTimeS?: number;
}

/** What curl saw. `status` is 0 when no HTTP answer came (see `curlExit`, `error`). */
export interface VisitorResponse {
  curlExit: number;
  status: number;
  /** `1.1`, `2`… as curl's `%{http_version}`. */
  httpVersion: string;
  /** Response headers, names lower case, first value of each. */
  headers: Record<string, string>;
  body: string;
  sizeDownload: number;
  /** Bytes per second. */
  speedDownload: number;
  timeTotalS: number;
  redirectUrl: string;
  error: string;
}

const MARK = '\n@@cloudroof-curl@@';
/** curl `-w` format whose output (after the body) {@link parseCurl} reads: `%{json}` and `%{header_json}`. */
export const CURL_WRITE_OUT = `${MARK}%{json}${MARK}%{header_json}`;

/** `host:port:addr` for curl --resolve (IPv6 bracketed). */
function resolveArg(host: string, port: number, addr: string): string {
  return `${host}:${port}:${addr.includes(':') ? `[${addr}]` : addr}`;
}

/** Runs curl as the visitor against one edge and parses status, version, headers and body. */
export async function visitorCurl(inet: Internet, o: VisitorCurlOptions): Promise<VisitorResponse> {
  const addr = inet.edgeAddress(o.edge, o.family ?? 4);
  const scheme = o.scheme ?? 'https';
  const argv = ['curl', '-sS', '--max-time', String(o.maxTimeS ?? 10), '--cacert', o.caFile,
    '--resolve', resolveArg(o.host, 443, addr), '--resolve', resolveArg(o.host, 80, addr),
    '-o', o.discardBody ? '/dev/null' : '-', '-w', CURL_WRITE_OUT];
  if (o.http1) argv.push('--http1.1');
  if (o.method) argv.push('-X', o.method);
  for (const [k, v] of Object.entries(o.headers ?? {})) argv.push('-H', `${k}: ${v}`);
  if (o.dataFile) argv.push('--data-binary', `@${o.dataFile}`, '-H', 'Content-Type: application/octet-stream');
  argv.push(`${scheme}://${o.host}${o.path}`);
  const r = await inet.exec(argv, { timeoutMs: ((o.maxTimeS ?? 10) + 5) * 1000 });
  return parseCurl(r.stdout, r.stderr, r.code);
}

/** Parses the output of a curl run with `-w` {@link CURL_WRITE_OUT} (stdout, stderr, exit code). */
export function parseCurl(stdout: string, stderr: string, code: number): VisitorResponse {
  const parts = stdout.split(MARK);
  const hj = parts.pop() ?? '';
  const wj = parts.pop() ?? '';
  const body = parts.join(MARK);
  let w: Record<string, unknown> = {};
  let h: Record<string, unknown> = {};
  try { w = JSON.parse(wj) as Record<string, unknown>; } catch { /* curl failed before writing it */ }
  try { h = JSON.parse(hj) as Record<string, unknown>; } catch { /* no headers */ }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) headers[k.toLowerCase()] = Array.isArray(v) ? String(v[0]) : String(v);
  const num = (k: string): number => (typeof w[k] === 'number' ? (w[k] as number) : Number(w[k] ?? 0));
  return {
    curlExit: code,
    status: num('http_code') || num('response_code'),
    httpVersion: String(w.http_version ?? ''),
    headers,
    body,
    sizeDownload: num('size_download'),
    speedDownload: num('speed_download'),
    timeTotalS: num('time_total'),
    redirectUrl: String(w.redirect_url ?? ''),
    error: String(w.errormsg ?? '') || stderr.trim(),
  };
}

/** Runs a Node script as the visitor with the target in its environment; resolves with its last stdout line as JSON. */
async function visitorNode(inet: Internet, t: VisitorTarget, script: string, env: Record<string, string>, timeoutMs: number): Promise<unknown> {
  const r = await inet.exec([process.execPath, '-e', PRELUDE + script], {
    timeoutMs,
    env: { WS_PATH: wsModulePath(), CA_FILE: t.caFile, ADDR: inet.edgeAddress(t.edge, t.family ?? 4),
      FAMILY: String(t.family ?? 4), HOST: t.host, ...env },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as unknown;
  } catch {
    throw new Error(`visitor script failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || 'no output'}`);
  }
}

// Resolves HOST to the pinned edge address whatever the caller asks (net's autoSelectFamily asks for all).
const PRELUDE = `'use strict';
const fs = require('fs');
const E = process.env;
const ca = fs.readFileSync(E.CA_FILE);
const lookup = (h, o, cb) => { if (typeof o === 'function') { cb = o; o = {}; }
  if (o && o.all) cb(null, [{ address: E.ADDR, family: Number(E.FAMILY) }]); else cb(null, E.ADDR, Number(E.FAMILY)); };
const done = (v) => { console.log(JSON.stringify(v)); process.exit(0); };
setTimeout(() => done({ error: 'timed out' }), Number(E.LIMIT_MS || 15000)).unref();
`;

const WS_SCRIPT = `
const WebSocket = require(E.WS_PATH);
const texts = JSON.parse(E.TEXTS);
const binary = Buffer.alloc(Number(E.BINARY_BYTES)).map((_, i) => (i * 7) & 255);
const ws = new WebSocket('wss://' + E.HOST + E.WS_PATHNAME, { ca, lookup, handshakeTimeout: 5000 });
const got = [];
ws.on('error', (e) => done({ error: e.message, got }));
ws.on('unexpected-response', (q, res) => done({ error: 'HTTP ' + res.statusCode, got }));
ws.on('open', () => { for (const t of texts) ws.send(t); ws.send(binary); });
ws.on('message', (d, isBinary) => {
  got.push(isBinary ? { binaryBytes: d.length, same: Buffer.compare(d, binary) === 0 } : d.toString());
  if (got.length === texts.length + 1) { ws.close(); done({ ok: true, got }); }
});
`;

/** Result of {@link visitorWsEcho}: the echoed texts, then `{ binaryBytes, same }` for the binary frame. */
export interface WsEchoResult {
  ok?: boolean;
  error?: string;
  got: (string | { binaryBytes: number; same: boolean })[];
}

/** Opens wss://host/ws (or `pathname`) through the edge, sends `texts` and one binary frame, collects the echoes. */
export async function visitorWsEcho(inet: Internet, t: VisitorTarget, texts: readonly string[], binaryBytes = 100_000, pathname = '/ws'): Promise<WsEchoResult> {
  return (await visitorNode(inet, t, WS_SCRIPT, { TEXTS: JSON.stringify(texts), BINARY_BYTES: String(binaryBytes), WS_PATHNAME: pathname }, 20_000)) as WsEchoResult;
}

const SSE_SCRIPT = `
const https = require('https');
const events = [];
const req = https.request({ host: E.HOST, servername: E.HOST, port: 443, path: E.SSE_PATH, ca, lookup,
  headers: { Accept: 'text/event-stream' } }, (res) => {
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (d) => {
    const at = Date.now();
    buf += d;
    for (let k = buf.indexOf('\\n\\n'); k >= 0; k = buf.indexOf('\\n\\n')) {
      const data = buf.slice(0, k).split('\\n').find((l) => l.startsWith('data: '));
      buf = buf.slice(k + 2);
      if (data) events.push(Object.assign(JSON.parse(data.slice(6)), { at }));
    }
  });
  res.on('end', () => done({ status: res.statusCode, headers: res.headers, events }));
});
req.on('error', (e) => done({ error: e.message, events }));
req.end();
`;

/** One server-sent event as the visitor got it: index, the server's send time, the arrival time. */
export interface SseEvent {
  i: number;
  t: number;
  at: number;
}

/** Result of {@link visitorSse}. */
export interface SseResult {
  status?: number;
  headers?: Record<string, string>;
  events: SseEvent[];
  error?: string;
}

/** GETs `path` with `Accept: text/event-stream` over HTTPS (HTTP/1.1) and records when each event arrived. */
export async function visitorSse(inet: Internet, t: VisitorTarget, path = '/sse'): Promise<SseResult> {
  return (await visitorNode(inet, t, SSE_SCRIPT, { SSE_PATH: path }, 20_000)) as SseResult;
}
