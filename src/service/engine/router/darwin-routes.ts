/**
 * Mesh routes on macOS (issue 4): parsing of `netstat -rn -f inet|inet6` and the diff of desired
 * against installed routes as `route` argv, one command per change (route(8) sends one routing
 * socket message per invocation; there is no batch mode). Pure, so the exact argv is golden-tested.
 */
import { isIP } from 'node:net';
import { canonicalPrefix } from '../net/local-networks';
import type { MeshRoute, MeshRouteChanges } from './mesh-routes';

/**
 * The mask netstat assumes when it prints an IPv4 network without `/len`: netstat's route.c
 * (`netname` + `domask`) drops trailing zero octets and appends `/len` only when the mask differs
 * from the classful one (`forgemask`: A → /8, B → /16, anything else → /24). So `192.168.1` is
 * 192.168.1.0/24, `10.42/16` is 10.42.0.0/16, `172.16/12` is 172.16.0.0/12.
 */
function classfulLength(firstOctet: number): number {
  if (firstOctet < 128) return 8;
  return firstOctet < 192 ? 16 : 24;
}

function ipv4Destination(dst: string, host: boolean): string | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){0,3})(?:\/(\d{1,2}))?$/.exec(dst);
  if (!m?.[1]) return undefined; // `&0x…` (non-contiguous mask), names, garbage
  const octets = m[1].split('.').map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const address = [...octets, 0, 0, 0].slice(0, 4).join('.');
  // route.c prints host routes (RTF_HOST, flag H) with routename(): all four octets, no mask.
  const length = m[2] !== undefined ? Number(m[2]) : host && octets.length === 4 ? 32 : classfulLength(octets[0] ?? 0);
  return length <= 32 ? `${address}/${length}` : undefined;
}

function ipv6Destination(dst: string, host: boolean): string | undefined {
  // Scoped (link-local, `fe80::%utun3/64`) entries are the interface's own, never mesh routes.
  if (dst.includes('%')) return undefined;
  const [address = '', length, ...rest] = dst.split('/');
  if (rest.length > 0 || isIP(address) !== 6) return undefined;
  // With -n, netname6() always appends `/len`; host routes go through routename6() without it.
  if (length === undefined) return host ? `${address}/128` : undefined;
  return /^\d{1,3}$/.test(length) && Number(length) <= 128 ? `${address}/${length}` : undefined;
}

function canonicalIp(ip: string): string {
  return canonicalPrefix(`${ip}/${isIP(ip) === 4 ? 32 : 128}`).split('/')[0] ?? ip;
}

/**
 * Gateway routes through `iface` in `netstat -rn -f inet` (family 4) or `-f inet6` (family 6)
 * output. Columns are Destination, Gateway, Flags, Netif[, Expire]; with -n no column is
 * truncated (route.c prints `%-*s` when nflag is set) and no field contains a space. Kept: flag
 * G (RTF_GATEWAY) and Netif = `iface`. Left out, so never touched: routes without a gateway (the
 * mesh subnet's interface route), default routes, cloned routes (flag W: per-destination copies
 * the kernel makes and expires itself), link-layer or scoped gateways, anything unparsable.
 */
export function parseNetstatRoutes(text: string, iface: string, family: 4 | 6): MeshRoute[] {
  const out: MeshRoute[] = [];
  for (const line of text.split('\n')) {
    const [dst, gateway, flags, netif] = line.trim().split(/\s+/);
    if (!dst || !gateway || !flags || netif !== iface || dst === 'default') continue;
    if (!flags.includes('G') || flags.includes('W')) continue;
    if (isIP(gateway) !== family || gateway.includes('%')) continue;
    const host = flags.includes('H');
    const prefix = family === 4 ? ipv4Destination(dst, host) : ipv6Destination(dst, host);
    if (prefix === undefined) continue;
    try {
      const canonical = canonicalPrefix(prefix);
      if (!canonical.endsWith('/0')) out.push({ prefix: canonical, via: canonicalIp(gateway) });
    } catch {
      // host bits set: not a network netstat would print for a route we added; leave it alone
    }
  }
  return out;
}

/** `route` argv that turn `current` into `desired` (validated), and what they change. */
export function planDarwinMeshRoutes(current: readonly MeshRoute[], desired: readonly MeshRoute[]): { commands: string[][] } & MeshRouteChanges {
  const want = new Map(desired.map((r) => [r.prefix, r.via]));
  const have = new Map<string, string[]>();
  for (const r of current) have.set(r.prefix, [...(have.get(r.prefix) ?? []), r.via]);
  const commands: string[][] = [];
  const added: MeshRoute[] = [];
  const removed: MeshRoute[] = [];
  const changed = new Set<string>();
  for (const r of current) {
    const via = want.get(r.prefix);
    if (via === r.via) continue;
    removed.push(r);
    // Same rule as the Linux plan: a prefix that stays with another gateway is changed in
    // place (`route change` rewrites the gateway in one routing message: no moment without a
    // route); extra gateways for one prefix, and prefixes no longer wanted, are deleted.
    if (via === undefined || (have.get(r.prefix) ?? []).includes(via) || changed.has(r.prefix)) {
      commands.push(routeArgv('delete', r.prefix, r.via));
    } else {
      commands.push(routeArgv('change', r.prefix, via));
      added.push({ prefix: r.prefix, via });
      changed.add(r.prefix);
    }
  }
  for (const r of desired) {
    if (have.has(r.prefix)) continue;
    commands.push(routeArgv('add', r.prefix, r.via));
    added.push(r);
  }
  return { commands, added, removed };
}

/**
 * `route -n VERB [-inet6] -net PREFIX GATEWAY`. -n: no name lookups. route(8) takes the
 * address family from a modifier before the destination (IPv4 is its default) and accepts
 * `address/len` after -net for both families. `-net` with a /32 or /128 makes a network route
 * with a full mask (netstat shows it with `/32`), which {@link parseNetstatRoutes} reads back.
 */
export function routeArgv(verb: 'add' | 'change' | 'delete', prefix: string, via: string): string[] {
  const family = isIP(via) === 6 ? ['-inet6'] : [];
  return ['route', '-n', verb, ...family, '-net', prefix, via];
}
