/**
 * Pure edge logic (issue 5): from the site lists origins announced, which hostnames this edge
 * serves, from which origins, and which claims conflict. A hostname announced by several
 * origins under the same site name is one site with several origins (failover); announced
 * under different site names it is a conflict, and the claim seen first keeps it, so a newcomer
 * can never take over a name that is already being served.
 */
import type { AnnouncedSite, SitesMessage } from '../mesh/site-messages';

/** What an edge knows about one origin. */
export interface OriginEntry {
  publicKey: string;
  hostname: string;
  meshIp: string;
  message: SitesMessage;
  /** Unix ms of the last message. */
  heardAt: number;
}

/** One origin of a hostname. */
export interface HostOrigin {
  publicKey: string;
  hostname: string;
  meshIp: string;
  site: AnnouncedSite;
}

/** The plan for one hostname. */
export interface HostPlan {
  hostname: string;
  site: string;
  origins: HostOrigin[];
  /** Set when some origin claims the hostname under another site name. */
  conflict?: string;
  /** Claims that lost (their origins and site names). */
  losers: HostOrigin[];
}

/**
 * Groups every announced hostname. `claimedSince` (hostname → site name → first seen, Unix ms)
 * is updated in place and decides conflicts; entries for claims that vanished are dropped.
 */
export function planHosts(origins: readonly OriginEntry[], claimedSince: Map<string, Map<string, number>>, now: number): HostPlan[] {
  const byHost = new Map<string, HostOrigin[]>();
  for (const o of origins) {
    for (const site of o.message.sites) {
      for (const h of site.hostnames) {
        const list = byHost.get(h) ?? [];
        list.push({ publicKey: o.publicKey, hostname: o.hostname, meshIp: o.meshIp, site });
        byHost.set(h, list);
      }
    }
  }
  for (const h of [...claimedSince.keys()]) if (!byHost.has(h)) claimedSince.delete(h);
  const plans: HostPlan[] = [];
  for (const [hostname, claims] of [...byHost].sort(([a], [b]) => a.localeCompare(b))) {
    const since = claimedSince.get(hostname) ?? new Map<string, number>();
    claimedSince.set(hostname, since);
    const names = new Set(claims.map((c) => c.site.name));
    for (const n of names) if (!since.has(n)) since.set(n, now);
    for (const n of [...since.keys()]) if (!names.has(n)) since.delete(n);
    const winner = [...names].sort((a, b) => (since.get(a) ?? 0) - (since.get(b) ?? 0) || a.localeCompare(b))[0] ?? '';
    const won = claims.filter((c) => c.site.name === winner).sort((a, b) => a.publicKey.localeCompare(b.publicKey));
    const lost = claims.filter((c) => c.site.name !== winner);
    const plan: HostPlan = { hostname, site: winner, origins: won, losers: lost };
    if (lost.length) {
      const other = lost.map((c) => `${c.site.name} on ${c.hostname || c.publicKey.slice(0, 8)}`).join(', ');
      plan.conflict = `${hostname} is claimed by site ${winner} and by ${other}; the first claim keeps it`;
    }
    plans.push(plan);
  }
  return plans;
}
