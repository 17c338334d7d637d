/**
 * ForwardingGuard against a real kernel: turning IPv6 forwarding on must not stop router
 * advertisements from being accepted. In a fresh namespace (`all.forwarding` 0, `accept_ra` 1 by
 * default) the guard runs in a child process (`ip netns exec`; /proc/sys/net is the caller's
 * namespace, so it cannot be pointed there from this process); the test reads the real sysctls.
 *
 *   host: v0 ── v0p (accept_ra 1, 1), v1 ── v2 (0, 2)       first two tests (veth pairs)
 *   router ra0 ──veth── ra1 host                            the RA test (python3 sends the RA)
 *
 * The RA test also shows why the order matters: switching forwarding on by hand purges the
 * default route learned from the RA at once (accept_ra 1); through the guard it survives.
 * Root only; both namespaces carry a per-run id and are deleted in afterAll, also after a failure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChildScript } from './support/child-script';
import { hasProgram, netnsSkipReason } from './support/requirements';

const skipReason = netnsSkipReason('forwarding-accept-ra', ['ip', 'sysctl']);
const prefix = `crra${randomBytes(3).toString('hex')}`;
const HOST = `${prefix}h`;
const ROUTER = `${prefix}r`;
const FWD6 = 'net.ipv6.conf.all.forwarding';
const ra = (name: string) => `net.ipv6.conf.${name}.accept_ra`;

// Run inside the host namespace: `enable <record>` or `restore <record>` with the real /proc/sys.
const CHILD = `
import { ForwardingGuard, ProcSysctl } from './src/service/engine/sysctl';
const [mode, file] = process.argv.slice(2);
const guard = new ForwardingGuard(new ProcSysctl(), file);
if (mode === 'enable') await guard.enable([4, 6]);
else await guard.restore();
`;

// Sends one router advertisement (lifetime 1800 s, prefix 2001:db8:1::/64) out of argv[1].
const SEND_RA = `
import socket, struct, sys
idx = socket.if_nametoindex(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0)
pio = struct.pack('!BBBBIII', 3, 4, 64, 0xC0, 86400, 14400, 0) + socket.inet_pton(socket.AF_INET6, '2001:db8:1::')
s.sendto(ra + pio, ('ff02::1', 0, 0, idx))
`;

const created: string[] = [];
let dir = '';
let script = '';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const inNs = (ns: string, argv: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const setSysctl = (ns: string, key: string, value: string) => inNs(ns, ['sysctl', '-qw', `${key}=${value}`]);
/** The named sysctls of the host namespace as an object (a key that does not exist: absent). */
function read(keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    try {
      out[k] = inNs(HOST, ['sysctl', '-n', k]).trim();
    } catch { /* no such key */ }
  }
  return out;
}
const guard = (mode: 'enable' | 'restore', record: string) => inNs(HOST, [process.execPath, script, mode, record]);
const defaultRoute = () => ip('-n', HOST, '-6', 'route', 'show', 'default').trim();

function addNs(ns: string): void {
  ip('netns', 'add', ns);
  created.push(ns);
  ip('-n', ns, 'link', 'set', 'lo', 'up');
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skipReason !== '')(`ForwardingGuard keeps router advertisements accepted (netns, run ${prefix})`, () => {
  beforeAll(async () => {
    ({ dir, script } = await bundleChildScript(CHILD, 'guard-child'));
    addNs(HOST);
    ip('-n', HOST, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v0p');
    ip('-n', HOST, 'link', 'add', 'v1', 'type', 'veth', 'peer', 'name', 'v2');
    setSysctl(HOST, ra('v1'), '0');
    setSysctl(HOST, ra('v2'), '2');
  });

  afterAll(() => {
    for (const ns of created.reverse()) {
      try {
        ip('netns', 'delete', ns);
      } catch { /* already gone */ }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const keys = [FWD6, ra('all'), ra('default'), ra('lo'), ra('v0'), ra('v0p'), ra('v1'), ra('v2')];

  it('enabling sets accept_ra 1 to 2 (0 and 2 untouched), records it, and restore puts every value back', () => {
    const before = read(keys);
    expect(before).toMatchObject({ [FWD6]: '0', [ra('default')]: '1', [ra('v0')]: '1', [ra('v0p')]: '1', [ra('v1')]: '0', [ra('v2')]: '2' });
    const record = join(dir, 'forwarding.json');
    guard('enable', record);
    expect(read(keys)).toEqual({ ...before, [FWD6]: '1', [ra('default')]: '2', [ra('v0')]: '2', [ra('v0p')]: '2' });
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual({
      version: 1, previous: { 'net.ipv4.ip_forward': expect.any(String), [FWD6]: '0' }, acceptRa: { default: '1', v0: '1', v0p: '1' },
    });
    // A new interface appearing while forwarding is on accepts RAs too (from default).
    ip('-n', HOST, 'link', 'add', 'v3', 'type', 'veth', 'peer', 'name', 'v3p');
    expect(read([ra('v3')])).toEqual({ [ra('v3')]: '2' });
    ip('-n', HOST, 'link', 'del', 'v3');
    guard('restore', record);
    expect(read(keys)).toEqual(before);
    expect(existsSync(record)).toBe(false);
  });

  it('after a crash, a new process restores from the record, skipping an interface that is gone', () => {
    const before = read(keys);
    const record = join(dir, 'crash.json');
    guard('enable', record); // the process exits without restoring: as good as a crash
    expect(read([ra('v0'), ra('v0p')])).toEqual({ [ra('v0')]: '2', [ra('v0p')]: '2' });
    ip('-n', HOST, 'link', 'del', 'v0'); // takes its peer v0p along
    guard('restore', record);
    const { [ra('v0')]: _v0, [ra('v0p')]: _v0p, ...rest } = before;
    expect(read(keys)).toEqual(rest);
    expect(existsSync(record)).toBe(false);
  });

  it.skipIf(!hasProgram('python3'))('the default route learned from an RA survives the guard turning forwarding on', async () => {
    addNs(ROUTER);
    ip('-n', ROUTER, 'link', 'add', 'ra0', 'type', 'veth', 'peer', 'name', 'ra1', 'netns', HOST);
    setSysctl(ROUTER, 'net.ipv6.conf.ra0.accept_dad', '0'); // the RA's link-local source is usable at once
    setSysctl(HOST, 'net.ipv6.conf.ra1.accept_dad', '0');
    ip('-n', ROUTER, 'link', 'set', 'ra0', 'up');
    ip('-n', HOST, 'link', 'set', 'ra1', 'up');
    const advertise = async () => {
      await waitFor('a default route from the RA', () => {
        inNs(ROUTER, ['python3', '-c', SEND_RA, 'ra0']);
        return /proto ra/.test(defaultRoute());
      });
    };

    // Without the guard: switching forwarding on with accept_ra 1 drops the route at once.
    await advertise();
    setSysctl(HOST, FWD6, '1');
    expect(defaultRoute()).toBe('');
    setSysctl(HOST, FWD6, '0');

    const before = read([FWD6, ra('ra1'), ra('default')]);
    expect(before).toEqual({ [FWD6]: '0', [ra('ra1')]: '1', [ra('default')]: '1' });
    await advertise();
    const record = join(dir, 'ra.json');
    guard('enable', record);
    expect(read([FWD6, ra('ra1')])).toEqual({ [FWD6]: '1', [ra('ra1')]: '2' });
    expect(defaultRoute()).toMatch(/^default via fe80::\S+ dev ra1 proto ra/);
    // And RAs keep being accepted while forwarding: a new one (after the route is removed) is learned again.
    ip('-n', HOST, '-6', 'route', 'flush', 'default');
    await advertise();
    guard('restore', record);
    expect(read([FWD6, ra('ra1'), ra('default')])).toEqual(before);
    expect(defaultRoute()).toMatch(/proto ra/);
  });
});
