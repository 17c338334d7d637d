// The namespace lab on its own (no cloudroofd): addressing, multicast across the bridge, link
// up/down, growing the LAN, and that destroy()/cleanupStale() leave nothing behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { waitForMeshPings, waitForPeerCounts } from '../../src/cli/lab/mesh-check';
import { NetnsLab } from '../../src/cli/lab/netns-lab';

function hasCommand(cmd: string): boolean {
  try {
    execFileSync(cmd, ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skipReason =
  process.platform !== 'linux' ? 'needs Linux'
  : process.getuid?.() !== 0 ? 'needs root (creates network namespaces)'
  : !hasCommand('ip') ? 'needs `ip` (apt-get install iproute2)'
  : !hasCommand('ping') ? 'needs `ping` (apt-get install iputils-ping)'
  : '';
if (skipReason) console.warn(`test/netns/lab.test.ts skipped: ${skipReason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns true or `ms` pass. */
async function eventually(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

function namespaces(prefix: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`${prefix}-`));
}

/** True while `pid` exists and is not a zombie (orphans are not always reaped on these machines). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

const RECEIVER = `
const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m, r) => console.log('GOT ' + m + ' FROM ' + r.address));
s.bind(51830, () => { s.addMembership('239.192.1.2'); console.log('READY'); });`;
const SENDER = `
const s = require('node:dgram').createSocket('udp4');
let n = 0;
const t = setInterval(() => {
  s.send('hello-from-n0', 51830, '239.192.1.2');
  if (++n === 5) { clearInterval(t); setTimeout(() => s.close(), 100); }
}, 100);`;

describe.skipIf(skipReason !== '')('NetnsLab', () => {
  let lab: NetnsLab;
  const ping = async (from: number, ip: string) =>
    (await lab.exec(from, ['ping', '-n', '-q', '-c1', '-W1', ip])).code === 0;

  beforeAll(async () => {
    lab = await NetnsLab.create({ nodes: 3, ipv6: true });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('builds a hub and named node namespaces with LAN addresses', async () => {
    expect(namespaces(lab.prefix).sort()).toEqual([`${lab.prefix}-hub`, `${lab.prefix}-n0`, `${lab.prefix}-n1`, `${lab.prefix}-n2`]);
    const addr = await lab.exec(1, ['ip', '-o', 'addr', 'show', 'dev', 'lan0']);
    expect(addr.stdout).toContain(`${lab.lanIp(1)}/24`);
    expect(addr.stdout).toContain(`${lab.lanIp6(1)}/64`);
    expect((await lab.exec(1, ['ip', 'route', 'show', 'default'])).stdout).toContain('dev lan0');
  });

  it('nodes ping each other over LAN IPv4 and IPv6', async () => {
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        if (a === b) continue;
        expect(await eventually(() => ping(a, lab.lanIp(b))), `n${a} → ${lab.lanIp(b)}`).toBe(true);
        expect(await eventually(() => ping(a, lab.lanIp6(b))), `n${a} → ${lab.lanIp6(b)}`).toBe(true);
      }
    }
  });

  it('carries multicast from one namespace to the others', async () => {
    lab.spawn(1, [process.execPath, '-e', RECEIVER], { logName: 'mcast' });
    lab.spawn(2, [process.execPath, '-e', RECEIVER], { logName: 'mcast' });
    expect(await eventually(() => [1, 2].every((i) => lab.readLog(i, 'mcast').includes('READY')))).toBe(true);
    lab.spawn(0, [process.execPath, '-e', SENDER], { logName: 'send' });
    const got = `GOT hello-from-n0 FROM ${lab.lanIp(0)}`;
    const ok = await eventually(() => [1, 2].every((i) => lab.readLog(i, 'mcast').includes(got)));
    expect(ok, `logs: ${lab.readLog(1, 'mcast')} | ${lab.readLog(2, 'mcast')} | ${lab.readLog(0, 'send')}`).toBe(true);
  });

  it('unplugs and replugs a node, and grows the LAN', async () => {
    await lab.setLinkDown(2);
    expect(await ping(0, lab.lanIp(2))).toBe(false);
    await lab.setLinkUp(2);
    expect(await eventually(() => ping(0, lab.lanIp(2)))).toBe(true);
    const i = await lab.addNode();
    expect(i).toBe(3);
    expect(lab.nodeCount).toBe(4);
    expect(await eventually(() => ping(3, lab.lanIp(0)))).toBe(true);
    expect(await eventually(() => ping(0, lab.lanIp6(3)))).toBe(true);
  });

  it('destroy() kills its processes and their children and deletes every namespace', async () => {
    const direct = [
      lab.spawn(0, ['sleep', '300']),
      lab.spawn(1, ['sh', '-c', 'sleep 300 & echo "child $!"; wait'], { logName: 'tree' }),
    ];
    expect(await eventually(() => /child \d+/.test(lab.readLog(1, 'tree')))).toBe(true);
    const grandchild = Number(/child (\d+)/.exec(lab.readLog(1, 'tree'))?.[1]);
    const pids = direct.map((c) => c.pid ?? -1);
    expect(pids.every(alive) && alive(grandchild)).toBe(true);

    await lab.destroy();
    expect(namespaces(lab.prefix)).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow();
    expect(alive(grandchild)).toBe(false);
    expect(existsSync(lab.tmpDir)).toBe(false);
    await lab.destroy(); // idempotent
    expect(() => lab.spawn(0, ['true'])).toThrow(/destroyed/);
  });
});

describe.skipIf(skipReason !== '')('NetnsLab.cleanupStale', () => {
  const prefix = `st${randomBytes(3).toString('hex').slice(0, 5)}`;
  let orphan: ChildProcess | undefined;

  afterAll(async () => {
    orphan?.kill('SIGKILL');
    await NetnsLab.cleanupStale(prefix);
  });

  it('removes the namespaces, processes and files of a crashed run with the same prefix', async () => {
    // Build by hand what a crashed run leaves: namespaces, a bridge, a veth, a process, a temp dir.
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });
    ip('netns', 'add', `${prefix}-hub`);
    ip('netns', 'add', `${prefix}-n0`);
    ip('-n', `${prefix}-hub`, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', `${prefix}-hub`, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', `${prefix}-n0`);
    orphan = spawn('ip', ['netns', 'exec', `${prefix}-n0`, 'sleep', '300'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((r) => orphan?.once('exit', r));
    const staleDir = mkdtempSync(join(tmpdir(), `cloudroof-lab-${prefix}-`));
    writeFileSync(join(staleDir, 'proc.log'), 'old');
    expect(await eventually(() => orphan?.pid !== undefined && alive(orphan.pid))).toBe(true);
    expect(namespaces(prefix)).toHaveLength(2);

    await NetnsLab.cleanupStale(prefix);
    expect(namespaces(prefix)).toEqual([]);
    expect(existsSync(staleDir)).toBe(false);
    await expect(Promise.race([exited.then(() => 'exited'), sleep(5000).then(() => 'still running')])).resolves.toBe('exited');
  });

  it('create() with the prefix of a stale lab replaces it', async () => {
    execFileSync('ip', ['netns', 'add', `${prefix}-n0`], { stdio: 'ignore' });
    const lab = await NetnsLab.create({ prefix, nodes: 1 });
    try {
      expect(namespaces(prefix).sort()).toEqual([`${prefix}-hub`, `${prefix}-n0`]);
    } finally {
      await lab.destroy();
    }
    expect(namespaces(prefix)).toEqual([]);
  });
});

// A stand-in for dist/cloudroofd.js and dist/cloudroof.js: proves the cluster plumbing (flags, socket,
// CLI round trip, stop/kill, mesh checks) without the real service. "Mesh" addresses are LAN ones.
const FAKE_SERVICE = `
const net = require('node:net'), os = require('node:os'), fs = require('node:fs'), path = require('node:path');
const arg = (k) => process.argv[process.argv.indexOf(k) + 1];
if (process.argv.includes('--crash')) { console.error('boom'); process.exit(3); }
fs.writeFileSync(path.join(arg('--state-dir'), 'argv.json'), JSON.stringify(process.argv.slice(2)));
const lan = (os.networkInterfaces().lan0 || []).find((a) => a.family === 'IPv4');
const srv = net.createServer((c) => c.once('data', (d) => {
  const cmd = String(d);
  c.end(cmd !== 'status --json' ? 'ok ' + cmd : JSON.stringify(
    { peer_count: Number(process.env.FAKE_PEERS), mesh_ipv4: lan.address + '/24', interface: arg('--interface') }));
}));
fs.rmSync(arg('--socket'), { force: true });
srv.listen(arg('--socket'));
process.on('SIGTERM', () => { console.log('got SIGTERM'); srv.close(() => process.exit(0)); });`;
const FAKE_CLI = `
const c = require('node:net').connect(process.argv[3], () => c.write(process.argv.slice(4).join(' ')));
let out = ''; c.on('data', (d) => (out += d)); c.on('end', () => console.log(out));
c.on('error', (e) => { console.error(e.message); process.exitCode = 1; });`;

describe.skipIf(skipReason !== '')('LabCluster with a stand-in service', () => {
  let cluster: LabCluster;
  let root = '';

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cloudroof-fake-root-'));
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'package.json'), '{"name":"cloudroof"}');
    writeFileSync(join(root, 'dist', 'cloudroofd.js'), FAKE_SERVICE);
    writeFileSync(join(root, 'dist', 'cloudroof.js'), FAKE_CLI);
    cluster = new LabCluster(await NetnsLab.create({ nodes: 3 }), root);
  });
  afterAll(async () => {
    await cluster?.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('starts one service per namespace with its own socket, state dir and interface name', async () => {
    await Promise.all([0, 1, 2].map((i) => cluster.startNode(i, { env: { FAKE_PEERS: '2' }, listenPort: 51820 + i })));
    const prefix = cluster.lab.prefix;
    const argv = JSON.parse(readFileSync(join(cluster.stateDir(1), 'argv.json'), 'utf8')) as string[];
    expect(argv).toEqual(['--socket', cluster.socketPath(1), '--state-dir', cluster.stateDir(1),
      '--interface', `${prefix}w1`, '--log-level', 'debug', '--listen-port', '51821']);
    expect((await cluster.statusJson(2)).interface).toBe(`${prefix}w2`);
    const join1 = await cluster.cli(1, ['join', '--secret-file', '/x']);
    expect(join1).toMatchObject({ code: 0, stdout: 'ok join --secret-file /x\n' });
  });

  it('waits for full peer counts and pings between every pair', async () => {
    const statuses = await waitForPeerCounts(cluster, { timeoutMs: 10_000 });
    expect(statuses.map((s) => s.peer_count)).toEqual([2, 2, 2]);
    expect(await waitForMeshPings(cluster, statuses, { timeoutMs: 20_000 })).toBe(6);
    expect(await cluster.ping(0, cluster.lab.lanIp(1))).toBe(true);
  });

  it('stops a node with SIGTERM, restarts it, and kills one', async () => {
    expect(await cluster.stopNode(1)).toBe(0);
    expect(cluster.isRunning(1)).toBe(false);
    expect(cluster.logTail(1)).toContain('got SIGTERM');
    await cluster.startNode(1, { env: { FAKE_PEERS: '2' } });
    expect((await cluster.statusJson(1)).peer_count).toBe(2);
    await cluster.killNode(2);
    expect(cluster.isRunning(2)).toBe(false);
    expect((await cluster.cli(2, ['status', '--json'])).code).not.toBe(0);
  });

  it('reports a service that exits during start-up with its log', async () => {
    await expect(cluster.startNode(2, { extraArgs: ['--crash'] })).rejects.toThrow(/exited \(3\)[\s\S]*boom/);
  });

  it('a failed wait names what it waited for', async () => {
    await expect(cluster.waitFor(() => false, { timeoutMs: 200, intervalMs: 50, what: 'pigs to fly' }))
      .rejects.toThrow(/timed out after 200 ms waiting for pigs to fly/);
  });
});
