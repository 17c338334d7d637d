import { describe, expect, it } from 'vitest';
import { defaultDiscovery, DiscoverySettings, parseServerAddress, parseServerList, ServerListError } from './discovery';

describe('discovery settings', () => {
  it('defaults are Go wgmesh defaults: LAN, DHT, IPv6 and punching on; introducer, gossip, force-relay off', () => {
    expect(defaultDiscovery()).toEqual({ lan: true, dht: true, ipv6: true, punching: true, introducer: false, gossip: false, forceRelay: false });
  });

  it('rejects unknown members (the control API allow-lists)', () => {
    expect(DiscoverySettings.safeParse({ lan: false, bogus: 1 }).success).toBe(false);
  });
});

describe('parseServerAddress', () => {
  it.each([
    ['198.51.100.1:3478', { host: '198.51.100.1', port: 3478 }],
    ['[2001:db8::1]:6881', { host: '2001:db8::1', port: 6881 }],
    ['router.bittorrent.com:6881', { host: 'router.bittorrent.com', port: 6881 }],
    [' stun.l.google.com:19302 ', { host: 'stun.l.google.com', port: 19302 }],
  ])('%s', (text, want) => expect(parseServerAddress(text)).toEqual(want));

  it.each([
    ['198.51.100.1', 'not host:port'], ['host:0', 'port'], ['host:65536', 'port'], ['2001:db8::1:3478', 'not host:port'],
    ['[198.51.100.1]:1', 'IPv6'], ['999.1.1.1:5', 'hostname or IPv4'], ['bad_name:5', 'hostname'], ['-x.example:5', 'hostname'], ['', 'not host:port'],
  ])('%j is refused (%s)', (text, why) => {
    expect(() => parseServerAddress(text, 'STUN server')).toThrow(ServerListError);
    expect(() => parseServerAddress(text, 'STUN server')).toThrow(why);
  });

  it('never echoes unprintable or huge input', () => {
    expect(() => parseServerAddress('a\u0000b:1')).toThrow(/^invalid server: /);
    expect(() => parseServerAddress(`${'a'.repeat(400)}:1`)).not.toThrow(/aaaa/);
  });
});

describe('parseServerList', () => {
  it('splits on commas, trims, drops empties and duplicates, brackets IPv6', () => {
    expect(parseServerList('a.example:1, [2001:DB8::1]:2,,a.example:1')).toEqual(['a.example:1', '[2001:db8::1]:2']);
    expect(parseServerList('')).toEqual([]);
  });
  it('caps the list', () => {
    expect(() => parseServerList(Array.from({ length: 17 }, (_, i) => `h${i}.example:1`))).toThrow('at most 16');
  });
});
