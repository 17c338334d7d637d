// The control server on a real Unix socket with FakeBackend: every endpoint, every error class,
// response schemas, and that the secret never leaves the service (responses and logs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, ErrorBody, MAX_BODY_BYTES, type Peer } from '../../src/shared/protocol';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { createLogger } from '../../src/service/log';
import { httpRequest, type HttpReply } from '../support/http';

const SECRET = 'wgmesh://v1/control-server-test-secret-0123456789abcdef';
const RAW = SECRET.slice('wgmesh://v1/'.length);
const seen: string[] = [];
const logLines: string[] = [];

/** One request to the control socket; every answer is kept for the secret scan. */
async function send(socketPath: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpReply> {
  const r = await httpRequest({ socketPath }, method, path, { headers, body });
  seen.push(r.text);
  return r;
}

const errorCode = (r: HttpReply): string => ErrorBody.parse(r.json).error.code;

const peer: Peer = {
  publicKey: 'K1peerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', hostname: 'alpha', meshIPv4: '10.42.1.2',
  meshIPv6: 'fd00:42::2', endpoint: '192.0.2.10:51820', lastHandshakeTime: 1_800_000_000_000, rxBytes: 2048,
  txBytes: 4096, discoveredVia: ['lan', 'dht'], path: 'direct', lastSeen: 1_800_000_000_000,
};

describe('control server', () => {
  let dir: string;
  let socketPath: string;
  let server: ControlServer;
  let backend: FakeBackend;
  const call = (method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<HttpReply> =>
    send(socketPath, method, path, body, headers);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-control-'));
    socketPath = join(dir, 'run', 'cloudroofd.sock');
    backend = new FakeBackend();
    const logger = createLogger('test', { level: 'debug', json: true, write: (l) => logLines.push(l) });
    server = await startControlServer({ socketPath, backend, logger });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /v1/status and /v1/version answer with valid bodies', async () => {
    const r = await call('GET', '/v1/status');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(endpoints.status.response.parse(r.json).tunnelState).toBe('disconnected');
    const v = await call('GET', '/v1/version?x=1');
    expect(endpoints.version.response.parse(v.json)).toEqual({ version: '0.0.0-fake', protocolVersion: 1 });
  });

  it('POST /v1/join joins, refuses a second join, accepts switch, canonicalises the subnet', async () => {
    const r = await call('POST', '/v1/join', JSON.stringify({ secret: SECRET, meshSubnet: '192.168.100.7/24' }));
    expect(r.status).toBe(200);
    const status = endpoints.join.response.parse(r.json);
    expect(status.tunnelState).toBe('connected');
    expect(status.meshSubnet).toBe('192.168.100.0/24');
    expect(backend.lastJoin?.meshSubnet).toBe('192.168.100.0/24');
    const again = await call('POST', '/v1/join', JSON.stringify({ secret: SECRET }));
    expect([again.status, errorCode(again)]).toEqual([409, 'already-joined']);
    const sw = await call('POST', '/v1/join', JSON.stringify({ secret: SECRET, switch: true }), { 'content-type': 'application/json; charset=utf-8' });
    expect(sw.status).toBe(200);
  });

  it('GET /v1/peers lists peers', async () => {
    backend.setPeers([peer]);
    const r = await call('GET', '/v1/peers');
    expect(endpoints.peers.response.parse(r.json)).toEqual({ peers: [peer] });
  });

  it('GET and PATCH /v1/prefs', async () => {
    const g = await call('GET', '/v1/prefs');
    expect(endpoints.getPrefs.response.parse(g.json).wantConnected).toBe(true);
    const p = await call('PATCH', '/v1/prefs', JSON.stringify({ logLevel: 'debug', meshSubnet: '10.99.3.4/16' }));
    expect(endpoints.patchPrefs.response.parse(p.json)).toMatchObject({ logLevel: 'debug', meshSubnet: '10.99.0.0/16' });
    const bad = await call('PATCH', '/v1/prefs', JSON.stringify({ meshSubnet: '10.0.0.0/31' }));
    expect([bad.status, errorCode(bad)]).toEqual([400, 'invalid-subnet']);
    const v6 = await call('PATCH', '/v1/prefs', JSON.stringify({ meshSubnet: 'fd00::/64' }));
    expect(errorCode(v6)).toBe('invalid-subnet');
  });

  it('POST /v1/leave accepts an empty body or {}, then answers not-joined', async () => {
    const r = await call('POST', '/v1/leave');
    expect(r.status).toBe(200);
    expect(endpoints.leave.response.parse(r.json).tunnelState).toBe('disconnected');
    const again = await call('POST', '/v1/leave', '{}');
    expect([again.status, errorCode(again)]).toEqual([409, 'not-joined']);
  });

  it('answers 405 with Allow for a wrong method and 404 for an unknown path', async () => {
    const r = await call('DELETE', '/v1/status');
    expect([r.status, errorCode(r), r.headers['allow']]).toEqual([405, 'method-not-allowed', 'GET']);
    const prefs = await call('PUT', '/v1/prefs', '{}');
    expect(prefs.headers['allow']).toBe('GET, PATCH');
    const join = await call('GET', '/v1/join');
    expect([join.status, join.headers['allow']]).toEqual([405, 'POST']);
    for (const path of ['/v1/nope', '/v2/status', '/', '/v1/status/']) {
      const nf = await call('GET', path);
      expect([nf.status, errorCode(nf)]).toEqual([404, 'not-found']);
    }
  });

  it('survives a backend whose reads throw', async () => {
    const broken = Object.assign(Object.create(backend) as FakeBackend, { status: () => { throw new Error('read failed'); } });
    const dir2 = await mkdtemp(join(tmpdir(), 'cr-control-broken-'));
    const s2 = await startControlServer({ socketPath: join(dir2, 'c.sock'), backend: broken, logger: createLogger('t', { write: () => {} }) });
    try {
      for (const path of ['/v1/status', '/v1/watch', '/v1/version']) {
        const r = await send(s2.socketPath, 'GET', path);
        expect([r.status, errorCode(r)]).toEqual([500, 'internal']);
      }
    } finally {
      await s2.close();
      await rm(dir2, { recursive: true, force: true });
    }
  });

  it('refuses invalid JSON without quoting it', async () => {
    const r = await call('POST', '/v1/join', `{"secret": "${SECRET}"`);
    expect([r.status, errorCode(r)]).toEqual([400, 'invalid-json']);
    const bare = await call('POST', '/v1/join', RAW);
    expect(errorCode(bare)).toBe('invalid-json');
  });

  it('refuses schema violations with the issue paths, never the values', async () => {
    const r = await call('POST', '/v1/join', JSON.stringify({ secret: 42 }));
    expect([r.status, errorCode(r)]).toEqual([400, 'invalid-body']);
    expect(ErrorBody.parse(r.json).error.message).toContain('secret');
    const extra = await call('POST', '/v1/join', JSON.stringify({ secret: SECRET, token: SECRET }));
    expect(ErrorBody.parse(extra.json).error.message).toContain('token: unknown member');
    const long = await call('POST', '/v1/join', JSON.stringify({ secret: RAW.repeat(100) }));
    expect(errorCode(long)).toBe('invalid-body');
    const level = await call('PATCH', '/v1/prefs', JSON.stringify({ logLevel: RAW }));
    expect(ErrorBody.parse(level.json).error.message).toMatch(/^invalid request body: logLevel: /);
    const arr = await call('POST', '/v1/leave', '[]');
    expect(errorCode(arr)).toBe('invalid-body');
  });

  it('refuses a short secret with invalid-secret', async () => {
    const r = await call('POST', '/v1/join', JSON.stringify({ secret: 'wgmesh://v1/short' }));
    expect([r.status, errorCode(r)]).toEqual([400, 'invalid-secret']);
    expect(ErrorBody.parse(r.json).error.message).toContain('16 bytes');
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const big = JSON.stringify({ secret: 'x'.repeat(MAX_BODY_BYTES + 10) });
    const huge = await call('POST', '/v1/join', Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect([huge.status, errorCode(huge)]).toEqual([413, 'payload-too-large']);
    const r = await call('POST', '/v1/join', big);
    expect([r.status, errorCode(r)]).toEqual([413, 'payload-too-large']);
    const chunked = await call('POST', '/v1/join', undefined, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(400); // an empty chunked body is `{}`, which lacks the secret
  });

  it('requires Content-Type application/json for bodies', async () => {
    const r = await call('POST', '/v1/join', JSON.stringify({ secret: SECRET }), { 'content-type': 'text/plain' });
    expect([r.status, errorCode(r)]).toEqual([415, 'unsupported-media-type']);
    const form = await call('PATCH', '/v1/prefs', 'logLevel=debug', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
  });

  it('turns unexpected backend failures into a bare internal error', async () => {
    backend.nextError = new Error(`boom with ${SECRET}`);
    const r = await call('POST', '/v1/join', JSON.stringify({ secret: SECRET }));
    expect([r.status, r.json]).toEqual([500, { error: { code: 'internal', message: 'internal error' } }]);
  });

  it('strips members the response schema does not declare', async () => {
    const leaky = Object.assign(Object.create(backend) as FakeBackend, {
      status: () => ({ ...backend.status(), secret: SECRET, rawSecret: RAW }),
    });
    const dir2 = await mkdtemp(join(tmpdir(), 'cr-control-leak-'));
    const s2 = await startControlServer({ socketPath: join(dir2, 'c.sock'), backend: leaky, logger: createLogger('t', { write: () => {} }) });
    try {
      const r = await send(s2.socketPath, 'GET', '/v1/status');
      expect(r.status).toBe(200);
      expect(r.json).not.toHaveProperty('secret');
    } finally {
      await s2.close();
      await rm(dir2, { recursive: true, force: true });
    }
  });

  it('never returned or logged the secret', async () => {
    const join = await call('POST', '/v1/join', JSON.stringify({ secret: SECRET }));
    expect(join.status).toBe(200);
    for (const path of ['/v1/status', '/v1/peers', '/v1/prefs', '/v1/version']) await call('GET', path);
    expect(seen.length).toBeGreaterThan(20);
    for (const text of [...seen, ...logLines]) {
      expect(text).not.toContain(RAW);
      expect(text).not.toContain(RAW.slice(0, 16));
    }
    expect(logLines.some((l) => l.includes('"path":"/v1/join"'))).toBe(true);
  });
});
