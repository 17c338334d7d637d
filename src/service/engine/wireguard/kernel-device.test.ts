import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { generateKeyPair } from './keys';
import { KernelWireGuardDevice, parseWgDump, wgSetPeerArgs } from './kernel-device';

const me = generateKeyPair();
const A = generateKeyPair().publicKey;
const B = generateKeyPair().publicKey;
const PSK = generateKeyPair().privateKey;

const dump = [
  [me.privateKey, me.publicKey, '51820', 'off'].join('\t'),
  [A, PSK, '192.0.2.1:51820', '10.42.0.1/32,fd00::1/128', '1700000000', '2224', '38333', '25'].join('\t'),
  [B, '(none)', '(none)', '(none)', '0', '0', '0', 'off'].join('\t'),
  '',
].join('\n');

describe('parseWgDump', () => {
  it('parses device and peers', () => {
    expect(parseWgDump(dump)).toEqual({
      privateKey: me.privateKey, publicKey: me.publicKey, listenPort: 51820,
      peers: [
        { publicKey: A, presharedKey: PSK, endpoint: '192.0.2.1:51820', allowedIps: ['10.42.0.1/32', 'fd00::1/128'],
          persistentKeepaliveInterval: 25, lastHandshakeTime: 1_700_000_000_000, rxBytes: 2224, txBytes: 38333 },
        { publicKey: B, allowedIps: [], persistentKeepaliveInterval: 0, lastHandshakeTime: 0, rxBytes: 0, txBytes: 0 },
      ],
    });
  });
});

describe('KernelWireGuardDevice (golden argv)', () => {
  it('creates a new link', async () => {
    const r = new FakeCommandRunner().on(['ip', 'link', 'show'], { fail: { exitCode: 1, stderr: 'Device "wg0" does not exist.\n' } });
    await new KernelWireGuardDevice('wg0', r).create();
    expect(r.commands()).toEqual(['ip link show dev wg0', 'ip link add dev wg0 type wireguard']);
  });

  it('resets an existing link (spec 4.4 step 1)', async () => {
    const r = new FakeCommandRunner();
    await new KernelWireGuardDevice('wg0', r).create();
    expect(r.commands()).toEqual(['ip link show dev wg0', 'ip link set dev wg0 down', 'ip addr flush dev wg0', 'wg setconf wg0 /dev/stdin']);
    expect(r.calls[3]?.input).toBe('[Interface]\n');
  });

  it('configures the private key through stdin only', async () => {
    const r = new FakeCommandRunner();
    await new KernelWireGuardDevice('wg0', r).configure({ privateKey: me.privateKey, listenPort: 51821 });
    expect(r.calls).toEqual([{ argv: ['wg', 'set', 'wg0', 'private-key', '/dev/stdin', 'listen-port', '51821'], input: me.privateKey + '\n' }]);
  });

  it('applies peers in one wg set, preshared key in a 0600 file removed afterwards', async () => {
    let pskPath = '';
    const r = new FakeCommandRunner().on(['wg', 'set'], (argv) => {
      pskPath = argv[argv.indexOf('preshared-key') + 1] ?? '';
      expect(readFileSync(pskPath, 'utf8')).toBe(PSK + '\n');
      expect(statSync(pskPath).mode & 0o777).toBe(0o600);
      return {};
    });
    await new KernelWireGuardDevice('wg0', r).applyPeers([
      { type: 'remove', publicKey: B },
      { type: 'set', publicKey: A, presharedKey: PSK, endpoint: '[2001:db8::1]:51820', persistentKeepaliveInterval: 25,
        replaceAllowedIps: true, allowedIps: ['10.42.0.1', 'fd00::1/128'] },
      { type: 'set', publicKey: B, presharedKey: PSK, persistentKeepaliveInterval: 0, replaceAllowedIps: true, allowedIps: [] },
    ]);
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]?.argv).toEqual([
      'wg', 'set', 'wg0',
      'peer', B, 'remove',
      'peer', A, 'preshared-key', pskPath, 'endpoint', '[2001:db8::1]:51820', 'persistent-keepalive', '25', 'allowed-ips', '10.42.0.1/32,fd00::1/128',
      'peer', B, 'preshared-key', pskPath, 'persistent-keepalive', 'off', 'allowed-ips', '',
    ]);
    expect(r.calls[0]?.argv.join(' ')).not.toContain(PSK);
    expect(existsSync(pskPath)).toBe(false);
  });

  it('emulates updateOnly and appended allowed IPs from a dump', async () => {
    const r = new FakeCommandRunner().on(['wg', 'show'], { stdout: dump });
    await new KernelWireGuardDevice('wg0', r).applyPeers([
      { type: 'set', publicKey: A, updateOnly: true, allowedIps: ['192.168.1.0/24'] },
      { type: 'set', publicKey: generateKeyPair().publicKey, updateOnly: true, endpoint: '192.0.2.9:1' },
    ]);
    expect(r.commands()).toEqual(['wg show wg0 dump', `wg set wg0 peer ${A} allowed-ips 10.42.0.1/32,fd00::1/128,192.168.1.0/24`]);
  });

  it('skips the command when nothing remains and removes the PSK dir on failure', async () => {
    const r = new FakeCommandRunner().on(['wg', 'show'], { stdout: dump }).on(['wg', 'set'], { fail: { stderr: 'nope' } });
    const dev = new KernelWireGuardDevice('wg0', r);
    await dev.applyPeers([]);
    await dev.applyPeers([{ type: 'set', publicKey: generateKeyPair().publicKey, updateOnly: true }]);
    expect(r.commands()).toEqual(['wg show wg0 dump']);
    await expect(dev.applyPeers([{ type: 'set', publicKey: A, presharedKey: PSK }])).rejects.toThrow(/nope/);
  });

  it('gets via dump and destroys idempotently', async () => {
    const r = new FakeCommandRunner().on(['wg', 'show'], { stdout: dump })
      .once(['ip', 'link', 'delete'], { fail: { exitCode: 1, stderr: 'Cannot find device "wg0"' } });
    const dev = new KernelWireGuardDevice('wg0', r);
    expect((await dev.get()).listenPort).toBe(51820);
    await dev.destroy();
    await dev.destroy();
    expect(r.commands()).toEqual(['wg show wg0 dump', 'ip link delete dev wg0', 'ip link delete dev wg0']);
  });

  it('rejects bad keys before running anything', async () => {
    const r = new FakeCommandRunner();
    const dev = new KernelWireGuardDevice('wg0', r);
    await expect(dev.configure({ privateKey: 'x', listenPort: 1 })).rejects.toThrow(/private key/);
    expect(() => wgSetPeerArgs([{ type: 'remove', publicKey: '--help' }], () => '')).toThrow(/public key/);
    expect(r.calls).toEqual([]);
  });
});
