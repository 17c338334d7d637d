import { describe, expect, it } from 'vitest';
import {
  adoptObservedEndpoint, filterEndpoint, formatHostPort, isPrivateOrLocal, isPublicIPv6, isWildcardHost, knownPeerEndpoint,
  lanEndpoint, normalizeCandidates, normalizeIp, parseEndpoint, resolvePeerEndpoint, splitHostPort,
} from './endpoint';

describe('splitHostPort (Go net.SplitHostPort)', () => {
  it.each([
    ['1.2.3.4:51820', '1.2.3.4', '51820'],
    ['[2001:db8::1]:51820', '2001:db8::1', '51820'],
    [':51820', '', '51820'],
    ['host.example:80', 'host.example', '80'],
    ['1.2.3.4:', '1.2.3.4', ''],
    ['[::]:0', '::', '0'],
    ['[fe80::1%eth0]:1', 'fe80::1%eth0', '1'],
  ])('%s', (s, host, port) => {
    expect(splitHostPort(s)).toEqual({ host, port });
  });

  it.each(['1.2.3.4', ':::51820', '2001:db8::1:51820', '[::1]', '[::1]x:1', '[::1:1', 'a]:1', '[a]:1]', 'not-an-endpoint', ''])(
    'rejects %j', (s) => {
      expect(splitHostPort(s)).toBeNull();
    },
  );

  it('parseEndpoint requires a port 1–65535', () => {
    expect(parseEndpoint('1.2.3.4:65535')).toEqual({ host: '1.2.3.4', port: 65535 });
    expect(parseEndpoint('1.2.3.4:051820')).toEqual({ host: '1.2.3.4', port: 51820 });
    for (const bad of ['1.2.3.4:0', '1.2.3.4:65536', '1.2.3.4:70000', '1.2.3.4:', '1.2.3.4:+80', '1.2.3.4:http']) expect(parseEndpoint(bad)).toBeNull();
  });
});

describe('normalizeIp / formatHostPort (spec 7.4 item 23)', () => {
  it.each([
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:c000:201', '192.0.2.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::0001%eth0', 'fe80::1%eth0'],
    ['10.0.0.1', '10.0.0.1'],
    ['host.example', 'host.example'],
  ])('%s → %s', (ip, out) => {
    expect(normalizeIp(ip)).toBe(out);
  });

  it('brackets IPv6 only', () => {
    expect(formatHostPort('::ffff:127.0.0.1', 4000)).toBe('127.0.0.1:4000');
    expect(formatHostPort('2001:db8::1', 51820)).toBe('[2001:db8::1]:51820');
    expect(formatHostPort('host.example', '80')).toBe('host.example:80');
  });

  it('wildcards', () => {
    for (const h of ['', '0.0.0.0', '::', '0:0::0']) expect(isWildcardHost(h)).toBe(true);
    for (const h of ['1.2.3.4', '::1', 'host']) expect(isWildcardHost(h)).toBe(false);
  });
});

describe('resolvePeerEndpoint (spec 3.4, 6.1.4)', () => {
  it.each<[string, string | undefined, string]>([
    ['1.2.3.4:51820', undefined, '1.2.3.4:51820'],
    ['0.0.0.0:51820', '203.0.113.1', '203.0.113.1:51820'],
    [':51820', '203.0.113.1', '203.0.113.1:51820'],
    [':::51820', '2001:db8::1', '[2001:db8::1]:51820'],
    ['0.0.0.0:51820', undefined, '0.0.0.0:51820'],
    ['0.0.0.0:51820', '192.168.1.44', '192.168.1.44:51820'], // gossip: source is a mesh IP
    ['[::]:4000', '::ffff:203.0.113.1', '203.0.113.1:4000'],
    ['198.51.100.7:1234', '203.0.113.1', '198.51.100.7:1234'], // non-wildcard host kept, source port never used
    ['[2001:db8::9]:51820', '203.0.113.1', '[2001:db8::9]:51820'],
    ['1.2.3.4:0', '203.0.113.1', '203.0.113.1:51820'],
    ['not-an-endpoint', undefined, ''],
  ])('%j from %j → %j', (advertised, ip, out) => {
    expect(resolvePeerEndpoint(advertised, ip === undefined ? undefined : { ip })).toBe(out);
  });

  it('standalone gossip and known peers: wildcard dropped, no substitution', () => {
    expect(knownPeerEndpoint('0.0.0.0:51820')).toBe('');
    expect(knownPeerEndpoint(':51820')).toBe('');
    expect(knownPeerEndpoint('')).toBe('');
    expect(knownPeerEndpoint('198.51.100.2:51820')).toBe('198.51.100.2:51820');
  });
});

describe('lanEndpoint (spec 3.2, 6.1.4)', () => {
  it.each<[string, string | undefined, string]>([
    ['203.0.113.9:51820', '192.168.1.42', '192.168.1.42:51820'],
    ['0.0.0.0:51820', '192.168.1.42', '192.168.1.42:51820'],
    ['not-an-endpoint', '192.168.1.42', '192.168.1.42:51820'],
    ['203.0.113.9:51821', '::ffff:192.168.1.42', '192.168.1.42:51821'],
    ['203.0.113.9:51820', undefined, '203.0.113.9:51820'],
    ['not-an-endpoint', undefined, ''],
  ])('%j from %j → %j', (advertised, src, out) => {
    expect(lanEndpoint(advertised, src)).toBe(out);
  });
});

describe('adoptObservedEndpoint (spec 3.4, 6.1.4)', () => {
  it.each<[string, string, string]>([
    ['0.0.0.0:51820', '203.0.113.42:54321', '203.0.113.42:51820'],
    ['0.0.0.0:51820', '', '0.0.0.0:51820'],
    ['0.0.0.0:51820', '127.0.0.1:12345', '0.0.0.0:51820'],
    ['0.0.0.0:51820', '10.0.0.5:12345', '0.0.0.0:51820'],
    ['0.0.0.0:51820', '172.16.0.5:12345', '0.0.0.0:51820'],
    ['0.0.0.0:51820', '192.168.1.5:12345', '0.0.0.0:51820'],
    ['0.0.0.0:51820', '169.254.1.1:1', '0.0.0.0:51820'],
    ['0.0.0.0:51820', '[fd00::1]:1', '0.0.0.0:51820'],
    ['0.0.0.0:51820', '0.0.0.0:1', '0.0.0.0:51820'],
    ['0.0.0.0:51820', 'garbage', '0.0.0.0:51820'],
    ['[2a01:4f9:c012:2c15::1]:51820', '203.0.113.42:54321', '[2a01:4f9:c012:2c15::1]:51820'],
    ['[2a01:4f9:c012:2c15::1]:51820', '[2a01:4f9::7]:9', '[2a01:4f9::7]:51820'],
    ['198.51.100.1:51820', '[::ffff:203.0.113.42]:5', '203.0.113.42:51820'],
    ['0.0.0.0:51820', '[2606:4700::1]:5', '[2606:4700::1]:51820'],
  ])('local %j observed %j → %j', (local, observed, out) => {
    expect(adoptObservedEndpoint(local, observed)).toBe(out);
  });

  it('ignores IPv6 observations under --no-ipv6', () => {
    expect(adoptObservedEndpoint('0.0.0.0:51820', '[2606:4700::1]:5', { noIpv6: true })).toBe('0.0.0.0:51820');
  });
});

describe('address classes', () => {
  it('isPrivateOrLocal', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.31.255.255', '192.168.0.1', '169.254.9.9', '::1', 'fd00::1', 'fc00::1', 'fe80::1', '::ffff:10.0.0.1']) {
      expect(isPrivateOrLocal(ip)).toBe(true);
    }
    for (const ip of ['172.32.0.1', '8.8.8.8', '2001:db8::1', 'junk', '']) expect(isPrivateOrLocal(ip)).toBe(false);
  });

  it('isPublicIPv6 (spec 6.1.7)', () => {
    for (const ip of ['2001:db8::1', '200:b64f::1', 'fc00::1', 'fd00::1', 'fe80::1', '::1', 'ff02::1', '::', '1.2.3.4', '::ffff:1.2.3.4', 'junk']) {
      expect(isPublicIPv6(ip)).toBe(false);
    }
    for (const ip of ['2607:f8b0::1', '2a00:1450::1', '2606:4700::1']) expect(isPublicIPv6(ip)).toBe(true);
  });
});

describe('--no-ipv6 filter (spec 6.1.4)', () => {
  it('drops IPv6 endpoints and candidates', () => {
    expect(filterEndpoint('[2001:db8::1]:51820', { noIpv6: true })).toBe('');
    expect(filterEndpoint('203.0.113.10:51820', { noIpv6: true })).toBe('203.0.113.10:51820');
    expect(filterEndpoint('[2001:db8::1]:51820')).toBe('[2001:db8::1]:51820');
    expect(normalizeCandidates(['203.0.113.10:51820', '[2001:db8::1]:51820', '203.0.113.10:51820'], { noIpv6: true })).toEqual(['203.0.113.10:51820']);
    expect(normalizeCandidates(['0.0.0.0:1', 'x', '[2001:DB8::1]:5', '[2001:db8::1]:5'])).toEqual(['[2001:db8::1]:5']);
  });
});
