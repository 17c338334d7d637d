/**
 * The firewall seam for subnet routing (issue 4): forward rules limited to mesh ↔ LAN traffic
 * for the advertised prefixes, and masquerade so LAN devices answer without a return route.
 * One implementation per OS (nftables on Linux, a pf anchor on macOS), chosen by
 * {@link createFirewall}; FakeFirewall (fake.ts) for tests.
 */
import type { CommandRunner } from '../exec';
import { canonicalPrefix } from '../net/local-networks';
import { assertInterfaceName } from '../wireguard/iface-name';
import { DarwinFirewall } from './firewall-darwin';
import { NftablesFirewall } from './nftables-firewall';

/** One advertised prefix and how traffic to it leaves this machine. */
export interface SubnetRoute {
  /** Canonical CIDR, e.g. `192.168.1.0/24`. */
  prefix: string;
  /** The LAN interface the prefix is on; absent = any interface. */
  lanInterface?: string;
  /** Rewrite the mesh source address to this machine's LAN address. */
  masquerade: boolean;
}

/** Everything the subnet router's rules are built from. */
export interface SubnetRouterRules {
  meshInterface: string;
  /** The mesh subnets (e.g. `10.20.0.0/16`, `fd12:3456::/64`): only they may use the routes. */
  meshSubnets: string[];
  routes: SubnetRoute[];
  /**
   * Also forward mesh → mesh (in and out on the mesh interface): the relay duty of an
   * introducer (wgmesh spec 3.8, 3.15). Rules with no routes but this set are still applied.
   */
  meshRelay?: boolean;
}

/** Owns this project's firewall rules; touches nothing else. Methods reject with the tool's error. */
export interface Firewall {
  /** Replaces our rules with exactly `rules` in one atomic step; empty `routes` without `meshRelay` = {@link remove}. */
  apply(rules: SubnetRouterRules): Promise<void>;
  /** Removes our rules; succeeds when there are none. */
  remove(): Promise<void>;
  /** Our rules as the firewall prints them, or null when there are none. */
  current(): Promise<string | null>;
}

/**
 * Checks and canonicalises `rules`. Every value ends up inside firewall rule text, so anything
 * that is not an interface name or a canonical CIDR is refused here. Default routes (an exit
 * node is another feature) and duplicate prefixes are refused too.
 */
export function validateRules(rules: SubnetRouterRules, platform: NodeJS.Platform = 'linux'): SubnetRouterRules {
  assertInterfaceName(rules.meshInterface, platform);
  const strict = (p: string): string => {
    const c = canonicalPrefix(p);
    if (c !== p) throw new Error(`prefix ${JSON.stringify(p)} is not canonical (${c})`);
    return c;
  };
  const meshSubnets = rules.meshSubnets.map(strict);
  const seen = new Set<string>();
  const routes = rules.routes.map((r) => {
    const prefix = strict(r.prefix);
    if (prefix.endsWith('/0')) throw new Error(`prefix ${prefix}: default routes cannot be advertised`);
    if (seen.has(prefix)) throw new Error(`prefix ${prefix} is listed twice`);
    seen.add(prefix);
    if (r.lanInterface !== undefined) assertInterfaceName(r.lanInterface, platform);
    if (typeof r.masquerade !== 'boolean') throw new Error(`prefix ${prefix}: masquerade must be true or false`);
    return r.lanInterface === undefined ? { prefix, masquerade: r.masquerade } : { prefix, lanInterface: r.lanInterface, masquerade: r.masquerade };
  });
  if (rules.meshRelay !== undefined && typeof rules.meshRelay !== 'boolean') throw new Error('meshRelay must be true or false');
  return { meshInterface: rules.meshInterface, meshSubnets, routes, ...(rules.meshRelay ? { meshRelay: true } : {}) };
}

/** The Firewall for `platform` (nftables unless `darwin`), running commands through `runner`. */
export function createFirewall(runner: CommandRunner, platform: NodeJS.Platform = process.platform): Firewall {
  return platform === 'darwin' ? new DarwinFirewall(runner) : new NftablesFirewall(runner);
}
