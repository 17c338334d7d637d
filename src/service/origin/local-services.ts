/**
 * From listening sockets to what the exposure wizard offers (`GET /v1/local-services`): which
 * sockets to leave out, one entry per port and family, the target URL to suggest and the site
 * that already exposes it. Pure; the sockets come from engine/net/listening-sockets.ts.
 */
import type { LocalService } from '../../shared/protocol';
import { formatTarget, parseTarget, type SiteTarget } from '../../shared/sites';
import type { ListeningSocket } from '../engine/net/listening-sockets';

/** What decides the list besides the sockets. */
export interface LocalServicesContext {
  /** The service's own pid: its sockets (console, metrics, site listeners) are left out. */
  ownPid: number;
  /** This node's mesh addresses: sockets bound only to them are left out. */
  meshAddresses: readonly string[];
  /** Sites of this node (name and canonical target), for `exposedAs`. */
  sites: readonly { name: string; target: string }[];
  /** Addresses of this machine's interfaces, so a site targeting one matches a wildcard bind. */
  localAddresses?: readonly string[];
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** True for a loopback address (127.0.0.0/8, ::1). */
function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address);
}

/** How widely a socket is bound: wildcard, then loopback, then one specific address. */
function breadth(s: ListeningSocket): number {
  return WILDCARDS.has(s.address) ? 2 : isLoopback(s.address) ? 1 : 0;
}

/**
 * The target URL to suggest: a wildcard or loopback bind is reached on loopback
 * (`http://127.0.0.1:PORT`, `http://[::1]:PORT` for IPv6), a specific address at itself; the
 * usual TLS ports (443, 8443) get `https://`.
 */
export function suggestedUrl(s: Pick<ListeningSocket, 'address' | 'port' | 'family'>): string {
  const scheme = s.port === 443 || s.port === 8443 ? 'https' : 'http';
  const host = s.address === '0.0.0.0' ? '127.0.0.1' : s.address === '::' ? '::1' : s.address;
  return formatTarget({ scheme, host, port: s.port });
}

/** Whether a site's target reaches the socket: same port, and a host the bind accepts. */
function reaches(t: SiteTarget, s: ListeningSocket, localAddresses: readonly string[]): boolean {
  if (t.port !== s.port) return false;
  if (t.host === s.address) return true;
  const loopbackHost = t.host === 'localhost' || isLoopback(t.host);
  if (s.address === '0.0.0.0') return t.host !== '::1' && (loopbackHost || localAddresses.includes(t.host));
  if (s.address === '::') return loopbackHost || localAddresses.includes(t.host);
  return t.host === 'localhost' && isLoopback(s.address);
}

/** The name of the first site whose target reaches `s`, if any. */
export function exposedAs(s: ListeningSocket, sites: LocalServicesContext['sites'], localAddresses: readonly string[] = []): string | undefined {
  for (const site of sites) {
    let target: SiteTarget;
    try {
      target = parseTarget(site.target);
    } catch {
      continue;
    }
    if (reaches(target, s, localAddresses)) return site.name;
  }
  return undefined;
}

/**
 * The wizard's list: the service's own sockets and those bound only to a mesh address left out,
 * one entry per port and family (the widest bind wins: wildcard, then loopback, then the first
 * address in text order), each with its URL and `exposedAs`, sorted by port then family.
 */
export function toLocalServices(sockets: readonly ListeningSocket[], ctx: LocalServicesContext): LocalService[] {
  const best = new Map<string, ListeningSocket>();
  for (const s of sockets) {
    if (s.pid === ctx.ownPid || ctx.meshAddresses.includes(s.address)) continue;
    const key = `${s.port}/${s.family}`;
    const seen = best.get(key);
    if (!seen || breadth(s) > breadth(seen) || (breadth(s) === breadth(seen) && s.address < seen.address)) best.set(key, s);
  }
  return [...best.values()]
    .sort((a, b) => a.port - b.port || a.family - b.family)
    .map((s) => {
      const site = exposedAs(s, ctx.sites, ctx.localAddresses);
      return {
        address: s.address, port: s.port, family: s.family,
        ...(s.process !== undefined ? { process: s.process } : {}), ...(s.pid !== undefined ? { pid: s.pid } : {}),
        url: suggestedUrl(s), ...(site !== undefined ? { exposedAs: site } : {}),
      };
    });
}
