import { describe, expect, it } from 'vitest';
import { FakeWireGuardDevice } from './fake';
import { generateKeyPair } from './keys';

describe('FakeWireGuardDevice', () => {
  it('behaves like a device and records calls', async () => {
    const me = generateKeyPair();
    const A = generateKeyPair().publicKey;
    const dev = new FakeWireGuardDevice('wgx');
    await expect(dev.get()).rejects.toThrow(/does not exist/);
    await dev.create();
    await dev.configure({ privateKey: me.privateKey, listenPort: 51820 });
    await dev.applyPeers([{ type: 'set', publicKey: A, endpoint: '192.0.2.1:1', allowedIps: ['10.0.0.1'] }]);
    dev.simulateRoam(A, '192.0.2.2:2');
    dev.simulateTraffic(A, { lastHandshakeTime: 5, rxBytes: 1 });
    const s = await dev.get();
    expect(s.publicKey).toBe(me.publicKey);
    expect(s.peers).toEqual([{ publicKey: A, endpoint: '192.0.2.2:2', allowedIps: ['10.0.0.1/32'], persistentKeepaliveInterval: 0, lastHandshakeTime: 5, rxBytes: 1, txBytes: 0 }]);
    const reasons: string[] = [];
    dev.onExit((r) => reasons.push(r));
    dev.simulateExit('boom');
    expect(reasons).toEqual(['boom']);
    dev.failNext(new Error('x'));
    await expect(dev.create()).rejects.toThrow('x');
    expect(dev.calls).toEqual(['get', 'create', 'configure', 'applyPeers', 'get', 'create']);
  });
});
