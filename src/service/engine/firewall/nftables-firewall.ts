/**
 * Firewall on Linux through nftables. The project owns exactly one table (`inet cloudroof`) and
 * never edits anyone else's: the whole table is rendered as text and loaded with `nft -f -`,
 * which applies a file as one transaction, so the ruleset is never half-updated.
 */
import type { CommandRunner } from '../exec';
import { dropTableLines, NftTable } from './nft-table';
import { prefixFamily } from '../net/local-networks';
import { validateRules } from './firewall';
import type { Firewall, SubnetRouterRules } from './firewall';

/** Options of {@link NftablesFirewall}. */
export interface NftablesFirewallOptions {
  /** Table name (family inet); default `cloudroof`. Tests use a per-run name. */
  table?: string;
}

function addrSet(values: string[]): string {
  return values.length === 1 ? (values[0] ?? '') : `{ ${values.join(', ')} }`;
}

/**
 * The complete nft input for `rules` (already validated): drop our table, declare it anew.
 * The forward chain runs just before the usual filter chains; it accepts mesh → prefix and
 * the replies, and drops any other forwarded traffic to or from the mesh, because enabling
 * forwarding must not turn this machine into a router for anything but the advertised LANs.
 * With `meshRelay` (an introducer's relay duty), mesh → mesh forwarding is accepted first.
 */
export function renderNftables(table: string, rules: SubnetRouterRules): string {
  const mesh = JSON.stringify(rules.meshInterface);
  const forward: string[] = [];
  const nat: string[] = [];
  if (rules.meshRelay) forward.push(`iifname ${mesh} oifname ${mesh} accept`);
  for (const r of rules.routes) {
    const fam = prefixFamily(r.prefix);
    const ip = fam === 4 ? 'ip' : 'ip6';
    const subnets = rules.meshSubnets.filter((s) => prefixFamily(s) === fam);
    const fromMesh = subnets.length > 0 ? ` ${ip} saddr ${addrSet(subnets)}` : '';
    const toMesh = subnets.length > 0 ? ` ${ip} daddr ${addrSet(subnets)}` : '';
    const lan = r.lanInterface === undefined ? undefined : JSON.stringify(r.lanInterface);
    const out = lan ? ` oifname ${lan}` : '';
    forward.push(`iifname ${mesh}${out}${fromMesh} ${ip} daddr ${r.prefix} accept`);
    forward.push(`${lan ? `iifname ${lan} ` : ''}oifname ${mesh} ${ip} saddr ${r.prefix}${toMesh} ct state established,related accept`);
    if (r.masquerade) nat.push(`iifname ${mesh}${out}${fromMesh} ${ip} daddr ${r.prefix} masquerade`);
  }
  forward.push(`iifname ${mesh} drop`, `oifname ${mesh} drop`);
  const chain = (name: string, head: string, body: string[]): string[] =>
    [`\tchain ${name} {`, `\t\t${head}`, ...body.map((l) => `\t\t${l}`), '\t}'];
  return [
    ...dropTableLines(table),
    `table inet ${table} {`,
    ...chain('forward', 'type filter hook forward priority filter - 1; policy accept;', forward),
    ...chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', nat),
    '}',
    '',
  ].join('\n');
}

/** {@link Firewall} on nftables, owning one `inet` table. */
export class NftablesFirewall implements Firewall {
  private readonly nft: NftTable;

  constructor(runner: CommandRunner, opts: NftablesFirewallOptions = {}) {
    this.nft = new NftTable(runner, opts.table ?? 'cloudroof');
  }

  /** The table's name. */
  get table(): string {
    return this.nft.name;
  }

  async apply(rules: SubnetRouterRules): Promise<void> {
    const valid = validateRules(rules, 'linux');
    if (valid.routes.length === 0 && !valid.meshRelay) return this.remove();
    await this.nft.load(renderNftables(this.table, valid));
  }

  remove(): Promise<void> {
    return this.nft.remove();
  }

  current(): Promise<string | null> {
    return this.nft.current();
  }
}
