import { describe, expect, it } from 'vitest';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { fromHex, toHex } from '../../shared/mesh/encoding';
import { EnvelopeError, openEnvelope, sealEnvelope, sealedEnvelopeSize, type EnvelopeDropReason } from './envelope';
import { decodeAnnouncement, encodeAnnouncement } from './messages';

const KEY_B = deriveMeshKeys('wgmesh-envelope-compatibility-secret').gossipKey;
const KEY_A = deriveMeshKeys('test-secret-that-is-long-enough').gossipKey;
const T = 1_800_000_000;

// Spec 6.2: testdata/compat/envelope/v1.
const FIXTURE = '{"type":"ANNOUNCE","nonce":"cHh19v2qm0dR9mdg","ciphertext":"0sMbi/3mufY+tHfDIavjUIOc5uD0b1/ZdsvkVGSLKZiVxbJcHgPe+OLTRe+1MoN34gNzgsIM6xaqWgUytrzqrwenO1sE65bKhHadhi4NxZPa6P+buoiYz7UlXtqpWAhWwwvln/v6WqPryfEYt7HVNogVlRDJzKBAHbaqoPct0GpMsaIqmKIAbdPXGLmy090qimZ/R9Yj9qZ+3Afwx3OsmWTJIsW7e8x8V0EOoQuF8Izj1NKyOiHhJftPClQ9Hah9u+iSs93Vvw=="}';
const FIXTURE_HEX = '7b2274797065223a22414e4e4f554e4345222c226e6f6e6365223a2263486831397632716d306452396d6467'
  + '222c2263697068657274657874223a2230734d62692f336d7566592b744866444961766a55494f6335754430'
  + '62312f5a6473766b5647534c4b5a695678624a63486750652b4f4c5452652b314d6f4e3334674e7a6773494d'
  + '367861715767557974727a717277656e4f3173453635624b684861646869344e785a506136502b62756f6959'
  + '7a37556c58747170574168577777766c6e2f76365771507279664559743748564e6f67566c52444a7a4b4241'
  + '486261716f5063743047704d736149716d4b494162645058474c6d7930393071696d5a2f5239596a39715a2b'
  + '3341667778334f736d57544a49735737653878385630454f6f51754638497a6a314e4b794f6948684a667450'
  + '436c513948616839752b69537339335676773d3d227d';
const EXPECTED_JSON_PLAINTEXT = 'eyJwcm90b2NvbCI6IndnbWVzaC12MSIsIndnX3B1YmtleSI6IkFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE9IiwiaG9zdG5hbWUiOiJjb21wYXQtdjEiLCJtZXNoX2lwIjoiMTAuNDIuMC43Iiwid2dfZW5kcG9pbnQiOiIxMjcuMC4wLjE6NTE4MjAiLCJ0aW1lc3RhbXAiOjE4MDAwMDAwMDB9';
const PLAINTEXT = '{"protocol":"wgmesh-v1","wg_pubkey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","hostname":"compat-v1","mesh_ip":"10.42.0.7","wg_endpoint":"127.0.0.1:51820","timestamp":1800000000}';

// Spec 6.3.6.
const HELLO_PLAINTEXT = '{"protocol":"wgmesh-v1","wg_pubkey":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=","mesh_ip":"10.1.2.3","wg_endpoint":"0.0.0.0:51820","timestamp":1800000000}';
const HELLO_SEALED_HEX = 'f99829437d2cc3be058dc3c20071d3e993f05ab0c0354520db3c549cc18eddf6ada9cdd30cd94b24078c714f57eb6097f5d51dc514294f10485156006a9f4ac0201f0bdca981e856b7c79657bea59f66fe1c0e980976ed7006abb00a56c7acc29e74f88b36b44cadf6b61c1c54568e0d15e963daa5c5e76293629132e54f6dbdab36bf505a13522e0f7250c936aa441b88f702a3d748d6e79d6943b9883d732df5f30f130ad02b1975ee0a8d9a';
const HELLO_ENVELOPE = '{"type":"HELLO","nonce":"AAECAwQFBgcICQoL","ciphertext":"+ZgpQ30sw74FjcPCAHHT6ZPwWrDANUUg2zxUnMGO3fatqc3TDNlLJAeMcU9X62CX9dUdxRQpTxBIUVYAap9KwCAfC9ypgehWt8eWV76ln2b+HA6YCXbtcAarsApWx6zCnnT4iza0TK32thwcVFaODRXpY9qlxedik2KRMuVPbb2rNr9QWhNSLg9yUMk2qkQbiPcCo9dI1uedaUO5iD1zLfXzDxMK0CsZde4KjZo="}';
const NONCE = fromHex('000102030405060708090a0b');

function reasonOf(fn: () => unknown): EnvelopeDropReason | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof EnvelopeError) return err.reason;
    throw err;
  }
  return undefined;
}

const seal = (plaintext: string, key = KEY_B): Buffer => sealEnvelope(key, 'HELLO', plaintext, NONCE);

describe('compatibility fixture (spec 6.2)', () => {
  const datagram = Buffer.from(FIXTURE, 'utf8');

  it('fixture text, hex and size agree', () => {
    expect(toHex(datagram)).toBe(FIXTURE_HEX);
    expect(datagram).toHaveLength(330);
    expect(sealedEnvelopeSize('ANNOUNCE'.length, 183)).toBe(330);
    expect(Buffer.from(EXPECTED_JSON_PLAINTEXT, 'base64').toString('utf8')).toBe(PLAINTEXT);
    expect(toHex(KEY_B)).toBe('07480669f5e7c309b6612bbae2f0832ad6fb66fc06d4200c09706d084ec65355');
  });

  it('opens at 1800000001 and re-encodes byte for byte', () => {
    const opened = openEnvelope(KEY_B, datagram, T + 1);
    expect(opened.type).toBe('ANNOUNCE');
    const a = decodeAnnouncement(opened.payload);
    expect(a.hostname).toBe('compat-v1');
    expect(encodeAnnouncement(a)).toBe(PLAINTEXT);
    expect(Buffer.byteLength(PLAINTEXT)).toBe(183);
  });

  it.each([
    [600, undefined], [601, 'too-old'], [-600, undefined], [-601, 'in-future'],
  ] as const)('clock = ts %+d → %s', (d, reason) => {
    expect(reasonOf(() => openEnvelope(KEY_B, datagram, T + d))).toBe(reason);
  });

  it('truncates a fractional clock like Go Unix()', () => {
    expect(reasonOf(() => openEnvelope(KEY_B, datagram, T + 600.9))).toBeUndefined();
  });
});

describe('deterministic seal (spec 6.3.6)', () => {
  it('equals the Go serialisation', () => {
    const out = seal(HELLO_PLAINTEXT);
    expect(out.toString('utf8')).toBe(HELLO_ENVELOPE);
    // The spec says 175 / 191 bytes; the plaintext it prints is 157 bytes and its
    // ciphertext‖tag hex 173 bytes, and those are what the Go envelope carries.
    expect(Buffer.byteLength(HELLO_PLAINTEXT)).toBe(157);
    expect(HELLO_SEALED_HEX.length / 2).toBe(173);
    expect(out).toHaveLength(sealedEnvelopeSize(5, 157));
    const ct = JSON.parse(HELLO_ENVELOPE) as { ciphertext: string };
    expect(Buffer.from(ct.ciphertext, 'base64').toString('hex')).toBe(HELLO_SEALED_HEX);
  });

  it('accepts bytes and opens at 1800000000', () => {
    const out = sealEnvelope(KEY_B, 'HELLO', new TextEncoder().encode(HELLO_PLAINTEXT), NONCE);
    expect(out.toString('utf8')).toBe(HELLO_ENVELOPE);
    const opened = openEnvelope(KEY_B, out, T);
    expect(opened.type).toBe('HELLO');
    expect(opened.payload).toMatchObject({ mesh_ip: '10.1.2.3', timestamp: T });
  });

  it('random nonces differ and still open', () => {
    const a = sealEnvelope(KEY_B, 'HELLO', HELLO_PLAINTEXT);
    const b = sealEnvelope(KEY_B, 'HELLO', HELLO_PLAINTEXT);
    expect(a.equals(b)).toBe(false);
    expect(openEnvelope(KEY_B, a, T).type).toBe('HELLO');
  });

  it('refuses bad key and nonce sizes', () => {
    expect(() => sealEnvelope(KEY_B.subarray(0, 16), 'HELLO', '{}')).toThrow(TypeError);
    expect(() => sealEnvelope(KEY_B, 'HELLO', '{}', NONCE.subarray(0, 11))).toThrow(TypeError);
  });
});

describe('openEnvelope rejections', () => {
  const env = JSON.parse(HELLO_ENVELOPE) as { type: string; nonce: string; ciphertext: string };
  const outer = (o: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(o));

  it('tampered ciphertext and wrong key → auth-failed', () => {
    const bytes = Buffer.from(env.ciphertext, 'base64');
    bytes[3] = (bytes[3] ?? 0) ^ 1;
    expect(reasonOf(() => openEnvelope(KEY_B, outer({ ...env, ciphertext: bytes.toString('base64') }), T))).toBe('auth-failed');
    expect(reasonOf(() => openEnvelope(KEY_A, Buffer.from(HELLO_ENVELOPE), T))).toBe('auth-failed');
    expect(reasonOf(() => openEnvelope(KEY_B, outer({ ...env, ciphertext: 'AAAA' }), T))).toBe('auth-failed');
  });

  it('base64 must be padded standard alphabet', () => {
    expect(reasonOf(() => openEnvelope(KEY_B, outer({ ...env, ciphertext: env.ciphertext.replace(/=+$/, '') }), T))).toBe('bad-base64');
    const url = Buffer.from(env.ciphertext, 'base64').toString('base64url') + '=';
    expect(reasonOf(() => openEnvelope(KEY_B, outer({ ...env, ciphertext: url }), T))).toBe('bad-base64');
    expect(reasonOf(() => openEnvelope(KEY_B, outer({ ...env, nonce: 'AAECAwQFBgcICQo' }), T))).toBe('bad-base64');
  });

  it('nonce must be 12 bytes', () => {
    expect(reasonOf(() => openEnvelope(KEY_B, outer({ ...env, nonce: Buffer.alloc(11).toString('base64') }), T))).toBe('bad-nonce');
    expect(reasonOf(() => openEnvelope(KEY_B, outer({ type: 'HELLO', ciphertext: env.ciphertext }), T))).toBe('bad-nonce');
  });

  it('oversized datagrams are dropped before parsing', () => {
    expect(reasonOf(() => openEnvelope(KEY_B, Buffer.alloc(65537, 0x20), T))).toBe('oversized');
    expect(reasonOf(() => openEnvelope(KEY_B, Buffer.alloc(65536, 0x20), T))).toBe('bad-json');
  });

  it.each(['', 'not json', '[]', 'null', '"x"', `${HELLO_ENVELOPE}x`, '{"type":5,"nonce":"AAECAwQFBgcICQoL","ciphertext":""}'])(
    'bad outer JSON %j',
    (text) => {
      expect(reasonOf(() => openEnvelope(KEY_B, Buffer.from(text), T))).toBe('bad-json');
    },
  );

  it('accepts any member order, whitespace and case', () => {
    const text = ` { "Ciphertext" : "${env.ciphertext}" ,\n "NONCE":"${env.nonce}", "type":"HELLO", "extra": [1] } `;
    expect(openEnvelope(KEY_B, Buffer.from(text), T).type).toBe('HELLO');
  });

  it('timestamp must be an integer literal', () => {
    const base = '{"protocol":"wgmesh-v1","wg_pubkey":"x","timestamp":';
    expect(reasonOf(() => openEnvelope(KEY_B, seal(`${base}1.8e9}`), T))).toBe('bad-payload');
    expect(reasonOf(() => openEnvelope(KEY_B, seal(`${base}1800000000.0}`), T))).toBe('bad-payload');
    expect(reasonOf(() => openEnvelope(KEY_B, seal(`${base}1.5e9}`), T))).toBe('bad-payload');
    expect(reasonOf(() => openEnvelope(KEY_B, seal(`${base}"1800000000"}`), T))).toBe('bad-payload');
    expect(reasonOf(() => openEnvelope(KEY_B, seal(`${base}99999999999999999999}`), T))).toBe('bad-payload');
    expect(reasonOf(() => openEnvelope(KEY_B, seal(`${base} 1800000000 }`), T))).toBeUndefined();
    expect(reasonOf(() => openEnvelope(KEY_B, seal('{"protocol":"wgmesh-v1"}'), T))).toBe('too-old');
    expect(reasonOf(() => openEnvelope(KEY_B, seal('{"protocol":"wgmesh-v1","timestamp":null}'), T))).toBe('too-old');
  });

  it('protocol must be exactly wgmesh-v1', () => {
    expect(reasonOf(() => openEnvelope(KEY_B, seal('{"protocol":"wgmesh-v2","timestamp":1800000000}'), T))).toBe('bad-protocol');
    expect(reasonOf(() => openEnvelope(KEY_B, seal('{"protocol":"WGMESH-V1","timestamp":1800000000}'), T))).toBe('bad-protocol');
    expect(reasonOf(() => openEnvelope(KEY_B, seal('{"timestamp":1800000000}'), T))).toBe('bad-protocol');
    expect(reasonOf(() => openEnvelope(KEY_B, seal('{"protocol":1,"timestamp":1800000000}'), T))).toBe('bad-payload');
    expect(reasonOf(() => openEnvelope(KEY_B, seal('{"PROTOCOL":"wgmesh-v1","TimeStamp":1800000000}'), T))).toBeUndefined();
  });

  it('plaintext must be a JSON object', () => {
    for (const p of ['[]', 'null', 'garbage', '{"protocol":"wgmesh-v1","timestamp":1800000000} x']) {
      expect(reasonOf(() => openEnvelope(KEY_B, seal(p), T))).toBe('bad-payload');
    }
  });

  it('error messages carry no key material', () => {
    try {
      openEnvelope(KEY_A, Buffer.from(HELLO_ENVELOPE), T);
    } catch (err) {
      expect(String(err)).not.toContain(toHex(KEY_A));
      expect(String(err)).toContain('auth-failed');
    }
  });
});
