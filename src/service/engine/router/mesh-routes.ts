/**
 * Routes through the mesh interface to prefixes that other nodes advertise (issue 4): the
 * parsing of `ip -j route` output and the diff of desired against installed, kept pure so the
 * exact `ip -batch` text can be golden-tested.
 */
import { isIP } from 'node:net';
import { canonicalPrefix, prefixFamily } from '../net/local-networks';

/** A route to `prefix` via a mesh peer's address on the mesh interface. */
export interface MeshRoute {
  /** Canonical CIDR, e.g. `192.168.1.0/24`. */
  prefix: string;
  /** Gateway: the advertising peer's mesh IP, same family as `prefix`. */
  via: string;
}

/** Result of {@link Router.applyMeshRoutes}: a changed gateway counts as one removed and one added. */
export interface MeshRouteChanges {
  added: MeshRoute[];
  removed: MeshRoute[];
}

/** One entry of `ip -j route show` (only the fields used). */
interface IpRoute {
  dst?: string;
  gateway?: string;
  type?: string;
  nexthops?: unknown[];
}

/**
 * Routes with a gateway in `ip -j [-6] route show dev IFACE` output. Left out, so never
 * touched: routes without a gateway (the kernel's own subnet route), non-unicast types,
 * multipath routes, and default routes (an exit node is another feature; we never add one).
 * Host routes print without a length (`10.99.0.5`) and become /32 or /128.
 */
export function parseMeshRoutes(json: string): MeshRoute[] {
  const routes = JSON.parse(json || '[]') as IpRoute[];
  const out: MeshRoute[] = [];
  for (const r of routes) {
    if (!r.dst || !r.gateway || r.dst === 'default' || (r.type !== undefined && r.type !== 'unicast') || r.nexthops) continue;
    const family = isIP(r.dst.split('/')[0] ?? '');
    if (family === 0 || isIP(r.gateway) !== family) continue;
    const prefix = r.dst.includes('/') ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`;
    out.push({ prefix: canonicalPrefix(prefix), via: canonicalIp(r.gateway) });
  }
  return out;
}

function canonicalIp(ip: string): string {
  return canonicalPrefix(`${ip}/${isIP(ip) === 4 ? 32 : 128}`).split('/')[0] ?? ip;
}

/**
 * Checks desired routes before they become `ip` input: canonical prefixes (not a default
 * route), a gateway address of the prefix's family, one gateway per prefix. Returns them
 * with canonical gateway spelling.
 */
export function validateMeshRoutes(desired: readonly MeshRoute[]): MeshRoute[] {
  const seen = new Set<string>();
  return desired.map((r) => {
    const prefix = canonicalPrefix(r.prefix);
    if (prefix !== r.prefix) throw new Error(`mesh route prefix ${JSON.stringify(r.prefix)} is not canonical (${prefix})`);
    if (prefix.endsWith('/0')) throw new Error(`mesh route ${prefix}: default routes are not installed`);
    const family = prefixFamily(prefix);
    if (isIP(r.via) !== family || r.via.includes('%')) {
      throw new Error(`mesh route ${prefix}: gateway ${JSON.stringify(r.via)} is not an IPv${family} address`);
    }
    if (seen.has(prefix)) throw new Error(`mesh route ${prefix} is listed twice`);
    seen.add(prefix);
    return { prefix, via: canonicalIp(r.via) };
  });
}

/** The `ip -batch` lines that turn `current` into `desired` on `iface`, and what they change. */
export function planMeshRoutes(iface: string, current: readonly MeshRoute[], desired: readonly MeshRoute[]): { lines: string[] } & MeshRouteChanges {
  const want = new Map(desired.map((r) => [r.prefix, r.via]));
  const have = new Map<string, string[]>();
  for (const r of current) have.set(r.prefix, [...(have.get(r.prefix) ?? []), r.via]);
  const lines: string[] = [];
  const added: MeshRoute[] = [];
  const removed: MeshRoute[] = [];
  for (const r of current) {
    const via = want.get(r.prefix);
    if (via === r.via) continue;
    removed.push(r);
    // A prefix that stays (with another gateway) is replaced below, not deleted first: no
    // moment without a route. Extra gateways for one prefix (e.g. a different metric) go.
    if (via === undefined || (have.get(r.prefix) ?? []).includes(via) || lines.some((l) => l.startsWith(`route replace ${r.prefix} `))) {
      lines.push(`route del ${r.prefix} via ${r.via} dev ${iface}`);
    } else {
      lines.push(`route replace ${r.prefix} via ${via} dev ${iface}`);
      added.push({ prefix: r.prefix, via });
    }
  }
  for (const r of desired) {
    if (have.has(r.prefix)) continue;
    lines.push(`route replace ${r.prefix} via ${r.via} dev ${iface}`);
    added.push(r);
  }
  return { lines, added, removed };
}
