/**
 * pf rule text for the subnet router on macOS (issue 4), kept pure so the exact anchor contents
 * are golden-tested. The text is loaded into one anchor the project owns ({@link pfAnchor}).
 */
import { prefixFamily } from '../net/local-networks';
import { assertInterfaceName } from '../wireguard/iface-name';
import { validateRules } from './firewall';
import type { SubnetRouterRules } from './firewall';

/**
 * Our anchor. The stock macOS /etc/pf.conf has `nat-anchor "com.apple/*"` and
 * `anchor "com.apple/*"`, which evaluate every anchor below com.apple, so rules loaded here take
 * effect without editing /etc/pf.conf (Apple overwrites it on updates). A user who replaced
 * pf.conf without those lines gets rules that are loaded but never evaluated.
 */
export const pfAnchor = 'com.apple/cloudroof';

// macOS interface names are a driver name and a unit number (en0, bridge100, vlan0); IFNAMSIZ
// is 16 including the NUL. Anything else is refused before it reaches the rule text.
const darwinLanName = /^[a-z]{1,12}[0-9]{1,3}$/;

/**
 * {@link validateRules} plus what pf on macOS needs: the mesh interface is a utun, LAN
 * interfaces are plain interface names, and a masqueraded route names its LAN interface,
 * because pf's `nat … -> (IF)` translates to the address of one named interface; there is no
 * "masquerade on whatever interface the packet leaves by" as in nftables.
 */
export function validatePfRules(rules: SubnetRouterRules): SubnetRouterRules {
  assertInterfaceName(rules.meshInterface, 'darwin');
  const valid = validateRules(rules, 'linux');
  for (const r of valid.routes) {
    if (r.lanInterface !== undefined && !darwinLanName.test(r.lanInterface)) {
      throw new Error(`invalid interface name ${JSON.stringify(r.lanInterface)}: on macOS a LAN interface is a name and a number (e.g. en0)`);
    }
    if (r.masquerade && r.lanInterface === undefined) {
      throw new Error(`prefix ${r.prefix}: masquerade on macOS needs the LAN interface the prefix is on (pf NAT translates to one interface's address); `
        + 'advertise it from a detected LAN, or with --no-masquerade and a return route on the LAN router');
    }
  }
  return valid;
}

function hosts(values: string[]): string {
  if (values.length === 0) return 'any';
  return values.length === 1 ? (values[0] ?? 'any') : `{ ${values.join(', ')} }`;
}

/**
 * The anchor contents for `rules` (validated by {@link validatePfRules}): translation rules
 * first, then filter rules, the order pf.conf(5) requires within one file. Per route:
 *   nat on LAN inet from MESH to PREFIX -> (LAN)          (masquerade only)
 *   pass in quick on MESHIF inet from MESH to PREFIX keep state
 *   pass out quick on MESHIF inet from PREFIX to MESH keep state
 * `(LAN)` follows the interface's address when DHCP changes it. The family keyword makes pf
 * pick an address of the right family for `(LAN)` and keeps `any` (no mesh subnet of that
 * family) to one family. `quick` stops a later block rule in another anchor from dropping the
 * traffic. Unlike the nftables table, nothing here drops other forwarded mesh traffic: pf
 * cannot tell forwarded packets from local ones by hook, so that part has no macOS equivalent.
 * With `meshRelay` (an introducer's relay duty), mesh ↔ mesh traffic on the interface passes:
 *   pass in quick on MESHIF inet from MESH to MESH keep state   (and `out`, per family)
 */
export function renderPfAnchor(rules: SubnetRouterRules): string {
  const nat: string[] = [];
  const filter: string[] = [];
  for (const subnet of rules.meshRelay ? rules.meshSubnets : []) {
    const af = prefixFamily(subnet) === 4 ? 'inet' : 'inet6';
    for (const dir of ['in', 'out']) filter.push(`pass ${dir} quick on ${rules.meshInterface} ${af} from ${subnet} to ${subnet} keep state`);
  }
  for (const r of rules.routes) {
    const fam = prefixFamily(r.prefix);
    const af = fam === 4 ? 'inet' : 'inet6';
    const mesh = hosts(rules.meshSubnets.filter((s) => prefixFamily(s) === fam));
    if (r.masquerade && r.lanInterface !== undefined) {
      nat.push(`nat on ${r.lanInterface} ${af} from ${mesh} to ${r.prefix} -> (${r.lanInterface})`);
    }
    filter.push(`pass in quick on ${rules.meshInterface} ${af} from ${mesh} to ${r.prefix} keep state`);
    filter.push(`pass out quick on ${rules.meshInterface} ${af} from ${r.prefix} to ${mesh} keep state`);
  }
  return [...nat, ...filter, ''].join('\n');
}

/**
 * The reference token in `pfctl -E` output. Darwin's pfctl prints `pf enabled` and
 * `Token : <unsigned 64-bit>` on stderr (unless -q); stdout is searched too in case that moves.
 */
export function parsePfToken(out: { stdout: string; stderr: string }): string {
  const m = /^Token : (\d{1,20})$/m.exec(`${out.stderr}\n${out.stdout}`);
  if (!m?.[1]) throw new Error('pfctl -E printed no enable token, so pf could not be released later; is this macOS pfctl?');
  return m[1];
}
