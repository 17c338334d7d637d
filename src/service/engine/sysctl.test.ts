import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSysctl, ForwardingGuard, ProcSysctl, assertSysctlKey } from './sysctl';
import type { Sysctl } from './sysctl';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cr-sysctl-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ProcSysctl', () => {
  it('maps dotted keys to files below the root and writes without creating files', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'net', 'ipv4', 'conf', 'eth0'), { recursive: true });
    writeFileSync(path.join(root, 'net', 'ipv4', 'ip_forward'), '0\n');
    writeFileSync(path.join(root, 'net', 'ipv4', 'conf', 'eth0', 'rp_filter'), '1\n');
    const s = new ProcSysctl(root);
    expect(await s.get('net.ipv4.ip_forward')).toBe('0');
    expect(await s.get('net.ipv4.conf.eth0.rp_filter')).toBe('1');
    await s.set('net.ipv4.ip_forward', '1');
    expect(readFileSync(path.join(root, 'net', 'ipv4', 'ip_forward'), 'utf8')).toBe('1\n');
    await expect(s.get('net.ipv6.conf.all.forwarding')).rejects.toThrow(/no such key/);
    await expect(s.set('net.ipv4.nope', '1')).rejects.toThrow(/no such key/);
    expect(existsSync(path.join(root, 'net', 'ipv4', 'nope'))).toBe(false);
  });

  it('rejects keys that could leave /proc/sys and odd values before touching anything', async () => {
    for (const bad of ['net..ipv4', '../etc/passwd', 'net/ipv4/ip_forward', '.net', 'net.', '', 'net.ipv4.ip forward']) {
      expect(() => assertSysctlKey(bad), bad).toThrow(/invalid sysctl key/);
    }
    const s = new ProcSysctl(tempDir());
    await expect(s.get('..')).rejects.toThrow(/invalid sysctl key/);
    await expect(s.set('net.ipv4.ip_forward', '1\n0')).rejects.toThrow(/invalid sysctl value/);
  });

  it('reads the real /proc/sys', async () => {
    expect(await new ProcSysctl().get('net.ipv4.ip_forward')).toMatch(/^[01]$/);
  });
});

describe('ForwardingGuard', () => {
  const initial = { 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' };

  it('records before enabling, and restores exactly the recorded values', async () => {
    const file = path.join(tempDir(), 'forwarding.json');
    const s = new FakeSysctl(initial);
    const g = new ForwardingGuard(s, file);
    await g.enable([4, 6]);
    expect(s.sets).toEqual(['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, previous: initial });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await g.managed()).toEqual([4, 6]);
    await g.enable([4, 6]); // idempotent: the record keeps the original values, not our 1s
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, previous: initial });
    await g.restore();
    expect(Object.fromEntries(s.values)).toEqual(initial);
    expect(existsSync(file)).toBe(false);
    await g.restore(); // no record: no-op
    expect(s.sets).toHaveLength(4);
  });

  it('leaves forwarding on when it was on before', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const s = new FakeSysctl({ 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' });
    const g = new ForwardingGuard(s, file);
    await g.enable([4]);
    expect(s.sets).toEqual([]);
    await g.restore();
    expect(s.values.get('net.ipv4.ip_forward')).toBe('1');
    expect(s.sets).toEqual([]);
  });

  it('after a crash, a new process restores from the record', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const s = new FakeSysctl(initial);
    await new ForwardingGuard(s, file).enable([4, 6]);
    // The process dies here; a new one starts with a fresh guard over the same record.
    const after = new ForwardingGuard(s, file);
    expect(await after.managed()).toEqual([4, 6]);
    await after.enable([4, 6]);
    await after.restore();
    expect(Object.fromEntries(s.values)).toEqual(initial);
  });

  it('the record exists before the first change is attempted', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const inner = new FakeSysctl(initial);
    const failing: Sysctl = { get: (k) => inner.get(k), set: async () => { throw new Error('EPERM'); } };
    await expect(new ForwardingGuard(failing, file).enable([4])).rejects.toThrow(/EPERM/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, previous: { 'net.ipv4.ip_forward': '0' } });
  });

  it('restores families that are no longer wanted, keeps the rest on record', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const s = new FakeSysctl(initial);
    const g = new ForwardingGuard(s, file);
    await g.enable([4, 6]);
    await g.enable([4]);
    expect(s.values.get('net.ipv6.conf.all.forwarding')).toBe('0');
    expect(s.values.get('net.ipv4.ip_forward')).toBe('1');
    expect(await g.managed()).toEqual([4]);
    await g.enable([]);
    expect(existsSync(file)).toBe(false);
    expect(Object.fromEntries(s.values)).toEqual(initial);
  });

  it('refuses a record with unknown keys or values', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    writeFileSync(file, JSON.stringify({ version: 1, previous: { 'kernel.modprobe': '/tmp/x' } }));
    await expect(new ForwardingGuard(new FakeSysctl(initial), file).restore()).rejects.toThrow(/bad entry/);
  });
});
