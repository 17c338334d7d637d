import { describe, expect, it } from 'vitest';
import { cidrContains, formatCidr, formatIp, parseCidr, parseIp, parseIPv6 } from './ip';

describe('parseIp (Go net.ParseIP rules)', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fd7d:16f8:63e5:1756:0e0a:5bf3:3ebe:0d7f', 'fd7d:16f8:63e5:1756:e0a:5bf3:3ebe:d7f'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::ffff:a00:1', '10.0.0.1'],
    ['::1.2.3.4', '::102:304'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['1::', '1::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ])('%s → %s', (input, text) => {
    const b = parseIp(input);
    expect(b).not.toBeNull();
    expect(formatIp(b ?? new Uint8Array(4))).toBe(text);
  });

  it.each([
    '', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '256.1.1.1', '0x1.2.3.4', ' 1.2.3.4', '1.2.3.4 ', '1..2.3',
    'fe80::1%eth0', '1::2::3', '12345::', ':1::', '1:', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::ffff:1.2.3.04',
    '1:2:3:4:5:1.2.3.4', 'not-an-ip', '10.0.0.1/24', 'abc',
  ])('rejects %j', (input) => {
    expect(parseIp(input)).toBeNull();
  });

  it('IPv6 text stays 16 bytes', () => {
    expect(parseIPv6('::ffff:1.2.3.4')).toHaveLength(16);
  });
});

describe('parseCidr (Go net.ParseCIDR)', () => {
  it('parses, masks and formats', () => {
    const c = parseCidr('192.168.1.5/24');
    expect(c && formatCidr(c)).toBe('192.168.1.0/24');
    const v6 = parseCidr('fd00:1:2:3::5/64');
    expect(v6 && formatCidr(v6)).toBe('fd00:1:2:3::/64');
    expect(parseCidr('10.0.0.0/08')?.prefixLen).toBe(8);
    expect(parseCidr('0.0.0.0/0') && formatCidr(parseCidr('0.0.0.0/0')!)).toBe('0.0.0.0/0');
  });

  it.each(['192.168.1.1', 'not-a-cidr', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/ 8', '1.2.3/8', ''])(
    'rejects %j', (s) => {
      expect(parseCidr(s)).toBeNull();
    },
  );

  it('contains', () => {
    const c = parseCidr('10.42.0.0/16')!;
    expect(cidrContains(c, parseIp('10.42.255.1')!)).toBe(true);
    expect(cidrContains(c, parseIp('10.43.0.1')!)).toBe(false);
    expect(cidrContains(c, parseIp('fd00::1')!)).toBe(false);
  });
});
