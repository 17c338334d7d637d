import { describe, expect, it } from 'vitest';
import { deriveMeshIPv4, deriveMeshIPv6 } from '../../shared/mesh/address';
import { deriveMeshKeys, hourlyInfohash } from '../../shared/mesh/derive';
import { toHex } from '../../shared/mesh/encoding';
import { nobleHashBackend, useHashBackend } from '../../shared/mesh/hash';
import { nodeHashBackend } from './node-hash';

// The service swaps in node:crypto; it must give the same bytes as the portable backend and
// as the spec's vectors (6.3.1 secret A, 6.3.2 row A/K0).
describe('node:crypto hash backend', () => {
  it('matches the spec vectors and the noble backend', () => {
    const K0 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const secret = 'test-secret-that-is-long-enough';
    const run = () => {
      const k = deriveMeshKeys(secret);
      return [toHex(k.networkId), toHex(k.gossipKey), k.pskBase64, k.gossipPort, toHex(hourlyInfohash(secret, 1800000000)),
        deriveMeshIPv4(k, K0, secret), deriveMeshIPv6(k, K0, secret)];
    };
    useHashBackend(nodeHashBackend);
    const viaNode = run();
    useHashBackend(nobleHashBackend);
    expect(viaNode).toEqual(run());
    expect(viaNode).toEqual(['99a6ba99fb00b3bf3288ec61cd973158aacc2ca7', '2f285cecd46ef8f8b4aade3c7991fc17586f5d41d4adb3e26cd6b7196c3f4461',
      'l+B/BglFeItJksE+87GuiYqlJWDR2tfZ//FvqXP1jWs=', 52316, '01235bf650cb1e5b850888f74de233a7fa0c404a', '10.20.176.123',
      'fd7d:16f8:63e5:1756:e0a:5bf3:3ebe:d7f']);
  });
});
