/**
 * The rows of the routes screen: every network detection found, plus any prefix advertised that
 * detection does not show (so it can still be withdrawn), and what blocks advertising. Pure.
 */
import type { AdvertisedRoute, LocalNetwork, RoutesCheck } from '../../../shared/protocol';

/** One network that can be advertised. */
export interface RouteRow {
  prefix: string;
  /** The detected network, if detection found it. */
  network?: LocalNetwork;
  /** Its advertised state, if advertised. */
  advertised?: AdvertisedRoute;
}

/** Detected networks first (in detection order), then advertised prefixes detection missed. */
export function routeRows(networks: readonly LocalNetwork[], advertised: readonly AdvertisedRoute[]): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const network of networks) {
    if (rows.some((r) => r.prefix === network.cidr)) continue;
    rows.push({ prefix: network.cidr, network, advertised: advertised.find((a) => a.prefix === network.cidr) });
  }
  for (const a of advertised) if (!rows.some((r) => r.prefix === a.prefix)) rows.push({ prefix: a.prefix, advertised: a });
  return rows;
}

/** Why advertising is blocked (the first error finding of the preflight), or undefined. */
export function blockedReason(check: RoutesCheck | undefined): string | undefined {
  if (!check || check.ok) return undefined;
  const first = check.findings.find((f) => f.severity === 'error');
  return `Advertising is disabled until the preflight passes${first ? `: ${first.message}` : ''}.`;
}

/** `eth0 · 192.168.1.23 · default route`. */
export function describeNetwork(row: RouteRow): string {
  const n = row.network;
  if (!n) return `not detected on this machine${row.advertised?.lanInterface ? ` (was ${row.advertised.lanInterface})` : ''}`;
  return [n.iface, n.address, n.defaultRoute ? 'default route' : ''].filter(Boolean).join(' · ');
}
