// /proc/net/tcp and tcp6 parsing on fixture text (copied from a Linux machine, then extended):
// IPv4, IPv6, IPv4-mapped, wildcards, non-listening and malformed lines, both byte orders.
import { describe, expect, it } from 'vitest';
import { decodeProcAddress, parseProcNetTcp } from './proc-net-tcp';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1102 1 00000000d3019ff6 100 0 0 10 0
   1: 0100007F:46CB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23061 1 0000000095afa55f 100 0 0 10 0
   2: 1701A8C0:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 30001 1 0000000000000000 100 0 0 10 0
   3: 0100007F:46CB 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 23099 1 0000000000000000 20 4 30 10 -1
   4: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
   5: garbage
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:46CC 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23062 1 000000005ecf3449 100 0 0 10 0
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4401 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4402 1 0000000000000000 100 0 0 10 0
   3: 420000FD000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4403 1 0000000000000000 100 0 0 10 0
`;

describe('parseProcNetTcp', () => {
  it('reads IPv4 listeners: wildcard, loopback, a LAN address; skips other states, inode 0 lines keep their port', () => {
    expect(parseProcNetTcp(TCP, 4, true)).toEqual([
      { address: '0.0.0.0', port: 2024, family: 4, inode: '1102' },
      { address: '127.0.0.1', port: 18123, family: 4, inode: '23061' },
      { address: '192.168.1.23', port: 80, family: 4, inode: '30001' },
      { address: '127.0.0.1', port: 8080, family: 4, inode: '0' },
    ]);
  });

  it('reads IPv6 listeners: wildcard, ::1, a ULA; an IPv4-mapped bind counts as IPv4', () => {
    expect(parseProcNetTcp(TCP6, 6, true)).toEqual([
      { address: '::', port: 18124, family: 6, inode: '23062' },
      { address: '::1', port: 631, family: 6, inode: '4401' },
      { address: '127.0.0.1', port: 3000, family: 4, inode: '4402' },
      { address: 'fd00:42::1', port: 8080, family: 6, inode: '4403' },
    ]);
  });

  it('refuses an address of the other family and lines without a port', () => {
    expect(parseProcNetTcp(TCP6, 4, true)).toEqual([]);
    expect(parseProcNetTcp('0: 0100007F:0000 00000000:0000 0A 0 0 0 0 0 7', 4, true)).toEqual([]);
    expect(parseProcNetTcp('', 4)).toEqual([]);
  });
});

describe('decodeProcAddress', () => {
  it('reverses each 32-bit word on little-endian machines and keeps it on big-endian ones', () => {
    expect([...decodeProcAddress('0100007F', true)!]).toEqual([127, 0, 0, 1]);
    expect([...decodeProcAddress('7F000001', false)!]).toEqual([127, 0, 0, 1]);
    expect([...decodeProcAddress('00000000000000000000000001000000', true)!].slice(12)).toEqual([0, 0, 0, 1]);
    expect([...decodeProcAddress('FD000042000000000000000000000001', false)!].slice(0, 4)).toEqual([0xfd, 0, 0, 0x42]);
  });

  it('returns null for malformed text', () => {
    for (const bad of ['', '0100007', 'ZZ00007F', '0'.repeat(31), '0'.repeat(16)]) expect(decodeProcAddress(bad, true)).toBeNull();
  });
});
