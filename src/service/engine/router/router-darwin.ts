/**
 * Router on macOS through `ifconfig` and `route` argv (wgmesh spec 4.4, macOS): a utun is
 * point-to-point, so IPv4 is assigned with the address as both ends plus a netmask and the
 * mesh subnet is routed to the interface; IPv6 is assigned as /128 plus a route for the
 * prefix. Mesh routes (issue 4) go through `netstat -rn` and `route add|change|delete -net`
 * (darwin-routes.ts). Best effort: type-checked and golden-tested, not run on a Mac in CI.
 */
import ipaddr from 'ipaddr.js';
import { CommandError } from '../exec';
import type { CommandRunner } from '../exec';
import { assertInterfaceName } from '../wireguard/iface-name';
import { parseNetstatRoutes, planDarwinMeshRoutes } from './darwin-routes';
import { validateMeshRoutes } from './mesh-routes';
import { assertMtu, parseInterfaceCidr } from './router';
import type { InterfaceAddresses, MeshRoute, MeshRouteChanges, Router } from './router';

/** {@link Router} for macOS (utun interfaces). */
export class DarwinRouter implements Router {
  constructor(private readonly runner: CommandRunner) {}

  async setInterfaceAddresses(iface: string, addrs: InterfaceAddresses): Promise<void> {
    assertInterfaceName(iface, 'darwin');
    const v4 = parseInterfaceCidr(addrs.ipv4Cidr, 4);
    const v6 = addrs.ipv6Cidr === undefined ? undefined : parseInterfaceCidr(addrs.ipv6Cidr, 6);
    const mask = ipaddr.IPv4.subnetMaskFromPrefixLength(v4.prefixLength).toString();
    const net4 = ipaddr.IPv4.networkAddressFromCIDR(`${v4.address}/${v4.prefixLength}`).toString();
    await this.runner.run(['ifconfig', iface, 'inet', v4.address, v4.address, 'netmask', mask]);
    await this.addRoute('-inet', `${net4}/${v4.prefixLength}`, iface);
    if (!v6) return;
    const net6 = ipaddr.IPv6.networkAddressFromCIDR(`${v6.address}/${v6.prefixLength}`).toString();
    await this.runner.run(['ifconfig', iface, 'inet6', v6.address, 'prefixlen', '128', 'alias']);
    await this.addRoute('-inet6', `${net6}/${v6.prefixLength}`, iface);
  }

  async configureInterface(iface: string, addrs: InterfaceAddresses, mtu: number): Promise<void> {
    await this.setInterfaceAddresses(iface, addrs);
    await this.setLinkUp(iface, mtu);
  }

  async setLinkUp(iface: string, mtu: number): Promise<void> {
    assertInterfaceName(iface, 'darwin');
    assertMtu(mtu);
    await this.runner.run(['ifconfig', iface, 'mtu', String(mtu), 'up']);
  }

  /** A utun disappears when wireguard-go (its owner) exits; there is nothing to delete. */
  async deleteLink(iface: string): Promise<void> {
    assertInterfaceName(iface, 'darwin');
  }

  async linkExists(iface: string): Promise<boolean> {
    assertInterfaceName(iface, 'darwin');
    try {
      await this.runner.run(['ifconfig', iface]);
      return true;
    } catch (e) {
      if (e instanceof CommandError && /does not exist/.test(e.stderr)) return false;
      throw e;
    }
  }

  private async addRoute(family: '-inet' | '-inet6', net: string, iface: string): Promise<void> {
    try {
      await this.runner.run(['route', '-q', '-n', 'add', family, net, '-interface', iface]);
    } catch (e) {
      // The route survives from an earlier call: fine (spec: "File exists" is tolerated).
      if (!(e instanceof CommandError && /File exists|already in table/.test(e.stderr))) throw e;
    }
  }

  async listMeshRoutes(iface: string): Promise<MeshRoute[]> {
    assertInterfaceName(iface, 'darwin');
    // One family per netstat process (-f); run side by side like the Linux pair of `ip route`.
    const [v4, v6] = await Promise.all([
      this.runner.run(['netstat', '-rn', '-f', 'inet']),
      this.runner.run(['netstat', '-rn', '-f', 'inet6']),
    ]);
    return [...parseNetstatRoutes(v4.stdout, iface, 4), ...parseNetstatRoutes(v6.stdout, iface, 6)];
  }

  /**
   * One `route` process per change, in order, stopping at the first failure (the next
   * reconcile lists again and finishes the job). A delete of a route that has meanwhile gone
   * (the utun vanished with its routes) is not an error.
   */
  async applyMeshRoutes(iface: string, desired: readonly MeshRoute[]): Promise<MeshRouteChanges> {
    assertInterfaceName(iface, 'darwin');
    const want = validateMeshRoutes(desired);
    const plan = planDarwinMeshRoutes(await this.listMeshRoutes(iface), want);
    for (const argv of plan.commands) {
      try {
        await this.runner.run(argv);
      } catch (e) {
        if (!(argv[2] === 'delete' && e instanceof CommandError && /not in table/.test(e.stderr))) throw e;
      }
    }
    return { added: plan.added, removed: plan.removed };
  }
}
