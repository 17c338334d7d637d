/**
 * Which advertised routes this node accepts, through whom, and which it refuses (pure).
 *
 * Rules (issue 4): a route is never installed when it overlaps a network this machine is
 * directly attached to (two homes both on 192.168.1.0/24 is the common case) or the mesh's own
 * addresses; those are reported as conflicts instead. When several peers advertise the same
 * prefix, the choice is deterministic on every node: peers with a completed handshake first,
 * then the smallest public key; the others are standby and take over when the chosen one goes.
 */
import { cidrOverlaps } from '../../shared/routes';

/** An advertiser as the plan needs it. */
export interface RouteAdvertiser {
  publicKey: string;
  hostname: string;
  meshIp: string;
  meshIpv6: string;
  routableNetworks: readonly string[];
  /** The device reports a handshake with this peer (with its relay, when relayed). */
  reachable: boolean;
  /**
   * The introducer this peer is relayed through (spec 3.15): its prefixes go on the relay's
   * AllowedIPs and their routes use the relay's mesh IP as gateway. Absent = direct.
   */
  relay?: { publicKey: string; meshIp: string; meshIpv6: string };
}

/** One accepted (or refused) prefix. */
export interface AcceptedRoute {
  prefix: string;
  via: { publicKey: string; hostname?: string; meshIPv4: string };
  installed: boolean;
  conflict?: string;
  standby: { publicKey: string; hostname?: string }[];
}

/** A kernel route through the mesh interface. */
export interface PlannedRoute {
  prefix: string;
  via: string;
}

/** The result: extra AllowedIPs per peer, kernel routes, and what to report. */
export interface RoutePlan {
  allowedIps: Map<string, string[]>;
  routes: PlannedRoute[];
  accepted: AcceptedRoute[];
}

/** Inputs of {@link planRoutes}. */
export interface RoutePlanInput {
  advertisers: readonly RouteAdvertiser[];
  acceptRoutes: boolean;
  /** Networks this machine is directly attached to (canonical CIDRs). */
  localNetworks: readonly string[];
  /** The mesh's IPv4 subnet and IPv6 /64. */
  meshNetworks: readonly string[];
}

/** Computes the route plan. */
export function planRoutes(input: RoutePlanInput): RoutePlan {
  const byPrefix = new Map<string, RouteAdvertiser[]>();
  for (const a of input.advertisers) {
    for (const prefix of new Set(a.routableNetworks)) {
      const list = byPrefix.get(prefix) ?? [];
      list.push(a);
      byPrefix.set(prefix, list);
    }
  }
  const plan: RoutePlan = { allowedIps: new Map(), routes: [], accepted: [] };
  for (const [prefix, advertisers] of [...byPrefix].sort(([a], [b]) => a.localeCompare(b))) {
    const v6 = prefix.includes(':');
    const usable = advertisers.filter((a) => (v6 ? (a.relay ?? a).meshIpv6 : (a.relay ?? a).meshIp) !== '');
    if (usable.length === 0) continue;
    usable.sort((a, b) => Number(b.reachable) - Number(a.reachable) || compareKeys(a.publicKey, b.publicKey));
    const [chosen, ...standby] = usable as [RouteAdvertiser, ...RouteAdvertiser[]];
    const conflict = conflictOf(prefix, input);
    const installed = input.acceptRoutes && conflict === undefined;
    const entry: AcceptedRoute = {
      prefix, installed,
      via: { publicKey: chosen.publicKey, meshIPv4: chosen.meshIp, ...(chosen.hostname ? { hostname: chosen.hostname } : {}) },
      standby: standby.map((s) => ({ publicKey: s.publicKey, ...(s.hostname ? { hostname: s.hostname } : {}) })),
    };
    if (conflict) entry.conflict = conflict;
    plan.accepted.push(entry);
    if (!installed) continue;
    const hop = chosen.relay ?? chosen; // the WireGuard peer the traffic goes to
    plan.allowedIps.set(hop.publicKey, [...(plan.allowedIps.get(hop.publicKey) ?? []), prefix]);
    plan.routes.push({ prefix, via: v6 ? hop.meshIpv6 : hop.meshIp });
  }
  return plan;
}

function conflictOf(prefix: string, input: RoutePlanInput): string | undefined {
  const mesh = input.meshNetworks.find((m) => cidrOverlaps(prefix, m));
  if (mesh) return `overlaps the mesh's own addresses (${mesh})`;
  const local = input.localNetworks.find((n) => cidrOverlaps(prefix, n));
  if (local) return `overlaps ${local}, a network this machine is attached to`;
  return undefined;
}

/** Go's byte-wise string order (keys are ASCII base64). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
