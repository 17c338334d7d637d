/** Text output of `cloudroof routes …`: route tables, detected networks, preflight findings. */
import type { AcceptedRoute, AdvertisedRoute, LocalNetwork, RoutesCheck, RoutesState } from '../../shared/protocol';
import { formatTable, nodeName } from '../format';

const onOff = (b: boolean): string => (b ? 'on' : 'off');


/** The state column of an advertised route (`error: why` for failures). */
function advertisedState(r: AdvertisedRoute): string {
  return r.state === 'error' && r.error ? `error: ${r.error}` : r.state;
}

/** The table of routes this node advertises (or a `none` line). */
export function formatAdvertised(routes: readonly AdvertisedRoute[]): string {
  if (routes.length === 0) return 'Advertised by this node: none\n';
  const rows = [['PREFIX', 'MASQUERADE', 'LAN IFACE', 'STATE']];
  for (const r of routes) rows.push([r.prefix, r.masquerade ? 'yes' : 'no', r.lanInterface ?? '-', advertisedState(r)]);
  return 'Advertised by this node:\n' + formatTable(rows);
}

/** The table of routes accepted from other nodes (or a `none` line). */
export function formatAccepted(routes: readonly AcceptedRoute[]): string {
  if (routes.length === 0) return 'Accepted from other nodes: none\n';
  const rows = [['PREFIX', 'VIA', 'INSTALLED', 'STANDBY', 'CONFLICT']];
  for (const r of routes) {
    rows.push([
      r.prefix,
      r.via.hostname ? `${r.via.hostname} (${r.via.meshIPv4})` : r.via.meshIPv4,
      r.installed ? 'yes' : 'no',
      r.standby.map(nodeName).join(',') || '-',
      r.conflict ?? '-',
    ]);
  }
  return 'Accepted from other nodes:\n' + formatTable(rows);
}

/** The whole route state: the accept setting, forwarding, then both tables. */
export function formatRoutes(state: RoutesState): string {
  const head = [`Accept routes from other nodes: ${onOff(state.acceptRoutes)}`];
  if (state.forwarding) head.push(`Forwarding: IPv4 ${onOff(state.forwarding.ipv4)}, IPv6 ${onOff(state.forwarding.ipv6)}`);
  return [head.join('\n') + '\n', formatAdvertised(state.advertised), formatAccepted(state.accepted)].join('\n');
}

/** The networks `routes detect` found, with how to advertise one. */
export function formatNetworks(networks: readonly LocalNetwork[]): string {
  if (networks.length === 0) return 'No networks detected that could be advertised.\n';
  const rows = [['IFACE', 'ADDRESS', 'NETWORK', 'DEFAULT ROUTE']];
  for (const n of networks) rows.push([n.iface, n.address, n.cidr, n.defaultRoute ? 'yes' : 'no']);
  return formatTable(rows) + '\nAdvertise one with: sudo cloudroof routes advertise CIDR (or --auto)\n';
}

/** Each preflight finding with its fix, or that there is nothing to fix. */
export function formatCheck(check: RoutesCheck): string {
  if (check.findings.length === 0) return 'No problems found.\n';
  return check.findings.map((f) => `${f.severity}: ${f.message}\n  fix: ${f.fix}\n`).join('');
}

/**
 * What `routes advertise` did: one line per advertised route that was asked for (all of them
 * for `--auto`, i.e. when `asked` is undefined).
 */
export function formatAdvertiseResult(state: RoutesState, asked: readonly string[] | undefined): string {
  const shown = state.advertised.filter((r) => asked === undefined || asked.includes(r.prefix));
  return shown
    .map((r) => `Advertising ${r.prefix}${r.lanInterface ? ` on ${r.lanInterface}` : ''}` +
      `${r.masquerade ? ' with masquerade' : ' without masquerade'}: ${advertisedState(r)}\n`)
    .join('');
}

/** What `routes withdraw` did, and what is still advertised. */
export function formatWithdrawResult(state: RoutesState, withdrawn: readonly string[] | undefined): string {
  const done = withdrawn === undefined ? 'Withdrew all advertised routes\n' : withdrawn.map((p) => `Withdrew ${p}\n`).join('');
  const left = state.advertised.map((r) => r.prefix);
  return done + (left.length > 0 ? `Still advertising: ${left.join(', ')}\n` : '');
}
