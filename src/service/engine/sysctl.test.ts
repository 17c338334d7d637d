import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSysctl, ForwardingGuard, ProcSysctl, assertSysctlKey, darwinForwardingKeys } from './sysctl';
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

describe('ForwardingGuard and router advertisements (accept_ra)', () => {
  const ra = (name: string) => `net.ipv6.conf.${name}.accept_ra`;
  const initial = {
    'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0',
    [ra('all')]: '1', [ra('default')]: '1', [ra('lo')]: '1',
    [ra('eth0')]: '1', [ra('ens3')]: '1', [ra('wlan0')]: '0', [ra('br0')]: '2',
  };
  const record = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { acceptRa?: Record<string, string> };

  it('turning IPv6 forwarding on sets accept_ra 1 to 2 first (0 and 2 untouched, not all or lo), and restore puts them back', async () => {
    const file = path.join(tempDir(), 'forwarding.json');
    const s = new FakeSysctl(initial);
    const g = new ForwardingGuard(s, file);
    await g.enable([4, 6]);
    expect(record(file)).toEqual({
      version: 1, previous: { 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' },
      acceptRa: { default: '1', eth0: '1', ens3: '1' },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // accept_ra before forwarding: switching forwarding on purges RA default routes where it is not 2.
    expect(s.sets).toEqual([`${ra('default')}=2`, `${ra('eth0')}=2`, `${ra('ens3')}=2`, 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    expect(Object.fromEntries(s.values)).toEqual({
      ...initial, 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1', [ra('default')]: '2', [ra('eth0')]: '2', [ra('ens3')]: '2',
    });
    await g.enable([4, 6]); // idempotent: the record keeps the 1s it found, not our 2s
    expect(record(file).acceptRa).toEqual({ default: '1', eth0: '1', ens3: '1' });
    expect(s.sets).toHaveLength(5);
    await g.restore();
    expect(Object.fromEntries(s.values)).toEqual(initial);
    expect(s.sets.slice(5, 7)).toEqual(['net.ipv4.ip_forward=0', 'net.ipv6.conf.all.forwarding=0']); // forwarding off first
    expect(existsSync(file)).toBe(false);
  });

  it('after a crash, a new process restores accept_ra from the record', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const s = new FakeSysctl(initial);
    await new ForwardingGuard(s, file).enable([6]);
    // The process dies here; a new one starts with a fresh guard over the same record.
    await new ForwardingGuard(s, file).restore();
    expect(Object.fromEntries(s.values)).toEqual(initial);
    expect(existsSync(file)).toBe(false);
  });

  it('an interface gone by restore time is skipped, the rest is restored', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const s = new FakeSysctl(initial);
    const g = new ForwardingGuard(s, file);
    await g.enable([6]);
    s.values.delete(ra('eth0')); // e.g. a USB NIC unplugged meanwhile
    await g.restore();
    const { [ra('eth0')]: _gone, ...rest } = initial;
    expect(Object.fromEntries(s.values)).toEqual(rest);
    expect(existsSync(file)).toBe(false);
  });

  it('an interface that vanishes between the read and the write is skipped too', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const inner = new FakeSysctl(initial);
    await new ForwardingGuard(inner, file).enable([6]);
    const vanishing: Sysctl = {
      get: (k) => inner.get(k), ipv6ConfNames: () => inner.ipv6ConfNames(),
      set: async (k, v) => {
        if (k === ra('eth0')) { inner.values.delete(k); throw new Error(`sysctl ${k}: no such key`); }
        await inner.set(k, v);
      },
    };
    await new ForwardingGuard(vanishing, file).restore();
    expect(inner.values.get(ra('ens3'))).toBe('1');
    expect(inner.values.get(ra('default'))).toBe('1');
    expect(existsSync(file)).toBe(false);
  });

  it('a write refused on an interface that still exists fails enable, after the record is written', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const inner = new FakeSysctl(initial);
    const refusing: Sysctl = { get: (k) => inner.get(k), ipv6ConfNames: () => inner.ipv6ConfNames(), set: async () => { throw new Error('EPERM'); } };
    await expect(new ForwardingGuard(refusing, file).enable([6])).rejects.toThrow(/EPERM/);
    expect(record(file).acceptRa).toEqual({ default: '1', eth0: '1', ens3: '1' });
  });

  it('leaves accept_ra alone when IPv6 forwarding was already on, or only IPv4 is forwarded', async () => {
    const on = new FakeSysctl({ ...initial, 'net.ipv6.conf.all.forwarding': '1' });
    await new ForwardingGuard(on, path.join(tempDir(), 'a.json')).enable([4, 6]);
    expect(on.sets).toEqual(['net.ipv4.ip_forward=1']);
    const v4 = new FakeSysctl(initial);
    await new ForwardingGuard(v4, path.join(tempDir(), 'b.json')).enable([4]);
    expect(v4.sets).toEqual(['net.ipv4.ip_forward=1']);
  });

  it('dropping IPv6 restores accept_ra with IPv6 forwarding and keeps IPv4 on record', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const s = new FakeSysctl(initial);
    const g = new ForwardingGuard(s, file);
    await g.enable([4, 6]);
    await g.enable([4]);
    expect(Object.fromEntries(s.values)).toEqual({ ...initial, 'net.ipv4.ip_forward': '1' });
    expect(record(file)).toEqual({ version: 1, previous: { 'net.ipv4.ip_forward': '0' } });
  });

  it('an old record without acceptRa still restores (and leaves accept_ra alone)', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    writeFileSync(file, JSON.stringify({ version: 1, previous: { 'net.ipv6.conf.all.forwarding': '0' } }));
    const s = new FakeSysctl({ ...initial, 'net.ipv6.conf.all.forwarding': '1' });
    await new ForwardingGuard(s, file).restore();
    expect(s.sets).toEqual(['net.ipv6.conf.all.forwarding=0']);
    expect(existsSync(file)).toBe(false);
  });

  it('builds keys only from valid interface names listed by the injected function', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const inner = new FakeSysctl({ ...initial, [ra('eth0.100')]: '1' });
    const read: string[] = [];
    const spy: Sysctl = { get: (k) => { read.push(k); return inner.get(k); }, set: (k, v) => inner.set(k, v) };
    const listed = ['eth0', 'lo', 'all', 'eth0.100', '../../kernel', '-x', 'a'.repeat(16), 'eth0 1', ''];
    await new ForwardingGuard(spy, file, undefined, { ipv6ConfNames: () => listed }).enable([6]);
    expect([...new Set(read.filter((k) => k.endsWith('.accept_ra')))]).toEqual([ra('default'), ra('eth0')]);
    expect(record(file).acceptRa).toEqual({ default: '1', eth0: '1' });
  });

  it('refuses a record whose acceptRa names are not interface names', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    for (const acceptRa of [{ '../../kernel': '1' }, { all: '1' }, { eth0: 'x' }, ['eth0']]) {
      writeFileSync(file, JSON.stringify({ version: 1, previous: {}, acceptRa }));
      await expect(new ForwardingGuard(new FakeSysctl(initial), file).restore(), JSON.stringify(acceptRa)).rejects.toThrow(/bad entry/);
    }
  });

  it('does nothing of the kind with the macOS keys', async () => {
    const file = path.join(tempDir(), 'fwd.json');
    const s = new FakeSysctl({ 'net.inet.ip.forwarding': '0', 'net.inet6.ip6.forwarding': '0', [ra('en0')]: '1' });
    const list = () => { throw new Error('listed interfaces on macOS'); };
    const g = new ForwardingGuard(s, file, darwinForwardingKeys, { ipv6ConfNames: list });
    await g.enable([4, 6]);
    expect(s.sets).toEqual(['net.inet.ip.forwarding=1', 'net.inet6.ip6.forwarding=1']);
    await g.restore();
    expect(s.values.get(ra('en0'))).toBe('1');
  });

  it('ProcSysctl lists the interface directories below net/ipv6/conf, none without IPv6', async () => {
    const root = tempDir();
    for (const n of ['all', 'default', 'lo', 'eth0']) mkdirSync(path.join(root, 'net', 'ipv6', 'conf', n), { recursive: true });
    expect((await new ProcSysctl(root).ipv6ConfNames()).sort()).toEqual(['eth0', 'lo']);
    expect(await new ProcSysctl(tempDir()).ipv6ConfNames()).toEqual([]);
  });
});
