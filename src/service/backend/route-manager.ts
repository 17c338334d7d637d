/**
 * Subnet routing of one joined node, both directions (issue 4).
 *
 * Advertising: the prefixes in the prefs travel in our announcements; while the list is
 * non-empty, forwarding is on (the previous values recorded first, restored afterwards) and the
 * project's own nftables table accepts mesh ↔ LAN traffic for those prefixes and masquerades it
 * where asked. Receiving: from the peers' announcements a RoutePlan decides which prefixes go
 * to which peer's AllowedIPs and which kernel routes exist; conflicts are reported, not
 * installed. System changes are applied only when what they depend on changed, so steady state
 * spawns no process.
 */
import os from 'node:os';
import { formatCidr, parseCidr } from '../../shared/mesh/ip';
import { cidrOverlaps } from '../../shared/routes';
import type { LocalNetwork } from '../../shared/protocol';
import type { Firewall } from '../engine/firewall/firewall';
import type { Router } from '../engine/router/router';
import type { ForwardingGuard } from '../engine/sysctl';
import type { Logger } from '../log';
import { planRoutes, type AcceptedRoute, type RouteAdvertiser, type RoutePlan } from './route-plan';

/** A prefix this node advertises. */
export interface AdvertisedRoute {
  prefix: string;
  masquerade: boolean;
}

/** Seams and settings of {@link RouteManager}. */
export interface RouteManagerOptions {
  iface: string;
  /** The mesh's IPv4 subnet and IPv6 /64 (canonical CIDRs). */
  meshNetworks: string[];
  router: Router;
  firewall: Firewall;
  forwarding: ForwardingGuard;
  logger: Logger;
  advertised: () => readonly AdvertisedRoute[];
  acceptRoutes: () => boolean;
  /**
   * Relay duty of an introducer (spec 3.8, 3.15): forwarding on for the mesh's families and the
   * firewall accepting mesh → mesh (in and out on the WireGuard interface), so peers relayed
   * through us reach each other. Go does this on every node, on every reconcile (spec 4.6,
   * 7.4 item 25); we do it only on introducers, the only nodes anyone relays through, so a
   * plain member never becomes a router. Absent = off.
   */
  relayDuty?: () => boolean;
}

/** The routing state of a node. */
export class RouteManager {
  private plan: RoutePlan = { allowedIps: new Map(), routes: [], accepted: [] };
  private appliedRoutes = '';
  private appliedAdvertising = '';
  private advertiseError: string | undefined;

  constructor(private readonly o: RouteManagerOptions) {}

  /** Recomputes the plan from the active peers; returns true when AllowedIPs changed. */
  update(advertisers: readonly RouteAdvertiser[]): boolean {
    const before = signature(this.plan.allowedIps);
    this.plan = planRoutes({
      advertisers, acceptRoutes: this.o.acceptRoutes(), meshNetworks: this.o.meshNetworks,
      // Only look at the machine's interfaces when someone advertises something.
      localNetworks: advertisers.length ? localNetworkCidrs(this.o.iface) : [],
    });
    return signature(this.plan.allowedIps) !== before;
  }

  /** Extra AllowedIPs for a peer (the prefixes routed through it). */
  allowedIpsOf(publicKey: string): readonly string[] {
    return this.plan.allowedIps.get(publicKey) ?? [];
  }

  /** Makes the kernel routes match the plan (only when the plan's routes changed). */
  async applyKernelRoutes(): Promise<void> {
    const sig = JSON.stringify(this.plan.routes);
    if (sig === this.appliedRoutes) return;
    const { added, removed } = await this.o.router.applyMeshRoutes(this.o.iface, this.plan.routes);
    this.appliedRoutes = sig;
    if (added.length || removed.length) this.o.logger.info('mesh routes changed', { added: added.map((r) => r.prefix), removed: removed.map((r) => r.prefix) });
  }

  /** Applies forwarding and firewall for the advertised prefixes (idempotent; rolls back on failure). */
  async applyAdvertising(): Promise<void> {
    const advertised = this.o.advertised();
    const relay = this.o.relayDuty?.() ?? false;
    const sig = this.advertisingSignature();
    if (sig === this.appliedAdvertising) return;
    if (advertised.length === 0 && !relay) {
      await this.teardown();
      return;
    }
    const prefixes = [...advertised.map((r) => r.prefix), ...(relay ? this.o.meshNetworks : [])];
    const families = [...new Set(prefixes.map((p) => (p.includes(':') ? 6 : 4) as 4 | 6))];
    try {
      await this.o.forwarding.enable(families);
      await this.o.firewall.apply({
        meshInterface: this.o.iface, meshSubnets: this.o.meshNetworks,
        routes: advertised.map((r) => ({ prefix: r.prefix, masquerade: r.masquerade, ...lanInterfaceOf(r.prefix, this.o.iface) })),
        ...(relay ? { meshRelay: true } : {}),
      });
      this.appliedAdvertising = sig;
      this.advertiseError = undefined;
    } catch (err) {
      this.advertiseError = (err as Error).message;
      this.o.logger.error('could not set up routing for the advertised prefixes', { error: this.advertiseError });
      await this.teardown().catch(() => undefined);
      throw err;
    }
  }

  /** Removes our firewall table and restores forwarding (leave, shutdown, nothing advertised). */
  async teardown(): Promise<void> {
    await this.o.firewall.remove();
    await this.o.forwarding.restore();
    this.appliedAdvertising = JSON.stringify([]);
  }

  /** What the API shows. */
  accepted(): AcceptedRoute[] {
    return this.plan.accepted;
  }

  /** The last error applying the advertised prefixes, if any. */
  get error(): string | undefined {
    return this.advertiseError;
  }

  /** Whether the advertised prefixes are applied as the prefs say. */
  get advertisingApplied(): boolean {
    return this.appliedAdvertising === this.advertisingSignature();
  }

  /** What applyAdvertising applies: the advertised prefixes, and the relay duty when on. */
  private advertisingSignature(): string {
    const advertised = this.o.advertised();
    return this.o.relayDuty?.() ? JSON.stringify({ advertised, relay: true }) : JSON.stringify(advertised);
  }
}

function signature(m: Map<string, string[]>): string {
  return JSON.stringify([...m].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Networks this machine is attached to, from os.networkInterfaces(): no process is spawned, so
 * this can run on every reconcile, and it works the same on Linux and macOS. Only interfaces
 * that are up with carrier are listed (what libuv reports); loopback, link-local and the mesh
 * interface itself are left out. `defaultRoute` is not known here and is always false.
 */
export function osLocalNetworks(meshIface: string): LocalNetwork[] {
  const out = new Map<string, LocalNetwork>();
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (name === meshIface) continue;
    for (const a of addrs ?? []) {
      if (a.internal || !a.cidr) continue;
      const c = parseCidr(a.cidr);
      if (!c) continue;
      const cidr = formatCidr(c);
      if (cidrOverlaps(cidr, '169.254.0.0/16') || cidrOverlaps(cidr, 'fe80::/10')) continue;
      out.set(`${name} ${cidr}`, { iface: name, address: a.address, cidr, family: a.family === 'IPv6' ? 6 : 4, defaultRoute: false });
    }
  }
  return [...out.values()];
}

/** The canonical CIDRs of {@link osLocalNetworks}. */
export function localNetworkCidrs(meshIface: string): string[] {
  return [...new Set(osLocalNetworks(meshIface).map((n) => n.cidr))];
}

function lanInterfaceOf(prefix: string, meshIface: string): { lanInterface?: string } {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (name === meshIface) continue;
    if ((addrs ?? []).some((a) => !a.internal && a.cidr && cidrOverlaps(a.cidr, prefix))) return { lanInterface: name };
  }
  return {};
}
