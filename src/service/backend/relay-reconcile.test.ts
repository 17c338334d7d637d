// Relay routing end to end inside one node (spec 3.15): the reconciler against a fake device,
// the route plan's gateways, the API view, and an introducer's relay duty and announcement.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { FakeClock } from '../clock';
import { FakeFirewall } from '../engine/firewall/fake';
import { renderNftables } from '../engine/firewall/nftables-firewall';
import { renderPfAnchor } from '../engine/firewall/pf-rules';
import { FakeRouter } from '../engine/router/fake';
import { FakeSysctl, ForwardingGuard } from '../engine/sysctl';
import { FakeWireGuardDevice } from '../engine/wireguard/fake';
import { generateKeyPair } from '../engine/wireguard/keys';
import { openEnvelope } from '../mesh/envelope';
import { decodeAnnouncement } from '../mesh/messages';
import { silentLogger } from '../log';
import { Activation } from './activation';
import { MeshProtocol } from './mesh-protocol';
import { PeerReconciler } from './peer-reconciler';
import { PeerStore } from './peer-store';
import { peerViews } from './peer-view';
import { RouteManager } from './route-manager';

const keys = deriveMeshKeys('test-secret-that-is-long-enough');
const subnet = defaultMeshSubnet(keys);
const me = generateKeyPair();
const identity = { privateKey: me.privateKey, publicKey: me.publicKey, meshIPv4: '10.20.9.9', meshIPv6: 'fd7d:16f8:63e5:1756::9' };
const intro = generateKeyPair().publicKey;
const nodeb = generateKeyPair().publicKey;
const V6 = 'fd7d:16f8:63e5:1756::3';

let cleanup: (() => void)[] = [];
afterEach(() => { for (const c of cleanup) c(); cleanup = []; });

function routeManager(opts: { relayDuty?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'relay-test-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const sysctl = new FakeSysctl({ 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' });
  const firewall = new FakeFirewall();
  const router = new FakeRouter();
  router.addLink('wgfake0');
  const routes = new RouteManager({
    iface: 'wgfake0', meshNetworks: [subnet.cidr, 'fd7d:16f8:63e5:1756::/64'], router, firewall,
    forwarding: new ForwardingGuard(sysctl, join(dir, 'forwarding.json')), logger: silentLogger,
    advertised: () => [], acceptRoutes: () => true, relayDuty: () => opts.relayDuty ?? false,
  });
  return { routes, router, sysctl, firewall };
}

async function setup(opts: { forceRelay?: boolean; natType?: () => string; introducer?: boolean } = {}) {
  const clock = new FakeClock();
  const device = new FakeWireGuardDevice();
  await device.create();
  const store = new PeerStore(clock);
  const { routes, router } = routeManager();
  const r = new PeerReconciler({
    device, store, activation: new Activation({ ownKey: me.publicKey }), identity, keys, subnet, clock, logger: silentLogger, routes,
    discovery: { introducer: opts.introducer ?? false, forceRelay: opts.forceRelay ?? false, ipv6: true },
    localSubnets: () => ['192.168.1.0/24'],
    ...(opts.natType ? { localNatType: opts.natType } : {}),
  });
  cleanup.push(() => r.stop());
  store.update({ publicKey: intro, hostname: 'intro', meshIp: '10.20.1.1', endpoint: '198.51.100.1:51820', introducer: true }, 'dht');
  store.update({ publicKey: nodeb, hostname: 'nodeb', meshIp: '10.20.1.3', meshIpv6: V6, endpoint: '203.0.113.3:51820', natType: 'symmetric', routableNetworks: ['192.168.50.0/24'] }, 'dht');
  const onDevice = async () => Object.fromEntries((await device.get()).peers.map((p) => [p.publicKey, [...p.allowedIps].sort()]));
  return { clock, device, store, r, router, onDevice };
}

describe('relay routing in the reconciler', () => {
  it('a relayed peer keeps only an entry without AllowedIPs (direct handshake attempts); its addresses and prefixes ride on the relay, routes via the relay', async () => {
    const { r, router, store, device, onDevice } = await setup({ forceRelay: true });
    await r.reconcileNow();
    expect(await onDevice()).toEqual({ [intro]: ['10.20.1.1/32', '10.20.1.3/32', '192.168.50.0/24', `${V6}/128`].sort(), [nodeb]: [] });
    expect(r.relayOf(nodeb)?.publicKey).toBe(intro);
    expect(r.relayOf(intro)).toBeUndefined();
    expect(router.meshRoutes.get('wgfake0')).toEqual([{ prefix: '192.168.50.0/24', via: '10.20.1.1' }]);
    const views = peerViews(store.active(), await device.get(), (k) => r.isConfigured(k), (k) => r.relayOf(k));
    expect(views.find((v) => v.publicKey === nodeb)).toMatchObject({ path: 'relay', relayVia: 'intro' });
    expect(views.find((v) => v.publicKey === intro)).toMatchObject({ path: 'direct' });
    expect(views.find((v) => v.publicKey === intro)?.relayVia).toBeUndefined();
  });

  it('relayVia falls back to the short key when the relay has no hostname', async () => {
    const { r, store, device } = await setup({ forceRelay: true });
    store.get(intro)!.hostname = ''; // the store never clears a hostname; a relay heard without one
    await r.reconcileNow();
    const views = peerViews(store.active(), await device.get(), (k) => r.isConfigured(k), (k) => r.relayOf(k));
    expect(views.find((v) => v.publicKey === nodeb)?.relayVia).toBe(intro.slice(0, 8));
  });

  it('goes direct only after 3 consecutive "no" cycles (hysteresis)', async () => {
    let nat = 'symmetric';
    const { r, clock, onDevice } = await setup({ natType: () => nat });
    await r.reconcileNow();
    expect(Object.keys(await onDevice())).toEqual([intro]); // symmetric/symmetric → relayed
    nat = 'cone';
    for (let cycle = 1; cycle <= 2; cycle++) {
      clock.advance(5000);
      await r.reconcileNow();
      expect(r.relayOf(nodeb), `cycle ${cycle}`).toBeDefined();
    }
    // Event-driven passes in between do not count as cycles.
    clock.advance(1000);
    await r.reconcileNow();
    expect(r.relayOf(nodeb)).toBeDefined();
    clock.advance(4000);
    await r.reconcileNow();
    expect(r.relayOf(nodeb)).toBeUndefined();
    const now = await onDevice();
    expect(now[nodeb]).toEqual(['10.20.1.3/32', '192.168.50.0/24', `${V6}/128`].sort());
    expect(now[intro]).toEqual(['10.20.1.1/32']);
  });

  it('never relays while there is no introducer, or when we are one', async () => {
    const a = await setup({ introducer: true, forceRelay: true });
    await a.r.reconcileNow();
    expect(Object.keys(await a.onDevice()).sort()).toEqual([intro, nodeb].sort());
    const b = await setup({ forceRelay: true });
    b.store.update({ publicKey: intro, introducer: false, meshIp: '10.20.1.1' }, 'dht');
    await b.r.reconcileNow();
    expect(b.r.relayOf(nodeb)).toBeUndefined();
  });

  it('a stale relay candidate (not heard for 90 s) relays nobody', async () => {
    const { r, clock, store } = await setup({ forceRelay: true });
    clock.advance(91_000);
    store.update({ publicKey: nodeb }, 'dht'); // nodeb heard, the introducer not
    await r.reconcileNow();
    expect(r.relayOf(nodeb)).toBeUndefined();
  });
});

describe('introducer role', () => {
  it('relay duty: forwarding on for both families and mesh → mesh accepted, undone by teardown', async () => {
    const { routes, sysctl, firewall } = routeManager({ relayDuty: true });
    await routes.applyAdvertising();
    expect(sysctl.values.get('net.ipv4.ip_forward')).toBe('1');
    expect(sysctl.values.get('net.ipv6.conf.all.forwarding')).toBe('1');
    expect(firewall.rules).toMatchObject({ meshInterface: 'wgfake0', meshRelay: true, routes: [] });
    expect(routes.advertisingApplied).toBe(true);
    await routes.applyAdvertising(); // idempotent: nothing applied again
    expect(firewall.calls.filter((c) => c === 'apply')).toHaveLength(1);
    await routes.teardown();
    expect(firewall.rules).toBeNull();
    expect(sysctl.values.get('net.ipv4.ip_forward')).toBe('0');
    expect(sysctl.values.get('net.ipv6.conf.all.forwarding')).toBe('0');
  });

  it('no relay duty and nothing advertised: nothing is touched', async () => {
    const { routes, sysctl, firewall } = routeManager();
    await routes.applyAdvertising();
    expect(sysctl.sets).toEqual([]);
    expect(firewall.rules).toBeNull();
  });

  it('the nftables table accepts mesh → mesh before dropping other forwarded mesh traffic', () => {
    const text = renderNftables('cloudroof', { meshInterface: 'wg0', meshSubnets: ['10.20.0.0/16'], routes: [], meshRelay: true });
    const lines = text.split('\n').map((l) => l.trim());
    const accept = lines.indexOf('iifname "wg0" oifname "wg0" accept');
    expect(accept).toBeGreaterThan(0);
    expect(accept).toBeLessThan(lines.indexOf('iifname "wg0" drop'));
    expect(renderNftables('cloudroof', { meshInterface: 'wg0', meshSubnets: [], routes: [] })).not.toContain('oifname "wg0" accept');
  });

  it('the pf anchor (macOS) passes mesh ↔ mesh on the interface', () => {
    expect(renderPfAnchor({ meshInterface: 'utun7', meshSubnets: ['10.20.0.0/16', 'fd7d:16f8:63e5:1756::/64'], routes: [], meshRelay: true })).toBe([
      'pass in quick on utun7 inet from 10.20.0.0/16 to 10.20.0.0/16 keep state',
      'pass out quick on utun7 inet from 10.20.0.0/16 to 10.20.0.0/16 keep state',
      'pass in quick on utun7 inet6 from fd7d:16f8:63e5:1756::/64 to fd7d:16f8:63e5:1756::/64 keep state',
      'pass out quick on utun7 inet6 from fd7d:16f8:63e5:1756::/64 to fd7d:16f8:63e5:1756::/64 keep state',
      '',
    ].join('\n'));
  });

  it('announces introducer: true in every message', () => {
    const clock = new FakeClock();
    const store = new PeerStore(clock);
    const activation = new Activation({ ownKey: me.publicKey });
    const reconciler = new PeerReconciler({ device: new FakeWireGuardDevice(), store, activation, identity, keys, subnet, clock, logger: silentLogger });
    cleanup.push(() => reconciler.stop());
    const announced = (introducer?: boolean) => {
      const p = new MeshProtocol({
        keys, identity, subnet, hostname: 'me', listenPort: 51820, clock, logger: silentLogger, store, activation, reconciler,
        send: () => undefined, exchangeWith: async () => null, ...(introducer === undefined ? {} : { discovery: { introducer } }),
      });
      return decodeAnnouncement(openEnvelope(keys.gossipKey, p.sealAnnounce(), clock.now() / 1000).payload).introducer;
    };
    expect(announced(true)).toBe(true);
    expect(announced(false)).toBe(false);
    expect(announced()).toBe(false);
  });
});
