import { describe, expect, it } from 'vitest';
import {
  classifyNat, decodeBindingRequest, decodeBindingResponse, encodeBindingRequest, encodeBindingResponse, StunError,
  type Mapped,
} from './stun-codec';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const TX = hex('0102030405060708090a0b0c');
const TX6 = hex('aabbccddeeff112233445566');

/** Spec 6.1.6, byte for byte. */
const V4_XOR = hex('0101000c2112a4420102030405060708090a0b0c' + '002000080001eb7ee721c043');
const V6_XOR = hex('010100182112a442aabbccddeeff112233445566' + '002000140002eb7e0113a9faaabbccddeeff112233445567');
const V4_MAPPED = hex('0101000c2112a4420102030405060708090a0b0c' + '0001000800013039cb007105');

function reason(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof StunError) return err.reason;
    throw err;
  }
  return 'no error';
}

describe('spec 6.1.6 vectors', () => {
  it('Binding Request', () => {
    expect(toHex(encodeBindingRequest(TX))).toBe('000100002112a4420102030405060708090a0b0c');
  });

  it('XOR-MAPPED IPv4 198.51.100.1:51820 (decode and encode)', () => {
    expect(decodeBindingResponse(V4_XOR, TX)).toEqual({ ip: '198.51.100.1', port: 51820 });
    expect(toHex(encodeBindingResponse(TX, { ip: '198.51.100.1', port: 51820 }))).toBe(toHex(V4_XOR));
  });

  it('XOR-MAPPED IPv6 [2001:db8::1]:51820 (decode and encode)', () => {
    expect(decodeBindingResponse(V6_XOR, TX6)).toEqual({ ip: '2001:db8::1', port: 51820 });
    expect(toHex(encodeBindingResponse(TX6, { ip: '2001:db8::1', port: 51820 }))).toBe(toHex(V6_XOR));
  });

  it('MAPPED-ADDRESS 203.0.113.5:12345 (decode and encode)', () => {
    expect(decodeBindingResponse(V4_MAPPED, TX)).toEqual({ ip: '203.0.113.5', port: 12345 });
    expect(toHex(encodeBindingResponse(TX, { ip: '203.0.113.5', port: 12345 }, { attributes: ['mapped'] }))).toBe(toHex(V4_MAPPED));
  });

  it('1-byte response, type 0x0111, Binding Response with no attributes → error', () => {
    expect(reason(() => decodeBindingResponse(hex('01'), TX))).toBe('too-short');
    expect(reason(() => decodeBindingResponse(hex('011100002112a4420102030405060708090a0b0c'), TX))).toBe('bad-type');
    expect(reason(() => decodeBindingResponse(hex('010100002112a4420102030405060708090a0b0c'), TX))).toBe('no-mapped-address');
  });

  const A: Mapped = { ip: '203.0.113.1', port: 51820 };
  it.each([
    ['both reflect 203.0.113.1:51820', A, A, { natType: 'cone', endpointIp: '203.0.113.1', mappedPort: 51820 }],
    ['different port', A, { ip: '203.0.113.1', port: 62000 }, { natType: 'symmetric', endpointIp: '203.0.113.1', mappedPort: 51820 }],
    ['different IP', A, { ip: '198.51.100.1', port: 51820 }, { natType: 'symmetric', endpointIp: '203.0.113.1', mappedPort: 51820 }],
    ['second silent', A, null, { natType: 'unknown', endpointIp: '203.0.113.1', mappedPort: 51820 }],
    ['first silent (server 2 gives the endpoint)', null, A, { natType: 'unknown', endpointIp: '203.0.113.1', mappedPort: 51820 }],
    ['both silent', null, null, null],
  ] as const)('classifyNat: %s', (_name, first, second, want) => {
    expect(classifyNat(first, second)).toEqual(want);
  });
});

describe('decodeBindingResponse checks', () => {
  it('rejects another cookie, another transaction, and a length that does not cover the datagram', () => {
    const badCookie = V4_XOR.slice();
    badCookie[4] = 0x21 ^ 1;
    expect(reason(() => decodeBindingResponse(badCookie, TX))).toBe('bad-cookie');
    expect(reason(() => decodeBindingResponse(V4_XOR, TX6))).toBe('transaction-mismatch');
    expect(reason(() => decodeBindingResponse(V4_XOR.subarray(0, 28), TX))).toBe('bad-length');
    expect(reason(() => decodeBindingResponse(Uint8Array.from([...V4_XOR, 0, 0, 0, 0]), TX))).toBe('bad-length');
    const odd = V4_XOR.slice();
    odd[3] = 0x0a; // 10: not a multiple of 4
    expect(reason(() => decodeBindingResponse(odd.subarray(0, 30), TX))).toBe('bad-length');
  });

  it('rejects an attribute whose length (with padding) overruns the message', () => {
    const over = V4_XOR.slice();
    over[23] = 0x09; // value length 9 → 12 padded, only 8 present
    expect(reason(() => decodeBindingResponse(over, TX))).toBe('attribute-overrun');
    const huge = V4_XOR.slice();
    huge[22] = 0xff;
    expect(reason(() => decodeBindingResponse(huge, TX))).toBe('attribute-overrun');
  });

  it('walks padded unknown attributes and prefers XOR-MAPPED-ADDRESS even when MAPPED comes first', () => {
    const both = encodeBindingResponse(TX, { ip: '192.0.2.7', port: 4000 }, { attributes: ['mapped', 'xor-mapped'] });
    expect(decodeBindingResponse(both, TX)).toEqual({ ip: '192.0.2.7', port: 4000 });
    // SOFTWARE (0x8022) with a 5-byte value (3 bytes padding) in front, then MAPPED with another address.
    const software = hex('80220005' + '6162636465' + '000000');
    const mapped = encodeBindingResponse(TX, { ip: '192.0.2.8', port: 5000 }, { attributes: ['mapped'] }).subarray(20);
    const body = Uint8Array.from([...software, ...mapped]);
    const msg = Uint8Array.from([...hex('0101' + body.length.toString(16).padStart(4, '0') + '2112a442'), ...TX, ...body]);
    expect(decodeBindingResponse(msg, TX)).toEqual({ ip: '192.0.2.8', port: 5000 });
  });

  it('skips an address attribute with an unknown family or size and falls back to MAPPED-ADDRESS', () => {
    const msg = encodeBindingResponse(TX, { ip: '192.0.2.9', port: 6000 }, { attributes: ['xor-mapped', 'mapped'] });
    msg[25] = 0x03; // XOR-MAPPED family 3
    expect(decodeBindingResponse(msg, TX)).toEqual({ ip: '192.0.2.9', port: 6000 });
    msg[37] = 0x02; // MAPPED family says IPv6 but carries 4 bytes
    expect(() => decodeBindingResponse(msg, TX)).toThrow(/no usable mapped address.*family 2/);
  });

  it('decodes an IPv4-mapped IPv6 XOR address as dotted IPv4 (as Go prints it)', () => {
    const msg = encodeBindingResponse(TX6, { ip: '2001:db8::1', port: 1 });
    const key = hex('2112a442aabbccddeeff112233445566');
    const mappedV6 = hex('00000000000000000000ffffc0000201');
    for (let i = 0; i < 16; i++) msg[28 + i] = (mappedV6[i] ?? 0) ^ (key[i] ?? 0);
    expect(decodeBindingResponse(msg, TX6)).toEqual({ ip: '192.0.2.1', port: 1 });
  });

  it('encodes an IPv4-mapped address as IPv4 and refuses bad input', () => {
    expect(toHex(encodeBindingResponse(TX, { ip: '::ffff:198.51.100.1', port: 51820 }))).toBe(toHex(V4_XOR));
    expect(() => encodeBindingResponse(TX, { ip: 'nope', port: 1 })).toThrow(RangeError);
    expect(() => encodeBindingResponse(TX, { ip: '1.2.3.4', port: 70000 })).toThrow(RangeError);
    expect(() => encodeBindingRequest(new Uint8Array(11))).toThrow(RangeError);
  });
});

describe('decodeBindingRequest', () => {
  it('returns the transaction ID of a request and refuses responses and garbage', () => {
    expect(toHex(decodeBindingRequest(encodeBindingRequest(TX)))).toBe(toHex(TX));
    const withAttr = Uint8Array.from([...hex('000100082112a442'), ...TX, ...hex('8022000461626364')]);
    expect(toHex(decodeBindingRequest(withAttr))).toBe(toHex(TX));
    expect(reason(() => decodeBindingRequest(V4_XOR))).toBe('bad-type');
    expect(reason(() => decodeBindingRequest(hex('0001')))).toBe('too-short');
  });
});

describe('malformed input only ever throws StunError (never reads out of bounds)', () => {
  // A small deterministic PRNG so a failure is reproducible.
  let seed = 0x5eed;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand(256));
  const mustOnlyThrowStunError = (msg: Uint8Array, tx: Uint8Array) => {
    try {
      const m = decodeBindingResponse(msg, tx);
      expect(typeof m.ip).toBe('string');
      expect(m.port).toBeGreaterThanOrEqual(0);
      expect(m.port).toBeLessThanOrEqual(65535);
    } catch (err) {
      expect(err).toBeInstanceOf(StunError);
    }
    try {
      decodeBindingRequest(msg);
    } catch (err) {
      expect(err).toBeInstanceOf(StunError);
    }
  };

  it('random bytes, with and without a valid-looking header', () => {
    for (let i = 0; i < 3000; i++) {
      const body = bytes(rand(64));
      mustOnlyThrowStunError(bytes(rand(80)), TX);
      const framed = Uint8Array.from([...hex('0101' + body.length.toString(16).padStart(4, '0') + '2112a442'), ...TX, ...body]);
      mustOnlyThrowStunError(framed, TX);
    }
  });

  it('every truncation and single/multiple bit flips of valid responses', () => {
    const valid: [Uint8Array, Uint8Array][] = [
      [V4_XOR, TX], [V6_XOR, TX6], [V4_MAPPED, TX],
      [encodeBindingResponse(TX, { ip: '2001:db8::7', port: 9 }, { attributes: ['mapped', 'xor-mapped'] }), TX],
    ];
    for (const [msg, tx] of valid) {
      for (let n = 0; n < msg.length; n++) expect(() => decodeBindingResponse(msg.subarray(0, n), tx)).toThrow(StunError);
      for (let bit = 0; bit < msg.length * 8; bit++) {
        const flipped = msg.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        mustOnlyThrowStunError(flipped, tx);
      }
      for (let i = 0; i < 2000; i++) {
        const m = msg.slice();
        for (let k = 1 + rand(4); k > 0; k--) m[rand(m.length)] = rand(256);
        mustOnlyThrowStunError(m, tx);
      }
    }
  });
});
