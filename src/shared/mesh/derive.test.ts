import { EXPECTED_STATUS_C, SECRET_C } from '../../../test/fixtures/wgmesh-status';
import { describe, expect, it } from 'vitest';
import { deriveMeshKeys, hourlyInfohash, meshStatusInfo } from './derive';
import { toBase64, toHex } from './encoding';
import { parseSecret, SecretError } from './secret';

const A = 'test-secret-that-is-long-enough';
const B = 'wgmesh-envelope-compatibility-secret';
const C = parseSecret(SECRET_C);
const D = 'wgmesh-test-secret-long-enough-for-key-derivation';
const E = '0123456789abcdef';
const T = 1_800_000_000;

interface Vector {
  name: string;
  secret: string;
  networkId: string;
  gossipKey: string;
  subnet: string;
  s: [number, number];
  prefixV6: string;
  mcast: string;
  group: string;
  psk?: string;
  pskB64: string;
  port: number;
  rv: string;
  membership?: string;
  epoch?: string;
  hour: [string, string];
}

// Spec 6.3.1, every value of every secret.
const vectors: Vector[] = [
  {
    name: 'A', secret: A, networkId: '99a6ba99fb00b3bf3288ec61cd973158aacc2ca7',
    gossipKey: '2f285cecd46ef8f8b4aade3c7991fc17586f5d41d4adb3e26cd6b7196c3f4461', subnet: '1436', s: [20, 54],
    prefixV6: 'fd7d16f863e51756', mcast: '3035f554', group: '239.192.48.53',
    psk: '97e07f060945788b4992c13ef3b1ae898aa52560d1dad7d9fff16fa973f58d6b', pskB64: 'l+B/BglFeItJksE+87GuiYqlJWDR2tfZ//FvqXP1jWs=',
    port: 52316, rv: 'e70a3b3785126e17',
    membership: 'adb6bae5f8e8bc5f40d4b12887e9911ba5b8c36961fb259de835c7fbe88b01b8',
    epoch: '20bb060ce68dd2c0e23918d44efe7e8a88f8190ed6e3a2c1b892e4323dae489b',
    hour: ['01235bf650cb1e5b850888f74de233a7fa0c404a', '4e9169a0b22417ab477de2a94a620f7097cc1423'],
  },
  {
    name: 'B', secret: B, networkId: 'a11c420b66cd787720420527847303364af1baf1',
    gossipKey: '07480669f5e7c309b6612bbae2f0832ad6fb66fc06d4200c09706d084ec65355', subnet: 'd615', s: [214, 21],
    prefixV6: 'fd61b957378d4e94', mcast: '6178aec7', group: '239.192.97.120',
    psk: 'b087e34b60ee547d52ef3d7a9a89d151555417d7132cb691dffb4a8510b45c98', pskB64: 'sIfjS2DuVH1S7z16monRUVVUF9cTLLaR3/tKhRC0XJg=',
    port: 52527, rv: '6bbd569752ecb4dd',
    membership: 'd7a003a503848642dc0ac6e9d12567537520b168d6746809f26b75e1729248b9',
    epoch: '562740fd68ee47f084283c46b7c54bb53f1633c19c9522ee21b64b76f035f46c',
    hour: ['3a63cbc1a2fb8e685d7ee10b187183a925270ffd', 'aea2f8816fef05bf4460f616f744240e93012b5d'],
  },
  {
    name: 'C', secret: C, networkId: '70565bbf619314afaf9a4a8a6196ff22e7f495a0',
    gossipKey: '420ea829481e60b7632d8ff5eb47671f7464580418641fd36bbcfe9eff4f808c', subnet: 'bcc3', s: [188, 195],
    prefixV6: 'fd30406d245cdfb5', mcast: '1b465f68', group: '239.192.27.70',
    psk: '8d1cff01ab78060ba5c987e490957e970ad4cec2f56d09785eb4b7d92ac18a30', pskB64: 'jRz/Aat4BgulyYfkkJV+lwrUzsL1bQl4XrS32SrBijA=',
    port: 52613, rv: '259567bb7cfcd703',
    membership: 'cf3db573db2e7563a20a31abc315268a265bc42a1939a8528a3103e2890815fb',
    epoch: 'fba098b199065aa9b3d55c2de4e7f7a68b93e798466e073e1a1a8e8864fe643f',
    hour: ['d5b5800438f0425efd7701aa285f4c84f9589155', 'c3821454a54c465ad3d7bf1289efa2d3067e874b'],
  },
  {
    name: 'D', secret: D, networkId: 'eba0f649f1a343bf016d75da5be966a007cb95c2',
    gossipKey: '217e11a139a772cefc7b68674fb8b4aba8d655b75d0cc32d631180f160416f29', subnet: '9e34', s: [158, 52],
    prefixV6: 'fd3f6f48952076bd', mcast: '0762d6de', group: '239.192.7.98',
    pskB64: 'DF93QPnM+P7eGyurYUNt1WFWcu2mEcqc+u3LFDmgdWM=', port: 52693, rv: '7478c20705623a37',
    hour: ['9b2fa3e9aa549ecbbd656ba9ad35fe12bb8e4a81', 'f6b1b8450e1b5282c3ebf1afde8442d265f5928f'],
  },
  {
    name: 'E', secret: E, networkId: '9f9f5111f7b27a781f1f1ddde5ebc2dd2b796bfc',
    gossipKey: 'e250659804d58c2edde7f8c4d6e1536116c66aca745094e343a77093d2c275a4', subnet: '08bf', s: [8, 191],
    prefixV6: 'fd8bb7cf8528a736', mcast: 'fb91574b', group: '239.192.251.145',
    pskB64: 'nY74SqSZMf8Dop39XNhAMKtetem+f6wHuj8mX6Ef3uM=', port: 51932, rv: '2b3d4415bc45841e',
    hour: ['93a98f6d6d2d2c8f34a3e9ca0235f3d41dc470d1', 'b721b971778a49635a290619b530ffc7a05ab0ca'],
  },
];

describe('deriveMeshKeys (spec 6.3.1)', () => {
  it.each(vectors)('secret $name', (v) => {
    const k = deriveMeshKeys(v.secret);
    expect(toHex(k.networkId)).toBe(v.networkId);
    expect(toHex(k.gossipKey)).toBe(v.gossipKey);
    expect(k.meshSubnet).toEqual(v.s);
    expect(toHex(Uint8Array.from(k.meshSubnet))).toBe(v.subnet);
    expect(toHex(k.meshPrefixV6)).toBe(v.prefixV6);
    expect(toHex(k.multicastId)).toBe(v.mcast);
    expect(k.multicastGroup).toBe(v.group);
    if (v.psk) expect(toHex(k.psk)).toBe(v.psk);
    expect(k.pskBase64).toBe(v.pskB64);
    expect(toBase64(k.psk)).toBe(v.pskB64);
    expect(k.gossipPort).toBe(v.port);
    expect(k.dhtPort).toBe(v.port + 1);
    expect(k.probePort).toBe(v.port + 2000);
    expect(toHex(k.rendezvousId)).toBe(v.rv);
    if (v.membership) expect(toHex(k.membershipKey)).toBe(v.membership);
    if (v.epoch) expect(toHex(k.epochSeed)).toBe(v.epoch);
    expect(k.meshId).toBe(v.networkId.slice(0, 12));
    expect(toHex(hourlyInfohash(v.secret, T))).toBe(v.hour[0]);
    expect(toHex(hourlyInfohash(v.secret, T - 3600))).toBe(v.hour[1]);
  });

  it('secret A: derived ports and subnet text', () => {
    const k = deriveMeshKeys(A);
    expect([k.gossipPort, k.dhtPort, k.probePort]).toEqual([52316, 52317, 54316]);
    expect(`10.${k.meshSubnet[0]}.0.0/16`).toBe('10.20.0.0/16');
  });

  it('refuses a secret under 16 bytes (DeriveKeys("short"))', () => {
    expect(() => deriveMeshKeys('short')).toThrow(SecretError);
  });
});

describe('derivation properties (spec 6.1.2)', () => {
  it('gossip port in [51821, 52821), rendezvous id 8 non-zero bytes', () => {
    for (const v of vectors) {
      const k = deriveMeshKeys(v.secret);
      expect(k.gossipPort).toBeGreaterThanOrEqual(51821);
      expect(k.gossipPort).toBeLessThan(52821);
      expect(k.rendezvousId).toHaveLength(8);
      expect(k.rendezvousId.some((b) => b !== 0)).toBe(true);
    }
  });

  it('mesh id: 12 hex chars, deterministic, differs between secrets', () => {
    expect(deriveMeshKeys(A).meshId).toMatch(/^[0-9a-f]{12}$/);
    expect(deriveMeshKeys(A).meshId).toBe(deriveMeshKeys(A).meshId);
    expect(deriveMeshKeys(A).meshId).not.toBe(deriveMeshKeys(B).meshId);
  });

  it('hourly id: equal within the hour, different for the previous hour', () => {
    const start = 500_000 * 3600;
    expect(hourlyInfohash(A, start + 1800)).toEqual(hourlyInfohash(A, start));
    expect(hourlyInfohash(A, start + 3599)).toEqual(hourlyInfohash(A, start));
    expect(hourlyInfohash(A, start - 1)).not.toEqual(hourlyInfohash(A, start));
    expect(hourlyInfohash(A, start)).toHaveLength(20);
  });
});

describe('meshStatusInfo (spec 5.4, 6.1.1, 6.3.1)', () => {
  it('URI test secret C matches the expected status JSON', () => {
    const info = meshStatusInfo(C);
    expect(JSON.stringify({ ...info, service_status: 'inactive' }, null, 2) + '\n').toBe(EXPECTED_STATUS_C);
  });

  it('secret A prefix and a custom subnet in canonical form', () => {
    expect(meshStatusInfo(A).mesh_ipv6_prefix).toBe('fd7d:16f8:63e5:1756::/64');
    expect(meshStatusInfo(A).mesh_subnet).toBe('10.20.0.0/16');
    expect(meshStatusInfo(C, { meshSubnet: '192.168.100.0/24' }).mesh_subnet).toBe('192.168.100.0/24');
    expect(meshStatusInfo(C, { meshSubnet: '192.168.100.77/24' }).mesh_subnet).toBe('192.168.100.0/24');
    expect(meshStatusInfo(C, { interfaceName: 'cloudroof0' }).interface).toBe('cloudroof0');
  });

  it('never compresses zero groups of the prefix', () => {
    // E's prefix has no zero group; check the format on every vector instead.
    for (const v of vectors) expect(meshStatusInfo(v.secret).mesh_ipv6_prefix).toMatch(/^([0-9a-f]{4}:){4}:\/64$/);
  });

  it('rejects an invalid custom subnet', () => {
    expect(() => meshStatusInfo(C, { meshSubnet: 'not-a-cidr' })).toThrow(/mesh subnet/);
  });
});
