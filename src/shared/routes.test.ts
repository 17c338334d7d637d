import { describe, expect, it } from 'vitest';
import { cidrOverlaps, parseAdvertisedPrefix, RouteInputError } from './routes';

const failure = (input: string): RouteInputError => {
  try {
    parseAdvertisedPrefix(input);
  } catch (err) {
    if (err instanceof RouteInputError) return err;
    throw err;
  }
  throw new Error(`${input} was accepted`);
};

describe('parseAdvertisedPrefix', () => {
  it('returns canonical IPv4 and IPv6 CIDRs', () => {
    expect(parseAdvertisedPrefix('192.168.1.0/24')).toBe('192.168.1.0/24');
    expect(parseAdvertisedPrefix(' 10.0.0.0/8\n')).toBe('10.0.0.0/8');
    expect(parseAdvertisedPrefix('192.168.1.7/32')).toBe('192.168.1.7/32');
    expect(parseAdvertisedPrefix('172.16.0.0/012')).toBe('172.16.0.0/12');
    expect(parseAdvertisedPrefix('FD00:0:0:0:0:0:0:0/64')).toBe('fd00::/64');
    expect(parseAdvertisedPrefix('2001:db8:0:1::/64')).toBe('2001:db8:0:1::/64');
  });

  it('says what is wrong with a host address and offers the network', () => {
    const e = failure('192.168.1.5/24');
    expect(e.code).toBe('invalid-route');
    expect(e.message).toBe('192.168.1.5/24 is not a network address; did you mean 192.168.1.0/24?');
    expect(failure('fd00::1/64').message).toBe('fd00::1/64 is not a network address; did you mean fd00::/64?');
  });

  it('refuses default routes as a separate feature (exit node)', () => {
    for (const d of ['0.0.0.0/0', '::/0', '10.1.2.3/0']) {
      expect(failure(d).message).toContain('advertising a default route would make this an exit node, which is a separate feature');
    }
  });

  it('refuses text that is not a CIDR, quoting it only when it is made of address characters', () => {
    expect(failure('192.168.1.0').message).toBe('192.168.1.0 is an address, not a network: add the prefix length (e.g. 192.168.1.0/24 or fd00:1234::/64)');
    expect(failure('192.168.1.0/33').message).toMatch(/^192\.168\.1\.0\/33 is not a CIDR prefix/);
    for (const bad of ['', 'lan', '192.168.1/24', '192.168.01.0/24', '0x0a.0.0.0/8', 'fe80::/64%eth0', '10.0.0.0/-1', '10.0.0.0/8/8', '1.2.3.4 /8']) {
      expect(() => parseAdvertisedPrefix(bad)).toThrow(RouteInputError);
    }
    const secret = failure('wgmesh://v1/SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0');
    expect(secret.message).toBe('that is not a CIDR prefix (e.g. 192.168.1.0/24 or fd00:1234::/64)');
    expect(failure('1'.repeat(200) + '/8').message).toMatch(/^that is not/);
  });

  it('refuses loopback, link-local, multicast and IPv4-mapped prefixes', () => {
    expect(failure('127.0.0.0/8').message).toContain('loopback');
    expect(failure('169.254.0.0/16').message).toContain('link-local');
    expect(failure('fe80::/64').message).toContain('link-local');
    expect(failure('239.0.0.0/8').message).toContain('multicast');
    expect(failure('::ffff:192.168.1.0/120').message).toContain('IPv4-mapped');
  });
});

describe('cidrOverlaps', () => {
  it('is true when one network contains the other, in either order', () => {
    expect(cidrOverlaps('192.168.0.0/16', '192.168.1.0/24')).toBe(true);
    expect(cidrOverlaps('192.168.1.0/24', '192.168.0.0/16')).toBe(true);
    expect(cidrOverlaps('10.0.0.0/8', '10.0.0.0/8')).toBe(true);
    expect(cidrOverlaps('192.168.1.5/24', '192.168.1.200/32')).toBe(true);
    expect(cidrOverlaps('fd00::/8', 'fd12:3456::/48')).toBe(true);
    expect(cidrOverlaps('0.0.0.0/0', '8.8.8.8/32')).toBe(true);
  });

  it('is false for disjoint networks and across families', () => {
    expect(cidrOverlaps('192.168.1.0/24', '192.168.2.0/24')).toBe(false);
    expect(cidrOverlaps('10.42.0.0/16', '10.43.0.0/16')).toBe(false);
    expect(cidrOverlaps('192.168.1.0/25', '192.168.1.128/25')).toBe(false);
    expect(cidrOverlaps('0.0.0.0/0', '::/0')).toBe(false);
    expect(cidrOverlaps('fd00::/16', 'fd01::/16')).toBe(false);
  });

  it('throws RouteInputError for text that is not a CIDR', () => {
    expect(() => cidrOverlaps('lan', '10.0.0.0/8')).toThrow(RouteInputError);
  });
});

describe('cidrOverlaps (cases from the engine)', () => {
  it('overlaps when one contains the other, never across families', () => {
    expect(cidrOverlaps('192.168.1.0/24', '192.168.0.0/16')).toBe(true);
    expect(cidrOverlaps('192.168.0.0/16', '192.168.1.128/25')).toBe(true);
    expect(cidrOverlaps('192.168.1.0/24', '192.168.2.0/24')).toBe(false);
    expect(cidrOverlaps('10.0.0.0/8', '10.255.255.255/32')).toBe(true);
    expect(cidrOverlaps('0.0.0.0/0', '1.2.3.4/32')).toBe(true);
    expect(cidrOverlaps('fd00::/8', 'fd12:3456::/64')).toBe(true);
    expect(cidrOverlaps('fd00::/64', 'fd00:0:0:1::/64')).toBe(false);
    expect(cidrOverlaps('::/0', '10.0.0.0/8')).toBe(false);
    expect(() => cidrOverlaps('10.0.0.0/8', 'nope')).toThrow();
  });
});
