import { describe, expect, it } from 'vitest';
import {
  collisionWinner, defaultMeshSubnet, deriveMeshIPv4, deriveMeshIPv6, detectCollisions, meshIPInSubnet,
  parseMeshSubnet, parseSubnetOrDefault,
} from './address';
import { deriveMeshKeys } from './derive';
import { fromHex } from './encoding';
import { parseSecret } from './secret';

const K0 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const K1 = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';
const secrets: Record<string, string> = {
  A: 'test-secret-that-is-long-enough',
  B: 'wgmesh-envelope-compatibility-secret',
  C: parseSecret('wgmesh://v1/SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0IHNlY3JldCB0aGF0IGlzIGxvbmcgZW5vdWdoIGZvciB0aGUga2V5IGRlcml2YXRpb24u'),
  D: 'wgmesh-test-secret-long-enough-for-key-derivation',
  E: '0123456789abcdef',
};
const keyOf: Record<string, string> = { K0, K1, pubkey1: 'pubkey1' };
const secretOf = (name: string): string => secrets[name] ?? '';

// Spec 6.3.2, first table: [secret, key, ipv4, ipv6, legacy nonce 1].
const addressRows: [string, string, string, string, string][] = [
  ['A', 'K0', '10.20.176.123', 'fd7d:16f8:63e5:1756:e0a:5bf3:3ebe:d7f', '10.20.164.117'],
  ['A', 'K1', '10.20.138.225', 'fd7d:16f8:63e5:1756:fa90:8bbe:4635:58f3', '10.20.89.17'],
  ['A', 'pubkey1', '10.20.82.120', 'fd7d:16f8:63e5:1756:ba42:9514:9d78:dd77', '10.20.161.212'],
  ['B', 'K0', '10.214.162.221', 'fd61:b957:378d:4e94:be97:ff9d:f012:313b', '10.214.146.141'],
  ['B', 'K1', '10.214.25.102', 'fd61:b957:378d:4e94:b27d:3be9:8979:c934', '10.214.209.49'],
  ['C', 'K0', '10.188.210.58', 'fd30:406d:245c:dfb5:567c:daf3:e26f:dab3', '10.188.9.192'],
  ['C', 'K1', '10.188.137.46', 'fd30:406d:245c:dfb5:b614:c81:d855:dd2f', '10.188.10.149'],
  ['D', 'K0', '10.158.210.224', 'fd3f:6f48:9520:76bd:cef1:6892:62f1:5969', '10.158.36.201'],
  ['D', 'K1', '10.158.109.241', 'fd3f:6f48:9520:76bd:5aaf:7439:b27e:a883', '10.158.160.96'],
  ['E', 'K0', '10.8.5.217', 'fd8b:b7cf:8528:a736:4e18:44f0:547b:1936', '10.8.124.186'],
  ['E', 'K1', '10.8.34.128', 'fd8b:b7cf:8528:a736:1e17:cb82:d724:3581', '10.8.117.144'],
];

// Spec 6.3.2, second table: [secret, key, /24, nonce 1, /16, nonce 1, /28, nonce 1].
const customRows: [string, string, string, string, string, string, string, string][] = [
  ['A', 'K0', '192.168.100.224', '192.168.100.105', '10.42.162.82', '10.42.94.175', '172.16.5.2', '172.16.5.5'],
  ['A', 'K1', '192.168.100.146', '192.168.100.150', '10.42.215.140', '10.42.5.40', '172.16.5.6', '172.16.5.4'],
  ['A', 'pubkey1', '192.168.100.58', '192.168.100.118', '10.42.228.48', '10.42.143.198', '172.16.5.8', '172.16.5.14'],
  ['B', 'K0', '192.168.100.193', '192.168.100.232', '10.42.141.79', '10.42.200.78', '172.16.5.13', '172.16.5.10'],
  ['C', 'K0', '192.168.100.213', '192.168.100.240', '10.42.24.179', '10.42.157.220', '172.16.5.9', '172.16.5.8'],
  ['D', 'K0', '192.168.100.210', '192.168.100.115', '10.42.97.26', '10.42.86.49', '172.16.5.8', '172.16.5.1'],
  ['E', 'K0', '192.168.100.53', '192.168.100.233', '10.42.67.247', '10.42.123.137', '172.16.5.11', '172.16.5.13'],
];

describe('mesh addresses (spec 6.3.2)', () => {
  it.each(addressRows)('secret %s key %s', (s, k, v4, v6, nonce1) => {
    const secret = secretOf(s);
    const key = keyOf[k] ?? '';
    const keys = deriveMeshKeys(secret);
    expect(deriveMeshIPv4(keys, key, secret)).toBe(v4);
    expect(deriveMeshIPv4(keys, key, secret, { subnet: defaultMeshSubnet(keys) })).toBe(v4);
    expect(deriveMeshIPv6(keys, key, secret)).toBe(v6);
    expect(deriveMeshIPv4(keys, key, secret, { nonce: 1 })).toBe(nonce1);
  });

  it.each(customRows)('custom subnets, secret %s key %s', (s, k, c24, n24, c16, n16, c28, n28) => {
    const secret = secretOf(s);
    const key = keyOf[k] ?? '';
    const keys = deriveMeshKeys(secret);
    const cases: [string, string, string][] = [['192.168.100.0/24', c24, n24], ['10.42.0.0/16', c16, n16], ['172.16.5.0/28', c28, n28]];
    for (const [cidr, plain, nonce1] of cases) {
      const subnet = parseMeshSubnet(cidr);
      expect(deriveMeshIPv4(keys, key, secret, { subnet })).toBe(plain);
      expect(deriveMeshIPv4(keys, key, secret, { subnet, nonce: 1 })).toBe(nonce1);
    }
  });
});

describe('explicit subnet bytes (spec 6.3.3, 6.1.2)', () => {
  const A = secretOf('A');
  it('legacy IPv4 with given (s0, s1)', () => {
    expect(deriveMeshIPv4({ meshSubnet: [42, 0] }, 'pubkey1', A)).toBe('10.42.100.120');
    expect(deriveMeshIPv4({ meshSubnet: [42, 99] }, 'pubkey1', A)).toBe('10.42.7.120');
    expect(deriveMeshIPv4({ meshSubnet: [42, 0] }, 'pubkey2', A)).toBe('10.42.89.178');
  });

  it('IPv6 with a given prefix', () => {
    const v6 = deriveMeshIPv6({ meshPrefixV6: fromHex('fd123456789abcde') }, 'pubkey1', A);
    expect(v6).toBe('fd12:3456:789a:bcde:ba42:9514:9d78:dd77');
    expect(deriveMeshIPv6({ meshPrefixV6: fromHex('fd123456789abcde') }, 'pubkey2', A)).not.toBe(v6);
    expect(v6.startsWith('fd')).toBe(true);
  });

  it('legacy nonce 0 and 1 (spec 6.1.11)', () => {
    const s = 'secret-that-is-long-enough!';
    expect(deriveMeshIPv4({ meshSubnet: [42, 0] }, 'pubkey', s, { nonce: 0 })).toBe('10.42.40.83');
    expect(deriveMeshIPv4({ meshSubnet: [42, 0] }, 'pubkey', s, { nonce: 1 })).toBe('10.42.208.175');
  });

  it('1000 keys never end in .0 or .255', () => {
    for (let i = 0; i < 1000; i++) {
      expect(deriveMeshIPv4({ meshSubnet: [10, 20] }, `pubkey-${i}`, A)).not.toMatch(/\.(0|255)$/);
    }
  });

  it('custom /24 is deterministic, inside .1–.254, key-dependent; nonce 1 differs but stays inside', () => {
    const subnet = parseMeshSubnet('192.168.100.0/24');
    const k = { meshSubnet: [42, 0] as const };
    const ip1 = deriveMeshIPv4(k, 'pubkey1', A, { subnet });
    expect(ip1).toBe(deriveMeshIPv4(k, 'pubkey1', A, { subnet }));
    expect(ip1).not.toBe(deriveMeshIPv4(k, 'pubkey2', A, { subnet }));
    const last = Number(ip1.split('.')[3]);
    expect(ip1.startsWith('192.168.100.')).toBe(true);
    expect(last).toBeGreaterThanOrEqual(1);
    expect(last).toBeLessThanOrEqual(254);
    const n1 = deriveMeshIPv4(k, 'pubkey1', A, { subnet, nonce: 1 });
    expect(n1).not.toBe(ip1);
    expect(meshIPInSubnet(n1, subnet)).toBe(true);
    expect(deriveMeshIPv4(k, 'pubkey1', A, { subnet: parseMeshSubnet('10.42.0.0/16') }).startsWith('10.42.')).toBe(true);
  });

  it('custom /28: 100 keys get last octet 1–14', () => {
    const subnet = parseMeshSubnet('172.16.5.0/28');
    for (let i = 0; i < 100; i++) {
      const last = Number(deriveMeshIPv4({ meshSubnet: [0, 0] }, `pubkey-${i}`, A, { subnet }).split('.')[3]);
      expect(last).toBeGreaterThanOrEqual(1);
      expect(last).toBeLessThanOrEqual(14);
    }
  });
});

describe('parseMeshSubnet', () => {
  it('canonicalises and rejects /31, /32, IPv6 and junk', () => {
    expect(parseMeshSubnet('192.168.100.0/24')).toEqual({ base: '192.168.100.0', prefixLen: 24, cidr: '192.168.100.0/24', custom: true });
    expect(parseMeshSubnet('10.42.7.9/16').cidr).toBe('10.42.0.0/16');
    expect(parseMeshSubnet('10.0.0.0/30').prefixLen).toBe(30);
    for (const bad of ['10.0.0.0/31', '10.0.0.0/32', 'fd00::/64', '2001:db8::/32', '::1/128', 'not-a-cidr', '10.0.0.1', '10.0.0.0/33', '10.0.0/8', '010.0.0.0/8']) {
      expect(() => parseMeshSubnet(bad)).toThrow(/invalid mesh subnet/);
    }
  });

  it('ParseSubnetOrDefault', () => {
    expect(parseSubnetOrDefault('')).toBeNull();
    expect(parseSubnetOrDefault('192.168.100.0/24')?.cidr).toBe('192.168.100.0/24');
    expect(() => parseSubnetOrDefault('not-a-cidr')).toThrow();
  });
});

describe('meshIPInSubnet (spec 6.1.11)', () => {
  it('legacy s0 = 42', () => {
    const subnet = defaultMeshSubnet({ meshSubnet: [42, 7] });
    expect(subnet.cidr).toBe('10.42.0.0/16');
    expect(meshIPInSubnet('10.42.7.33', subnet)).toBe(true);
    expect(meshIPInSubnet('10.99.1.1', subnet)).toBe(false);
    expect(meshIPInSubnet('not-an-ip', subnet)).toBe(false);
    expect(meshIPInSubnet('', subnet)).toBe(false);
    expect(meshIPInSubnet('fd00::1', subnet)).toBe(false);
  });

  it('custom 192.168.100.0/24', () => {
    const subnet = parseMeshSubnet('192.168.100.0/24');
    expect(meshIPInSubnet('192.168.100.55', subnet)).toBe(true);
    expect(meshIPInSubnet('10.42.7.33', subnet)).toBe(false);
  });
});

describe('collisions (spec 1.9, 6.1.11)', () => {
  it('winner is the byte-wise smaller key in either order', () => {
    expect(collisionWinner('aaa', 'bbb')).toBe('aaa');
    expect(collisionWinner('bbb', 'aaa')).toBe('aaa');
    expect(collisionWinner('B', 'a')).toBe('B');
  });

  it('key3 taking key1 IP is one collision on 10.0.0.1', () => {
    const found = detectCollisions([
      { key: 'key1', meshIp: '10.0.0.1' },
      { key: 'key2', meshIp: '10.0.0.2' },
      { key: 'key3', meshIp: '10.0.0.1' },
    ]);
    expect(found).toEqual([{ meshIp: '10.0.0.1', winner: 'key1', loser: 'key3' }]);
  });

  it('ignores repeats of one key and empty IPs', () => {
    expect(detectCollisions([
      { key: 'k', meshIp: '10.0.0.1' }, { key: 'k', meshIp: '10.0.0.1' }, { key: 'x', meshIp: '' }, { key: 'y', meshIp: '' },
    ])).toEqual([]);
  });

  it('the loser moves with the nonce-1 derivation', () => {
    const s = 'secret-that-is-long-enough!';
    const moved = deriveMeshIPv4({ meshSubnet: [42, 0] }, 'pubkey', s, { nonce: 1 });
    expect(moved).toBe('10.42.208.175');
  });
});

describe('meshIPv6Network / meshIPv6InPrefix', () => {
  it('formats the /64 and recognises addresses inside it', async () => {
    const { deriveMeshKeys } = await import('./derive');
    const { meshIPv6Network, meshIPv6InPrefix } = await import('./address');
    const keys = deriveMeshKeys('test-secret-that-is-long-enough');
    expect(meshIPv6Network(keys)).toBe('fd7d:16f8:63e5:1756::/64');
    expect(meshIPv6InPrefix('FD7D:16F8:63E5:1756:0E0A:5BF3:3EBE:0D7F', keys.meshPrefixV6)).toBe('fd7d:16f8:63e5:1756:e0a:5bf3:3ebe:d7f');
    expect(meshIPv6InPrefix('fd00::1', keys.meshPrefixV6)).toBeUndefined();
    expect(meshIPv6InPrefix('10.0.0.1', keys.meshPrefixV6)).toBeUndefined();
  });
});
