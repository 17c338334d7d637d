// The LAN route endpoints of the control server on a real Unix socket with FakeBackend: each
// endpoint, canonical prefixes, invalid-route messages that quote nothing but address text,
// the backend's refusals, and schema violations.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, ErrorBody, type AcceptedRoute, type WatchEvent } from '../../src/shared/protocol';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { httpRequest, type HttpReply } from '../support/http';

const SECRET = 'wgmesh://v1/control-routes-test-secret-0123456789abcdef';

const error = (r: HttpReply): [number, string, string] => {
  const { code, message } = ErrorBody.parse(r.json).error;
  return [r.status, code, message];
};

const accepted: AcceptedRoute = {
  prefix: '10.5.0.0/16', via: { publicKey: 'K1peerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', hostname: 'nas', meshIPv4: '10.42.1.2' },
  installed: true, standby: [{ publicKey: 'K2peerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', hostname: 'pi' }],
};

describe('control server: routes', () => {
  let dir: string;
  let server: ControlServer;
  let backend: FakeBackend;
  /** One request to the control socket, `body` sent as JSON. */
  const call = (method: string, path: string, body?: unknown): Promise<HttpReply> =>
    httpRequest({ socketPath: server.socketPath }, method, path, body === undefined ? {} : { body: JSON.stringify(body) });
  const advertise = (body: unknown): Promise<HttpReply> => call('POST', '/v1/routes/advertise', body);
  const withdraw = (body: unknown): Promise<HttpReply> => call('POST', '/v1/routes/withdraw', body);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-routes-'));
    backend = new FakeBackend();
    server = await startControlServer({ socketPath: join(dir, 'cloudroofd.sock'), backend, logger: silentLogger });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /v1/routes, /v1/routes/detect and /v1/routes/check answer with valid bodies', async () => {
    const r = await call('GET', '/v1/routes');
    expect([r.status, endpoints.routes.response.parse(r.json)]).toEqual([200, { acceptRoutes: true, advertised: [], accepted: [] }]);
    const d = await call('GET', '/v1/routes/detect');
    expect(endpoints.detectRoutes.response.parse(d.json).networks.map((n) => [n.iface, n.cidr, n.family])).toEqual([
      ['eth0', '192.168.1.0/24', 4], ['eth0', 'fd00:1::/64', 6],
    ]);
    backend.checkResult = { ok: false, findings: [{ id: 'ip-forwarding-off', severity: 'error', message: 'IPv4 forwarding is off', fix: 'sysctl -w net.ipv4.ip_forward=1' }] };
    const c = await call('GET', '/v1/routes/check');
    expect(endpoints.checkRoutes.response.parse(c.json)).toEqual(backend.checkResult);
    expect((await call('POST', '/v1/routes')).status).toBe(405);
    expect((await call('GET', '/v1/routes/nope')).status).toBe(404);
  });

  it('advertises canonical, deduplicated prefixes and reports them in routes, prefs and status', async () => {
    const events: WatchEvent[] = [];
    const stop = backend.subscribe((e) => events.push(e));
    const r = await advertise({ prefixes: [' 192.168.1.0/24', 'FD00:1:0::/64', '192.168.1.0/24'] });
    stop();
    expect(r.status).toBe(200);
    expect(endpoints.advertiseRoutes.response.parse(r.json)).toEqual({
      acceptRoutes: true,
      advertised: [
        { prefix: '192.168.1.0/24', masquerade: true, lanInterface: 'eth0', state: 'active' },
        { prefix: 'fd00:1::/64', masquerade: true, lanInterface: 'eth0', state: 'active' },
      ],
      accepted: [],
      forwarding: { ipv4: true, ipv6: true },
    });
    const prefs = endpoints.getPrefs.response.parse((await call('GET', '/v1/prefs')).json);
    expect(prefs.advertiseRoutes).toEqual([{ prefix: '192.168.1.0/24', masquerade: true }, { prefix: 'fd00:1::/64', masquerade: true }]);
    const status = endpoints.status.response.parse((await call('GET', '/v1/status')).json);
    expect(status.routes).toEqual({ advertised: 2, accepted: 0, conflicts: 0 });
    expect(events.some((e) => e.type === 'status' && e.status.routes?.advertised === 2)).toBe(true);
    const again = await advertise({ prefixes: ['192.168.1.0/24'], masquerade: false });
    expect(endpoints.routes.response.parse(again.json).advertised.find((a) => a.prefix === '192.168.1.0/24')?.masquerade).toBe(false);
  });

  it('refuses invalid prefixes with invalid-route and the reason, before the backend sees them', async () => {
    expect(error(await advertise({ prefixes: ['192.168.1.5/24'] }))).toEqual([400, 'invalid-route', '192.168.1.5/24 is not a network address; did you mean 192.168.1.0/24?']);
    for (const p of ['0.0.0.0/0', '::/0']) {
      const [status, code, message] = error(await advertise({ prefixes: [p], force: true }));
      expect([status, code]).toEqual([400, 'invalid-route']);
      expect(message).toContain('exit node, which is a separate feature');
    }
    const [, code, message] = error(await advertise({ prefixes: ['10.0.0.0/8', SECRET.slice(0, 60)] }));
    expect([code, message]).toEqual(['invalid-route', 'that is not a CIDR prefix (e.g. 192.168.1.0/24 or fd00:1234::/64)']);
    const html = error(await advertise({ prefixes: ['<script>alert(1)</script>'] }));
    expect(html[2]).not.toContain('<');
    expect(error(await withdraw({ prefixes: ['192.168.1.1/24'] }))[1]).toBe('invalid-route');
    expect(backend.routes().advertised).toHaveLength(2); // nothing changed
  });

  it('passes on the backend refusals: not local without force, overlapping the mesh, nothing detected', async () => {
    const [status, code, message] = error(await advertise({ prefixes: ['192.168.77.0/24'] }));
    expect([status, code]).toEqual([400, 'route-not-local']);
    expect(message).toContain('--force');
    const forced = await advertise({ prefixes: ['192.168.77.0/24'], force: true });
    expect(endpoints.routes.response.parse(forced.json).advertised.at(-1)).toEqual({ prefix: '192.168.77.0/24', masquerade: true, state: 'pending' });
    expect((await call('POST', '/v1/join', { secret: SECRET })).status).toBe(200);
    expect(error(await advertise({ prefixes: ['10.42.5.0/24'], force: true })).slice(0, 2)).toEqual([400, 'route-overlaps-mesh']);
    const saved = backend.localNetworks;
    backend.localNetworks = [];
    expect(error(await advertise({ auto: true })).slice(0, 2)).toEqual([400, 'route-not-local']);
    backend.localNetworks = saved;
  });

  it('withdraws named prefixes (not-advertised for others, nothing changed) or all', async () => {
    expect(error(await withdraw({ prefixes: ['192.168.1.0/24', '172.16.0.0/12'] })).slice(0, 2)).toEqual([404, 'not-advertised']);
    expect(backend.routes().advertised).toHaveLength(3);
    const one = await withdraw({ prefixes: ['192.168.77.0/24'] });
    expect(endpoints.withdrawRoutes.response.parse(one.json).advertised.map((a) => a.prefix)).toEqual(['192.168.1.0/24', 'fd00:1::/64']);
    const all = await withdraw({ all: true });
    expect(endpoints.withdrawRoutes.response.parse(all.json)).toEqual({ acceptRoutes: true, advertised: [], accepted: [] });
    const auto = await advertise({ auto: true });
    expect(endpoints.routes.response.parse(auto.json).advertised.map((a) => a.prefix)).toEqual(['192.168.1.0/24']);
  });

  it('reports accepted routes and follows PATCH /v1/prefs acceptRoutes', async () => {
    backend.setAcceptedRoutes([accepted]);
    const on = endpoints.routes.response.parse((await call('GET', '/v1/routes')).json);
    expect(on.accepted).toEqual([accepted]);
    const patched = await call('PATCH', '/v1/prefs', { acceptRoutes: false });
    expect(endpoints.patchPrefs.response.parse(patched.json)).toMatchObject({ acceptRoutes: false, wantConnected: true });
    const off = endpoints.routes.response.parse((await call('GET', '/v1/routes')).json);
    expect([off.acceptRoutes, off.accepted[0]?.installed, off.accepted[0]?.conflict]).toEqual([false, false, 'accepting routes is off on this node']);
    expect(endpoints.status.response.parse((await call('GET', '/v1/status')).json).routes).toEqual({ advertised: 1, accepted: 1, conflicts: 1 });
    await call('PATCH', '/v1/prefs', { acceptRoutes: true });
  });

  it('refuses schema violations with invalid-body naming paths only', async () => {
    const cases: [unknown, string][] = [
      [{}, 'prefixes: give either prefixes or auto: true'],
      [{ prefixes: ['10.0.0.0/8'], auto: true }, 'prefixes: give either prefixes or auto: true'],
      [{ prefixes: ['10.0.0.0/8'], via: SECRET }, 'via: unknown member'],
      [{ prefixes: [SECRET.repeat(2)] }, 'prefixes.0: '],
      [{ prefixes: Array.from({ length: 101 }, (_, i) => `10.${i}.0.0/16`) }, 'prefixes: '],
      [{ prefixes: '10.0.0.0/8' }, 'prefixes: '],
      [{ prefixes: [42] }, 'prefixes.0: '],
    ];
    for (const [body, expected] of cases) {
      const [status, code, message] = error(await advertise(body));
      expect([status, code]).toEqual([400, 'invalid-body']);
      expect(message).toContain(expected);
      expect(message).not.toContain('wgmesh');
    }
    expect(error(await withdraw({}))[1]).toBe('invalid-body');
    expect(error(await withdraw({ all: true, prefixes: ['10.0.0.0/8'] }))[1]).toBe('invalid-body');
    expect(error(await call('PATCH', '/v1/prefs', { advertiseRoutes: [{ prefix: '10.0.0.0/8', masquerade: true }] }))[2]).toContain('advertiseRoutes: unknown member');
  });

  it('turns unexpected backend failures into a bare internal error', async () => {
    backend.nextError = new Error('nft exploded');
    expect(error(await call('GET', '/v1/routes/check'))).toEqual([500, 'internal', 'internal error']);
  });
});
