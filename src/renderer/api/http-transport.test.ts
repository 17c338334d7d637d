// The web console's HTTP transport with a fake fetch (jsdom): request shapes and the token
// header, results and error mapping (401 → unauthorized), NDJSON streams split anywhere, the
// shared event reader with its reconnect backoff, and taking the token from the address.
import { describe, expect, it, vi } from 'vitest';
import { createIpcClient } from '../../shared/ipc';
import { createHttpTransport, RECONNECT_MS, takeTokenFromLocation, UNAUTHORIZED_MESSAGE } from './http-transport';

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde';
const BASE = 'http://127.0.0.1:7475';
const status = {
  version: '0.1.0', protocolVersion: 1, tunnelState: 'disconnected', wantConnected: false, interface: 'cloudroof0', peerCount: 0,
  hostname: 'pi', startedAt: 1_800_000_000_000, counters: { received: 0, accepted: 0, dropped: {} },
};
const app = { environment: 'web', appVersion: '0.1.0', platform: 'linux', connection: { state: 'connected' }, update: { state: 'disabled' } };

interface Call { url: string; init: RequestInit }
/** Waits for a condition that follows from promise callbacks (generous: the machine is shared). */
const until = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 10_000, interval: 2 });
const json = (value: unknown, statusCode = 200): Response => new Response(JSON.stringify(value), { status: statusCode, headers: { 'content-type': 'application/json' } });

/** A body that delivers `text` in chunks cut at the given byte offsets. */
function chunked(text: string, cuts: number[]): Response {
  const bytes = new TextEncoder().encode(text);
  const edges = [0, ...cuts, bytes.length];
  return new Response(new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i + 1 < edges.length; i++) c.enqueue(bytes.slice(edges[i], edges[i + 1]));
      c.close();
    },
  }));
}

/** A fetch that records calls and answers with `answer(call)`. */
function fakeFetch(answer: (call: Call) => Response | Promise<Response>): typeof fetch & { calls: Call[] } {
  const calls: Call[] = [];
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    return answer(call);
  };
  return Object.assign(f, { calls }) as typeof fetch & { calls: Call[] };
}

describe('createHttpTransport: calls', () => {
  it('POSTs invoke calls with the token header and no credentials, and passes the result through', async () => {
    const f = fakeFetch((c) => json(c.url.endsWith('/status') ? { ok: true, value: status } : { ok: false, error: { code: 'invalid-secret', message: 'too short' } }));
    const api = createIpcClient(createHttpTransport({ baseUrl: `${BASE}/`, token: TOKEN, fetch: f }));
    expect(await api.service.status()).toEqual({ ok: true, value: status });
    expect(await api.service.join({ secret: 'x'.repeat(20) })).toEqual({ ok: false, error: { code: 'invalid-secret', message: 'too short' } });
    expect(f.calls.map((c) => c.url)).toEqual([`${BASE}/api/invoke/svc/status`, `${BASE}/api/invoke/svc/join`]);
    const [first, second] = f.calls;
    expect(first!.init).toMatchObject({ method: 'POST', credentials: 'omit', headers: { 'x-cloudroof-token': TOKEN } });
    expect(first!.init.body).toBeUndefined();
    expect(second!.init.headers).toEqual({ 'x-cloudroof-token': TOKEN, 'content-type': 'application/json' });
    expect(JSON.parse(String(second!.init.body))).toEqual({ secret: 'x'.repeat(20) });
  });

  it('turns a 401 into an unauthorized result (and tells the page), and keeps other error bodies', async () => {
    const onUnauthorized = vi.fn();
    let answer = json({ error: { code: 'unauthorized', message: 'missing or wrong access token' } }, 401);
    const api = createIpcClient(createHttpTransport({ baseUrl: BASE, token: 'wrong', fetch: fakeFetch(() => answer), onUnauthorized }));
    expect(await api.app.getAppState({})).toEqual({ ok: false, error: { code: 'unauthorized', message: UNAUTHORIZED_MESSAGE } });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    answer = json({ error: { code: 'cross-origin', message: 'requests from other sites are refused' } }, 403);
    expect(await api.service.peers()).toEqual({ ok: false, error: { code: 'cross-origin', message: 'requests from other sites are refused' } });
    answer = new Response('<html>bad gateway</html>', { status: 502 });
    expect(await api.service.peers()).toMatchObject({ ok: false, error: { code: 'service-unavailable', message: 'the web console answered HTTP 502' } });
    const down = createIpcClient(createHttpTransport({ baseUrl: BASE, token: TOKEN, fetch: fakeFetch(() => Promise.reject(new TypeError('Failed to fetch'))) }));
    expect(await down.service.status()).toEqual({ ok: false, error: { code: 'service-unavailable', message: 'Failed to fetch' } });
  });

  it('reads a stream\'s items and result however the body is cut (mid-line, mid-character)', async () => {
    const lines = [
      { item: { type: 'step', step: { edge: 'édge-1', check: 'request', state: 'running' } } },
      {},
      { item: { type: 'done', ok: true, steps: [], publicUrls: ['https://blog.example.com/'] } },
      { result: { ok: true, value: null } },
    ];
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    const accent = new TextEncoder().encode(text).indexOf(0xc3);
    for (const cuts of [[], [1, 2, 3], [accent + 1], [40, 41, 90], Array.from({ length: 40 }, (_, i) => i * 5 + 1)]) {
      const f = fakeFetch(() => chunked(text, cuts));
      const api = createIpcClient(createHttpTransport({ baseUrl: BASE, token: TOKEN, fetch: f }));
      const items: unknown[] = [];
      expect(await api.stream.verifySite({ name: 'blog' }, (i) => items.push(i))).toEqual({ ok: true, value: null });
      expect(items).toEqual([lines[0]!.item, lines[2]!.item]);
      expect(f.calls[0]!.url).toBe(`${BASE}/api/stream/verifySite`);
    }
    const cut = createIpcClient(createHttpTransport({ baseUrl: BASE, token: TOKEN, fetch: fakeFetch(() => chunked(JSON.stringify(lines[0]) + '\n', [])) }));
    expect(await cut.stream.verifySite({ name: 'blog' }, () => undefined)).toEqual({ ok: false, error: { code: 'service-unavailable', message: 'the stream ended before its result' } });
    const refused = createIpcClient(createHttpTransport({ baseUrl: BASE, token: TOKEN, fetch: fakeFetch(() => json({ error: { code: 'unauthorized', message: 'x' } }, 401)) }));
    expect(await refused.stream.verifySite({ name: 'blog' }, () => undefined)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });
});

/** An event stream the test writes to and ends. */
function liveBody(): { response: Response; send(v: unknown): void; end(): void } {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const response = new Response(new ReadableStream<Uint8Array>({ start(c) { ctl = c; } }));
  return { response, send: (v) => ctl.enqueue(new TextEncoder().encode(JSON.stringify(v) + '\n')), end: () => ctl.close() };
}

describe('createHttpTransport: events', () => {
  it('shares one reader among listeners, reconnects with backoff and re-delivers the fresh snapshot', async () => {
    const bodies: ReturnType<typeof liveBody>[] = [];
    const f = fakeFetch(() => {
      if (bodies.length === 3 || bodies.length === 4) { bodies.push(liveBody()); return new Response('', { status: 503 }); }
      const b = liveBody();
      bodies.push(b);
      return b.response;
    });
    const waits: number[] = [];
    let wake: (() => void) | undefined;
    const sleep = (ms: number): Promise<void> => { waits.push(ms); return new Promise((r) => { wake = r; }); };
    const transport = createHttpTransport({ baseUrl: BASE, token: TOKEN, fetch: f, sleep });
    const api = createIpcClient(transport);
    const apps: unknown[] = [];
    const watch: unknown[] = [];
    const offApp = api.on('app', (a) => apps.push(a));
    const offWatch = api.on('watch', (w) => watch.push(w));
    await until(() => expect(bodies).toHaveLength(1));
    expect(f.calls[0]).toMatchObject({ url: `${BASE}/api/events`, init: { method: 'GET', headers: { 'x-cloudroof-token': TOKEN } } });
    bodies[0]!.send({ event: 'app', payload: app });
    bodies[0]!.send({ event: 'watch', payload: { type: 'snapshot', status, peers: [] } });
    bodies[0]!.send({});
    await until(() => expect(watch).toHaveLength(1));
    expect(apps).toEqual([app]);
    bodies[0]!.end(); // the service restarted
    await until(() => expect(waits).toEqual([RECONNECT_MS.initial]));
    expect(apps.at(-1)).toMatchObject({ connection: { state: 'not-running' } });
    for (let n = 2; n <= 6; n++) {
      wake?.();
      await until(() => expect(bodies).toHaveLength(n));
      if (n === 2 || n === 3) bodies[n - 1]!.end(); // connected, then dropped at once
      if (n < 6) await until(() => expect(waits).toHaveLength(n));
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000]);
    bodies[5]!.send({ event: 'watch', payload: { type: 'snapshot', status: { ...status, tunnelState: 'connected' }, peers: [] } });
    await until(() => expect(watch).toHaveLength(2));
    expect(watch[1]).toMatchObject({ type: 'snapshot', status: { tunnelState: 'connected' } });
    bodies[5]!.end();
    await until(() => expect(waits).toHaveLength(6));
    expect(waits.at(-1)).toBe(RECONNECT_MS.initial); // a line arrived: the backoff starts over
    offApp();
    offWatch(); // the last listener: the reader stops
    wake?.();
    await Promise.resolve();
    expect(bodies).toHaveLength(6);
  });

  it('caps the backoff at 10 s', async () => {
    const waits: number[] = [];
    let wake: (() => void) | undefined;
    const transport = createHttpTransport({
      baseUrl: BASE, token: TOKEN, fetch: fakeFetch(() => Promise.reject(new TypeError('Failed to fetch'))),
      sleep: (ms) => { waits.push(ms); return new Promise((r) => { wake = r; }); },
    });
    const off = transport.subscribe('watch', () => undefined);
    for (let n = 1; n <= 8; n++) {
      await until(() => expect(waits).toHaveLength(n));
      wake?.();
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    off();
  });

  it('stops on a refused token and says so through the app state', async () => {
    const onUnauthorized = vi.fn();
    const sleep = vi.fn(() => Promise.resolve());
    const f = fakeFetch(() => json({ error: { code: 'unauthorized', message: 'x' } }, 401));
    const api = createIpcClient(createHttpTransport({ baseUrl: BASE, token: 'stale', fetch: f, sleep, onUnauthorized }));
    const apps: unknown[] = [];
    api.on('app', (a) => apps.push(a));
    await until(() => expect(onUnauthorized).toHaveBeenCalledTimes(1));
    expect(apps).toEqual([expect.objectContaining({ environment: 'web', connection: { state: 'error', message: UNAUTHORIZED_MESSAGE } })]);
    expect(f.calls).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });
});

describe('takeTokenFromLocation', () => {
  const storage = (): Storage => {
    const m = new Map<string, string>();
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) } as Storage;
  };

  it('takes #token=…, keeps it for the tab and removes it from the address bar', () => {
    const s = storage();
    const history = { state: { a: 1 }, replaceState: vi.fn() };
    expect(takeTokenFromLocation({ hash: `#token=${TOKEN}`, pathname: '/', search: '' }, history, s)).toBe(TOKEN);
    expect(history.replaceState).toHaveBeenCalledWith({ a: 1 }, '', '/');
    const later = { state: null, replaceState: vi.fn() };
    expect(takeTokenFromLocation({ hash: '', pathname: '/', search: '?x=1' }, later, s)).toBe(TOKEN); // a reload
    expect(later.replaceState).not.toHaveBeenCalled();
  });

  it('ignores a malformed token (but still clears it from the address bar), and has none without one', () => {
    const history = { state: null, replaceState: vi.fn() };
    expect(takeTokenFromLocation({ hash: '#token=<script>', pathname: '/', search: '' }, history, storage())).toBeUndefined();
    expect(history.replaceState).toHaveBeenCalledTimes(1);
    expect(takeTokenFromLocation({ hash: '', pathname: '/', search: '' }, history, storage())).toBeUndefined();
    expect(takeTokenFromLocation({ hash: '#other=1', pathname: '/', search: '' }, history, storage())).toBeUndefined();
  });
});
