import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWireGuardDevice, findFreeListenPort, kernelModuleMayExist, probeKernelWireGuard } from './device';
import { KernelWireGuardDevice } from './kernel-device';
import { UserspaceWireGuardDevice } from './userspace-device';

describe('createWireGuardDevice', () => {
  it('uses the kernel module when the probe works, probing once per runner', async () => {
    const r = new FakeCommandRunner();
    expect(await createWireGuardDevice('wg0', { runner: r, platform: 'linux' })).toBeInstanceOf(KernelWireGuardDevice);
    expect(await createWireGuardDevice('wg1', { runner: r, platform: 'linux' })).toBeInstanceOf(KernelWireGuardDevice);
    const cmds = r.commands();
    expect(cmds).toHaveLength(2);
    expect(cmds[0]).toMatch(/^ip link add dev crprobe[0-9a-f]{6} type wireguard$/);
    expect(cmds[1]).toBe(cmds[0]?.replace('add', 'delete').replace(' type wireguard', ''));
  });

  it('falls back to wireguard-go when the kernel lacks WireGuard', async () => {
    const r = new FakeCommandRunner().on(['ip', 'link', 'add'], { fail: { exitCode: 2, stderr: 'Error: Unknown device type.' } });
    expect(await probeKernelWireGuard(r)).toBe(false);
    expect(await createWireGuardDevice('wg0', { runner: r, platform: 'linux' })).toBeInstanceOf(UserspaceWireGuardDevice);
    expect(r.commands()).toHaveLength(1);
  });

  it('uses wireguard-go on macOS and when forced, without probing', async () => {
    const r = new FakeCommandRunner();
    expect(await createWireGuardDevice('utun20', { runner: r, platform: 'darwin' })).toBeInstanceOf(UserspaceWireGuardDevice);
    expect(await createWireGuardDevice('wg0', { runner: r, platform: 'linux', forceUserspace: true })).toBeInstanceOf(UserspaceWireGuardDevice);
    expect(r.calls).toEqual([]);
  });

  it('skips the probe when the kernel certainly has no module', async () => {
    const r = new FakeCommandRunner();
    expect(await createWireGuardDevice('wg0', { runner: r, platform: 'linux', kernelModuleMayExist: () => false })).toBeInstanceOf(UserspaceWireGuardDevice);
    expect(r.calls).toEqual([]);
  });

  it('reads /sys/module and the module lists to decide whether a module may exist', () => {
    const root = mkdtempSync(join(tmpdir(), 'crmod-'));
    try {
      mkdirSync(join(root, 'lib/modules/6.1.0'), { recursive: true });
      writeFileSync(join(root, 'lib/modules/6.1.0/modules.builtin'), 'kernel/net/ipv4/tcp.ko\n');
      writeFileSync(join(root, 'lib/modules/6.1.0/modules.dep'), 'kernel/drivers/net/veth.ko:\n');
      expect(kernelModuleMayExist('6.1.0', root)).toBe(false);
      writeFileSync(join(root, 'lib/modules/6.1.0/modules.dep'), 'kernel/drivers/net/wireguard/wireguard.ko.xz: kernel/lib/crypto/libcurve25519.ko\n');
      expect(kernelModuleMayExist('6.1.0', root)).toBe(true);
      expect(kernelModuleMayExist('9.9.9', root)).toBe(false); // no modules for this kernel at all
      mkdirSync(join(root, 'lib/modules/7.0.0'));
      expect(kernelModuleMayExist('7.0.0', root)).toBe(true); // lists unreadable: let the probe decide
      mkdirSync(join(root, 'sys/module/wireguard'), { recursive: true });
      expect(kernelModuleMayExist('9.9.9', root)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('validates the interface name for the platform', async () => {
    const r = new FakeCommandRunner();
    await expect(createWireGuardDevice('wg0', { runner: r, platform: 'darwin' })).rejects.toThrow(/utun/);
    await expect(createWireGuardDevice('../../x', { runner: r, platform: 'linux' })).rejects.toThrow(/invalid interface name/);
  });
});

function bind(type: 'udp4' | 'udp6', port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type, ipv6Only: type === 'udp6' });
    s.once('error', reject);
    s.bind(port, type === 'udp4' ? '0.0.0.0' : '::', () => resolve(s));
  });
}

describe('findFreeListenPort', () => {
  it('returns the preferred port when free, else the next free one (v4 and v6 checked)', async () => {
    const base = await findFreeListenPort(40000 + Math.floor(Math.random() * 20000), 50);
    expect(await findFreeListenPort(base, 0)).toBe(base);
    const held = await bind('udp4', base);
    let held6: Socket | undefined;
    try {
      const next = await findFreeListenPort(base, 50);
      expect(next).toBeGreaterThan(base);
      held6 = await bind('udp6', next).catch(() => undefined);
      if (held6) expect(await findFreeListenPort(base, 50)).toBeGreaterThan(next);
      await expect(findFreeListenPort(base, 0)).rejects.toThrow(/no free UDP port/);
    } finally {
      held.close();
      held6?.close();
    }
  });

  it('rejects invalid ports', async () => {
    await expect(findFreeListenPort(0)).rejects.toThrow(/invalid listen port/);
  });
});
