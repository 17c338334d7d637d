// Generated requests for the web console's hardening suite, and an oracle that predicts each
// answer from the request's parts alone (written from the brief's rules, not from the server's
// code): the Host check, OPTIONS, cross-origin POSTs, the token for /api, the routes and their
// methods, the body checks, and which static files exist.
import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../../src/shared/protocol';
import { anyString, jsonValue } from './arbitraries';
import { wellFormed } from './json-oracle';
import { request } from './raw-http';

/** How a case carries the token. */
type TokenKind = 'none' | 'right' | 'right-mixed-case-name' | 'wrong' | 'query' | 'cookie' | 'doubled';
/** What a case sends as its body. */
type BodyKind = 'none' | 'empty-object' | 'json' | 'typical' | 'invalid-json' | 'oversized' | 'wrong-type';

/** One generated request and the parts the oracle reads. */
export interface WebCase {
  label: string;
  bytes: Buffer;
  method: string;
  /** The request target as sent (path and query). */
  target: string;
  hosts: string[];
  token: TokenKind;
  origin?: string;
  fetchSite?: string;
  body: BodyKind;
  /** Hang up after the response head (an event stream that would never end). */
  untilHead: boolean;
  port: number;
}

const API_PATHS = [
  '/api/invoke/svc/status', '/api/invoke/svc/join', '/api/invoke/svc/leave', '/api/invoke/svc/patchPrefs', '/api/invoke/svc/revealSecret',
  '/api/invoke/svc/advertiseRoutes', '/api/invoke/svc/diagnostics', '/api/invoke/svc/webConsole', '/api/invoke/svc/enableWebConsole',
  '/api/invoke/app/getAppState', '/api/invoke/app/installService', '/api/invoke/app/openExternal', '/api/invoke/app/__proto__',
  '/api/invoke/x/status', '/api/invoke/svc/', '/api/invoke/svc/status/', '/api/stream/verifySite', '/api/stream/logs', '/api/events',
  '/api/events/', '/api/', '/api/invoke/svc/st%61tus', '/API/events', '/api', '/api/../api/events',
];
const STATIC_PATHS = [
  '/', '/index.html', '/assets/app-1a2b.js', '/assets%2fapp-1a2b.js', '/assets/link.txt', '/.hidden', '/assets/', '/assets', '//index.html',
  '/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/..%5coutside.txt', '/index.html%00', '/%', '/%c0%ae%c0%ae/outside.txt',
];
/** Files the lab's web root serves, by decoded path. */
const SERVABLE = new Set(['/', '/index.html', '/assets/app-1a2b.js']);
const TYPICAL_BODIES = [
  { secret: 'wgmesh://v1/hardening-web-console-secret-0123456789' }, { secret: 'short' }, { name: 'blog' }, { confirm: true },
  { purge: false }, { url: 'https://example.com/' }, { prefixes: ['192.168.1.0/24'] }, { wantConnected: true }, { port: 1 },
];

/** The generator of cases against the console on `port` with `token`. */
export function webCase(ctx: { port: number; token: string }): fc.Arbitrary<WebCase> {
  const { port, token } = ctx;
  const valid = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const invalid = [`evil.example:${port}`, `127.0.0.1.evil:${port}`, '127.0.0.1', 'localhost', `127.0.0.1:${port + 1}`, `LOCALHOST:${port}`, `127.0.0.1:${port}.`, `127.0.0.1:0${port}`, '[::1]', `::1:${port}`];
  const visible = anyString(30).map((s) => s.replace(/[^\x21-\x7e]/g, '')).filter((s) => s.length > 0);
  const hosts = fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...valid).map((h) => [h]) },
    { weight: 2, arbitrary: fc.constantFrom(...invalid).map((h) => [h]) },
    { weight: 1, arbitrary: fc.constant([] as string[]) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...valid), fc.constantFrom(...valid, ...invalid)).map(([a, b]) => [a, b]) },
    { weight: 1, arbitrary: visible.map((h) => [h]) },
  );
  const path = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...API_PATHS) },
    { weight: 3, arbitrary: fc.constantFrom(...STATIC_PATHS) },
    { weight: 1, arbitrary: anyString(30).map((s) => `/${encodeURIComponent(wellFormed(s))}`) },
    { weight: 1, arbitrary: anyString(20).map((s) => `/api/${encodeURIComponent(wellFormed(s))}`) },
  );
  const query = fc.constantFrom('', '', '', `?token=${token}`, '?x=1', `?x-cloudroof-token=${token}`);
  const method = fc.oneof({ weight: 5, arbitrary: fc.constant('POST') }, { weight: 3, arbitrary: fc.constant('GET') }, { weight: 2, arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH') });
  const tokenKind = fc.oneof({ weight: 8, arbitrary: fc.constant('right' as const) }, { weight: 2, arbitrary: fc.constantFrom<TokenKind>('none', 'right-mixed-case-name', 'wrong', 'query', 'cookie', 'doubled') });
  const origin = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constantFrom('same', 'http://evil.example', 'null', 'https-same', `http://localhost:${port}`) });
  const fetchSite = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constantFrom('same-origin', 'none', 'cross-site', 'same-site', 'SAME-ORIGIN') });
  const body = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'none' as BodyKind, text: undefined as string | undefined }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'empty-object' as BodyKind, text: '{}' }) },
    { weight: 2, arbitrary: jsonValue.map((v) => ({ kind: 'json' as BodyKind, text: JSON.stringify(v) ?? 'null' })) },
    { weight: 3, arbitrary: fc.constantFrom(...TYPICAL_BODIES).map((v) => ({ kind: 'typical' as BodyKind, text: JSON.stringify(v) })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', 'nul', '{}}', '\u0000', '{"a":1,}', "{'a':1}").map((t) => ({ kind: 'invalid-json' as BodyKind, text: t })) },
    { weight: 1, arbitrary: fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 2 }).map((n) => ({ kind: 'oversized' as BodyKind, text: `{"secret":"${'a'.repeat(n)}"}` })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'wrong-type' as BodyKind, text: '{}' }) },
  );
  return fc.record({ method, path, query, hosts, token: tokenKind, origin, fetchSite, body }).map((r) => build(r, port, token));
}

/** Assembles the bytes of a case. */
function build(r: { method: string; path: string; query: string; hosts: string[]; token: TokenKind; origin: string | undefined; fetchSite: string | undefined; body: { kind: BodyKind; text: string | undefined } }, port: number, token: string): WebCase {
  const host = r.hosts[0] ?? `127.0.0.1:${port}`;
  const origin = r.origin === 'same' ? `http://${host}` : r.origin === 'https-same' ? `https://${host}` : r.origin;
  const tokenValue = r.token === 'wrong' ? `${token.slice(0, 20)}x${token.slice(21)}` : token;
  const headers: Record<string, string | undefined> = {
    host: undefined,
    connection: 'close', // the suite does not half-close (see raw-http.ts)
    ...(r.token === 'right' || r.token === 'wrong' ? { 'x-cloudroof-token': tokenValue } : {}),
    ...(r.token === 'right-mixed-case-name' ? { 'X-Cloudroof-Token': token } : {}),
    ...(r.token === 'cookie' ? { cookie: `x-cloudroof-token=${token}; token=${token}` } : {}),
    ...(origin === undefined ? {} : { origin }),
    ...(r.fetchSite === undefined ? {} : { 'sec-fetch-site': r.fetchSite }),
    ...(r.body.kind === 'wrong-type' ? { 'content-type': 'text/plain' } : {}),
  };
  const target = r.token === 'query' ? `${r.path}?token=${token}` : `${r.path}${r.query}`;
  let bytes = request(r.method, target, r.body.text, headers);
  const extra = [...r.hosts.map((h) => `host: ${h}\r\n`), ...(r.token === 'doubled' ? [`x-cloudroof-token: ${token}\r\n`, `x-cloudroof-token: ${token}\r\n`] : [])].join('');
  const firstLineEnd = bytes.indexOf('\r\n') + 2;
  bytes = Buffer.concat([bytes.subarray(0, firstLineEnd), Buffer.from(extra, 'latin1'), bytes.subarray(firstLineEnd)]);
  const base: Omit<WebCase, 'label' | 'untilHead'> = { bytes, method: r.method, target, hosts: r.hosts, token: r.token, body: r.body.kind, port, ...(origin === undefined ? {} : { origin }), ...(r.fetchSite === undefined ? {} : { fetchSite: r.fetchSite }) };
  const label = `${r.method} ${target} hosts=${JSON.stringify(r.hosts)} token=${r.token} origin=${origin} site=${r.fetchSite} body=${r.body.kind}`.split(token).join('TOKEN');
  const provisional = { ...base, label, untilHead: false };
  return { ...provisional, untilHead: oracle(provisional).status === 200 && (target.split('?')[0] === '/api/events') };
}

/** What the console must answer: a status, and the error code for 4xx answers to non-HEAD requests. */
export function oracle(c: WebCase): { status: number; code?: string } {
  const fail = (status: number, code: string) => (c.method === 'HEAD' ? { status } : { status, code });
  const allowed = [`127.0.0.1:${c.port}`, `localhost:${c.port}`, `[::1]:${c.port}`];
  if (c.hosts.length !== 1 || !allowed.includes(c.hosts[0]!)) return fail(403, 'forbidden-host');
  const host = c.hosts[0]!;
  if (c.method === 'OPTIONS') return fail(405, 'method-not-allowed');
  const foreignOrigin = c.origin !== undefined && c.origin !== `http://${host}`;
  const foreignSite = c.fetchSite !== undefined && c.fetchSite !== 'same-origin' && c.fetchSite !== 'none';
  if (c.method === 'POST' && (foreignOrigin || foreignSite)) return fail(403, 'cross-origin');
  const path = c.target.split('?')[0]!;
  if (path.startsWith('/api/')) return apiOracle(c, path, fail);
  if (c.method !== 'GET' && c.method !== 'HEAD') return fail(405, 'method-not-allowed');
  let decoded: string | undefined;
  try { decoded = decodeURIComponent(path); } catch { decoded = undefined; }
  return decoded !== undefined && SERVABLE.has(decoded) ? { status: 200 } : fail(404, 'not-found');
}

/** The `/api` part of {@link oracle}. */
function apiOracle(c: WebCase, path: string, fail: (s: number, code: string) => { status: number; code?: string }): { status: number; code?: string } {
  if (c.token !== 'right' && c.token !== 'right-mixed-case-name') return fail(401, 'unauthorized');
  const events = path === '/api/events';
  const call = /^\/api\/(invoke\/(svc|app)|stream)\/[A-Za-z]{1,64}$/.test(path);
  if (!events && !call) return fail(404, 'not-found');
  if (c.method !== (events ? 'GET' : 'POST')) return fail(405, 'method-not-allowed');
  if (events) return { status: 200 };
  if (c.body === 'wrong-type') return fail(415, 'unsupported-media-type');
  if (c.body === 'oversized') return fail(413, 'payload-too-large');
  if (c.body === 'invalid-json') return fail(400, 'invalid-json');
  return { status: 200 };
}
