/**
 * Pure codec of WireGuard's cross-platform userspace API (https://www.wireguard.com/xplatform/):
 * `key=value` lines, keys as lowercase hex, a blank line ends a message, `errno=N` ends a reply.
 * Also the vocabulary of the whole engine: {@link DeviceState} (observed) and {@link PeerOp}
 * (a change), camelCased from the UAPI names.
 */
import { canonicalCidr, canonicalEndpoint } from './addr';
import { isZeroKey, keyFromHex, keyToHex, publicKeyFromPrivate } from './keys';

/** One peer as the device reports it. Keys are base64. */
export interface PeerState {
  publicKey: string;
  /** Absent when the peer has no preshared key (the UAPI reports all zeros). */
  presharedKey?: string;
  /** Current endpoint (`ip:port` / `[v6]:port`); WireGuard updates it when the peer roams. */
  endpoint?: string;
  /** Canonical CIDRs, in the device's order. */
  allowedIps: string[];
  /** Seconds; 0 = off. */
  persistentKeepaliveInterval: number;
  /** Milliseconds since the Unix epoch of the last completed handshake, or 0 for never. */
  lastHandshakeTime: number;
  rxBytes: number;
  txBytes: number;
}

/** What a device reports: its own keys and port, and its peers. */
export interface DeviceState {
  privateKey?: string;
  /** Derived from the private key (the UAPI does not report it). */
  publicKey?: string;
  listenPort: number;
  peers: PeerState[];
}

/** Remove one peer. */
export interface RemovePeerOp {
  type: 'remove';
  publicKey: string;
}

/**
 * Create or update one peer. Only the fields present are changed; `allowedIps` are appended
 * unless `replaceAllowedIps` is set; `updateOnly` skips peers that do not exist yet.
 */
export interface SetPeerOp {
  type: 'set';
  publicKey: string;
  updateOnly?: boolean;
  presharedKey?: string;
  endpoint?: string;
  persistentKeepaliveInterval?: number;
  replaceAllowedIps?: boolean;
  allowedIps?: string[];
}

/** A change to one peer; a list of them is applied in order as one UAPI `set`. */
export type PeerOp = RemovePeerOp | SetPeerOp;

/** Device-level part of a `set` request. */
export interface SetRequest {
  privateKey?: string;
  listenPort?: number;
  /** Remove every peer not listed in `peers` (UAPI `replace_peers=true`). */
  replacePeers?: boolean;
  peers?: PeerOp[];
}

/** The device answered `errno=N` with N ≠ 0 (e.g. EINVAL for a malformed line, EADDRINUSE). */
export class UapiError extends Error {
  constructor(readonly errno: number, op: string) {
    super(`WireGuard UAPI ${op} failed: errno=${errno}`);
    this.name = 'UapiError';
  }
}

function uint(n: number, max: number, what: string): string {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`invalid ${what}: ${n}`);
  return String(n);
}

function peerLines(op: PeerOp): string[] {
  const lines = [`public_key=${keyToHex(op.publicKey)}`];
  if (op.type === 'remove') return [...lines, 'remove=true'];
  if (op.updateOnly) lines.push('update_only=true');
  if (op.presharedKey !== undefined) lines.push(`preshared_key=${keyToHex(op.presharedKey)}`);
  if (op.endpoint !== undefined) lines.push(`endpoint=${canonicalEndpoint(op.endpoint)}`);
  if (op.persistentKeepaliveInterval !== undefined) {
    lines.push(`persistent_keepalive_interval=${uint(op.persistentKeepaliveInterval, 65535, 'persistent keepalive')}`);
  }
  if (op.replaceAllowedIps) lines.push('replace_allowed_ips=true');
  for (const ip of op.allowedIps ?? []) lines.push(`allowed_ip=${canonicalCidr(ip)}`);
  return lines;
}

/**
 * Encodes a `set=1` request, terminated by the blank line. Every value is validated (keys,
 * endpoints, CIDRs, numbers) so no input can add lines; throws on an invalid value.
 */
export function encodeSet(cfg: SetRequest): string {
  const lines = ['set=1'];
  if (cfg.privateKey !== undefined) lines.push(`private_key=${keyToHex(cfg.privateKey)}`);
  if (cfg.listenPort !== undefined) lines.push(`listen_port=${uint(cfg.listenPort, 65535, 'listen port')}`);
  if (cfg.replacePeers) lines.push('replace_peers=true');
  for (const op of cfg.peers ?? []) lines.push(...peerLines(op));
  return lines.join('\n') + '\n\n';
}

/** The `get=1` request. */
export const getRequest = 'get=1\n\n';

/**
 * Reads `errno=` from a reply; throws {@link UapiError} when it is not 0, or an Error when the
 * reply has none (truncated).
 */
export function checkErrno(text: string, op = 'request'): void {
  const m = /(?:^|\n)errno=(-?\d+)\n/.exec(text);
  if (!m) throw new Error(`WireGuard UAPI ${op}: reply without errno`);
  const errno = Number(m[1]);
  if (errno !== 0) throw new UapiError(errno, op);
}

function int(value: string, key: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`WireGuard UAPI get: bad ${key}`);
  return Number(value);
}

/** Parses a `get=1` reply into a {@link DeviceState}. Throws on a nonzero errno. */
export function parseGet(text: string): DeviceState {
  checkErrno(text, 'get');
  const state: DeviceState = { listenPort: 0, peers: [] };
  let peer: PeerState | undefined;
  let hsSec = 0;
  let hsNsec = 0;
  const finishHandshake = (): void => {
    if (peer) peer.lastHandshakeTime = hsSec === 0 && hsNsec === 0 ? 0 : hsSec * 1000 + Math.floor(hsNsec / 1e6);
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('errno=')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error('WireGuard UAPI get: malformed line');
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'public_key') {
      finishHandshake();
      hsSec = hsNsec = 0;
      peer = { publicKey: keyFromHex(value), allowedIps: [], persistentKeepaliveInterval: 0, lastHandshakeTime: 0, rxBytes: 0, txBytes: 0 };
      state.peers.push(peer);
      continue;
    }
    if (!peer) {
      if (key === 'private_key') {
        state.privateKey = keyFromHex(value);
        if (!isZeroKey(state.privateKey)) state.publicKey = publicKeyFromPrivate(state.privateKey);
        else delete state.privateKey;
      } else if (key === 'listen_port') state.listenPort = int(value, key);
      continue; // fwmark and future device keys
    }
    switch (key) {
      case 'preshared_key': {
        const psk = keyFromHex(value);
        if (!isZeroKey(psk)) peer.presharedKey = psk;
        break;
      }
      case 'endpoint': peer.endpoint = value; break;
      case 'allowed_ip': peer.allowedIps.push(value); break;
      case 'persistent_keepalive_interval': peer.persistentKeepaliveInterval = int(value, key); break;
      case 'last_handshake_time_sec': hsSec = int(value, key); break;
      case 'last_handshake_time_nsec': hsNsec = int(value, key); break;
      case 'rx_bytes': peer.rxBytes = int(value, key); break;
      case 'tx_bytes': peer.txBytes = int(value, key); break;
      default: break; // protocol_version and future peer keys
    }
  }
  finishHandshake();
  return state;
}
