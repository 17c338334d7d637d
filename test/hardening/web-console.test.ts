// The web console under attack (issue 7): a real console (WebConsoleManager on a loopback port,
// FakeBackend behind a counting proxy) gets requests a hostile page or local user could send:
// no token, a wrong one, the token only in the query string or a cookie, foreign Host headers
// (DNS rebinding: `evil.example:PORT`, `127.0.0.1.evil:PORT`, none, two), cross-origin POSTs
// (`Origin`, `Sec-Fetch-Site`), CORS preflights, oversized bodies, malformed JSON, wrong media
// types, traversal, slow clients, and ≥ 5 000 fast-check-generated requests mixing all of these.
// Each must get exactly the status and error code an independent oracle predicts, no response may
// carry a CORS header, a refused request must not reach the backend at all, and the console and
// the control socket must keep answering.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, MAX_BODY_BYTES } from '../../src/shared/protocol';
import { ControlClient } from '../../src/client/control-client';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { FakeBackend } from '../../src/service/control/fake';
import { countingBackend, startConsoleLab, type CallCounts, type ConsoleLab } from '../support/web-console';
import { RESULTS_DIR, RUNS, envInt, params } from './support/fuzz';
import { raw, request, runSlowClients, type Outcome } from './support/raw-http';
import { oracle, webCase } from './support/web-console-cases';

/** Generated requests: HARDENING_WEB_REQUESTS, default max(5 000, 2.5 × HARDENING_RUNS). */
const REQUESTS = envInt('HARDENING_WEB_REQUESTS', Math.max(5000, Math.round(RUNS * 2.5)));

let lab: ConsoleLab;
let calls: CallCounts;
const byStatus: Record<string, number> = {};
const byCode: Record<string, number> = {};
const slow: Record<string, unknown> = {};
let requests = 0;

const target = () => ({ host: '127.0.0.1', port: lab.port });
const hostHeader = () => `127.0.0.1:${lab.port}`;
/** Sends a request and returns the first response (status 0: closed without one). */
async function send(c: { bytes: Buffer; untilHead?: boolean }): Promise<Outcome & { status: number; code?: string }> {
  const o = await raw(target(), c.bytes, { untilHead: c.untilHead === true, halfClose: false });
  const r = o.responses[0];
  let code: string | undefined;
  try { code = r ? ErrorBody.parse(JSON.parse(r.body)).error.code : undefined; } catch { code = undefined; }
  return { ...o, status: r?.status ?? 0, ...(code ? { code } : {}) };
}
const req = (method: string, path: string, headers: Record<string, string | undefined> = {}, body?: string | Buffer): Buffer =>
  request(method, path, body, { host: hostHeader(), connection: 'close', ...headers });

beforeAll(async () => {
  const counted = countingBackend(new FakeBackend()); // no site, no mesh: verification streams end at once
  calls = counted.calls;
  lab = await startConsoleLab({ logger: silentLogger, backend: counted.backend });
});
afterAll(async () => {
  await lab?.close();
  if (requests === 0) return; // a filtered run (-t) must not overwrite the figures
  mkdirSync(RESULTS_DIR, { recursive: true });
  const body = { suite: 'web-console', at: new Date().toISOString(), requests, byStatus, byCode, backendCalls: calls.byName, slowClients: slow };
  writeFileSync(join(RESULTS_DIR, 'web-console.json'), JSON.stringify(body, null, 2) + '\n');
  console.log(`[hardening] web console: ${requests} requests; by status ${JSON.stringify(byStatus)}; by code ${JSON.stringify(byCode)}; backend calls ${JSON.stringify(calls.byName)}; slow clients ${JSON.stringify(slow)}`);
});

/** Asserts the refusal and that the backend saw nothing. */
async function refused(bytes: Buffer, status: number, code: string): Promise<void> {
  const before = calls.total;
  const r = await send({ bytes });
  expect({ status: r.status, code: r.code }).toEqual({ status, code });
  expect(r.responses[0]?.headers['access-control-allow-origin']).toBeUndefined();
  expect(calls.total - before).toBe(0);
}

describe('web console: named attacks', () => {
  const token = () => lab.token;
  it('a missing, wrong, query-string or cookie token is 401 unauthorized', async () => {
    for (const path of ['/api/invoke/svc/status', '/api/invoke/svc/leave', '/api/stream/verifySite', '/api/events']) {
      const m = path === '/api/events' ? 'GET' : 'POST';
      await refused(req(m, path), 401, 'unauthorized');
      await refused(req(m, path, { 'x-cloudroof-token': token().slice(0, -1) + (token().endsWith('A') ? 'B' : 'A') }), 401, 'unauthorized');
      await refused(req(m, path, { 'x-cloudroof-token': token().slice(1) }), 401, 'unauthorized');
      await refused(req(m, path, { 'x-cloudroof-token': '' }), 401, 'unauthorized');
      await refused(req(m, `${path}?token=${token()}&x-cloudroof-token=${token()}`), 401, 'unauthorized');
      await refused(req(m, path, { cookie: `token=${token()}; x-cloudroof-token=${token()}` }), 401, 'unauthorized');
      await refused(req(m, path, { authorization: `Bearer ${token()}` }), 401, 'unauthorized');
    }
  });

  it('a foreign, missing or doubled Host is 403 forbidden-host, static files included', async () => {
    const p = lab.port;
    for (const host of [`evil.example:${p}`, `127.0.0.1.evil:${p}`, `localhost.evil.example:${p}`, '127.0.0.1', 'localhost', `127.0.0.1:${p + 1}`, `0.0.0.0:${p}`, `127.1:${p}`, `[::ffff:127.0.0.1]:${p}`, `LOCALHOST:${p}`, undefined]) {
      await refused(req('GET', '/', { host }), 403, 'forbidden-host');
      await refused(req('POST', '/api/invoke/svc/leave', { host, 'x-cloudroof-token': token() }, '{}'), 403, 'forbidden-host');
    }
    const twoHosts = Buffer.from(`GET / HTTP/1.1\r\nhost: ${hostHeader()}\r\nhost: evil.example:${p}\r\nconnection: close\r\n\r\n`, 'latin1');
    await refused(twoHosts, 403, 'forbidden-host');
  });

  it('a cross-origin POST is 403 cross-origin even with the token; the same origin passes', async () => {
    const auth = { 'x-cloudroof-token': token() };
    for (const extra of [
      { origin: 'http://evil.example' }, { origin: 'null' }, { origin: `https://${hostHeader()}` }, { origin: `http://localhost:${lab.port}` },
      { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: `http://${hostHeader()}`, 'sec-fetch-site': 'cross-site' },
    ]) {
      await refused(req('POST', '/api/invoke/svc/leave', { ...auth, ...extra }, '{}'), 403, 'cross-origin');
      await refused(req('POST', '/api/invoke/app/getAppState', { ...auth, ...extra }), 403, 'cross-origin');
    }
    const ok = await send({ bytes: req('POST', '/api/invoke/svc/status', { ...auth, origin: `http://${hostHeader()}`, 'sec-fetch-site': 'same-origin' }) });
    expect(ok.status).toBe(200);
  });

  it('answers a CORS preflight with 405 and no CORS headers', async () => {
    const preflight = { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-cloudroof-token, content-type' };
    for (const path of ['/api/invoke/svc/leave', '/api/events', '/']) {
      await refused(req('OPTIONS', path, preflight), 405, 'method-not-allowed');
      const r = await send({ bytes: req('OPTIONS', path, preflight) });
      expect(Object.keys(r.responses[0]?.headers ?? {}).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('refuses oversized bodies, malformed JSON and other media types before the backend', async () => {
    const auth = { 'x-cloudroof-token': token() };
    await refused(req('POST', '/api/invoke/svc/join', auth, `{"secret":"${'a'.repeat(MAX_BODY_BYTES)}"}`), 413, 'payload-too-large');
    await refused(req('POST', '/api/invoke/svc/join', { ...auth, 'content-length': String(MAX_BODY_BYTES + 1) }, '{}'), 413, 'payload-too-large');
    for (const bad of ['{', '{"secret":', 'nul', '{}}', '\u0000', "{'a':1}"]) await refused(req('POST', '/api/invoke/svc/join', auth, bad), 400, 'invalid-json');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      await refused(req('POST', '/api/invoke/svc/leave', { ...auth, 'content-type': type }, '{}'), 415, 'unsupported-media-type');
    }
  });
});

describe('web console: generated requests and slow clients', () => {
  it(`${REQUESTS} generated requests: each answered as the oracle predicts, refused ones never reach the backend`, async () => {
    const cases = fc.sample(webCase({ port: lab.port, token: lab.token }), { numRuns: REQUESTS, ...(params().seed === undefined ? {} : { seed: params().seed }) });
    // Started after generation, which blocks the event loop.
    const slowClients = runSlowClients(target(), slow, {
      header: `GET /api/events HTTP/1.1\r\nhost: ${hostHeader()}\r\nx-cloudroof-token: ${lab.token}\r\n\r\n`,
      bodyHead: `POST /api/invoke/svc/leave HTTP/1.1\r\nhost: ${hostHeader()}\r\nx-cloudroof-token: ${lab.token}\r\ncontent-type: application/json\r\ncontent-length: 60\r\n\r\n`,
      body: `{"x":"${'s'.repeat(52)}"}`,
    });
    const problems: string[] = [];
    for (const [i, c] of cases.entries()) {
      const before = calls.total;
      const r = await send(c);
      requests++;
      const want = oracle(c);
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (r.code && r.status >= 400) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
      const corsHeaders = Object.keys(r.responses[0]?.headers ?? {}).filter((h) => h.startsWith('access-control-'));
      const got = { status: r.status, code: want.status >= 400 && c.method !== 'HEAD' ? r.code : undefined };
      const reached = calls.total - before;
      if (got.status !== want.status || got.code !== want.code || corsHeaders.length > 0 || (want.status >= 400 && reached > 0)) {
        if (problems.length < 20) problems.push(`${c.label}: got ${JSON.stringify(got)} (backend calls ${reached}, cors ${corsHeaders}), want ${JSON.stringify(want)}`);
      }
      if ((i + 1) % 1000 === 0) expect((await send({ bytes: req('POST', '/api/invoke/svc/status', { 'x-cloudroof-token': lab.token }) })).status).toBe(200);
    }
    await slowClients;
    expect(problems).toEqual([]);
    expect((await send({ bytes: req('GET', '/') })).status).toBe(200);
    expect((await new ControlClient({ socketPath: lab.socketPath }).call('webConsole')).url).toContain(lab.token);
  }, Math.max(180_000, REQUESTS * 20));

  it('slow clients are cut off by the request timeouts (10 s), and the console keeps answering', () => {
    const limit = DEFAULT_REQUEST_TIMEOUT_MS + 4000; // Node checks the timeouts every second
    for (const k of ['headerTrickle', 'bodyTrickle', 'idle']) {
      const r = slow[k] as { cutAfterMs: number } | undefined;
      expect(r, k).toBeDefined();
      expect(r!.cutAfterMs, k).toBeLessThanOrEqual(limit);
    }
  });
});
