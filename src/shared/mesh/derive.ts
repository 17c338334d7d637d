/**
 * Everything wgmesh derives from the raw secret (spec 1.3, pkg/crypto/derive.go), the hourly
 * DHT infohash, and the `wgmesh status` summary (spec 5.4). Pure; verified against spec 6.3.1.
 */
import { hkdfSha256, sha256 } from './hash';
import { parseMeshSubnet } from './address';
import { concatBytes, toBase64, toHex, utf8 } from './encoding';
import { assertSecretLength } from './secret';

/** Every value of spec 1.3 for one raw secret. Holds keys, so treat it like the secret. */
export interface MeshKeys {
  /** SHA256(secret)[0:20]; static DHT bootstrap target. */
  readonly networkId: Uint8Array;
  /** AES-256-GCM key of every envelope (32 bytes). */
  readonly gossipKey: Uint8Array;
  /** (s0, s1): default subnet `10.s0.0.0/16`; s1 perturbs the host part. */
  readonly meshSubnet: readonly [number, number];
  /** 0xfd ‖ HKDF(…, 7): the ULA /64 prefix (8 bytes). */
  readonly meshPrefixV6: Uint8Array;
  /** 4 bytes; bytes 0–1 select the LAN multicast group. */
  readonly multicastId: Uint8Array;
  /** `239.192.<m0>.<m1>` (port {@link LAN_MULTICAST_PORT}). */
  readonly multicastGroup: string;
  /** WireGuard preshared key for every peer (32 bytes). */
  readonly psk: Uint8Array;
  /** {@link psk} as standard base64, as WireGuard takes it. */
  readonly pskBase64: string;
  /** Control/exchange UDP port G, 51821–52820. */
  readonly gossipPort: number;
  /** DHT node port, G + 1. */
  readonly dhtPort: number;
  /** TCP health-probe port, G + 2000. */
  readonly probePort: number;
  /** SHA256(secret ‖ "rv")[0:8]. */
  readonly rendezvousId: Uint8Array;
  /** Membership-token HMAC key (not used on the wire). */
  readonly membershipKey: Uint8Array;
  /** Dandelion++ epoch seed (local only). */
  readonly epochSeed: Uint8Array;
  /** Hex of networkId[0:6] (12 characters). */
  readonly meshId: string;
}

/** UDP port of LAN multicast discovery. */
export const LAN_MULTICAST_PORT = 51830;

const EMPTY = new Uint8Array(0);

function derive(secret: Uint8Array, info: string, n: number): Uint8Array {
  return hkdfSha256(secret, EMPTY, utf8(info), n);
}

/**
 * Derives every value of spec 1.3 from the raw secret (HKDF-SHA256, empty salt, IKM = the
 * secret's UTF-8 bytes). Like Go's `DeriveKeys` it refuses secrets under 16 bytes.
 * @throws SecretError for a secret that is empty or shorter than 16 bytes.
 */
export function deriveMeshKeys(rawSecret: string): MeshKeys {
  assertSecretLength(rawSecret);
  const s = utf8(rawSecret);
  const networkId = sha256(s).slice(0, 20);
  const subnet = derive(s, 'wgmesh-subnet-v1', 2);
  const multicastId = derive(s, 'wgmesh-mcast-v1', 4);
  const psk = derive(s, 'wgmesh-wg-psk-v1', 32);
  const portBytes = derive(s, 'wgmesh-gossip-port-v1', 2);
  const gossipPort = 51821 + ((((portBytes[0] ?? 0) << 8) | (portBytes[1] ?? 0)) % 1000);
  return {
    networkId,
    gossipKey: derive(s, 'wgmesh-gossip-v1', 32),
    meshSubnet: [subnet[0] ?? 0, subnet[1] ?? 0],
    meshPrefixV6: concatBytes(Uint8Array.of(0xfd), derive(s, 'wgmesh-ipv6-prefix-v1', 7)),
    multicastId,
    multicastGroup: `239.192.${multicastId[0] ?? 0}.${multicastId[1] ?? 0}`,
    psk,
    pskBase64: toBase64(psk),
    gossipPort,
    dhtPort: gossipPort + 1,
    probePort: gossipPort + 2000,
    rendezvousId: sha256(concatBytes(s, utf8('rv'))).slice(0, 8),
    membershipKey: derive(s, 'wgmesh-membership-v1', 32),
    epochSeed: derive(s, 'wgmesh-epoch-v1', 32),
    meshId: toHex(networkId.subarray(0, 6)),
  };
}

/** Hour number of a unix time, truncated toward zero like Go's integer division. */
export function hourNumber(unixSeconds: number): number {
  return Math.trunc(Math.trunc(unixSeconds) / 3600);
}

/**
 * The BEP 5 info_hash for the hour containing `unixSeconds`:
 * SHA256(secret ‖ "||" ‖ decimal(hour))[0:20]. Use `unixSeconds - 3600` for the previous one.
 */
export function hourlyInfohash(rawSecret: string, unixSeconds: number): Uint8Array {
  return sha256(utf8(`${rawSecret}||${hourNumber(unixSeconds)}`)).slice(0, 20);
}

/** The `wgmesh status --json` members that depend only on the secret and flags (spec 5.4). */
export interface MeshStatusInfo {
  interface: string;
  network_id: string;
  mesh_subnet: string;
  mesh_ipv6_prefix: string;
  gossip_port: number;
  rendezvous_id: string;
}

/**
 * What `wgmesh status --secret S --json` prints except `service_status`, in Go's member order:
 * interface (default `wg0`), network_id = hex NetworkID[0:8], mesh_subnet (`10.s0.0.0/16` or the
 * canonical custom CIDR), mesh_ipv6_prefix as four uncompressed 4-hex-digit groups + `::/64`,
 * gossip_port, rendezvous_id.
 * @throws SecretError for a short secret; Error for an invalid custom subnet.
 */
export function meshStatusInfo(rawSecret: string, opts: { interfaceName?: string; meshSubnet?: string } = {}): MeshStatusInfo {
  const keys = deriveMeshKeys(rawSecret);
  const p = toHex(keys.meshPrefixV6);
  const groups = [0, 4, 8, 12].map((i) => p.slice(i, i + 4)).join(':');
  return {
    interface: opts.interfaceName ?? 'wg0',
    network_id: toHex(keys.networkId.subarray(0, 8)),
    mesh_subnet: opts.meshSubnet ? parseMeshSubnet(opts.meshSubnet).cidr : `10.${keys.meshSubnet[0]}.0.0/16`,
    mesh_ipv6_prefix: `${groups}::/64`,
    gossip_port: keys.gossipPort,
    rendezvous_id: toHex(keys.rendezvousId),
  };
}
