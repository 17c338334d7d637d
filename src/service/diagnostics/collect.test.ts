import { describe, expect, it } from 'vitest';
import { FakeBackend } from '../control/fake';
import type { CommandRunner } from '../engine/exec';
import { FakeCommandRunner } from '../engine/fake';
import { FakeSysctl } from '../engine/sysctl';
import { generateKeyPair } from '../engine/wireguard/keys';
import { LogBuffer } from '../log-buffer';
import { collectDiagnostics, deviceView } from './collect';

const me = generateKeyPair();
const peer = generateKeyPair();
const PSK = Buffer.alloc(32, 9).toString('base64');
const NOW = 1_800_000_000_000;
const device = {
  privateKey: me.privateKey, publicKey: me.publicKey, listenPort: 51820,
  peers: [{ publicKey: peer.publicKey, presharedKey: PSK, endpoint: '8.8.8.8:51820', allowedIps: ['10.42.0.2/32'], persistentKeepaliveInterval: 25, lastHandshakeTime: NOW - 30_000, rxBytes: 1, txBytes: 2 }],
};

function sources(runner: CommandRunner = new FakeCommandRunner()) {
  const logs = new LogBuffer(10);
  logs.push({ time: '2026-11-25T06:00:00.123Z', level: 'info', component: 'cloudroofd/mesh', msg: 'discovered peer', fields: { via: 'lan' } });
  return { state: new FakeBackend(), runner, logs, device, interfaceName: 'cloudroof0', secrets: ['s3cret-s3cret-s3cret', undefined], meshNetworks: ['10.42.0.0/16'], now: NOW, platform: 'linux' as const };
}

describe('collectDiagnostics', () => {
  it('collects every section in order, with commands run through the runner with a timeout', async () => {
    const runner = new FakeCommandRunner().on(['ip', '-d', 'addr'], { stdout: '1: lo: <LOOPBACK>\n' }).on(['nginx', '-v'], { stderr: 'nginx version: nginx/1.22.1\n' });
    const timeouts: (number | undefined)[] = [];
    const spy: CommandRunner = { run: (argv, opts) => { timeouts.push(opts?.timeoutMs); return runner.run(argv, opts); } };
    const m = await collectDiagnostics({ ...sources(spy), sysctl: new FakeSysctl({ 'net.ipv4.ip_forward': '1' }), commandTimeoutMs: 1234 });
    expect(m.sections.map((s) => s.name)).toEqual([
      'status.json', 'peers.json', 'prefs.json', 'routes.json', 'sites.json', 'edge.json', 'wireguard.json', 'logs.txt',
      'ip-addr.txt', 'ip-route.txt', 'ip-rule.txt', 'nft.txt', 'versions.txt', 'sysctl.txt',
    ]);
    const text = Object.fromEntries(m.sections.map((s) => [s.name, s.text]));
    expect(text['ip-addr.txt']).toBe('$ ip -d addr\n1: lo: <LOOPBACK>\n');
    expect(text['ip-route.txt']).toBe('$ ip route\n\n$ ip -6 route\n');
    expect(text['versions.txt']).toContain('cloudroofd 0.0.0-fake\nnode v');
    expect(text['versions.txt']).toContain('$ nginx -v\nnginx version: nginx/1.22.1\n');
    expect(text['versions.txt']).toContain('$ wireguard-go --version\n');
    expect(text['sysctl.txt']).toContain('net.ipv4.ip_forward = 1\n');
    expect(text['sysctl.txt']).toContain('net.ipv6.conf.all.forwarding: sysctl net.ipv6.conf.all.forwarding: no such key');
    expect(text['logs.txt']).toBe('2026-11-25T06:00:00.123Z INFO  [cloudroofd/mesh] discovered peer via=lan\n');
    expect(JSON.parse(text['status.json'] as string)).toMatchObject({ hostname: 'fake-host', tunnelState: 'disconnected' });
    expect(new Set(timeouts)).toEqual(new Set([1234]));
    expect(runner.commands()).toContain('nft list table inet cloudroof_origin');
  });

  it('turns failing commands into sections that say so', async () => {
    const runner = new FakeCommandRunner()
      .on(['nft'], { fail: { exitCode: 1, stderr: 'Error: No such file or directory' } })
      .on(['wireguard-go'], { fail: { missingBinary: true } });
    const m = await collectDiagnostics(sources(runner));
    const text = Object.fromEntries(m.sections.map((s) => [s.name, s.text]));
    expect(text['nft.txt']).toBe(
      '$ nft list table inet cloudroof\n(failed: nft list table inet cloudroof: exit status 1: Error: No such file or directory)\n\n'
      + '$ nft list table inet cloudroof_origin\n(failed: nft list table inet cloudroof_origin: exit status 1: Error: No such file or directory)\n',
    );
    expect(text['versions.txt']).toContain('$ wireguard-go --version\n(failed: wireguard-go: command not found (install the wireguard-go package))\n');
    expect(text['sysctl.txt']).toBe('(no sysctl access)\n');
  });

  it('reports a state read that fails instead of failing', async () => {
    const state = Object.assign(new FakeBackend(), {
      edge: async () => { throw new Error('edge read failed'); },
      routes: () => { throw new Error('routes read failed'); },
    });
    const m = await collectDiagnostics({ ...sources(), state });
    const text = Object.fromEntries(m.sections.map((s) => [s.name, s.text]));
    expect(text['edge.json']).toBe('(could not be read: edge read failed)\n');
    expect(text['routes.json']).toBe('(could not be read: routes read failed)\n');
  });

  it('hands redaction the secrets and every public key it saw, never a private key', async () => {
    const m = await collectDiagnostics(sources());
    expect(m.secrets).toEqual(['s3cret-s3cret-s3cret']);
    expect(new Set(m.publicKeys)).toEqual(new Set([me.publicKey, peer.publicKey]));
    expect(m.keepNetworks).toEqual(['10.42.0.0/16']);
    const all = m.sections.map((s) => s.text).join('\n');
    expect(all).not.toContain(me.privateKey);
    expect(all).not.toContain(PSK);
  });
});

describe('deviceView', () => {
  it('keeps peers, endpoints and handshakes, and no key but public ones', () => {
    expect(deviceView(device, 'cloudroof0', NOW)).toEqual({
      interface: 'cloudroof0', present: true, publicKey: me.publicKey, listenPort: 51820,
      peers: [{
        publicKey: peer.publicKey, endpoint: '8.8.8.8:51820', allowedIps: ['10.42.0.2/32'], persistentKeepaliveInterval: 25, presharedKey: 'set',
        lastHandshakeTime: new Date(NOW - 30_000).toISOString(), handshakeAgeS: 30, rxBytes: 1, txBytes: 2,
      }],
    });
    expect(deviceView(undefined, 'wg0', NOW)).toEqual({ interface: 'wg0', present: false });
  });
});
