import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCommandRunner } from './fake';
import { FakeSysctl, ForwardingGuard, darwinForwardingKeys } from './sysctl';
import { DarwinSysctl } from './sysctl-darwin';

const dirs: string[] = [];
function tempFile(name: string): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cr-sysctl-darwin-'));
  dirs.push(d);
  return path.join(d, name);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('DarwinSysctl (golden argv)', () => {
  it('reads with sysctl -n and writes with sysctl -w KEY=VALUE', async () => {
    const r = new FakeCommandRunner()
      .on(['sysctl', '-n', 'net.inet.ip.forwarding'], { stdout: '0\n' })
      .on(['sysctl', '-w'], { stdout: 'net.inet.ip.forwarding: 0 -> 1\n' });
    const s = new DarwinSysctl(r);
    expect(await s.get('net.inet.ip.forwarding')).toBe('0');
    await s.set('net.inet.ip.forwarding', '1');
    expect(r.calls).toEqual([
      { argv: ['sysctl', '-n', 'net.inet.ip.forwarding'] },
      { argv: ['sysctl', '-w', 'net.inet.ip.forwarding=1'] },
    ]);
    expect(s.forwardingKeys).toEqual({ 4: 'net.inet.ip.forwarding', 6: 'net.inet6.ip6.forwarding' });
  });

  it('maps unknown keys and missing privileges to clear errors', async () => {
    const r = new FakeCommandRunner()
      .on(['sysctl', '-n', 'net.inet.ip.nope'], { fail: { exitCode: 1, stderr: "sysctl: unknown oid 'net.inet.ip.nope'\n" } })
      .on(['sysctl', '-n', 'net.inet.ip.quiet'], { stdout: '' })
      .on(['sysctl', '-w'], { fail: { exitCode: 1, stderr: 'sysctl: net.inet.ip.forwarding=1: Operation not permitted\n' } })
      .on(['sysctl', '-n', 'kern.boom'], { fail: { exitCode: 1, stderr: 'sysctl: something else\n' } });
    const s = new DarwinSysctl(r);
    await expect(s.get('net.inet.ip.nope')).rejects.toThrow('sysctl net.inet.ip.nope: no such key');
    await expect(s.get('net.inet.ip.quiet')).rejects.toThrow(/no such key/);
    await expect(s.set('net.inet.ip.forwarding', '1')).rejects.toThrow('sysctl net.inet.ip.forwarding: permission denied (needs root)');
    await expect(s.get('kern.boom')).rejects.toThrow(/something else/);
  });

  it('validates keys and values before running anything', async () => {
    const r = new FakeCommandRunner();
    const s = new DarwinSysctl(r);
    await expect(s.get('-a')).rejects.toThrow(/invalid sysctl key/);
    await expect(s.get('net..inet')).rejects.toThrow(/invalid sysctl key/);
    await expect(s.set('net.inet.ip.forwarding', '1=2')).rejects.toThrow(/invalid sysctl value/);
    await expect(s.set('net.inet.ip.forwarding', '1\nkern.x=1')).rejects.toThrow(/invalid sysctl value/);
    expect(r.calls).toEqual([]);
  });
});

describe('ForwardingGuard with macOS keys', () => {
  const initial = { 'net.inet.ip.forwarding': '0', 'net.inet6.ip6.forwarding': '0' };

  it('takes the keys from the sysctl, records and restores them', async () => {
    const values = new Map(Object.entries(initial));
    const r = new FakeCommandRunner()
      .on(['sysctl', '-n'], (argv) => ({ stdout: `${values.get(argv[2] ?? '') ?? ''}\n` }))
      .on(['sysctl', '-w'], (argv) => {
        const [k = '', v = ''] = (argv[2] ?? '').split('=');
        values.set(k, v);
        return {};
      });
    const file = tempFile('forwarding.json');
    const g = new ForwardingGuard(new DarwinSysctl(r), file);
    await g.enable([4, 6]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, previous: initial });
    expect(r.commands().filter((c) => c.includes('-w'))).toEqual(['sysctl -w net.inet.ip.forwarding=1', 'sysctl -w net.inet6.ip6.forwarding=1']);
    expect(await g.managed()).toEqual([4, 6]);
    await g.restore();
    expect(Object.fromEntries(values)).toEqual(initial);
  });

  it('takes an explicit key map, and refuses record entries of other keys', async () => {
    const s = new FakeSysctl({ ...initial, 'net.ipv4.ip_forward': '0' });
    const file = tempFile('fwd.json');
    await new ForwardingGuard(s, file, darwinForwardingKeys).enable([4]);
    expect(s.sets).toEqual(['net.inet.ip.forwarding=1']);
    writeFileSync(file, JSON.stringify({ version: 1, previous: { 'net.ipv4.ip_forward': '0' } }));
    await expect(new ForwardingGuard(s, file, darwinForwardingKeys).restore()).rejects.toThrow(/bad entry/);
    expect(() => new ForwardingGuard(s, file, { 4: '../x', 6: 'net.inet6.ip6.forwarding' })).toThrow(/invalid sysctl key/);
  });
});
