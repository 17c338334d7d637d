import { describe, expect, it } from 'vitest';
import { snakeKeys, toJsonLine, toJsonOutput, toSnakeCase } from './json-case';

describe('toSnakeCase', () => {
  it.each([
    ['meshIPv4', 'mesh_ipv4'],
    ['meshIPv6', 'mesh_ipv6'],
    ['publicKey', 'public_key'],
    ['rxBytes', 'rx_bytes'],
    ['lastHandshakeTime', 'last_handshake_time'],
    ['protocolVersion', 'protocol_version'],
    ['latencyMs', 'latency_ms'],
    ['interface', 'interface'],
    ['already_snake', 'already_snake'],
    ['mesh_ipv6_prefix', 'mesh_ipv6_prefix'],
    ['v4Address', 'v4_address'],
  ])('%s → %s', (input, output) => {
    expect(toSnakeCase(input)).toBe(output);
  });
});

describe('snakeKeys', () => {
  it('converts keys recursively, through arrays, leaving values alone', () => {
    const input = {
      peerCount: 1,
      lastError: { code: 'busy', message: 'camelCase stays in values' },
      counters: { dropped: { badMac: 2 } },
      peers: [{ publicKey: 'k', discoveredVia: ['lanMulticast'], lastHandshakeTime: null }],
    };
    expect(snakeKeys(input)).toEqual({
      peer_count: 1,
      last_error: { code: 'busy', message: 'camelCase stays in values' },
      counters: { dropped: { bad_mac: 2 } },
      peers: [{ public_key: 'k', discovered_via: ['lanMulticast'], last_handshake_time: null }],
    });
  });

  it('passes primitives through and does not modify its input', () => {
    const input = { aB: { cD: 1 } };
    expect(snakeKeys(null)).toBeNull();
    expect(snakeKeys('meshIPv4')).toBe('meshIPv4');
    snakeKeys(input);
    expect(input).toEqual({ aB: { cD: 1 } });
  });

  it('formats pretty and line JSON', () => {
    expect(toJsonOutput({ rxBytes: 1 })).toBe('{\n  "rx_bytes": 1\n}\n');
    expect(toJsonLine({ txBytes: 2 })).toBe('{"tx_bytes":2}\n');
  });
});
