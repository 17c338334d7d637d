// The built `cloudroof` CLI (dist/cloudroof.js) against a real control server with FakeBackend
// running in this process: commands, --json snake_case, secret handling, exit codes.
import { EXPECTED_STATUS_C, SECRET_C } from '../fixtures/wgmesh-status';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, runCli, type CliRun } from '../support/dist';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Peer } from '../../src/shared/protocol';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';

const root = join(import.meta.dirname, '..', '..');
const cliPath = join(root, 'dist', 'cloudroof.js');
const SECRET = 'wgmesh://v1/cli-test-secret-that-is-long-enough-0123456789';
const RAW = SECRET.slice('wgmesh://v1/'.length);


/** Runs the CLI against this suite's server (`socket: null` = no --socket). */
function cli(args: string[], opts: { input?: string; socket?: string | null } = {}): Promise<CliRun> {
  const socketArgs = opts.socket === null ? [] : ['--socket', opts.socket ?? socketPath];
  return runCli([...socketArgs, ...args], { input: opts.input });
}

const peer: Peer = {
  publicKey: 'K1peerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', hostname: 'alpha', meshIPv4: '10.42.1.2',
  meshIPv6: 'fd00:42::2', endpoint: '192.0.2.10:51820', lastHandshakeTime: Date.now() - 42_000, rxBytes: 1536,
  txBytes: 3 * 1024 * 1024, discoveredVia: ['lan', 'dht'], path: 'relay', relayVia: 'edge-1', lastSeen: Date.now(),
  routableNetworks: ['192.168.1.0/24'], latencyMs: 12,
};

let dir: string;
let socketPath: string;
let server: ControlServer;
let backend: FakeBackend;

beforeAll(async () => {
  await buildIfStale();
  dir = await mkdtemp(join(tmpdir(), 'cr-cli-'));
  socketPath = join(dir, 'cloudroofd.sock');
  backend = new FakeBackend();
  server = await startControlServer({ socketPath, backend, logger: silentLogger });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cloudroof CLI', () => {
  it('init --secret prints exactly one token line', async () => {
    const r = await cli(['init', '--secret'], { socket: null });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wgmesh:\/\/v1\/[A-Za-z0-9_-]{171}\n$/);
    const again = await cli(['init', '--secret'], { socket: null });
    expect(again.stdout).not.toBe(r.stdout);
  });

  it('status --secret <C> --json equals spec 5.4/6.3.1 exactly', async () => {
    const r = await cli(['status', '--secret', SECRET_C, '--json'], { socket: join(dir, 'absent.sock') });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(EXPECTED_STATUS_C);
    expect(r.stderr).toContain('shell history');
    const live = await cli(['status', '--secret-file', '-', '--json'], { input: SECRET_C });
    expect(JSON.parse(live.stdout)).toMatchObject({ service_status: 'active' });
    const text = await cli(['status', '--secret', SECRET_C, '--mesh-subnet', '192.168.100.0/24'], { socket: join(dir, 'absent.sock') });
    expect(text.stdout).toContain('Mesh Status\n===========\n');
    expect(text.stdout).toContain('Mesh Subnet: 192.168.100.0/24 (custom)');
    expect(text.stdout).not.toMatch(/[{}]/);
  });

  it('refuses a short secret locally, without calling the service', async () => {
    const r = await cli(['join', '--secret', 'wgmesh://v1/tooshort']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cloudroof: warning: .*\ncloudroof: invalid secret: it must be at least 16 bytes/);
    expect(r.stderr).not.toContain('tooshort');
    expect(backend.joined).toBe(false);
  });

  it('status --json uses snake_case', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ tunnel_state: 'disconnected', want_connected: false, protocol_version: 1, peer_count: 0 });
    expect(r.stdout).not.toMatch(/"[a-z]+[A-Z]\w*":/);
  });

  it('join reads the secret from a file, from stdin, or (with a warning) from argv; never prints it', async () => {
    const file = join(dir, 'secret');
    await writeFile(file, SECRET + '\n', { mode: 0o600 });
    const r = await cli(['join', '--secret-file', file, '--mesh-subnet', '10.77.1.1/16']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('Joined mesh');
    expect(backend.lastJoin?.meshSubnet).toBe('10.77.0.0/16');
    const dup = await cli(['join', '--secret-file', file]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('cloudroof: this node is already in a mesh; leave first or pass switch\n');
    const piped = await cli(['join', '--switch', '--json'], { input: SECRET });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ tunnel_state: 'connected', mesh_ipv4: '10.42.7.1', public_key: expect.any(String) });
    const argv = await cli(['join', '--switch', '--secret', SECRET]);
    expect(argv.code).toBe(0);
    expect(argv.stderr).toContain('--secret-file');
    for (const out of [r, dup, piped, argv]) expect(out.stdout + out.stderr).not.toContain(RAW);
  });

  it('join passes discovery flags as settings, checks server lists before calling the service, and keeps settings when none is given', async () => {
    const file = join(dir, 'secret');
    await writeFile(file, SECRET + '\n', { mode: 0o600 });
    const r = await cli(['join', '--switch', '--secret-file', file, '--no-lan-discovery', '--introducer',
      '--dht-bootstrap', '198.51.100.10:6881,[2001:DB8::10]:6881', '--stun', '198.51.100.1:3478']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(backend.lastJoin?.discovery).toEqual({
      lan: false, dht: true, ipv6: true, punching: true, introducer: true, gossip: false, forceRelay: false,
      dhtBootstrap: ['198.51.100.10:6881', '[2001:db8::10]:6881'], stunServers: ['198.51.100.1:3478'],
    });
    const before = backend.lastJoin;
    const bad = await cli(['join', '--switch', '--secret-file', file, '--stun', '198.51.100.1']);
    expect([bad.code, bad.stderr]).toEqual([2, `cloudroof: --stun: invalid STUN server "198.51.100.1": not host:port (expected host:port, e.g. 192.0.2.10:6881 or [2001:db8::1]:3478)\nRun 'cloudroof join --help' for usage.\n`]);
    expect(backend.lastJoin).toBe(before);
    const plain = await cli(['join', '--switch', '--secret-file', file]);
    expect(plain.code).toBe(0);
    expect(backend.lastJoin?.discovery).toBeUndefined();
  });

  it('status shows the node in text form', async () => {
    const r = await cli(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^State: +connected$/m);
    expect(r.stdout).toMatch(/^Mesh IPv4: +10\.42\.7\.1$/m);
    expect(r.stdout).toMatch(/^Peers: +0$/m);
  });

  it('peers prints a table and snake_case JSON', async () => {
    backend.setPeers([{ ...peer, lastHandshakeTime: Date.now() - 42_000 }]);
    const text = await cli(['peers']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^HOSTNAME +MESH IPS +ENDPOINT +HANDSHAKE +RX +TX +VIA +PATH$/m);
    expect(text.stdout).toMatch(/alpha +10\.42\.1\.2 fd00:42::2 +192\.0\.2\.10:51820 +4\ds ago +1\.5 KiB +3\.0 MiB +lan,dht +relay via edge-1/);
    const json = await cli(['peers', '--json']);
    const [p] = (JSON.parse(json.stdout) as { peers: Record<string, unknown>[] }).peers;
    expect(Object.keys(p ?? {}).sort()).toEqual([
      'discovered_via', 'endpoint', 'hostname', 'last_handshake_time', 'last_seen', 'latency_ms', 'mesh_ipv4', 'mesh_ipv6',
      'path', 'public_key', 'relay_via', 'routable_networks', 'rx_bytes', 'tx_bytes',
    ]);
  });

  it('watch --json prints the snapshot and then events until interrupted', async () => {
    const child = spawn(process.execPath, [cliPath, '--socket', socketPath, 'watch', '--json']);
    let out = '';
    const lines = async (n: number): Promise<string[]> => {
      while (out.split('\n').length - 1 < n) await new Promise((r) => child.stdout.once('data', r));
      return out.split('\n').slice(0, n);
    };
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const [first] = await lines(1);
    expect(JSON.parse(first ?? '')).toMatchObject({ type: 'snapshot', status: { tunnel_state: 'connected' } });
    backend.updateStatus({ tunnelState: 'connecting' });
    const [, second] = await lines(2);
    expect(JSON.parse(second ?? '')).toMatchObject({ type: 'status', status: { tunnel_state: 'connecting' } });
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
  });

  it('leave, then leave again fails with the service message', async () => {
    const r = await cli(['leave']);
    expect([r.code, r.stdout]).toEqual([0, 'Left the mesh; tunnel disconnected\n']);
    const again = await cli(['leave', '--json']);
    expect([again.code, again.stderr]).toEqual([1, 'cloudroof: this node is not in a mesh\n']);
  });

  it('routes: a host address is refused locally (exit 2, did you mean), nothing reaches the service', async () => {
    const r = await cli(['routes', 'advertise', '192.168.1.5/24']);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'cloudroof: 192.168.1.5/24 is not a network address; did you mean 192.168.1.0/24?\n']);
    const dflt = await cli(['routes', 'advertise', '0.0.0.0/0', '--force']);
    expect(dflt.code).toBe(2);
    expect(dflt.stderr).toContain('exit node');
    const notLocal = await cli(['routes', 'advertise', '192.168.77.0/24']);
    expect(notLocal.code).toBe(2);
    expect(notLocal.stderr).toContain('--force');
    expect(backend.routes().advertised).toEqual([]);
  });

  it('routes: advertise, list as a table and as snake_case JSON, accept off, check, withdraw', async () => {
    const adv = await cli(['routes', 'advertise', '192.168.1.0/24']);
    expect([adv.code, adv.stdout, adv.stderr]).toEqual([0, 'Advertising 192.168.1.0/24 on eth0 with masquerade: active\n', '']);
    backend.setAcceptedRoutes([{
      prefix: '10.5.0.0/16', via: { publicKey: peer.publicKey, hostname: 'alpha', meshIPv4: '10.42.1.2' }, installed: true,
      standby: [{ publicKey: 'K2peerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', hostname: 'beta' }],
    }]);
    const json = await cli(['routes', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      accept_routes: true,
      advertised: [{ prefix: '192.168.1.0/24', masquerade: true, lan_interface: 'eth0', state: 'active' }],
      accepted: [{
        prefix: '10.5.0.0/16', via: { public_key: peer.publicKey, hostname: 'alpha', mesh_ipv4: '10.42.1.2' }, installed: true,
        standby: [{ public_key: 'K2peerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', hostname: 'beta' }],
      }],
      forwarding: { ipv4: true, ipv6: false },
    });
    const text = await cli(['routes']);
    expect(text.stdout).toMatch(/^192\.168\.1\.0\/24 +yes +eth0 +active$/m);
    expect(text.stdout).toMatch(/^10\.5\.0\.0\/16 +alpha \(10\.42\.1\.2\) +yes +beta +-$/m);
    expect((await cli(['routes', 'accept', 'off'])).stdout).toBe('Accepting routes from other nodes: off\n');
    expect(backend.getPrefs().acceptRoutes).toBe(false);
    backend.checkResult = { ok: false, findings: [{ id: 'ip-forwarding-off', severity: 'error', message: 'IPv4 forwarding is off', fix: 'sysctl -w net.ipv4.ip_forward=1' }] };
    const check = await cli(['routes', 'check']);
    expect([check.code, check.stdout]).toEqual([1, 'error: IPv4 forwarding is off\n  fix: sysctl -w net.ipv4.ip_forward=1\n']);
    const detect = await cli(['routes', 'detect', '--json']);
    expect(JSON.parse(detect.stdout)).toMatchObject({ networks: [{ iface: 'eth0', cidr: '192.168.1.0/24', default_route: true }, { family: 6 }] });
    const missing = await cli(['routes', 'withdraw', '10.1.0.0/16']);
    expect([missing.code, missing.stderr]).toEqual([1, 'cloudroof: 10.1.0.0/16 is not advertised by this node\n']);
    const w = await cli(['routes', 'withdraw', '--all']);
    expect([w.code, w.stdout]).toEqual([0, 'Withdrew all advertised routes\n']);
    expect(backend.routes().advertised).toEqual([]);
  });

  it('explains a missing service and usage errors', async () => {
    const absent = join(dir, 'absent.sock');
    const r = await cli(['status'], { socket: absent });
    expect([r.code, r.stderr]).toEqual([1, `cloudroof: cloudroofd is not running (no socket at ${absent}). Start it with: sudo cloudroofd\n`]);
    const usage = await cli(['peers', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Unknown option '--bogus'");
    expect((await cli(['frobnicate'])).code).toBe(2);
    const help = await cli(['join', '--help']);
    expect([help.code, help.stdout.startsWith('Usage: cloudroof join')]).toEqual([0, true]);
    const version = await cli(['version']);
    expect(version.stdout).toMatch(/^cloudroof version \S+\ncloudroofd version 0\.0\.0-fake \(protocol 1\)\n$/);
  });
});
