// A stand-in for a Go wgmesh node on a LAN, built from our own protocol code but with Go's
// timing (spec 3.2–3.4, 4.5): it announces on multicast every 5 s, answers every HELLO with a
// REPLY at once *without* configuring the sender first, and configures WireGuard peers only on
// a 5 s reconcile tick, each with keepalive 25 (so it initiates when it adds a peer). It never
// sends HELLOs of its own. Test harness only: run with node inside a namespace.
import dgram from 'node:dgram';
import { defaultMeshSubnet, deriveMeshIPv4, deriveMeshIPv6 } from '../../../src/shared/mesh/address';
import { deriveMeshKeys } from '../../../src/shared/mesh/derive';
import { parseSecret } from '../../../src/shared/mesh/secret';
import { ExecCommandRunner } from '../../../src/service/engine/exec';
import { LinuxRouter } from '../../../src/service/engine/router/router-linux';
import { generateKeyPair } from '../../../src/service/engine/wireguard/keys';
import { UserspaceWireGuardDevice } from '../../../src/service/engine/wireguard/userspace-device';
import { openEnvelope, sealEnvelope } from '../../../src/service/mesh/envelope';
import { decodeAnnouncement, encodeAnnouncement, type PeerAnnouncement } from '../../../src/service/mesh/messages';
import { lanEndpoint, resolvePeerEndpoint } from '../../../src/service/mesh/endpoint';

const raw = parseSecret(process.env.SECRET ?? '');
const iface = process.env.IFACE ?? 'gowg0';
const keys = deriveMeshKeys(raw);
const kp = generateKeyPair();
const subnet = defaultMeshSubnet(keys);
const meshIp = deriveMeshIPv4(keys, kp.publicKey, raw, { subnet });
const meshIp6 = deriveMeshIPv6(keys, kp.publicKey, raw);
const peers = new Map<string, { meshIp: string; meshIp6: string; endpoint: string }>();
const now = () => Math.floor(Date.now() / 1000);
const self = (): PeerAnnouncement => ({
  wgPubkey: kp.publicKey, hostname: 'go-node', meshIp, meshIpv6: meshIp6, wgEndpoint: '0.0.0.0:51820', introducer: false,
  routableNetworks: [], timestamp: now(), knownPeers: [], observedEndpoint: '', natType: '',
});
const store = (a: PeerAnnouncement, endpoint: string) => {
  if (a.wgPubkey !== kp.publicKey) peers.set(a.wgPubkey, { meshIp: a.meshIp, meshIp6: a.meshIpv6, endpoint });
};

const device = new UserspaceWireGuardDevice(iface, { runner: new ExecCommandRunner() });
await device.create();
await device.configure({ privateKey: kp.privateKey, listenPort: 51820 });
await new LinuxRouter(new ExecCommandRunner()).configureInterface(iface, { ipv4Cidr: `${meshIp}/16`, ipv6Cidr: `${meshIp6}/64` }, 1420);

const control = dgram.createSocket('udp4');
control.on('message', (msg, rinfo) => {
  try {
    const o = openEnvelope(keys.gossipKey, msg, now());
    if (o.type !== 'HELLO') return;
    const a = decodeAnnouncement(o.payload);
    store(a, resolvePeerEndpoint(a.wgEndpoint, { ip: rinfo.address }));
    const reply = { ...self(), observedEndpoint: `${rinfo.address}:${rinfo.port}` };
    control.send(sealEnvelope(keys.gossipKey, 'REPLY', encodeAnnouncement(reply)), rinfo.port, rinfo.address);
  } catch { /* dropped, as Go does */ }
});
control.bind(keys.gossipPort);

const lan = dgram.createSocket({ type: 'udp4', reuseAddr: true });
lan.on('message', (msg, rinfo) => {
  try {
    const o = openEnvelope(keys.gossipKey, msg, now());
    const a = decodeAnnouncement(o.payload);
    store(a, lanEndpoint(a.wgEndpoint, rinfo.address));
  } catch { /* dropped */ }
});
lan.bind(51830, () => lan.addMembership(keys.multicastGroup));
const announce = () => lan.send(sealEnvelope(keys.gossipKey, 'ANNOUNCE', encodeAnnouncement(self())), 51830, keys.multicastGroup);
announce();
setInterval(announce, 5000);

// Go's reconcile loop: every 5 s, every known peer with keepalive 25 and the derived PSK.
setInterval(() => {
  const ops = [...peers].map(([publicKey, p]) => ({
    type: 'set' as const, publicKey, presharedKey: keys.pskBase64, endpoint: p.endpoint,
    allowedIps: [`${p.meshIp}/32`, ...(p.meshIp6 ? [`${p.meshIp6}/128`] : [])], persistentKeepaliveInterval: 25,
  }));
  if (ops.length) void device.applyPeers(ops);
}, 5000);

console.log(`READY ${meshIp} ${meshIp6}`);
const stop = () => { void device.destroy().finally(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
