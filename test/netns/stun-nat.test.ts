/**
 * NAT detection (spec 3.6) through real Linux NAT: an "internet" namespace runs two of our STUN
 * servers on 198.51.100.1 and 198.51.100.2; two routers NAT a host each onto it, one with plain
 * nftables `masquerade` (endpoint-independent mapping: the source port is kept for every
 * destination) and one with `masquerade random` (the port is drawn per connection, i.e. per
 * destination: endpoint-dependent, "symmetric"). detectNat runs inside each host namespace.
 *
 *   hosta 10.0.1.2 ── 10.0.1.1 nata 203.0.113.2 ── 203.0.113.1 ┐
 *                                                              inet (lo: 198.51.100.1, .2)
 *   hostb 10.0.2.2 ── 10.0.2.1 natb 203.0.113.6 ── 203.0.113.5 ┘
 *
 * Root only; every namespace (and with it every veth) and the server process carry a per-run
 * prefix and are removed in afterAll, also after a failed setup.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatDetection } from '../../src/service/discovery/stun';
import { bundleChildScript } from './support/child-script';
import { netnsSkipReason } from './support/requirements';

const skipReason = netnsSkipReason('stun-nat', ['ip', 'nft']);
const run = promisify(execFile);
const prefix = `crstun${randomBytes(3).toString('hex')}`;
const ns = (name: string) => `${prefix}${name}`;
const STUN_IPS = ['198.51.100.1', '198.51.100.2'];

/** The nftables rulesets under test. */
const CONE_NAT = 'table ip nat { chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan" masquerade; }; }';
const SYMMETRIC_NAT = 'table ip nat { chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan" masquerade random; }; }';

// Run inside the namespaces: `serve <ip>...` answers STUN on <ip>:3478; `detect <ip> <ip>` prints detectNat's result.
const CHILD = `
import { StunServer } from './src/service/discovery/stun-server';
import { detectNat } from './src/service/discovery/stun';
const [mode, ...ips] = process.argv.slice(2);
if (mode === 'serve') {
  const servers = await Promise.all(ips.map(async (ip) => { const s = new StunServer(); await s.start(ip, 3478); return s; }));
  process.on('SIGTERM', () => process.exit(0));
  console.log('READY');
} else {
  const result = await detectNat(ips.map((host) => ({ host, port: 3478 })), 51820, { timeoutMs: 1500 });
  console.log(JSON.stringify(result));
}
`;

const created: string[] = [];
let server: ChildProcess | undefined;
let dir = '';
let script = '';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const inNs = (name: string, argv: string[], input?: string) =>
  execFileSync('ip', ['netns', 'exec', ns(name), ...argv], { input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });

function addNs(name: string): void {
  ip('netns', 'add', ns(name));
  created.push(ns(name));
  ip('-n', ns(name), 'link', 'set', 'lo', 'up');
}

/** A veth between two namespaces, created inside them so no name ever exists in the root namespace. */
function link(a: string, aIf: string, aCidr: string, b: string, bIf: string, bCidr: string): void {
  ip('-n', ns(a), 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', ns(b));
  for (const [n, i, c] of [[a, aIf, aCidr], [b, bIf, bCidr]] as const) {
    ip('-n', ns(n), 'addr', 'add', c, 'dev', i);
    ip('-n', ns(n), 'link', 'set', i, 'up');
  }
}

function router(name: string, upstream: string, ruleset: string): void {
  ip('-n', ns(name), 'route', 'add', 'default', 'via', upstream);
  inNs(name, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  inNs(name, ['nft', '-f', '-'], ruleset);
}

async function startServers(): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns('inet'), process.execPath, script, 'serve', ...STUN_IPS], { stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let out = '';
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`STUN servers did not start: ${out}`)), 10_000);
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('READY')) { clearTimeout(timer); res(); } });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`STUN servers exited (${code}): ${out}`)); });
  });
}

async function detectFrom(host: string): Promise<NatDetection | null> {
  const { stdout } = await run('ip', ['netns', 'exec', ns(host), process.execPath, script, 'detect', ...STUN_IPS], { timeout: 15_000 });
  return JSON.parse(stdout) as NatDetection | null;
}

describe.skipIf(skipReason !== '')(`STUN NAT detection through nftables NAT (netns, run ${prefix})`, () => {
  beforeAll(async () => {
    ({ dir, script } = await bundleChildScript(CHILD, 'stun-child'));
    for (const n of ['inet', 'nata', 'natb', 'hosta', 'hostb']) addNs(n);
    for (const a of STUN_IPS) ip('-n', ns('inet'), 'addr', 'add', `${a}/32`, 'dev', 'lo');
    link('inet', 'ia', '203.0.113.1/30', 'nata', 'wan', '203.0.113.2/30');
    link('inet', 'ib', '203.0.113.5/30', 'natb', 'wan', '203.0.113.6/30');
    link('nata', 'lan', '10.0.1.1/24', 'hosta', 'eth0', '10.0.1.2/24');
    link('natb', 'lan', '10.0.2.1/24', 'hostb', 'eth0', '10.0.2.2/24');
    ip('-n', ns('hosta'), 'route', 'add', 'default', 'via', '10.0.1.1');
    ip('-n', ns('hostb'), 'route', 'add', 'default', 'via', '10.0.2.1');
    router('nata', '203.0.113.1', CONE_NAT);
    router('natb', '203.0.113.5', SYMMETRIC_NAT);
    await startServers();
  });

  afterAll(() => {
    if (server?.pid !== undefined && server.exitCode === null) server.kill('SIGKILL');
    for (const n of created.reverse()) {
      try {
        ip('netns', 'delete', n);
      } catch { /* already gone */ }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('behind plain masquerade (endpoint-independent): cone, with the router\'s public IP and the WireGuard port', async () => {
    const r = await detectFrom('hosta');
    expect(r?.natType).toBe('cone');
    expect(r?.endpoint).toBe('203.0.113.2:51820');
    expect(r?.observed.first).toEqual(r?.observed.second);
  });

  it('behind masquerade random (a new port per destination): symmetric, still the router\'s public IP', async () => {
    const r = await detectFrom('hostb');
    expect(r?.natType).toBe('symmetric');
    expect(r?.endpoint).toBe('203.0.113.6:51820');
    expect(r?.observed.first?.ip).toBe('203.0.113.6');
    expect(r?.observed.second?.ip).toBe('203.0.113.6');
    expect(r?.observed.first?.port).not.toBe(r?.observed.second?.port);
  });

  it('the NAT behaviour is stable: repeated detections agree', async () => {
    const results = await Promise.all([detectFrom('hosta'), detectFrom('hostb'), detectFrom('hosta'), detectFrom('hostb')]);
    expect(results.map((r) => r?.natType)).toEqual(['cone', 'symmetric', 'cone', 'symmetric']);
  });

  it('with the servers gone, detection from behind the NAT returns null', async () => {
    ip('-n', ns('inet'), 'link', 'set', 'ia', 'down');
    try {
      expect(await detectFrom('hosta')).toBeNull();
    } finally {
      ip('-n', ns('inet'), 'link', 'set', 'ia', 'up');
    }
  });
});
