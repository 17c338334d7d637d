import { describe, expect, it } from 'vitest';
import { canonicalCidr, canonicalEndpoint } from './addr';
import { keyFromHex } from './keys';
import { UapiError, checkErrno, encodeSet, parseGet } from './uapi';

// Keys of the xplatform documentation example.
const privHex = 'e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a';
const peer1Hex = 'b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33';
const psk1Hex = '188515093e952f5f22e865cef3012e72f110f4d7a6bd5a1c1d2c6f2f62a1c58c';
const peer2Hex = '58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376';
const priv = keyFromHex(privHex);
const peer1 = keyFromHex(peer1Hex);
const psk1 = keyFromHex(psk1Hex);
const peer2 = keyFromHex(peer2Hex);

describe('encodeSet', () => {
  it('encodes device fields and every peer op (golden)', () => {
    const text = encodeSet({
      privateKey: priv,
      listenPort: 12912,
      replacePeers: true,
      peers: [
        {
          type: 'set', publicKey: peer1, presharedKey: psk1, endpoint: '[abcd:23::33%2]:51820',
          persistentKeepaliveInterval: 25, replaceAllowedIps: true, allowedIps: ['192.168.4.4/32', '10.0.0.1/8'],
        },
        { type: 'set', publicKey: peer2, updateOnly: true, endpoint: '182.122.22.19:3233', allowedIps: ['fd00:0::1'] },
        { type: 'remove', publicKey: peer1 },
      ],
    });
    expect(text).toBe([
      'set=1',
      `private_key=${privHex}`,
      'listen_port=12912',
      'replace_peers=true',
      `public_key=${peer1Hex}`,
      `preshared_key=${psk1Hex}`,
      'endpoint=[abcd:23::33%2]:51820',
      'persistent_keepalive_interval=25',
      'replace_allowed_ips=true',
      'allowed_ip=192.168.4.4/32',
      'allowed_ip=10.0.0.0/8',
      `public_key=${peer2Hex}`,
      'update_only=true',
      'endpoint=182.122.22.19:3233',
      'allowed_ip=fd00::1/128',
      `public_key=${peer1Hex}`,
      'remove=true',
      '',
      '',
    ].join('\n'));
  });

  it('encodes an empty set', () => {
    expect(encodeSet({})).toBe('set=1\n\n');
  });

  it.each([
    ['endpoint with a newline', { type: 'set' as const, publicKey: peer1, endpoint: '1.2.3.4:5\nprivate_key=00' }],
    ['host name endpoint', { type: 'set' as const, publicKey: peer1, endpoint: 'example.com:51820' }],
    ['endpoint without port', { type: 'set' as const, publicKey: peer1, endpoint: '1.2.3.4' }],
    ['port 0', { type: 'set' as const, publicKey: peer1, endpoint: '1.2.3.4:0' }],
    ['bad CIDR', { type: 'set' as const, publicKey: peer1, allowedIps: ['10.0.0.0/33'] }],
    ['CIDR with a newline', { type: 'set' as const, publicKey: peer1, allowedIps: ['10.0.0.0/8\nremove=true'] }],
    ['bad key', { type: 'remove' as const, publicKey: 'x\nremove=true' }],
    ['bad keepalive', { type: 'set' as const, publicKey: peer1, persistentKeepaliveInterval: 70000 }],
  ])('rejects %s', (_name, op) => {
    expect(() => encodeSet({ peers: [op] })).toThrow();
  });

  it('rejects a bad listen port', () => {
    expect(() => encodeSet({ listenPort: 65536 })).toThrow(/listen port/);
    expect(() => encodeSet({ listenPort: 1.5 })).toThrow(/listen port/);
  });
});

describe('parseGet', () => {
  const reply = [
    `private_key=${privHex}`,
    'listen_port=12912',
    'fwmark=0',
    `public_key=${peer1Hex}`,
    `preshared_key=${psk1Hex}`,
    'protocol_version=1',
    'endpoint=[abcd:23::33%2]:51820',
    'last_handshake_time_sec=1700000000',
    'last_handshake_time_nsec=123456789',
    'tx_bytes=38333',
    'rx_bytes=2224',
    'persistent_keepalive_interval=25',
    'allowed_ip=192.168.4.4/32',
    'allowed_ip=fd00::/64',
    `public_key=${peer2Hex}`,
    `preshared_key=${'0'.repeat(64)}`,
    'protocol_version=1',
    'last_handshake_time_sec=0',
    'last_handshake_time_nsec=0',
    'tx_bytes=0',
    'rx_bytes=0',
    'persistent_keepalive_interval=0',
    'errno=0',
    '',
    '',
  ].join('\n');

  it('parses device and peers', () => {
    const s = parseGet(reply);
    expect(s.privateKey).toBe(priv);
    expect(s.publicKey).toBe('wVMuGz01CPx+vDVPpnliDzPyhxSVQuaExnt7DYE2Kyk='); // per `wg pubkey`
    expect(s.listenPort).toBe(12912);
    expect(s.peers).toEqual([
      {
        publicKey: peer1, presharedKey: psk1, endpoint: '[abcd:23::33%2]:51820',
        allowedIps: ['192.168.4.4/32', 'fd00::/64'], persistentKeepaliveInterval: 25,
        lastHandshakeTime: 1_700_000_000_123, rxBytes: 2224, txBytes: 38333,
      },
      { publicKey: peer2, allowedIps: [], persistentKeepaliveInterval: 0, lastHandshakeTime: 0, rxBytes: 0, txBytes: 0 },
    ]);
  });

  it('parses a device without key or peers', () => {
    expect(parseGet('listen_port=0\nerrno=0\n\n')).toEqual({ listenPort: 0, peers: [] });
  });

  it('throws the errno', () => {
    expect(() => parseGet('errno=-22\n\n')).toThrow(UapiError);
    try {
      checkErrno('errno=22\n\n', 'set');
    } catch (e) {
      expect((e as UapiError).errno).toBe(22);
      expect((e as Error).message).toBe('WireGuard UAPI set failed: errno=22');
    }
    expect(() => checkErrno('listen_port=1\n')).toThrow(/without errno/);
    expect(() => checkErrno('errno=0\n\n')).not.toThrow();
  });
});

describe('address canonicalisation', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3/32'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['fd00:0:0::1', 'fd00::1/128'],
    ['FD00::1:2/64', 'fd00::/64'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ])('canonicalCidr(%s) = %s', (input, out) => {
    expect(canonicalCidr(input)).toBe(out);
  });

  it.each(['', '10.1.2', '10.0.0.0/', '10.0.0.0/x', 'fe80::1%eth0/64', '::/129', ' 10.0.0.1'])('canonicalCidr rejects %j', (bad) => {
    expect(() => canonicalCidr(bad)).toThrow(/invalid allowed IP/);
  });

  it.each([
    ['1.2.3.4:51820', '1.2.3.4:51820'],
    ['[2001:DB8:0::1]:1', '[2001:db8::1]:1'],
    ['[::ffff:1.2.3.4]:7', '1.2.3.4:7'],
    ['[fe80::1%eth0]:51820', '[fe80::1%eth0]:51820'],
  ])('canonicalEndpoint(%s) = %s', (input, out) => {
    expect(canonicalEndpoint(input)).toBe(out);
  });

  it.each(['1.2.3.4', '2001:db8::1:51820', '[1.2.3.4]:5', 'host:1', '1.2.3.4:65536', '[fe80::1%a b]:1', '1.2.3.4:5 '])(
    'canonicalEndpoint rejects %j', (bad) => {
      expect(() => canonicalEndpoint(bad)).toThrow(/invalid endpoint/);
    },
  );
});
