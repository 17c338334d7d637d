// A whole rendezvous over real UDP sockets on loopback: two nodes send offers to an introducer,
// which STARTs both; each punches toward the other through MeshProtocol's HELLO/REPLY, sees a
// (simulated) handshake and stores the other as dht-rendezvous. Exercises the dispatch wiring
// ExchangeSocket → MeshProtocol.onControlMessage → NatTraversal.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveMeshIPv6, meshIPv6Network, parseMeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { systemClock } from '../clock';
import { PacketCounters } from '../discovery/counters';
import { ExchangeSocket, type Source } from '../discovery/exchange';
import { FakeWireGuardDevice } from '../engine/wireguard/fake';
import { generateKeyPair } from '../engine/wireguard/keys';
import { silentLogger } from '../log';
import { sealEnvelope } from '../mesh/envelope';
import { encodeRendezvousOffer } from '../mesh/messages';
import { pairId } from '../mesh/pair';
import { Activation } from './activation';
import { MeshProtocol } from './mesh-protocol';
import { NatTraversal } from './nat-traversal';
import { PeerReconciler } from './peer-reconciler';
import { PeerStore } from './peer-store';

const secret = 'test-secret-that-is-long-enough';
const keys = deriveMeshKeys(secret);
const subnet = parseMeshSubnet('10.0.0.0/16');

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Node {
  publicKey: string;
  source: Source;
  sock: ExchangeSocket;
  store: PeerStore;
  device: FakeWireGuardDevice;
  nat: NatTraversal;
  reconciler: PeerReconciler;
}
const nodes: Node[] = [];

async function makeNode(n: number, introducer: boolean): Promise<Node> {
  const kp = generateKeyPair();
  const identity = { privateKey: kp.privateKey, publicKey: kp.publicKey, meshIPv4: `10.0.0.${n}`, meshIPv6: deriveMeshIPv6(keys, kp.publicKey, secret) };
  const device = new FakeWireGuardDevice();
  await device.create();
  await device.configure({ privateKey: kp.privateKey, listenPort: 51820 });
  const store = new PeerStore(systemClock);
  const activation = new Activation({ ownKey: kp.publicKey });
  const reconciler = new PeerReconciler({ device, store, activation, identity, keys, subnet, clock: systemClock, logger: silentLogger });
  const discovery = { lan: false, dht: false, ipv6: true, punching: true, introducer, gossip: false, forceRelay: false };
  const punched = new Set<string>();
  const port = await freePort();
  const sock: ExchangeSocket = new ExchangeSocket({
    port, gossipKey: keys.gossipKey, clock: systemClock, logger: silentLogger, counters: new PacketCounters(),
    onMessage: (t, p, s) => protocol.onControlMessage(t, p, s),
  });
  const protocol: MeshProtocol = new MeshProtocol({
    keys, identity, subnet, hostname: `n${n}`, listenPort: 51820, clock: systemClock, logger: silentLogger, store, activation, reconciler,
    send: (d, to) => sock.send(d, to), exchangeWith: (to, d) => sock.exchange(to, d),
    onTraversalMessage: (t, p, s) => nat.onMessage(t, p, s),
  });
  const nat: NatTraversal = new NatTraversal({
    keys, subnet, ownKey: kp.publicKey, meshNetworks: [subnet.cidr, meshIPv6Network(keys)], discovery, clock: systemClock,
    logger: silentLogger, store, send: (d, to) => sock.send(d, to), exchange: (to, d) => sock.exchange(to, d),
    announcement: () => protocol.announcement(), reconcileNow: () => reconciler.reconcileNow(),
    observed: () => reconciler.observed,
    // The fake device never handshakes by itself: a punched peer that is configured "handshakes" on the next look.
    refreshStats: async () => {
      const configured = (await device.get()).peers.map((p) => p.publicKey);
      for (const k of punched) if (configured.includes(k)) device.simulateTraffic(k, { lastHandshakeTime: Date.now() });
      await reconciler.refreshStats();
    },
    onPunchReply: (key) => { punched.add(key); if (activation.punched(key)) void reconciler.reconcileNow(); },
  });
  await sock.bind();
  const node: Node = { publicKey: kp.publicKey, source: { ip: '127.0.0.1', port }, sock, store, device, nat, reconciler };
  nodes.push(node);
  return node;
}

afterEach(() => {
  for (const n of nodes.splice(0)) {
    n.nat.stop();
    n.reconciler.stop();
    n.sock.close();
  }
});

describe('NatTraversal over loopback sockets', () => {
  it('introducer STARTs both sides; both punch, handshake and store each other as dht-rendezvous', async () => {
    const intro = await makeNode(1, true);
    const a = await makeNode(2, false);
    const b = await makeNode(3, false);
    const offer = (from: Node, to: Node) => sealEnvelope(keys.gossipKey, 'RENDEZVOUS_OFFER', encodeRendezvousOffer({
      timestamp: Math.floor(Date.now() / 1000), fromPubkey: from.publicKey, targetPubkey: to.publicKey,
      pairId: pairId(from.publicKey, to.publicKey), candidates: [], observedAddr: '', introducerKey: '',
    }));
    a.sock.send(offer(a, b), intro.source);
    b.sock.send(offer(b, a), intro.source);
    const done = (n: Node, other: Node) => n.store.get(other.publicKey)?.discoveredVia.includes('dht-rendezvous') === true;
    const deadline = Date.now() + 8000;
    while (!(done(a, b) && done(b, a)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(done(a, b)).toBe(true);
    expect(done(b, a)).toBe(true);
    expect(a.store.get(b.publicKey)!.endpoint).toBe('127.0.0.1:51820');
    // Both sides initiate after a punch, whatever the key order.
    for (const [n, other] of [[a, b], [b, a]] as const) {
      const peer = (await n.device.get()).peers.find((p) => p.publicKey === other.publicKey);
      expect(peer?.persistentKeepaliveInterval).toBe(25);
    }
    expect(intro.store.size).toBe(0); // the introducer only relays the offers
  }, 15_000);
});
