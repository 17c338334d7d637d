/**
 * The firewall seam for origins (issue 5): a site's forwarder listens on this node's mesh
 * addresses, and these rules make sure only the mesh can reach those ports.
 *
 * Why binding the mesh address is not enough on Linux: it uses the weak host model, accepting a
 * packet for any local address on any interface. A LAN neighbour that adds a route to our mesh
 * IP via our LAN address would reach the site directly, bypassing the mesh. The rule drops TCP
 * to the site ports at the mesh addresses unless it arrives on the mesh interface or on `lo`
 * (this machine itself).
 *
 * NftablesOriginFirewall owns its own table (`inet cloudroof_origin`), separate from the subnet
 * router's `inet cloudroof`, so either can be replaced or removed without touching the other.
 * FakeOriginFirewall (origin-fake.ts) for tests; {@link createOriginFirewall} picks one per OS.
 */
import { formatIp, parseIp } from '../../../shared/mesh/ip';
import type { CommandRunner } from '../exec';
import { dropTableLines, NftTable } from './nft-table';
import { assertInterfaceName } from '../wireguard/iface-name';

/** What the origin rules are built from. */
export interface OriginFirewallRules {
  /** The WireGuard interface of the mesh (e.g. `wg0`). */
  meshInterface: string;
  /** This node's mesh addresses (IPv4 and/or IPv6, no prefix length). */
  meshAddresses: string[];
  /** The TCP ports sites are offered on at those addresses. */
  ports: number[];
}

/** Owns the origin rules and nothing else. Methods reject with the tool's error. */
export interface OriginFirewall {
  /** Replaces our rules with exactly `rules` in one atomic step; empty `ports` = {@link remove}. */
  apply(rules: OriginFirewallRules): Promise<void>;
  /** Removes our rules; succeeds when there are none. */
  remove(): Promise<void>;
  /** Our rules as the firewall prints them, or null when there are none. */
  current(): Promise<string | null>;
}

/**
 * Checks and canonicalises `rules`: every value ends up inside rule text, so only a valid
 * interface name, plain IP addresses (canonical text, duplicates removed) and whole port
 * numbers 1–65535 (sorted, duplicates removed) get through. Ports need at least one address.
 */
export function validateOriginRules(rules: OriginFirewallRules, platform: NodeJS.Platform = 'linux'): OriginFirewallRules {
  assertInterfaceName(rules.meshInterface, platform);
  const meshAddresses = [...new Set(rules.meshAddresses.map((a) => {
    const bytes = typeof a === 'string' ? parseIp(a) : null;
    if (!bytes) throw new Error(`invalid mesh address ${JSON.stringify(a)}: expected an IPv4 or IPv6 address`);
    return formatIp(bytes);
  }))];
  const ports = [...new Set(rules.ports.map((p) => {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`invalid port ${JSON.stringify(p)}: expected a whole number from 1 to 65535`);
    return p;
  }))].sort((a, b) => a - b);
  if (ports.length > 0 && meshAddresses.length === 0) throw new Error('origin firewall: ports given but no mesh address');
  return { meshInterface: rules.meshInterface, meshAddresses, ports };
}

/** Options of {@link NftablesOriginFirewall}. */
export interface NftablesOriginFirewallOptions {
  /** Table name (family inet); default `cloudroof_origin`. Tests use a per-run name. */
  table?: string;
}

function set(values: readonly string[]): string {
  return values.length === 1 ? (values[0] ?? '') : `{ ${values.join(', ')} }`;
}

/**
 * The complete nft input for `rules` (already validated, at least one port): drop our table,
 * declare it anew with one input chain. It runs just before the usual filter chains and only
 * ever drops, so it never opens anything another firewall closes.
 */
export function renderOriginNftables(table: string, rules: OriginFirewallRules): string {
  const ports = set(rules.ports.map(String));
  const allowed = `iifname != ${set([JSON.stringify(rules.meshInterface), '"lo"'])}`;
  const v4 = rules.meshAddresses.filter((a) => !a.includes(':'));
  const v6 = rules.meshAddresses.filter((a) => a.includes(':'));
  const body: string[] = [];
  if (v4.length > 0) body.push(`ip daddr ${set(v4)} tcp dport ${ports} ${allowed} drop`);
  if (v6.length > 0) body.push(`ip6 daddr ${set(v6)} tcp dport ${ports} ${allowed} drop`);
  return [
    ...dropTableLines(table),
    `table inet ${table} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter - 1; policy accept;',
    ...body.map((l) => `\t\t${l}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** {@link OriginFirewall} on nftables, owning one `inet` table. */
export class NftablesOriginFirewall implements OriginFirewall {
  private readonly nft: NftTable;

  constructor(runner: CommandRunner, opts: NftablesOriginFirewallOptions = {}) {
    this.nft = new NftTable(runner, opts.table ?? 'cloudroof_origin');
  }

  /** The table's name. */
  get table(): string {
    return this.nft.name;
  }

  async apply(rules: OriginFirewallRules): Promise<void> {
    const valid = validateOriginRules(rules, 'linux');
    if (valid.ports.length === 0) return this.remove();
    await this.nft.load(renderOriginNftables(this.table, valid));
  }

  remove(): Promise<void> {
    return this.nft.remove();
  }

  current(): Promise<string | null> {
    return this.nft.current();
  }
}

/**
 * macOS: pf support for origins is not done. The intended rule (in our pf anchor: block TCP to
 * the site ports at the mesh addresses unless it arrives on the utun or lo0) is not written
 * yet, so this only validates its input and installs nothing. macOS origins rely on binding
 * the mesh address; that alone does not stop a LAN neighbour who routes to the mesh IP through
 * this machine, so a LAN-exposed Mac origin is less protected than a Linux one.
 */
export class NoopOriginFirewall implements OriginFirewall {
  async apply(rules: OriginFirewallRules): Promise<void> {
    validateOriginRules(rules, 'darwin');
  }

  async remove(): Promise<void> {}

  async current(): Promise<string | null> {
    return null;
  }
}

/** The OriginFirewall for `platform`: a no-op on `darwin` (see {@link NoopOriginFirewall}), else nftables. */
export function createOriginFirewall(runner: CommandRunner, platform: NodeJS.Platform = process.platform): OriginFirewall {
  return platform === 'darwin' ? new NoopOriginFirewall() : new NftablesOriginFirewall(runner);
}
