/**
 * NftablesOriginFirewall against the real nft: why the rule exists and that it works.
 *
 *   ns B (LAN neighbour) 10.99.0.2 ──veth── 10.99.0.1 ns A (origin)
 *                                                      "wgcro0" (dummy): 10.123.0.1/32, fd99:123::1/128
 *
 * A listens on its mesh addresses at 18080 (a site port) and 18081 (not a site port). B routes
 * the mesh addresses via A's LAN address: Linux (weak host model) accepts those packets on the
 * LAN interface, so B reaches the site until the rule is applied. Root, ip and nft needed;
 * namespaces carry a per-run id and are deleted in afterAll with the listener process.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecCommandRunner } from '../../src/service/engine/exec';
import { NftablesOriginFirewall } from '../../src/service/engine/firewall/origin-firewall';
import type { OriginFirewallRules } from '../../src/service/engine/firewall/origin-firewall';
import { netnsSkipReason } from './support/requirements';

const skipReason = netnsSkipReason('origin-firewall', ['ip', 'nft']);

const id = randomBytes(3).toString('hex');
const nsA = `cro${id}a`;
const nsB = `cro${id}b`;
const MESH = 'wgcro0';
const V4 = '10.123.0.1';
const V6 = 'fd99:123::1';
const SITE = 18080;
const OTHER = 18081;
const runner = new ExecCommandRunner({ prefix: ['ip', 'netns', 'exec', nsA] });
const fw = new NftablesOriginFirewall(runner);
const rules: OriginFirewallRules = { meshInterface: MESH, meshAddresses: [V4, V6], ports: [SITE, 8080] };

const sh = (...argv: string[]): string =>
  execFileSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// Connects from inside `ns`; prints what the listener says ("ok") or why not, exit 0 only on "ok".
const CLIENT = `const s = require('net').connect({ host: process.argv[1], port: +process.argv[2] });
s.setTimeout(1500, () => { console.log('timeout'); process.exit(2); });
s.on('data', (d) => { process.stdout.write(d); process.exit(String(d).startsWith('ok') ? 0 : 3); });
s.on('error', (e) => { console.log(e.code); process.exit(1); });`;

function reach(ns: string, host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT, host, String(port)], { timeout: 10_000 },
      (_err, stdout) => resolve(stdout.trim()));
  });
}

const LISTENER = `const net = require('net');
let n = 0;
for (const host of ['${V4}', '${V6}']) for (const port of [${SITE}, ${OTHER}]) {
  net.createServer((s) => s.end('ok\\n')).listen(port, host, () => { if (++n === 4) console.log('ready'); });
}`;

describe.skipIf(skipReason !== '')(`NftablesOriginFirewall in network namespaces (run ${id})`, () => {
  let listener: ChildProcess | undefined;

  beforeAll(async () => {
    sh('ip', 'netns', 'add', nsA);
    sh('ip', 'netns', 'add', nsB);
    sh('ip', '-n', nsA, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nsB);
    try {
      sh('ip', '-n', nsA, 'link', 'add', MESH, 'type', 'dummy');
    } catch {
      // Kernels without the dummy module (some containers): a veth whose peer stays in A
      // carries the addresses just as well; nothing is ever sent over it.
      sh('ip', '-n', nsA, 'link', 'add', MESH, 'type', 'veth', 'peer', 'name', `${MESH}p`);
      sh('ip', '-n', nsA, 'link', 'set', `${MESH}p`, 'up');
    }
    for (const ns of [nsA, nsB]) for (const dev of ['lo', 'eth0']) sh('ip', '-n', ns, 'link', 'set', dev, 'up');
    sh('ip', '-n', nsA, 'link', 'set', MESH, 'up');
    sh('ip', '-n', nsA, 'addr', 'add', '10.99.0.1/24', 'dev', 'eth0');
    sh('ip', '-n', nsB, 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0');
    sh('ip', '-n', nsA, '-6', 'addr', 'add', 'fd99:0:99::1/64', 'dev', 'eth0', 'nodad');
    sh('ip', '-n', nsB, '-6', 'addr', 'add', 'fd99:0:99::2/64', 'dev', 'eth0', 'nodad');
    sh('ip', '-n', nsA, 'addr', 'add', `${V4}/32`, 'dev', MESH);
    sh('ip', '-n', nsA, '-6', 'addr', 'add', `${V6}/128`, 'dev', MESH, 'nodad');
    sh('ip', '-n', nsB, 'route', 'add', `${V4}/32`, 'via', '10.99.0.1');
    sh('ip', '-n', nsB, '-6', 'route', 'add', `${V6}/128`, 'via', 'fd99:0:99::1');

    const child = spawn('ip', ['netns', 'exec', nsA, process.execPath, '-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
    listener = child; // `ip netns exec` execs node itself: this PID is the listener's
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
      child.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
    });
  });

  afterAll(() => {
    if (listener?.pid !== undefined && listener.exitCode === null) process.kill(listener.pid, 'SIGKILL');
    for (const ns of [nsA, nsB]) {
      try {
        execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
      } catch { /* never created */ }
    }
  });

  it('without the rule, a LAN neighbour reaches the mesh addresses (weak host model)', async () => {
    expect(await fw.current()).toBeNull();
    expect(await reach(nsB, V4, SITE)).toBe('ok');
    expect(await reach(nsB, V6, SITE)).toBe('ok');
  });

  it('with the rule, the neighbour cannot reach the site port; this machine and other ports still can', async () => {
    await fw.apply(rules);
    expect(await fw.current()).toContain(`ip daddr ${V4} tcp dport { 8080, ${SITE} } iifname != { "lo", "${MESH}" } drop`);
    expect(await reach(nsB, V4, SITE)).toBe('timeout');
    expect(await reach(nsB, V6, SITE)).toBe('timeout');
    expect(await reach(nsA, V4, SITE)).toBe('ok'); // arrives on lo
    expect(await reach(nsA, V6, SITE)).toBe('ok');
    expect(await reach(nsB, V4, OTHER)).toBe('ok'); // not a site port: untouched
  });

  it('traffic arriving on the mesh interface is let through', async () => {
    // The veth stands in for the mesh interface: packets on it are what WireGuard delivers.
    await fw.apply({ ...rules, meshInterface: 'eth0' });
    expect(await reach(nsB, V4, SITE)).toBe('ok');
    await fw.apply(rules); // replaced, not added to
    expect(await reach(nsB, V4, SITE)).toBe('timeout');
    expect(sh('ip', 'netns', 'exec', nsA, 'nft', 'list', 'ruleset').split('chain input {').length - 1).toBe(1);
  });

  it('remove() deletes the table and the neighbour connects again; empty ports remove too', async () => {
    await fw.remove();
    expect(sh('ip', 'netns', 'exec', nsA, 'nft', 'list', 'tables')).not.toContain('cloudroof_origin');
    expect(await fw.current()).toBeNull();
    expect(await reach(nsB, V4, SITE)).toBe('ok');
    await fw.remove(); // idempotent
    await fw.apply(rules);
    await fw.apply({ ...rules, ports: [] });
    expect(sh('ip', 'netns', 'exec', nsA, 'nft', 'list', 'ruleset').trim()).toBe('');
    expect(await reach(nsB, V6, SITE)).toBe('ok');
  });
});
