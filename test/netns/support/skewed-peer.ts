// A test-only mesh peer whose clock is wrong: it sends HELLOs to TARGET's exchange port stamped
// SKEW_S seconds off (e.g. -400: inside wgmesh's ±600 s window, so they are accepted and the
// receiver's skew tracker sees them), plus one HELLO 700 s in the past that the receiver must
// drop as too old. The namespace clock cannot be skewed (it is global), so the wrong clock lives
// in the messages. It has no WireGuard device. Test harness only: run with node in a namespace.
import dgram from 'node:dgram';
import { defaultMeshSubnet, deriveMeshIPv4, deriveMeshIPv6 } from '../../../src/shared/mesh/address';
import { deriveMeshKeys } from '../../../src/shared/mesh/derive';
import { parseSecret } from '../../../src/shared/mesh/secret';
import { generateKeyPair } from '../../../src/service/engine/wireguard/keys';
import { sealEnvelope } from '../../../src/service/mesh/envelope';
import { encodeAnnouncement, type PeerAnnouncement } from '../../../src/service/mesh/messages';

const raw = parseSecret(process.env.SECRET ?? '');
const target = process.env.TARGET ?? '';
const skewS = Number(process.env.SKEW_S ?? '-400');
const keys = deriveMeshKeys(raw);
const kp = generateKeyPair();
const subnet = defaultMeshSubnet(keys);
const hello = (offsetS: number): Buffer => {
  const a: PeerAnnouncement = {
    wgPubkey: kp.publicKey, hostname: 'skewed-peer', meshIp: deriveMeshIPv4(keys, kp.publicKey, raw, { subnet }),
    meshIpv6: deriveMeshIPv6(keys, kp.publicKey, raw), wgEndpoint: '0.0.0.0:51820', introducer: false, routableNetworks: [],
    timestamp: Math.floor(Date.now() / 1000) + offsetS, knownPeers: [], observedEndpoint: '', natType: '',
  };
  return sealEnvelope(keys.gossipKey, 'HELLO', encodeAnnouncement(a));
};

const sock = dgram.createSocket('udp4');
sock.bind(0, () => {
  sock.send(hello(-700), keys.gossipPort, target); // outside the window: counted as dropped (too-old)
  const send = (): void => { sock.send(hello(skewS), keys.gossipPort, target); };
  send();
  setInterval(send, 1000);
  console.log(`READY ${kp.publicKey}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
