import { describe, expect, it } from 'vitest';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { toBase64, toBase64Url, toHex, utf8 } from '../../shared/mesh/encoding';
import { generateKeyPair } from '../engine/wireguard/keys';
import { isPublicIPv4, isPublicIPv6 } from './ip-class';
import { parseIPv4, parseIPv6 } from '../../shared/mesh/ip';
import { KEY_PLACEHOLDER, redactDiagnostics, Redactor, SECRET_PLACEHOLDER, secretForms } from './redact';

// A generated-style token: base64url payload after wgmesh://v1/.
const RAW = 'q2Vx8J0-Zk_3mPa1bC9dEf4GhIjKlMnOpQrStUvWxYz0123456789';
const TOKEN = `wgmesh://v1/${RAW}`;
const node = generateKeyPair();
const peer = generateKeyPair();
const ctx = { secrets: [TOKEN], publicKeys: [node.publicKey, peer.publicKey], keepNetworks: ['10.42.0.0/16', 'fd12:3456:789a:1::/64'] };

function redactOnce(text: string): string {
  return new Redactor(ctx).redact(text);
}

describe('secret redaction', () => {
  const decoded = Buffer.from(RAW, 'base64url');
  const keys = deriveMeshKeys(RAW);
  const forms: Record<string, string> = {
    token: TOKEN,
    'token with whitespace': `  ${TOKEN}\n`,
    raw: RAW,
    'raw utf8 base64': toBase64(utf8(RAW)),
    'raw utf8 base64 unpadded': toBase64(utf8(RAW)).replace(/=+$/, ''),
    'raw utf8 base64url': toBase64Url(utf8(RAW)),
    'raw utf8 hex': toHex(utf8(RAW)),
    'decoded payload base64': decoded.toString('base64'),
    'decoded payload hex': decoded.toString('hex'),
    'url-encoded token': encodeURIComponent(TOKEN),
    'derived psk': keys.pskBase64,
    'derived psk hex': toHex(keys.psk),
    'derived gossip key': toBase64(keys.gossipKey),
  };

  for (const [name, form] of Object.entries(forms)) {
    it(`removes the ${name}`, () => {
      const out = redactOnce(`before ${form} after "${form}" secret=${form}`);
      expect(out).not.toContain(RAW);
      expect(out).not.toContain(form.trim());
      expect(out).toContain('[redacted-');
    });
  }

  it('finds the forms for a raw (non-token) secret too, and counts occurrences', () => {
    const r = new Redactor({ secrets: ['correct horse battery staple'], publicKeys: [] });
    const out = r.redact('a correct horse battery staple b correct%20horse%20battery%20staple');
    expect(out).toBe(`a ${SECRET_PLACEHOLDER} b ${SECRET_PLACEHOLDER}`);
    expect(r.summary.secrets).toBe(2);
  });

  it('lists forms longest first and ignores forms too short to be safe to search', () => {
    const forms = secretForms(TOKEN);
    expect(forms[0]).toBe(forms.reduce((a, b) => (b.length > a.length ? b : a)));
    expect(forms.every((f) => f.length >= 8)).toBe(true);
    expect(forms).toContain(RAW);
    expect(forms).toContain(keys.pskBase64);
  });
});

describe('key redaction', () => {
  it('redacts private and preshared keys, keeps known public keys', () => {
    const psk = toBase64(new Uint8Array(32).fill(7));
    const text = `private_key: ${node.privateKey}\npublic_key: ${node.publicKey}\npeer ${peer.publicKey} psk=${psk}\n"presharedKey":"${peer.privateKey}"`;
    const r = new Redactor(ctx);
    const out = r.redact(text);
    expect(out).not.toContain(node.privateKey);
    expect(out).not.toContain(peer.privateKey);
    expect(out).not.toContain(psk);
    expect(out).toContain(node.publicKey);
    expect(out).toContain(peer.publicKey);
    expect(r.summary.keys).toBe(3);
  });

  it('redacts an unknown 44-character key even when it is labelled public', () => {
    const stranger = generateKeyPair().publicKey;
    expect(redactOnce(`public_key=${stranger}`)).toBe(`public_key=${KEY_PLACEHOLDER}`);
  });

  it('redacts hex keys of UAPI dumps by label', () => {
    const hex = 'ab'.repeat(32);
    expect(redactOnce(`private_key=${hex}\npreshared_key=${hex}\npublic_key=${hex}`))
      .toBe(`private_key=${KEY_PLACEHOLDER}\npreshared_key=${KEY_PLACEHOLDER}\npublic_key=${hex}`);
  });
});

describe('public address redaction', () => {
  it('replaces public IPv4 consistently across texts and keeps local ranges', () => {
    const r = new Redactor(ctx);
    const a = r.redact('endpoint 8.8.8.8:51820, then 1.1.1.1, then 8.8.8.8 again.');
    const b = r.redact('{"endpoint":"8.8.8.8:51820","lan":"192.168.1.23","mesh":"10.42.7.1"}');
    expect(a).toBe('endpoint [public-ipv4-1]:51820, then [public-ipv4-2], then [public-ipv4-1] again.');
    expect(b).toBe('{"endpoint":"[public-ipv4-1]:51820","lan":"192.168.1.23","mesh":"10.42.7.1"}');
    expect(r.summary.publicIPv4).toBe(2);
  });

  it('keeps private, loopback, link-local, CGNAT, documentation, multicast and broadcast IPv4', () => {
    const kept = ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '127.0.0.1', '169.254.1.1', '100.64.0.1',
      '100.127.255.254', '192.0.2.1', '198.51.100.7', '203.0.113.7', '239.192.1.2', '255.255.255.255', '0.0.0.0', '198.18.0.1'];
    for (const ip of kept) expect(redactOnce(`x ${ip}/24 y`), ip).toBe(`x ${ip}/24 y`);
    for (const ip of ['172.32.0.1', '100.128.0.1', '11.0.0.1', '203.0.114.1', '192.169.0.1']) {
      expect(redactOnce(`x ${ip}`), ip).toBe('x [public-ipv4-1]');
    }
  });

  it('replaces public IPv6 in every spelling with one placeholder, keeps ULA, link-local, mesh and documentation', () => {
    const r = new Redactor(ctx);
    const out = r.redact([
      'inet6 2a01:4f8:c0c:1234::1/64 scope global',
      'endpoint [2a01:4f8:c0c:1234::1]:51820',
      'long 2A01:04F8:0C0C:1234:0000:0000:0000:0001',
      'unbracketed 2a01:4f8:c0c:1234::1:51820',
      'other 2606:4700:4700::1111.',
      'kept fe80::1%eth0 fd12:3456:789a:1::5 ::1 fc00::1 ff02::1 2001:db8::1 :: 3fff::1',
      'mapped ::ffff:8.8.8.8 and ::ffff:10.0.0.1',
    ].join('\n'));
    expect(out).toBe([
      'inet6 [public-ipv6-1]/64 scope global',
      'endpoint [[public-ipv6-1]]:51820',
      'long [public-ipv6-1]',
      'unbracketed [public-ipv6-1]:51820',
      'other [public-ipv6-2].',
      'kept fe80::1%eth0 fd12:3456:789a:1::5 ::1 fc00::1 ff02::1 2001:db8::1 :: 3fff::1',
      'mapped [public-ipv6-3] and ::ffff:10.0.0.1',
    ].join('\n'));
    expect(r.summary.publicIPv6).toBe(3);
  });

  it('leaves times, MAC addresses, versions and words alone', () => {
    const text = '2026-11-25T06:00:00Z link/ether 52:54:00:12:34:56 nginx/1.22.1 v20.19.4 std::string a::b 6.1.0-18-amd64';
    expect(redactOnce(text)).toBe(text);
  });

  it('keeps addresses of the mesh networks even when they look public', () => {
    const r = new Redactor({ secrets: [], publicKeys: [], keepNetworks: ['44.0.0.0/16'] });
    expect(r.redact('44.0.1.2 45.0.1.2')).toBe('44.0.1.2 [public-ipv4-1]');
  });

  it('classifies by range', () => {
    const v4 = (s: string) => isPublicIPv4(parseIPv4(s) as Uint8Array);
    const v6 = (s: string) => isPublicIPv6(parseIPv6(s) as Uint8Array);
    expect([v4('8.8.8.8'), v4('100.63.255.255'), v4('100.64.0.0'), v4('224.0.0.1')]).toEqual([true, true, false, false]);
    expect([v6('2a00::1'), v6('fd00::1'), v6('64:ff9b::808:808'), v6('64:ff9b::a00:1'), v6('2001:2::1')]).toEqual([true, false, true, false, false]);
  });
});

describe('redactDiagnostics', () => {
  it('runs every section and the hostname through one redactor', () => {
    const out = redactDiagnostics({
      ...ctx, collectedAt: 1, hostname: '8.8.8.8', version: '0.1.0',
      sections: [{ name: 'a.txt', text: `8.8.8.8 ${RAW}` }, { name: 'b.json', text: `{"k":"${node.privateKey}","e":"8.8.8.8"}` }],
    });
    expect(out).toEqual({
      collectedAt: 1, hostname: '[public-ipv4-1]', version: '0.1.0',
      sections: { 'a.txt': `[public-ipv4-1] ${SECRET_PLACEHOLDER}`, 'b.json': `{"k":"${KEY_PLACEHOLDER}","e":"[public-ipv4-1]"}` },
      redactions: { secrets: 1, keys: 1, publicIPv4: 1, publicIPv6: 0 },
    });
  });
});
