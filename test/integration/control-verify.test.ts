// POST streams of the control server on a real Unix socket with FakeBackend (POST /v1/sites/verify):
// NDJSON framing with every line valid, errors before anything streams, the handler's signal
// aborted when the client disconnects or the server closes; then the typed client's stream()
// and `cloudroof expose verify` / `cloudroof edges` in-process against the same server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/client/control-client';
import { run } from '../../src/cli/run';
import { fakeIo } from '../../src/cli/test-io';
import { ControlError, ErrorBody, VerifyEvent, type ExposedSite, type MeshEdge } from '../../src/shared/protocol';
import { FakeBackend } from '../../src/service/control/fake';
import { FAKE_EDGE_KEY } from '../../src/service/control/fake-verify';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { httpRequest, openLines } from '../support/http';

const site: ExposedSite = {
  name: 'blog', target: 'http://127.0.0.1:8080', hostnames: ['www.example.com'], healthPath: '/healthz', healthIntervalS: 10,
  meshPort: 8080, forwarding: { state: 'active' }, health: { state: 'healthy' }, edges: [], publicUrls: [],
};
const edge: MeshEdge = {
  publicKey: FAKE_EDGE_KEY, hostname: 'edge-1', meshIPv4: '10.42.0.2', nginx: { available: true, running: true },
  config: { state: 'applied' }, httpPort: 80, httpsPort: 443, certDir: '/etc/cloudroof/certs', acmeWebroot: '/var/lib/cloudroof/nginx/acme',
  certificates: ['www.example.com', 'a.example.com', 'b.example.com', 'c.example.com'], reportedAt: Date.now() - 3000,
};

let dir: string;
let socketPath: string;
let server: ControlServer;
let backend: FakeBackend;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cr-verify-'));
  socketPath = join(dir, 'cloudroofd.sock');
  backend = new FakeBackend();
  server = await startControlServer({ socketPath, backend, logger: silentLogger });
  await backend.join({ secret: 'wgmesh://v1/control-verify-test-secret-0123456789' });
  backend.setSites([site]);
  backend.verify.edges = [edge];
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const VERIFY = '/v1/sites/verify';
/** The control socket of the suite's server. */
const control = () => ({ socketPath });

describe('POST /v1/sites/verify', () => {
  it('streams NDJSON lines, each a valid event, ending with done', async () => {
    const res = await httpRequest(control(), 'POST', VERIFY, { body: JSON.stringify({ name: 'blog', uploadBytes: 4096, paths: { websocket: '/socket' } }) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    const lines = res.text.split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((l) => VerifyEvent.parse(JSON.parse(l)));
    expect(events).toHaveLength(9);
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: true, publicUrls: ['https://www.example.com/'] });
    expect(backend.verify.requests.at(-1)).toEqual({ name: 'blog', uploadBytes: 4096, paths: { websocket: '/socket' } });
  });

  it('answers errors as JSON before anything streams', async () => {
    const cases: [string, number, string][] = [
      [JSON.stringify({ name: 'blog', extra: 1 }), 400, 'invalid-body'],
      [JSON.stringify({ name: 'blog', uploadBytes: 1 }), 400, 'invalid-body'],
      [JSON.stringify({ name: 'blog', paths: { ws: '/x' } }), 400, 'invalid-body'],
      ['{', 400, 'invalid-json'],
      [JSON.stringify({ name: 'nope' }), 404, 'site-not-found'],
    ];
    for (const [body, status, code] of cases) {
      const res = await httpRequest(control(), 'POST', VERIFY, { body });
      expect([res.status, res.headers['content-type']], body).toEqual([status, 'application/json']);
      expect(ErrorBody.parse(JSON.parse(res.text)).error.code).toBe(code);
    }
    expect((await httpRequest(control(), 'GET', VERIFY, { body: '' })).status).toBe(405);
  });

  it('aborts the verification when the client disconnects', async () => {
    backend.verify.hold = true;
    const before = backend.verify.aborted;
    try {
      const res = await openLines(control(), 'POST', VERIFY, { body: JSON.stringify({ name: 'blog' }) });
      expect(res.status).toBe(200);
      await res.next();
      res.close();
      await expect.poll(() => backend.verify.aborted, { timeout: 5000 }).toBe(before + 1);
    } finally {
      backend.verify.hold = false;
    }
  });

  it('ends an open stream and aborts its verification when the server closes', async () => {
    const other = new FakeBackend();
    await other.join({ secret: 'wgmesh://v1/control-verify-test-secret-0123456789' });
    other.setSites([site]);
    other.verify.hold = true;
    const path2 = join(dir, 'second.sock');
    const second = await startControlServer({ socketPath: path2, backend: other, logger: silentLogger });
    const res = await openLines({ socketPath: path2 }, 'POST', VERIFY, { body: JSON.stringify({ name: 'blog' }) });
    await res.next(); // streaming, held open by the fake
    await second.close();
    await res.closed;
    await expect.poll(() => other.verify.aborted, { timeout: 5000 }).toBe(1);
  });

  it('the typed client streams events, and rejects with the service error before streaming', async () => {
    const client = new ControlClient({ socketPath });
    const got: VerifyEvent[] = [];
    await client.stream('verifySite', { name: 'blog' }, (e) => got.push(e));
    expect(got.at(-1)?.type).toBe('done');
    await expect(client.stream('verifySite', { name: 'other' }, () => undefined)).rejects.toThrow(ControlError);
    expect(await client.call('edges')).toEqual({ edges: [edge] });
  });
});

describe('cloudroof expose verify / cloudroof edges (in-process CLI)', () => {
  const cli = async (args: string[]) => {
    const io = fakeIo();
    const code = await run(['--socket', socketPath, ...args], io);
    return { code, out: io.stdout, err: io.stderr };
  };

  it('prints progress lines and a summary; --json prints the result', async () => {
    const r = await cli(['expose', 'verify', 'blog', '--upload-size', '2m', '--ws-path', '/socket', '--edge', 'edge-1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^edge-1 +request +running\n/);
    expect(r.out).toMatch(/\nedge-1 +upload +passed +upload ok \(blog\)\n/);
    expect(r.out).toContain('Every check passed through 1 edge. Live at https://www.example.com/\n');
    expect(backend.verify.requests.at(-1)).toEqual({ name: 'blog', edges: ['edge-1'], uploadBytes: 2 * 1024 * 1024, paths: { websocket: '/socket' } });
    const j = await cli(['expose', 'verify', 'blog', '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ type: 'done', ok: true, public_urls: ['https://www.example.com/'] });
  });

  it('exits 1 when a check failed, 2 for bad input (nothing sent) or an unknown site', async () => {
    const done = { type: 'done' as const, ok: false, publicUrls: [], steps: [{ edge: FAKE_EDGE_KEY, check: 'upload' as const, state: 'failed' as const, detail: 'too big' }] };
    backend.verify.events = [{ type: 'step', step: done.steps[0]! }, done];
    try {
      const r = await cli(['expose', 'verify', 'blog']);
      expect(r.code).toBe(1);
      expect(r.out).toContain('1 check failed through 1 edge.');
    } finally {
      backend.verify.events = undefined;
    }
    const sent = backend.verify.requests.length;
    for (const args of [['--upload-size', '300m'], ['--upload-size', 'x'], ['--ws-path', 'no slash'], ['--sse-path', '/a b']]) {
      expect((await cli(['expose', 'verify', 'blog', ...args])).code, args.join(' ')).toBe(2);
    }
    expect((await cli(['expose', 'verify', 'Bad Name'])).code).toBe(2);
    expect(backend.verify.requests.length).toBe(sent);
    const unknown = await cli(['expose', 'verify', 'nope']);
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringContaining('no site named nope')]);
  });

  it('edges lists each edge, --json in snake_case', async () => {
    const r = await cli(['edges']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^EDGE +MESH IP +NGINX +CONFIG +PORTS +CERT DIR +CERTIFICATES +REPORTED\n/);
    expect(r.out).toMatch(/\nedge-1 +10\.42\.0\.2 +running +applied +80\/443 +\/etc\/cloudroof\/certs +www\.example\.com, a\.example\.com, b\.example\.com, \+1 more +\ds ago\n/);
    const j = await cli(['edges', '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ edges: [{ public_key: FAKE_EDGE_KEY, mesh_ipv4: '10.42.0.2', cert_dir: '/etc/cloudroof/certs', https_port: 443 }] });
  });
});
