/**
 * Pure peer reconciliation: from what the device reports and what the mesh wants, the minimal
 * list of {@link PeerOp}s. Unchanged peers are never touched (a `set` on a live peer is cheap
 * but not free, and re-setting an endpoint would undo WireGuard's roaming).
 */
import { canonicalCidr, canonicalEndpoint } from './addr';
import { isValidKey } from './keys';
import type { PeerOp, PeerState, SetPeerOp } from './uapi';

/** The configuration the mesh wants for one peer. */
export interface DesiredPeer {
  publicKey: string;
  presharedKey: string;
  /** `ip:port` / `[v6]:port`; undefined leaves the endpoint alone (the peer may still connect in). */
  endpoint?: string;
  /** CIDRs or bare addresses; compared as a set of canonical CIDRs. Must be valid (see canonicalCidr). */
  allowedIps: string[];
  /** Seconds; 0 = off. */
  persistentKeepaliveInterval: number;
}

/** Desired peers keyed by public key: what to keep as `previousDesired` after a successful apply. */
export function indexDesired(desired: readonly DesiredPeer[]): Map<string, DesiredPeer> {
  return new Map(desired.map((d) => [d.publicKey, d]));
}

/**
 * Why `d` cannot be planned (bad key, endpoint or allowed IP), or null. {@link planPeers}
 * throws on such input, so callers holding values from the network filter with this first.
 */
export function validateDesiredPeer(d: DesiredPeer): string | null {
  if (!isValidKey(d.publicKey)) return 'invalid public key';
  if (!isValidKey(d.presharedKey)) return 'invalid preshared key';
  try {
    if (d.endpoint !== undefined) canonicalEndpoint(d.endpoint);
    d.allowedIps.forEach(canonicalCidr);
  } catch (e) {
    return (e as Error).message;
  }
  const ka = d.persistentKeepaliveInterval;
  return Number.isInteger(ka) && ka >= 0 && ka <= 65535 ? null : 'invalid persistent keepalive';
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function tryCanonicalEndpoint(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  try {
    return canonicalEndpoint(s);
  } catch {
    return s; // an observed endpoint we cannot parse simply compares unequal
  }
}

/**
 * Whether the endpoint must be (re)set. Against the last desired endpoint when there is one:
 * if the mesh still wants the same endpoint, the observed one may differ only because the peer
 * roamed, and WireGuard's roaming must not be fought. Without history (first plan, restart),
 * converge to the desired endpoint.
 */
function endpointChanged(want: string, observed: string | undefined, previous: DesiredPeer | undefined): boolean {
  const prev = tryCanonicalEndpoint(previous?.endpoint);
  return prev !== undefined ? prev !== want : tryCanonicalEndpoint(observed) !== want;
}

function addOp(d: DesiredPeer, allowedIps: string[], endpoint: string | undefined): SetPeerOp {
  const op: SetPeerOp = { type: 'set', publicKey: d.publicKey, presharedKey: d.presharedKey };
  if (endpoint !== undefined) op.endpoint = endpoint;
  op.persistentKeepaliveInterval = d.persistentKeepaliveInterval;
  op.replaceAllowedIps = true;
  op.allowedIps = allowedIps;
  return op;
}

function updateOp(d: DesiredPeer, o: PeerState, allowedIps: string[], endpoint: string | undefined, previous?: DesiredPeer): SetPeerOp | undefined {
  const op: SetPeerOp = { type: 'set', publicKey: d.publicKey, updateOnly: true };
  let changed = false;
  if (d.presharedKey !== o.presharedKey) {
    op.presharedKey = d.presharedKey;
    changed = true;
  }
  if (endpoint !== undefined && endpointChanged(endpoint, o.endpoint, previous)) {
    op.endpoint = endpoint;
    changed = true;
  }
  if (d.persistentKeepaliveInterval !== o.persistentKeepaliveInterval) {
    op.persistentKeepaliveInterval = d.persistentKeepaliveInterval;
    changed = true;
  }
  if (!sameSet(allowedIps, o.allowedIps.map(canonicalCidr))) {
    op.replaceAllowedIps = true;
    op.allowedIps = allowedIps;
    changed = true;
  }
  return changed ? op : undefined;
}

/**
 * The minimal ops turning `observed` into `desired`: `remove` for observed peers not desired
 * (first, in observed order), a full `set` for new peers, and for existing peers an
 * `updateOnly` `set` carrying only the fields that differ; unchanged peers get no op.
 * `previousDesired` is the desired map of the last successful apply (see {@link indexDesired});
 * it only affects endpoints. Throws on duplicate desired keys or invalid addresses.
 */
export function planPeers(
  observed: readonly PeerState[],
  desired: readonly DesiredPeer[],
  previousDesired: ReadonlyMap<string, DesiredPeer> = new Map(),
): PeerOp[] {
  const want = indexDesired(desired);
  if (want.size !== desired.length) throw new Error('planPeers: duplicate public key in desired peers');
  const have = new Map(observed.map((o) => [o.publicKey, o]));
  const ops: PeerOp[] = [];
  for (const o of observed) if (!want.has(o.publicKey)) ops.push({ type: 'remove', publicKey: o.publicKey });
  for (const d of desired) {
    const allowedIps = [...new Set(d.allowedIps.map(canonicalCidr))].sort();
    const endpoint = d.endpoint === undefined ? undefined : canonicalEndpoint(d.endpoint);
    const o = have.get(d.publicKey);
    const op = o ? updateOp(d, o, allowedIps, endpoint, previousDesired.get(d.publicKey)) : addOp(d, allowedIps, endpoint);
    if (op) ops.push(op);
  }
  return ops;
}
