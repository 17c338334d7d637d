// Peer health (spec 4.7) with a fake clock, a real store and reconciler on a fake device: the
// staleness vectors of 6.1.10, re-apply then eviction by the WireGuard check, the probe rules,
// and the 30 s temporary-offline mark.
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { FakeClock } from '../clock';
import { FakeWireGuardDevice } from '../engine/wireguard/fake';
import { generateKeyPair } from '../engine/wireguard/keys';
import type { DeviceState, SetPeerOp } from '../engine/wireguard/uapi';
import { silentLogger } from '../log';
import { Activation } from './activation';
import { isHandshakeStale, PeerHealth, PROBE_FAIL_LIMIT } from './peer-health';
import { PeerReconciler } from './peer-reconciler';
import { PeerStore, type PeerRecord } from './peer-store';

describe('isHandshakeStale (spec 6.1.10)', () => {
  const now = 1_800_000_000_000;
  it.each([
    ['no handshake yet', 0, 100, 100, false],
    ['recent handshake', now - 30_000, 100, 100, false],
    ['stale handshake but transfer increased', now - 240_000, 100, 120, false],
    ['stale handshake and no transfer growth', now - 240_000, 120, 120, true],
    ['stale handshake and transfer dropped (counter reset)', now - 240_000, 120, 5, true],
  ])('%s', (_name, hs, prev, curr, want) => {
    expect(isHandshakeStale(hs, prev, curr, now)).toBe(want);
  });

  it('150 s exactly is not stale yet', () => {
    expect(isHandshakeStale(now - 150_000, 1, 1, now)).toBe(false);
    expect(isHandshakeStale(now - 150_001, 1, 1, now)).toBe(true);
  });
});

describe('PeerHealth', () => {
  const keys = deriveMeshKeys('test-secret-that-is-long-enough');
  const me = generateKeyPair();
  const peer = generateKeyPair().publicKey;
  const other = generateKeyPair().publicKey;
  const identity = { privateKey: me.privateKey, publicKey: me.publicKey, meshIPv4: '10.20.9.9', meshIPv6: 'fd7d:16f8:63e5:1756::9' };
  let stopReconciler: (() => void) | undefined;
  afterEach(() => stopReconciler?.());

  type ProbeResult = number | null | Promise<number | null>;

  async function setup(opts: { probe?: (p: PeerRecord) => ProbeResult; relayed?: boolean } = {}) {
    const clock = new FakeClock();
    const device = new FakeWireGuardDevice();
    await device.create();
    const store = new PeerStore(clock);
    const r = new PeerReconciler({
      device, store, activation: new Activation({ ownKey: me.publicKey }), identity, keys, subnet: defaultMeshSubnet(keys),
      clock, logger: silentLogger, isOffline: (k): boolean => health.isOffline(k),
    });
    stopReconciler = () => r.stop();
    const calls = { probes: [] as string[], closed: [] as string[], reapplied: [] as string[], reconciles: 0 };
    const health: PeerHealth = new PeerHealth({
      store, clock, logger: silentLogger, ownKey: me.publicKey,
      deviceState: (): DeviceState | undefined => r.observed,
      reapply: (k) => { calls.reapplied.push(k); void r.reapply(k); },
      reconcile: () => { calls.reconciles++; void r.reconcileNow(); },
      probe: async (p) => { calls.probes.push(p.publicKey); return (opts.probe ?? (() => null))(p); },
      closeProbe: (k) => calls.closed.push(k),
      isRelayed: () => opts.relayed ?? false,
    });
    const add = (key: string, ip: string) => store.update({ publicKey: key, meshIp: ip, meshIpv6: '', endpoint: `192.168.1.${ip.split('.')[3]}:51820` }, 'lan');
    add(peer, '10.20.1.2');
    add(other, '10.20.1.3');
    await r.reconcileNow();
    /** Sets what WireGuard reports for `key` and lets the reconciler observe it. */
    const traffic = async (key: string, t: { hsAgoMs?: number; bytes?: number }) => {
      device.simulateTraffic(key, {
        ...(t.hsAgoMs !== undefined ? { lastHandshakeTime: t.hsAgoMs < 0 ? 0 : clock.now() - t.hsAgoMs } : {}),
        ...(t.bytes !== undefined ? { rxBytes: t.bytes, txBytes: 0 } : {}),
      });
      await r.refreshStats();
    };
    const onDevice = async () => (await device.get()).peers.map((p) => p.publicKey);
    return { clock, device, store, r, health, calls, traffic, onDevice };
  }

  it('re-applies a stale peer at the first stale check and evicts it at the second', async () => {
    const h = await setup();
    await h.traffic(peer, { hsAgoMs: 0, bytes: 100 });
    await h.traffic(other, { hsAgoMs: 0, bytes: 100 });
    h.health.checkWireGuard();
    expect(h.calls.reapplied).toEqual([]);
    h.clock.advance(160_000);
    await h.traffic(peer, {});
    await h.traffic(other, { hsAgoMs: 0, bytes: 500 });
    const before = h.device.applied.length;
    h.health.checkWireGuard();
    expect(h.calls.reapplied).toEqual([peer]);
    await h.r.reconcileNow();
    const full = h.device.applied.slice(before).flat()
      .filter((op): op is SetPeerOp => op.type === 'set' && op.publicKey === peer && !op.updateOnly);
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ replaceAllowedIps: true, endpoint: '192.168.1.2:51820', allowedIps: ['10.20.1.2/32'] });
    expect(h.health.stateOf(peer).staleChecks).toBe(1);

    h.clock.advance(20_000);
    await h.traffic(other, { bytes: 600 });
    h.health.checkWireGuard();
    expect(h.store.get(peer)).toBeUndefined();
    expect(h.health.isOffline(peer)).toBe(true);
    await h.r.reconcileNow();
    expect(await h.onDevice()).toEqual([other]);
    expect(h.store.get(other)).toBeDefined();
  });

  it('a non-stale result in between resets the count', async () => {
    const h = await setup();
    await h.traffic(peer, { hsAgoMs: 200_000, bytes: 100 });
    h.health.checkWireGuard(); // 100 > 0: growth since "nothing"
    h.health.checkWireGuard(); // stale #1
    expect(h.calls.reapplied).toEqual([peer]);
    await h.traffic(peer, { bytes: 150 });
    h.health.checkWireGuard(); // grew: reset
    expect(h.health.stateOf(peer).staleChecks).toBe(0);
    h.health.checkWireGuard(); // stale #1 again, not an eviction
    expect(h.store.get(peer)).toBeDefined();
    expect(h.calls.reapplied).toEqual([peer, peer]);
  });

  it('does not probe a peer with a fresh handshake, nor a new one heard within 45 s', async () => {
    const h = await setup();
    await h.traffic(peer, { hsAgoMs: 10_000 });
    await h.health.probeTick();
    expect(h.calls.probes).toEqual([]); // `other` has no handshake yet but was heard just now
    h.clock.advance(30_000);
    h.store.update({ publicKey: other }, 'lan');
    await h.traffic(peer, { hsAgoMs: 149_000 });
    await h.health.probeTick();
    expect(h.calls.probes).toEqual([]);
  });

  it('probes a peer whose handshake is old, one unheard for 45 s, and a relayed one', async () => {
    const h = await setup();
    await h.traffic(peer, { hsAgoMs: 151_000 });
    await h.health.probeTick();
    expect(h.calls.probes).toEqual([peer]);
    h.clock.advance(46_000);
    h.store.update({ publicKey: peer }, 'lan');
    await h.health.probeTick();
    expect(h.calls.probes.slice(1).sort()).toEqual([peer, other].sort());

    const relayed = await setup({ relayed: true });
    await relayed.health.probeTick();
    expect(relayed.calls.probes.sort()).toEqual([peer, other].sort());
  });

  it('records the RTT as latency; a fresh handshake then closes the connection', async () => {
    const h = await setup({ probe: () => 3.2 });
    await h.traffic(peer, { hsAgoMs: 200_000 });
    await h.health.probeTick();
    expect(h.store.get(peer)?.latencyMs).toBe(3.2);
    await h.traffic(peer, { hsAgoMs: 0 });
    await h.health.probeTick();
    expect(h.calls.closed).toEqual([peer]);
  });

  it('starts no second probe while one is in flight', async () => {
    let answer: (v: number | null) => void = () => undefined;
    const h = await setup({ probe: () => new Promise((res) => { answer = res; }) });
    await h.traffic(peer, { hsAgoMs: 200_000 });
    const first = h.health.probeTick();
    await h.health.probeTick();
    await h.health.probeTick();
    expect(h.calls.probes).toEqual([peer]);
    answer(1);
    await first;
    const second = h.health.probeTick();
    expect(h.calls.probes).toEqual([peer, peer]);
    answer(1);
    await second;
  });

  it(`evicts after ${PROBE_FAIL_LIMIT} failures, keeps it unconfigured for 30 s, then configures it again`, async () => {
    const h = await setup();
    await h.traffic(peer, { hsAgoMs: 200_000 });
    await h.traffic(other, { hsAgoMs: 1000 });
    for (let i = 1; i < PROBE_FAIL_LIMIT; i++) {
      await h.health.probeTick();
      h.clock.advance(1000);
    }
    expect(h.health.stateOf(peer).probeFailures).toBe(PROBE_FAIL_LIMIT - 1);
    expect(h.store.get(peer)).toBeDefined();
    await h.health.probeTick();
    expect(h.store.get(peer)).toBeUndefined();
    expect(h.calls.closed).toContain(peer);
    await h.r.reconcileNow();
    expect(await h.onDevice()).toEqual([other]);

    // Heard again during the 30 s: back in the store, but not configured.
    h.clock.advance(10_000);
    h.store.update({ publicKey: peer, meshIp: '10.20.1.2', endpoint: '192.168.1.2:51820' }, 'lan');
    expect(h.health.isOffline(peer)).toBe(true);
    expect(h.r.desired().map((d) => d.publicKey)).toEqual([other]);
    await h.r.reconcileNow();
    expect(await h.onDevice()).toEqual([other]);
    await h.health.probeTick();
    expect(h.calls.probes.filter((k) => k === peer)).toHaveLength(PROBE_FAIL_LIMIT); // not probed while offline

    h.clock.advance(20_000);
    await h.health.probeTick(); // the mark expires: a reconcile is asked for
    expect(h.calls.reconciles).toBe(1);
    expect(h.health.isOffline(peer)).toBe(false);
    await h.r.reconcileNow();
    expect((await h.onDevice()).sort()).toEqual([peer, other].sort());
  });
});
