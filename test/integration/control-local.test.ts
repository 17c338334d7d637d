// The local endpoints end to end: the built CLI (dist/cloudroof.js) and raw HTTP against a real
// control server with a real ServiceBackend (not joined; the system behind fakes except /proc,
// the UDP port check and the network): local services from the real /proc (a listener in a child
// process is found with its name and pid; this process's own is left out), a probe of a real HTTP
// server and of a closed port, the secret revealed only on request and never logged, and the
// interface/port prefs refused without change or accepted and shown.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlError, type LocalServicesResponse, type ProbeSiteResponse } from '../../src/shared/protocol';
import { ServiceBackend } from '../../src/service/backend/service-backend';
import { systemClock } from '../../src/service/clock';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { createEdgeNginx } from '../../src/service/edge/nginx';
import { FakeCommandRunner } from '../../src/service/engine/fake';
import { FakeFirewall } from '../../src/service/engine/firewall/fake';
import { FakeOriginFirewall } from '../../src/service/engine/firewall/origin-fake';
import { FakeRouter } from '../../src/service/engine/router/fake';
import { FakeSysctl } from '../../src/service/engine/sysctl';
import { findFreeListenPort } from '../../src/service/engine/wireguard/device';
import { createLogger } from '../../src/service/log';
import { PrefsFile } from '../../src/service/state/prefs';
import { buildIfStale, runCli } from '../support/dist';
import { freePort, httpRequest } from '../support/http';

const TOKEN = 'wgmesh://v1/Y29udHJvbC1sb2NhbC1pbnRlZ3JhdGlvbi10ZXN0LXNlY3JldA';
const RAW = TOKEN.slice('wgmesh://v1/'.length);

let dir: string;
let socketPath: string;
let server: ControlServer;
let prefsFile: PrefsFile;
const logLines: string[] = [];
const cleanups: (() => unknown)[] = [];

/** One request to the control socket. */
const call = (method: string, path: string, body?: unknown) =>
  httpRequest({ socketPath }, method, path, body === undefined ? {} : { body: JSON.stringify(body) });
const cli = (args: string[], input?: string) => runCli(['--socket', socketPath, ...args], { input });

/** A child node process listening on 127.0.0.1 (a random port, printed on stdout). */
function childListener(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port));setInterval(()=>{},1e6)"], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
    child.once('exit', () => reject(new Error('the listener child exited')));
  });
}

/** An HTTP server in this process. */
async function listen(s: Server): Promise<number> {
  cleanups.push(() => new Promise((r) => s.close(r)));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  await buildIfStale();
  dir = await mkdtemp(join(tmpdir(), 'cr-local-'));
  socketPath = join(dir, 'cloudroofd.sock');
  const stateDir = join(dir, 'state');
  await mkdir(stateDir, { mode: 0o700 });
  prefsFile = new PrefsFile(stateDir);
  const logger = createLogger('cloudroofd', { json: true, level: 'debug', write: (l) => logLines.push(l) });
  const runner = new FakeCommandRunner();
  const backend = new ServiceBackend({
    stateDir, interfaceName: 'crlocal0', listenPort: 51820, listenPortExplicit: false, hostname: 'local-node', version: '0.1.0-test',
    clock: systemClock, logger, prefsFile, router: new FakeRouter(), firewall: new FakeFirewall(), originFirewall: new FakeOriginFirewall(),
    sysctl: new FakeSysctl({}), runner, ipv6: true, createNginx: () => createEdgeNginx('managed', { runner, stateDir }),
    createDevice: async () => { throw new Error('not used: the node is not joined'); },
    // As system.ts does it: the real check of the UDP wildcards.
    findListenPort: (p, explicit) => findFreeListenPort(p, explicit ? 0 : 100).catch(() => { throw new ControlError('port-in-use', `UDP port ${p} is in use; choose another with --listen-port`); }),
    setLogLevel: () => {}, onSecret: () => {},
  });
  await backend.init();
  server = await startControlServer({ socketPath, backend, logger });
}, 120_000);

afterAll(async () => {
  await server?.close();
  for (const c of cleanups.reverse()) await c();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('GET /v1/local-services on the real /proc', () => {
  it('lists a child process\'s listener with its name and pid, and leaves out this (the service\'s) process', async () => {
    const { child, port } = await childListener();
    const own = await listen(createServer());
    const r = await call('GET', '/v1/local-services');
    expect(r.status).toBe(200);
    const { services } = r.json as LocalServicesResponse;
    expect(services.find((s) => s.port === port)).toEqual({ address: '127.0.0.1', port, family: 4, process: 'node', pid: child.pid, url: `http://127.0.0.1:${port}` });
    expect(services.find((s) => s.port === own)).toBeUndefined();
    expect(services.map((s) => s.port)).toEqual([...services.map((s) => s.port)].sort((a, b) => a - b));
    const text = await cli(['expose', 'services']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${port} +127\\.0\\.0\\.1 +node +${child.pid} +http://127\\.0\\.0\\.1:${port} +-$`, 'm'));
  });
});

describe('POST /v1/sites/probe', () => {
  it('answers a real HTTP server with status, title and latency, and a closed port as refused', async () => {
    const port = await listen(createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', server: 'integration/1' });
      res.end('<html><head><title>Local app</title></head></html>');
    }));
    const r = await call('POST', '/v1/sites/probe', { target: `127.0.0.1:${port}` });
    expect(r.json).toEqual({ target: `http://127.0.0.1:${port}`, ok: true, status: 200, latencyMs: expect.any(Number), contentType: 'text/html', server: 'integration/1', title: 'Local app' });
    const closed = await freePort(); // nothing listens on it
    const dead = await call('POST', '/v1/sites/probe', { target: `http://127.0.0.1:${closed}` });
    expect([dead.status, (dead.json as ProbeSiteResponse).error]).toEqual([200, `connection refused: nothing listens on 127.0.0.1:${closed}`]);
    const bad = await call('POST', '/v1/sites/probe', { target: 'gopher://x:1' });
    expect([bad.status, (bad.json as { error: { code: string } }).error.code]).toEqual([400, 'invalid-site']);
    const ok = await cli(['expose', 'check', `127.0.0.1:${port}`]);
    expect([ok.code, ok.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${port} answers: HTTP 200 in [0-9.]+ ms$`))]);
    const no = await cli(['expose', 'check', `127.0.0.1:${closed}`]);
    expect([no.code, no.stdout]).toEqual([1, `http://127.0.0.1:${closed} does not answer: connection refused: nothing listens on 127.0.0.1:${closed}\n`]);
  });
});

describe('POST /v1/secret/reveal', () => {
  it('is not-joined without a secret; reveals the stored one on request only; logs that, never the secret', async () => {
    const none = await call('POST', '/v1/secret/reveal', { confirm: true });
    expect([none.status, (none.json as { error: { code: string } }).error.code]).toEqual([409, 'not-joined']);
    await prefsFile.saveSecret(TOKEN);
    const unconfirmed = await call('POST', '/v1/secret/reveal', {});
    expect([unconfirmed.status, unconfirmed.text.includes(RAW)]).toEqual([400, false]);
    const r = await call('POST', '/v1/secret/reveal', { confirm: true });
    expect([r.status, r.json]).toEqual([200, { secret: TOKEN, token: true }]);
    const shown = await cli(['secret', 'show', '--yes']);
    expect([shown.code, shown.stdout, shown.stderr]).toEqual([0, `${TOKEN}\n`, '']);
    const refused = await cli(['secret', 'show']);
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toContain('--yes');
    expect(logLines.filter((l) => l.includes('mesh secret revealed to a control client'))).toHaveLength(2);
    for (const l of logLines) expect(l).not.toContain(RAW.slice(0, 20));
    const status = await call('GET', '/v1/status');
    expect(status.text).not.toContain(RAW.slice(0, 20));
  });
});

describe('PATCH /v1/prefs interfaceName and listenPort', () => {
  it('refuses a bad name and a taken UDP port, changing nothing; accepts and shows a good change', async () => {
    await call('PATCH', '/v1/prefs', { logLevel: 'debug' });
    const before = await readFile(join(dir, 'state', 'prefs.json'), 'utf8');
    const bad = await call('PATCH', '/v1/prefs', { interfaceName: 'a/b', logLevel: 'warn' });
    expect([bad.status, bad.json]).toEqual([400, { error: { code: 'invalid-interface', message: expect.stringMatching(/^invalid interface name: it must start with a letter/) } }]);
    const udp = await bindUdp();
    const taken = await call('PATCH', '/v1/prefs', { listenPort: udp.port, interfaceName: 'crlocal1' });
    expect([taken.status, (taken.json as { error: { code: string } }).error.code]).toEqual([409, 'port-in-use']);
    const viaCli = await cli(['set', '--listen-port', String(udp.port)]);
    expect([viaCli.code, viaCli.stderr]).toEqual([1, `cloudroof: UDP port ${udp.port} is in use; choose another with --listen-port\n`]);
    expect(await readFile(join(dir, 'state', 'prefs.json'), 'utf8')).toBe(before);
    udp.socket.close();
    const set = await cli(['set', '--interface', 'crlocal1', '--listen-port', String(udp.port)]);
    expect([set.code, set.stdout]).toEqual([0, `Interface:   crlocal1 (was crlocal0)\nListen port: chosen when joining\nState:       disconnected\n`]);
    const prefs = await call('GET', '/v1/prefs');
    expect(prefs.json).toMatchObject({ interfaceName: 'crlocal1', listenPort: udp.port, logLevel: 'debug' });
    expect((await call('GET', '/v1/status')).json).toMatchObject({ interface: 'crlocal1' });
  });
});

/** A UDP socket on the wildcard (what WireGuard would need), holding a port. */
function bindUdp(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  cleanups.push(() => { try { socket.close(); } catch { /* closed */ } });
  return new Promise((resolve) => socket.bind(0, '0.0.0.0', () => resolve({ socket, port: socket.address().port })));
}
