/**
 * The networks this machine is directly attached to (the candidates for `routes detect` and
 * the receiver's conflict check), read from `ip -j addr show`, plus pure CIDR helpers. Values
 * from here end up in `ip` batch lines and nft rule text, so CIDRs are parsed strictly and
 * only ever passed on in canonical form.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { cidrOverlaps } from '../../../shared/routes';
import type { CommandRunner } from '../exec';

/** One network of a local interface. */
export interface LocalNetwork {
  iface: string;
  /** This machine's address on the network, e.g. `192.168.1.23`. */
  address: string;
  /** The canonical network, e.g. `192.168.1.0/24`. */
  cidr: string;
  family: 4 | 6;
  /** The interface carries this family's default route (the "main" LAN, usually). */
  defaultRoute: boolean;
}

/** Options of {@link listLocalNetworks}. */
export interface ListLocalNetworksOptions {
  /** Interfaces to leave out, e.g. the mesh interface (and other WireGuard/tun interfaces). */
  exclude?: string[];
}

interface ParsedCidr {
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  len: number;
  family: 4 | 6;
}

/** Strict `address/len` parse (no zone ids, no shorthand IPv4, no leading zeros); undefined if malformed. */
function parseCidr(s: string): ParsedCidr | undefined {
  const m = /^([0-9A-Fa-f.:]+)\/(0|[1-9][0-9]{0,2})$/.exec(s);
  if (!m?.[1] || !m[2]) return undefined;
  const family = isIP(m[1]);
  const len = Number(m[2]);
  if (family === 4 && len <= 32) return { addr: ipaddr.IPv4.parse(m[1]), len, family: 4 };
  if (family === 6 && len <= 128) return { addr: ipaddr.IPv6.parse(m[1]), len, family: 6 };
  return undefined;
}

function networkOf(p: ParsedCidr): string {
  const net = p.family === 4
    ? ipaddr.IPv4.networkAddressFromCIDR(`${p.addr.toString()}/${p.len}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${p.addr.toString()}/${p.len}`);
  return `${net.toString()}/${p.len}`;
}

/**
 * The canonical form of a network prefix (`FD00:0::/64` → `fd00::/64`). Throws when `s` is not
 * `address/length`, or when host bits are set (`192.168.1.5/24`): a typo the user should see
 * rather than have silently widened.
 */
export function canonicalPrefix(s: string): string {
  const p = parseCidr(s);
  if (!p) throw new Error(`invalid prefix ${JSON.stringify(s)}: expected a CIDR such as 192.168.1.0/24 or fd00:1::/64`);
  const canonical = networkOf(p);
  if (canonical !== `${p.addr.toString()}/${p.len}`) {
    throw new Error(`invalid prefix ${JSON.stringify(s)}: host bits are set (did you mean ${canonical}?)`);
  }
  return canonical;
}

/** Family (4 or 6) of a CIDR; throws when malformed. */
export function prefixFamily(s: string): 4 | 6 {
  const p = parseCidr(s);
  if (!p) throw new Error(`invalid prefix ${JSON.stringify(s)}`);
  return p.family;
}


/** Shape of one entry of `ip -j addr show` (only the fields used). */
interface IpAddrLink {
  ifname?: string;
  flags?: string[];
  operstate?: string;
  link_type?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string; dadfailed?: boolean }[];
}

const linkLocal = ['169.254.0.0/16', 'fe80::/10'];

/**
 * Pure part of {@link listLocalNetworks}: the networks in `ip -j addr show` output, given the
 * interfaces that carry the IPv4 and IPv6 default routes. Skips loopback, down and excluded
 * interfaces, point-to-point/tunnel links without a link layer (`link_type: none`: WireGuard,
 * tun — a VPN's subnet is not a LAN), link-local and host (/32, /128) addresses. One entry per
 * (interface, network): a second address in the same network adds nothing.
 */
export function parseLocalNetworks(addrJson: string, defaults: { v4: Set<string>; v6: Set<string> }, exclude: string[] = []): LocalNetwork[] {
  const links = JSON.parse(addrJson) as IpAddrLink[];
  const out: LocalNetwork[] = [];
  const seen = new Set<string>();
  for (const link of links) {
    const iface = link.ifname;
    const flags = link.flags ?? [];
    if (!iface || exclude.includes(iface) || flags.includes('LOOPBACK') || link.link_type === 'loopback') continue;
    if (!flags.includes('UP') || link.operstate === 'DOWN' || link.link_type === 'none') continue;
    for (const a of link.addr_info ?? []) {
      const family = a.family === 'inet' ? 4 : a.family === 'inet6' ? 6 : undefined;
      if (!family || !a.local || a.prefixlen === undefined || a.scope === 'link' || a.scope === 'host' || a.dadfailed) continue;
      if (a.prefixlen === (family === 4 ? 32 : 128)) continue;
      const parsed = parseCidr(`${a.local}/${a.prefixlen}`);
      if (!parsed || parsed.family !== family) continue;
      const cidr = networkOf(parsed);
      if (linkLocal.some((ll) => cidrOverlaps(ll, cidr)) || seen.has(`${iface} ${cidr}`)) continue;
      seen.add(`${iface} ${cidr}`);
      out.push({ iface, address: parsed.addr.toString(), cidr, family, defaultRoute: (family === 4 ? defaults.v4 : defaults.v6).has(iface) });
    }
  }
  return out;
}

/** Interfaces named by `ip -j route show default` output. */
export function parseDefaultRouteInterfaces(routeJson: string): Set<string> {
  const routes = JSON.parse(routeJson || '[]') as { dev?: string; nexthops?: { dev?: string }[] }[];
  const devs = new Set<string>();
  for (const r of routes) {
    if (r.dev) devs.add(r.dev);
    for (const h of r.nexthops ?? []) if (h.dev) devs.add(h.dev);
  }
  return devs;
}

/**
 * Lists this machine's directly attached networks (Linux, iproute2): three `ip` processes,
 * no changes made. See {@link parseLocalNetworks} for what is skipped.
 */
export async function listLocalNetworks(runner: CommandRunner, opts: ListLocalNetworksOptions = {}): Promise<LocalNetwork[]> {
  const [addrs, v4, v6] = await Promise.all([
    runner.run(['ip', '-j', 'addr', 'show']),
    runner.run(['ip', '-j', 'route', 'show', 'default']),
    runner.run(['ip', '-j', '-6', 'route', 'show', 'default']),
  ]);
  const defaults = { v4: parseDefaultRouteInterfaces(v4.stdout), v6: parseDefaultRouteInterfaces(v6.stdout) };
  return parseLocalNetworks(addrs.stdout, defaults, opts.exclude ?? []);
}
