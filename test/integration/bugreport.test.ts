// `cloudroof bugreport` and `cloudroof logs` with the built CLI (dist/cloudroof.js) against a real
// control server in this process: once with the FakeBackend (joined, peers, a device with
// private and preshared keys, command outputs full of planted secrets and public addresses),
// once with a real ServiceBackend (not joined, secret stored, real commands on this host). The
// archive is extracted with the system tar and every file searched for what must never leak.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry, Peer } from '../../src/shared/protocol';
import { deriveMeshKeys } from '../../src/shared/mesh/derive';
import { parseIPv4, parseIPv6 } from '../../src/shared/mesh/ip';
import { ServiceBackend } from '../../src/service/backend/service-backend';
import { systemClock } from '../../src/service/clock';
import { FAKE_PUBLIC_KEY, FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { isPublicIPv4, isPublicIPv6 } from '../../src/service/diagnostics/ip-class';
import { createEdgeNginx } from '../../src/service/edge/nginx';
import { ExecCommandRunner } from '../../src/service/engine/exec';
import { FakeCommandRunner } from '../../src/service/engine/fake';
import { FakeFirewall } from '../../src/service/engine/firewall/fake';
import { FakeOriginFirewall } from '../../src/service/engine/firewall/origin-fake';
import { FakeRouter } from '../../src/service/engine/router/fake';
import { ProcSysctl } from '../../src/service/engine/sysctl';
import { generateKeyPair } from '../../src/service/engine/wireguard/keys';
import { createLogger, type Logger } from '../../src/service/log';
import { buildIfStale, runCli, type CliRun } from '../support/dist';
import { LogBuffer } from '../../src/service/log-buffer';
import { PrefsFile } from '../../src/service/state/prefs';

const RAW = 'Zm9yLXRoZS1idWctcmVwb3J0LW9ubHktMDEyMzQ1Njc4OWFiY2RlZg';
const TOKEN = `wgmesh://v1/${RAW}`;
const keys = deriveMeshKeys(RAW);
const node = generateKeyPair();
const peerA = generateKeyPair();
const peerB = generateKeyPair();
const PUBLIC_V4 = ['8.8.8.8', '1.1.1.1'];
const PUBLIC_V6 = ['2001:4860:4860::8888', '2606:4700:4700::1111'];

/** The secret in every form a tool or a log could show it in, computed here independently. */
const SECRET_FORMS = [
  TOKEN, RAW, Buffer.from(RAW).toString('base64'), Buffer.from(RAW).toString('base64url'), Buffer.from(RAW).toString('hex'),
  Buffer.from(RAW, 'base64url').toString('base64'), Buffer.from(RAW, 'base64url').toString('hex'), keys.pskBase64,
  Buffer.from(keys.gossipKey).toString('base64'),
];
const FORBIDDEN = [...SECRET_FORMS, node.privateKey, peerA.privateKey, ...PUBLIC_V4, ...PUBLIC_V6];


/** Runs the built CLI against `socketPath`. */
function cli(socketPath: string, args: string[]): Promise<CliRun> {
  return runCli(['--socket', socketPath, ...args]);
}

/** Runs `bugreport -o`, extracts the archive, returns each file's text by name. */
async function bugreport(socketPath: string, dir: string): Promise<{ run: CliRun; files: Record<string, string>; mode: number }> {
  const out = join(dir, `report-${Math.random().toString(36).slice(2)}.tar.gz`);
  const run = await cli(socketPath, ['bugreport', '-o', out]);
  expect(run.stderr).not.toMatch(/error/i);
  expect([run.code, run.stdout]).toEqual([0, `${out}\n`]);
  const into = await mkdtemp(join(dir, 'x-'));
  await promisify(execFile)('tar', ['-xzf', out, '-C', into]);
  const [top, ...others] = await readdir(into);
  expect(others).toEqual([]);
  const files: Record<string, string> = {};
  for (const name of await readdir(join(into, top as string))) files[name] = await readFile(join(into, top as string, name), 'utf8');
  return { run, files, mode: (await stat(out)).mode & 0o777 };
}

function expectNothingLeaks(files: Record<string, string>, forbidden: readonly string[]): void {
  for (const [name, text] of Object.entries(files)) {
    for (const f of forbidden) expect(text.includes(f), `${name} contains ${f.slice(0, 12)}…`).toBe(false);
  }
}

/** A logger like the service's: JSON lines to nowhere, every record into `buffer`. */
function bufferedLogger(buffer: LogBuffer): Logger {
  return createLogger('cloudroofd', { json: true, level: 'debug', write: () => {}, sink: (e) => buffer.push(e) });
}

let dir: string;
beforeAll(async () => {
  await buildIfStale();
  dir = await mkdtemp(join(tmpdir(), 'cr-bugreport-'));
}, 120_000);
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('bugreport with the FakeBackend', () => {
  let server: ControlServer;
  let socketPath: string;
  const logs = new LogBuffer();

  beforeAll(async () => {
    socketPath = join(dir, 'fake.sock');
    const logger = bufferedLogger(logs);
    const backend = new FakeBackend({ hostname: 'home-origin' });
    await backend.join({ secret: TOKEN });
    backend.updateStatus({ endpoint: '1.1.1.1:51820' });
    const peer = (k: string, host: string, ip: string, endpoint: string): Peer => ({
      publicKey: k, hostname: host, meshIPv4: ip, meshIPv6: 'fd00:42::9', endpoint, lastHandshakeTime: Date.now() - 5000,
      rxBytes: 1, txBytes: 2, discoveredVia: ['lan'], path: 'direct', lastSeen: Date.now(),
    });
    backend.setPeers([peer(peerA.publicKey, 'vps-1', '10.42.0.2', '8.8.8.8:51820'), peer(peerB.publicKey, 'vps-2', '10.42.0.3', '[2001:4860:4860::8888]:51820')]);
    backend.deviceState = {
      privateKey: node.privateKey, publicKey: FAKE_PUBLIC_KEY, listenPort: 51820,
      peers: [{ publicKey: peerA.publicKey, presharedKey: keys.pskBase64, endpoint: '8.8.8.8:51820', allowedIps: ['10.42.0.2/32'], persistentKeepaliveInterval: 25, lastHandshakeTime: Date.now() - 5000, rxBytes: 1, txBytes: 2 }],
    };
    backend.diagnosticsRunner = new FakeCommandRunner()
      .on(['ip', '-d', 'addr'], { stdout: '2: eth0: <UP>\n    inet 8.8.8.8/24 scope global eth0\n    inet 192.168.1.23/24 scope global eth0\n    inet6 2606:4700:4700::1111/64 scope global\n    inet6 fe80::1/64 scope link\n' })
      .on(['ip', 'route'], { stdout: 'default via 1.1.1.1 dev eth0\n10.42.0.0/16 dev wg0\n' })
      .on(['ip', 'rule'], { stdout: `0: from all lookup local # ${Buffer.from(RAW).toString('base64')}\n` })
      .on(['nft', 'list', 'table', 'inet', 'cloudroof'], { stdout: `table inet cloudroof { comment "${TOKEN}" }\n` })
      .on(['nft', 'list', 'table', 'inet', 'cloudroof_origin'], { fail: { exitCode: 1, stderr: 'Error: No such file or directory' } })
      .on(['wg', '--version'], { stdout: `interface: wg0\n  private key: ${peerA.privateKey}\n  preshared key: ${Buffer.from(keys.psk).toString('hex')}\n` });
    backend.logs = logs;
    logger.child('mesh').info('discovered peer', { peer: peerA.publicKey.slice(0, 8), via: 'lan', endpoint: '8.8.8.8:51820' });
    logger.child('mesh').debug(`joined with ${TOKEN}`, { psk: keys.pskBase64, value: keys.pskBase64, gossip: Buffer.from(keys.gossipKey).toString('base64') });
    logger.child('edge').warn('origin slow', { origin: '[2606:4700:4700::1111]:443', ms: 900 });
    logger.child('routes').error('route failed', { via: '1.1.1.1' });
    logger.info('tick', { n: 5 });
    logger.info('tick', { n: 6 });
    server = await startControlServer({ socketPath, backend, logger, logs });
  });
  afterAll(async () => { await server?.close(); });

  it('writes an archive with every section and README.txt, in which nothing secret or public survives', async () => {
    const { files, mode } = await bugreport(socketPath, dir);
    expect(mode).toBe(0o600);
    expect(Object.keys(files).sort()).toEqual([
      'README.txt', 'edge.json', 'ip-addr.txt', 'ip-route.txt', 'ip-rule.txt', 'logs.txt', 'nft.txt', 'peers.json', 'prefs.json',
      'routes.json', 'sites.json', 'status.json', 'sysctl.txt', 'versions.txt', 'wireguard.json',
    ]);
    expectNothingLeaks(files, FORBIDDEN);
    // Public keys stay readable; the same public address has the same placeholder everywhere.
    expect(files['peers.json']).toContain(peerA.publicKey);
    expect(files['wireguard.json']).toContain(FAKE_PUBLIC_KEY);
    expect(files['wireguard.json']).toContain('"presharedKey": "set"');
    const v4 = /"endpoint": "(\[public-ipv4-\d+\]):51820"/.exec(files['peers.json'] as string)?.[1];
    expect(v4).toBeDefined();
    expect(files['ip-addr.txt']).toContain(`inet ${v4}/24`);
    expect(files['wireguard.json']).toContain(`${v4}:51820`);
    expect(files['logs.txt']).toContain(`endpoint=${v4}:51820`);
    expect(files['ip-addr.txt']).toContain('inet 192.168.1.23/24');
    expect(files['ip-addr.txt']).toContain('fe80::1/64');
    expect(files['peers.json']).toContain('10.42.0.2');
    expect(files['nft.txt']).toContain('(failed: nft list table inet cloudroof_origin: exit status 1');
    expect(files['README.txt']).toMatch(/public IPv4 and IPv6 addresses/);
    expect(files['README.txt']).toMatch(/This report: [1-9]\d* secret occurrence\(s\), [1-9]\d* key\(s\), 2 public IPv4 and 2 public IPv6/);
  });

  it('logs -n 5 --json prints the last 5 entries as JSON lines', async () => {
    const expected = logs.entries().slice(-5);
    const r = await cli(socketPath, ['logs', '-n', '5', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => JSON.parse(l) as LogEntry)).toEqual(expected);
    expect(logs.entries().map((e) => e.msg)).toContain('control socket listening');
    const text = await cli(socketPath, ['logs', '--level', 'warn']);
    expect(text.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARN {2}\[cloudroofd\/edge\] origin slow origin=\[2606:4700:4700::1111\]:443 ms=900\n.*ERROR \[cloudroofd\/routes\] route failed via=1\.1\.1\.1\n$/);
  });
});

describe('bugreport with a real ServiceBackend', () => {
  let server: ControlServer;
  let socketPath: string;
  let backend: ServiceBackend;
  const logs = new LogBuffer();

  beforeAll(async () => {
    const stateDir = await mkdtemp(join(dir, 'state-'));
    socketPath = join(dir, 'real.sock');
    const logger = bufferedLogger(logs);
    const runner = new ExecCommandRunner();
    const prefsFile = new PrefsFile(stateDir);
    await prefsFile.saveSecret(TOKEN); // stored from an earlier join; the node is not connected now
    backend = new ServiceBackend({
      stateDir, interfaceName: 'crdiag0', listenPort: 51820, listenPortExplicit: false, hostname: 'real-node', version: '0.1.0-test',
      clock: systemClock, logger, prefsFile, router: new FakeRouter(), firewall: new FakeFirewall(), originFirewall: new FakeOriginFirewall(),
      sysctl: new ProcSysctl(), runner, ipv6: true, logs,
      createNginx: () => createEdgeNginx('managed', { runner, stateDir }),
      createDevice: async () => { throw new Error('not used: the node is not joined'); },
      findListenPort: async (p) => p, setLogLevel: () => {}, onSecret: () => {},
    });
    await backend.init();
    logger.child('mesh').warn(`secret check ${TOKEN}`, { endpoint: '[2001:4860:4860::8888]:51820', seen: Buffer.from(RAW).toString('hex') });
    logger.child('mesh').info('peer endpoint', { endpoint: '8.8.8.8:51820', key: node.privateKey, dns: '1.1.1.1', v6: '2606:4700:4700::1111' });
    for (let i = 0; i < 5; i++) logger.child('mesh').debug('tick', { n: i });
    server = await startControlServer({ socketPath, backend, logger, logs });
  });
  afterAll(async () => {
    await server?.close();
    await backend?.shutdown();
  });

  it('collects this host with real commands and redacts the stored secret, keys and public addresses', async () => {
    const { files } = await bugreport(socketPath, dir);
    const hostPublic = Object.values(networkInterfaces()).flat().map((i) => i?.address ?? '').filter((a) => {
      const v4 = parseIPv4(a);
      const v6 = parseIPv6(a);
      return (v4 && isPublicIPv4(v4)) || (v6 && isPublicIPv6(v6));
    });
    expectNothingLeaks(files, [...FORBIDDEN, ...hostPublic]);
    expect(JSON.parse(files['status.json'] as string)).toMatchObject({ hostname: 'real-node', tunnelState: 'disconnected' });
    expect(files['ip-addr.txt']).toMatch(/^\$ ip -d addr\n(1: lo|\(failed)/);
    expect(files['ip-route.txt']).toContain('$ ip -6 route\n');
    expect(files['versions.txt']).toMatch(/^cloudroofd 0\.1\.0-test\nnode v\d+/);
    expect(files['versions.txt']).toContain('$ nginx -v\n');
    expect(files['sysctl.txt']).toMatch(/^net\.ipv4\.ip_forward = [01]$/m);
    expect(files['wireguard.json']).toContain('"present": false');
    expect(files['logs.txt']).toMatch(/WARN {2}\[cloudroofd\/mesh\] secret check \[redacted-secret\] endpoint="?\[\[public-ipv6-\d+\]\]:51820/);
    expect(files['logs.txt']).toContain('key="[redacted-key]"');
  });

  it('logs -n 5 --json prints 5 JSON lines', async () => {
    const r = await cli(socketPath, ['logs', '-n', '5', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ time: expect.any(String), level: expect.any(String), component: expect.any(String), msg: expect.any(String) });
  });
});
