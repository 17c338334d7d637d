import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { FakeRouter } from './fake';
import { createRouter, parseInterfaceCidr } from './router';
import { DarwinRouter } from './router-darwin';
import { LinuxRouter } from './router-linux';

describe('LinuxRouter (golden argv)', () => {
  it('sets IPv4 and IPv6 addresses and brings the link up', async () => {
    const r = new FakeCommandRunner();
    const router = new LinuxRouter(r);
    await router.setInterfaceAddresses('wg0', { ipv4Cidr: '10.42.7.33/16', ipv6Cidr: 'fd12:3456::abcd/64' });
    await router.setLinkUp('wg0', 1420);
    expect(r.commands()).toEqual(['ip -batch -', 'ip link set dev wg0 mtu 1420 up']);
    expect(r.calls[0]?.input).toBe([
      'addr flush dev wg0 scope global',
      'addr replace 10.42.7.33/16 dev wg0',
      'addr replace fd12:3456::abcd/64 dev wg0 nodad',
      '',
    ].join('\n'));
  });

  it('without IPv6 flushes the global addresses and sets IPv4 only', async () => {
    const r = new FakeCommandRunner();
    await new LinuxRouter(r).setInterfaceAddresses('mesh-1', { ipv4Cidr: '192.168.100.55/24' });
    expect(r.commands()).toEqual(['ip -batch -']);
    expect(r.calls[0]?.input).toBe('addr flush dev mesh-1 scope global\naddr replace 192.168.100.55/24 dev mesh-1\n');
  });

  it('configures addresses, MTU and link state in one ip process', async () => {
    const r = new FakeCommandRunner();
    await new LinuxRouter(r).configureInterface('wg0', { ipv4Cidr: '10.42.7.33/16', ipv6Cidr: 'fd12:3456::abcd/64' }, 1420);
    expect(r.commands()).toEqual(['ip -batch -']);
    expect(r.calls[0]?.input).toBe('addr flush dev wg0 scope global\naddr replace 10.42.7.33/16 dev wg0\naddr replace fd12:3456::abcd/64 dev wg0 nodad\nlink set dev wg0 mtu 1420 up\n');
    await expect(new LinuxRouter(r).configureInterface('wg0', { ipv4Cidr: '10.0.0.1/16' }, 20)).rejects.toThrow(/MTU/);
  });

  it('deletes links idempotently and tests existence', async () => {
    const missing = { fail: { exitCode: 1, stderr: 'Cannot find device "wg9"\n' } };
    const r = new FakeCommandRunner()
      .on(['ip', 'link', 'delete', 'dev', 'wg9'], missing)
      .on(['ip', 'link', 'show', 'dev', 'wg9'], { fail: { exitCode: 1, stderr: 'Device "wg9" does not exist.\n' } })
      .on(['ip', 'link', 'show', 'dev', 'wg8'], { fail: { exitCode: 2, stderr: 'RTNETLINK answers: Operation not permitted\n' } });
    const router = new LinuxRouter(r);
    await router.deleteLink('wg0');
    await router.deleteLink('wg9');
    expect(await router.linkExists('wg0')).toBe(true);
    expect(await router.linkExists('wg9')).toBe(false);
    await expect(router.linkExists('wg8')).rejects.toThrow(/Operation not permitted/);
    expect(r.commands()).toEqual([
      'ip link delete dev wg0', 'ip link delete dev wg9', 'ip link show dev wg0', 'ip link show dev wg9', 'ip link show dev wg8',
    ]);
  });

  it('validates every value before running anything', async () => {
    const r = new FakeCommandRunner();
    const router = new LinuxRouter(r);
    await expect(router.setInterfaceAddresses('wg0;x', { ipv4Cidr: '10.0.0.1/16' })).rejects.toThrow(/interface name/);
    await expect(router.setInterfaceAddresses('wg0', { ipv4Cidr: '10.0.0.1' })).rejects.toThrow(/address\/prefix/);
    await expect(router.setInterfaceAddresses('wg0', { ipv4Cidr: 'fd00::1/64' })).rejects.toThrow(/IPv4/);
    await expect(router.setInterfaceAddresses('wg0', { ipv4Cidr: '10.0.0.1/16', ipv6Cidr: '10.0.0.1/64' })).rejects.toThrow(/IPv6/);
    await expect(router.setLinkUp('wg0', 0)).rejects.toThrow(/MTU/);
    expect(r.calls).toEqual([]);
  });
});

describe('DarwinRouter (golden argv)', () => {
  it('assigns point-to-point IPv4, /128 IPv6 and routes the subnets', async () => {
    const r = new FakeCommandRunner().on(['route', '-q', '-n', 'add', '-inet6'], { fail: { exitCode: 1, stderr: 'route: writing to routing socket: File exists' } });
    const router = new DarwinRouter(r);
    await router.setInterfaceAddresses('utun20', { ipv4Cidr: '10.42.7.33/16', ipv6Cidr: 'fd12:3456::abcd/64' });
    await router.setLinkUp('utun20', 1420);
    expect(r.commands()).toEqual([
      'ifconfig utun20 inet 10.42.7.33 10.42.7.33 netmask 255.255.0.0',
      'route -q -n add -inet 10.42.0.0/16 -interface utun20',
      'ifconfig utun20 inet6 fd12:3456::abcd prefixlen 128 alias',
      'route -q -n add -inet6 fd12:3456::/64 -interface utun20',
      'ifconfig utun20 mtu 1420 up',
    ]);
    await expect(router.setLinkUp('wg0', 1420)).rejects.toThrow(/utun/);
  });
});

describe('createRouter / FakeRouter', () => {
  it('picks the platform implementation', () => {
    const r = new FakeCommandRunner();
    expect(createRouter(r, 'linux')).toBeInstanceOf(LinuxRouter);
    expect(createRouter(r, 'darwin')).toBeInstanceOf(DarwinRouter);
  });

  it('FakeRouter keeps link state', async () => {
    const f = new FakeRouter();
    await expect(f.setLinkUp('wg0', 1420)).rejects.toThrow(/does not exist/);
    f.addLink('wg0');
    await f.setInterfaceAddresses('wg0', { ipv4Cidr: '10.0.0.1/16' });
    await f.setLinkUp('wg0', 1420);
    expect(f.links.get('wg0')).toEqual({ addresses: { ipv4Cidr: '10.0.0.1/16' }, mtu: 1420, up: true });
    expect(await f.linkExists('wg0')).toBe(true);
    await f.deleteLink('wg0');
    expect(await f.linkExists('wg0')).toBe(false);
  });

  it('parseInterfaceCidr', () => {
    expect(parseInterfaceCidr('10.1.2.3/8', 4)).toEqual({ address: '10.1.2.3', prefixLength: 8, family: 4 });
    expect(() => parseInterfaceCidr('10.1.2.3/33', 4)).toThrow();
    expect(() => parseInterfaceCidr('fe80::1%eth0/64', 6)).toThrow();
  });
});
