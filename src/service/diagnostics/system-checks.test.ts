// The doctor's machine checks against fakes: program lookup, stat, `ip -j addr`, bound ports.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../engine/fake';
import { procBoundUdpPorts, statFile } from './doctor-system';
import {
  checkInterface, checkPrograms, checkStateDir, checkWireGuard, parseProcNetUdp, shellPath, type FileInfo,
} from './system-checks';

const has = (...names: string[]) => (n: string) => (names.includes(n) ? `/usr/bin/${n}` : undefined);
const stats = (m: Record<string, FileInfo>) => async (p: string) => m[p];

describe('checkWireGuard', () => {
  it('is happy with the kernel module or wireguard-go', () => {
    expect(checkWireGuard({ platform: 'linux', findProgram: has(), kernelModuleMayExist: () => true })).toEqual([]);
    expect(checkWireGuard({ platform: 'linux', findProgram: has('wireguard-go'), kernelModuleMayExist: () => false })).toEqual([]);
  });

  it('reports neither as an error with the package to install', () => {
    const [f] = checkWireGuard({ platform: 'linux', findProgram: has('ip'), kernelModuleMayExist: () => false });
    expect(f).toMatchObject({ id: 'wireguard-unavailable', severity: 'error' });
    expect(f!.fix).toContain('sudo apt-get install wireguard-go');
    expect(checkWireGuard({ platform: 'darwin', findProgram: has(), kernelModuleMayExist: () => true })[0]?.fix).toBe('brew install wireguard-go');
  });
});

describe('checkPrograms', () => {
  it('ip missing is an error; nft missing an error only when routes or sites need it', () => {
    expect(checkPrograms({ platform: 'linux', findProgram: has('ip', 'nft'), nftNeeded: true })).toEqual([]);
    const out = checkPrograms({ platform: 'linux', findProgram: has(), nftNeeded: false });
    expect(out.map((f) => [f.id, f.severity, f.fix])).toEqual([
      ['ip-missing', 'error', 'sudo apt-get install iproute2'],
      ['nft-missing', 'warning', 'sudo apt-get install nftables'],
    ]);
    expect(checkPrograms({ platform: 'linux', findProgram: has('ip'), nftNeeded: true })[0]?.severity).toBe('error');
  });
});

describe('checkStateDir', () => {
  const dir = '/var/lib/cloudroof';
  it('accepts a 0700 directory and a 0600 secret owned by the service user', async () => {
    const stat = stats({ [dir]: { mode: 0o700, uid: 0, isDirectory: true }, [`${dir}/secret`]: { mode: 0o600, uid: 0, isDirectory: false } });
    expect(await checkStateDir({ stateDir: dir, uid: 0, stat })).toEqual([]);
  });

  it('reports a missing directory', async () => {
    const [f] = await checkStateDir({ stateDir: dir, uid: 0, stat: stats({}) });
    expect(f).toMatchObject({ id: 'state-dir-missing', severity: 'error' });
  });

  it('reports open modes and wrong owners with chmod/chown fixes', async () => {
    const stat = stats({ [dir]: { mode: 0o755, uid: 1000, isDirectory: true }, [`${dir}/secret`]: { mode: 0o644, uid: 1000, isDirectory: false } });
    const out = await checkStateDir({ stateDir: dir, uid: 0, stat });
    expect(out.map((f) => [f.id, f.severity, f.fix])).toEqual([
      ['state-dir-permissions', 'error', `sudo chmod 700 ${dir}`],
      ['state-dir-owner', 'error', `sudo chown root:root ${dir}`],
      ['secret-permissions', 'error', `sudo chmod 600 ${dir}/secret`],
      ['secret-owner', 'error', `sudo chown root:root ${dir}/secret`],
    ]);
    expect(out[0]!.message).toContain('0755');
    expect(out[2]!.message).toContain('0644');
  });

  it('quotes odd paths in fixes', () => {
    expect(shellPath('/var/lib/cloud roof')).toBe(`'/var/lib/cloud roof'`);
    expect(shellPath(`/x/it's`)).toBe(`'/x/it'\\''s'`);
  });

  it('statFile reads real modes', async () => {
    const d = await mkdtemp(join(tmpdir(), 'cr-doctor-'));
    try {
      await writeFile(join(d, 'secret'), 'x', { mode: 0o640 });
      expect(await statFile(join(d, 'secret'))).toMatchObject({ mode: 0o640, isDirectory: false });
      expect(await statFile(join(d, 'absent'))).toBeUndefined();
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

describe('checkInterface', () => {
  const up = JSON.stringify([{ ifname: 'wg0', flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'], addr_info: [{ family: 'inet', local: '10.42.1.2' }] }]);
  const ports = (...p: number[]) => async () => new Set(p);
  const j = { iface: 'wg0', meshIPv4: '10.42.1.2', listenPort: 51820 };

  it('passes with the interface up, its address and the port bound', async () => {
    const runner = new FakeCommandRunner().on(['ip', '-j', 'addr', 'show', 'dev', 'wg0'], { stdout: up });
    expect(await checkInterface({ runner, boundUdpPorts: ports(51820, 5353) }, j)).toEqual([]);
    expect(runner.commands()).toEqual(['ip -j addr show dev wg0']);
  });

  it('reports a missing interface', async () => {
    const runner = new FakeCommandRunner().on(['ip'], { fail: { stderr: 'Device "wg0" does not exist.' } });
    expect((await checkInterface({ runner, boundUdpPorts: ports(51820) }, j)).map((f) => f.id)).toEqual(['interface-missing']);
  });

  it('reports a down interface, a missing address and an unbound listen port', async () => {
    const down = JSON.stringify([{ ifname: 'wg0', flags: ['POINTOPOINT'], addr_info: [] }]);
    const runner = new FakeCommandRunner().on(['ip'], { stdout: down });
    const out = await checkInterface({ runner, boundUdpPorts: ports(5353) }, j);
    expect(out.map((f) => [f.id, f.severity])).toEqual([
      ['interface-down', 'error'], ['interface-address-missing', 'error'], ['listen-port-not-bound', 'error'],
    ]);
    expect(out[0]!.fix).toBe('sudo ip link set dev wg0 up');
  });
});

describe('bound UDP ports', () => {
  const udp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 00000000:CA6C 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1234 2 0000000000000000 0
  456: 0100007F:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5678 2 0000000000000000 0
garbage
`;
  it('parses /proc/net/udp local ports', () => {
    expect(parseProcNetUdp(udp)).toEqual([51820, 5353]);
  });

  it('reads udp and udp6 from a /proc/net directory', async () => {
    const d = await mkdtemp(join(tmpdir(), 'cr-proc-'));
    try {
      await writeFile(join(d, 'udp'), udp);
      await writeFile(join(d, 'udp6'), `  sl  local_address\n 1: 00000000000000000000000000000000:D431 0000\n`);
      expect([...(await procBoundUdpPorts(d))].sort()).toEqual([51820, 5353, 54321].sort());
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
