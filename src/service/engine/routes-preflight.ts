/**
 * Preflight for advertising LAN routes (`cloudroof routes check`, issue 4): what on this
 * machine would stop forwarded mesh ↔ LAN traffic, each with the fix. Read-only: sysctls,
 * `nft -j list ruleset` and `ip -j route show`; nothing is changed.
 */
import { isIP } from 'node:net';
import { CommandError } from './exec';
import type { CommandRunner } from './exec';
import { canonicalPrefix, prefixFamily } from './net/local-networks';
import { forwardingKeys } from './sysctl';
import type { Sysctl } from './sysctl';
import { assertInterfaceName, validateInterfaceName } from './wireguard/iface-name';

/** One problem found, with the command or step that fixes it. */
export interface Finding {
  /** Stable kebab-case id, e.g. `rp-filter-strict`. */
  id: string;
  severity: 'error' | 'warning';
  message: string;
  fix: string;
}

/** What {@link checkSubnetRouting} looks at. */
export interface SubnetRoutingInput {
  meshInterface: string;
  /** Canonical prefixes to advertise. */
  prefixes: string[];
  /** The LAN interfaces those prefixes are on (may be empty when unknown). */
  lanInterfaces: string[];
  /** Our own nftables table (family inet), which is never reported; default `cloudroof`. */
  firewallTable?: string;
}

/** Ports of {@link checkSubnetRouting}. */
export interface SubnetRoutingDeps {
  sysctl: Sysctl;
  runner: CommandRunner;
}

/**
 * Runs every check and returns the findings (empty = nothing in the way). Names and prefixes
 * are validated first — they appear in fix texts that users paste into a root shell.
 */
export async function checkSubnetRouting(deps: SubnetRoutingDeps, input: SubnetRoutingInput): Promise<Finding[]> {
  assertInterfaceName(input.meshInterface, 'linux');
  for (const i of input.lanInterfaces) assertInterfaceName(i, 'linux');
  const prefixes = input.prefixes.map(canonicalPrefix);
  const families = [...new Set(prefixes.map(prefixFamily))].sort();
  const groups = await Promise.all([
    checkForwarding(deps.sysctl, families),
    families.includes(4) ? checkRpFilter(deps.sysctl, input.lanInterfaces) : [],
    checkFirewall(deps.runner, input, families),
    checkRoutes(deps.runner, input, prefixes),
  ]);
  return groups.flat();
}

async function tryGet(sysctl: Sysctl, key: string): Promise<string | undefined> {
  try {
    return await sysctl.get(key);
  } catch {
    return undefined; // unknown key (IPv6 disabled, odd interface name): nothing to report
  }
}

async function checkForwarding(sysctl: Sysctl, families: (4 | 6)[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const f of families) {
    const key = forwardingKeys[f];
    const v = await tryGet(sysctl, key);
    if (v === undefined || v === '1') continue;
    out.push({
      id: `forwarding-ipv${f}-off`,
      severity: 'warning',
      message: `IPv${f} forwarding is off (${key}=${v}); cloudroof enables it while routes are advertised and restores it on withdraw`,
      fix: `nothing to do; to keep it on permanently: echo '${key}=1' | sudo tee /etc/sysctl.d/99-cloudroof.conf`,
    });
  }
  return out;
}

// The kernel uses max(all, iface): strict on either one makes the interface strict.
async function checkRpFilter(sysctl: Sysctl, lanInterfaces: string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const name of ['all', ...lanInterfaces]) {
    const key = `net.ipv4.conf.${name}.rp_filter`;
    if ((await tryGet(sysctl, key)) !== '1') continue;
    out.push({
      id: 'rp-filter-strict',
      severity: 'warning',
      message: `strict reverse-path filtering is on for ${name} (${key}=1); forwarded mesh traffic whose return path differs is dropped`,
      fix: `sudo sysctl -w ${key}=2`,
    });
  }
  return out;
}

interface NftObject {
  chain?: { family: string; table: string; name: string; hook?: string; policy?: string };
  rule?: { family: string; table: string; chain: string; expr?: Record<string, unknown>[] };
}

const verdictOnly = new Set(['counter', 'log', 'drop', 'reject', 'limit']);

function isDropAll(expr: Record<string, unknown>[] = []): boolean {
  return expr.length > 0 && expr.every((e) => Object.keys(e).every((k) => verdictOnly.has(k))) &&
    expr.some((e) => 'drop' in e || 'reject' in e);
}

function acceptsFromMesh(expr: Record<string, unknown>[] = [], mesh: string): boolean {
  const matchesMesh = expr.some((e) => {
    const m = e.match as { left?: { meta?: { key?: string } }; right?: unknown } | undefined;
    return m?.left?.meta?.key === 'iifname' && m.right === mesh;
  });
  return matchesMesh && expr.some((e) => 'accept' in e);
}

/**
 * Forward-hook chains of other tables that drop by default (policy drop, or a final
 * unconditional drop/reject rule) and have no rule accepting traffic from the mesh interface.
 * An accept in our own table does not help: every base chain on a hook must accept. `ip`/`ip6`
 * tables count only when a prefix of that family is advertised.
 */
export function findDroppingForwardChains(
  rulesetJson: string, meshInterface: string, ourTable = 'cloudroof', families: readonly (4 | 6)[] = [4, 6],
): { family: string; table: string; chain: string }[] {
  const relevant = ['inet', ...(families.includes(4) ? ['ip'] : []), ...(families.includes(6) ? ['ip6'] : [])];
  const objs = (JSON.parse(rulesetJson) as { nftables?: NftObject[] }).nftables ?? [];
  const out: { family: string; table: string; chain: string }[] = [];
  for (const { chain: c } of objs) {
    if (!c || c.hook !== 'forward' || !relevant.includes(c.family)) continue;
    if (c.family === 'inet' && c.table === ourTable) continue;
    const rules = objs.flatMap((o) => (o.rule && o.rule.family === c.family && o.rule.table === c.table && o.rule.chain === c.name ? [o.rule] : []));
    const drops = c.policy === 'drop' || isDropAll(rules.at(-1)?.expr);
    if (drops && !rules.some((r) => acceptsFromMesh(r.expr, meshInterface))) out.push({ family: c.family, table: c.table, chain: c.name });
  }
  return out;
}

async function checkFirewall(runner: CommandRunner, input: SubnetRoutingInput, families: (4 | 6)[]): Promise<Finding[]> {
  let json: string;
  try {
    json = (await runner.run(['nft', '-j', 'list', 'ruleset'])).stdout;
  } catch (e) {
    const missing = e instanceof CommandError && e.missingBinary;
    return [{
      id: 'firewall-unchecked',
      severity: 'warning',
      message: missing ? 'nft is not installed: the firewall was not checked, and masquerade needs it' : `the firewall could not be read (${(e as Error).message})`,
      fix: missing ? 'sudo apt-get install nftables' : 'run `cloudroof routes check` as root',
    }];
  }
  const mesh = JSON.stringify(input.meshInterface);
  return findDroppingForwardChains(json, input.meshInterface, input.firewallTable, families).map(({ family, table, chain }) => {
    const at = `${family} ${table} ${chain}`;
    const lans = input.lanInterfaces.map((l) => JSON.stringify(l));
    const fix = lans.length === 0
      ? `allow forwarding between ${input.meshInterface} and the LAN interface in the forward chain ${at}`
      : lans.flatMap((lan) => [
        `sudo nft insert rule ${at} iifname ${mesh} oifname ${lan} accept`,
        `sudo nft insert rule ${at} iifname ${lan} oifname ${mesh} ct state established,related accept`,
      ]).join('\n');
    return {
      id: 'firewall-drops-forward',
      severity: 'error' as const,
      message: `the forward chain ${at} drops forwarded traffic by default, so traffic between ${input.meshInterface} and the LAN would be dropped`,
      fix,
    };
  });
}

async function checkRoutes(runner: CommandRunner, input: SubnetRoutingInput, prefixes: string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const prefix of prefixes) {
    // Without -6, `ip route show PREFIX` looks in the IPv4 table only, even for an IPv6 prefix.
    const argv = prefixFamily(prefix) === 4 ? ['ip', '-j', 'route', 'show', prefix] : ['ip', '-j', '-6', 'route', 'show', prefix];
    const routes = JSON.parse((await runner.run(argv)).stdout || '[]') as { dev?: string; gateway?: string }[];
    for (const r of routes) {
      const dev = r.dev;
      if (!dev || input.lanInterfaces.includes(dev)) continue;
      if (input.lanInterfaces.length === 0 && dev !== input.meshInterface) continue;
      const via = r.gateway && isIP(r.gateway) ? ` via ${r.gateway}` : '';
      // Names from the kernel may hold shell metacharacters; only plain ones go into a command.
      const pasteable = validateInterfaceName(dev, 'linux') === null;
      out.push({
        id: 'route-conflict',
        severity: 'warning',
        message: `${prefix} is already routed${via} dev ${dev}, not through ${input.lanInterfaces.join('/') || 'a LAN interface'}; mesh traffic for it may leave the wrong way`,
        fix: dev === input.meshInterface
          ? `another mesh node advertises ${prefix}; withdraw it there, or advertise a different prefix`
          : `check that ${prefix} is really on ${input.lanInterfaces.join('/')}; if the other route is stale, delete it` +
            (pasteable ? `: sudo ip route del ${prefix}${via} dev ${dev}` : ` (ip route del ${prefix})`),
      });
    }
  }
  return out;
}
