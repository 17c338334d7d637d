/**
 * Router on Linux through `ip` (iproute2) argv. Addresses use `replace`, so a repeated call is
 * not an error; IPv6 is added with `nodad` because duplicate address detection would keep a
 * fresh mesh address unusable for about a second, and the mesh resolves collisions itself.
 */
import { CommandError } from '../exec';
import type { CommandRunner } from '../exec';
import { assertInterfaceName } from '../wireguard/iface-name';
import { parseMeshRoutes, planMeshRoutes, validateMeshRoutes } from './mesh-routes';
import type { MeshRoute, MeshRouteChanges } from './mesh-routes';
import { assertMtu, parseInterfaceCidr } from './router';
import type { InterfaceAddresses, Router } from './router';

const absent = /does not exist|Cannot find device/;

/**
 * `ip -batch` lines that make `addrs` the only global addresses of `iface`. Batch lines take no
 * -4/-6 (the family follows from each address); `scope global` flushes both families but keeps
 * the IPv6 link-local address the kernel manages. Values are validated first: they become
 * lines of ip's input.
 */
function addressLines(iface: string, addrs: InterfaceAddresses): string[] {
  assertInterfaceName(iface, 'linux');
  const v4 = parseInterfaceCidr(addrs.ipv4Cidr, 4);
  const v6 = addrs.ipv6Cidr === undefined ? undefined : parseInterfaceCidr(addrs.ipv6Cidr, 6);
  const lines = [`addr flush dev ${iface} scope global`, `addr replace ${v4.address}/${v4.prefixLength} dev ${iface}`];
  if (v6) lines.push(`addr replace ${v6.address}/${v6.prefixLength} dev ${iface} nodad`);
  return lines;
}

/** {@link Router} for Linux (iproute2). */
export class LinuxRouter implements Router {
  constructor(private readonly runner: CommandRunner) {}

  async setInterfaceAddresses(iface: string, addrs: InterfaceAddresses): Promise<void> {
    await this.batch(addressLines(iface, addrs));
  }

  async configureInterface(iface: string, addrs: InterfaceAddresses, mtu: number): Promise<void> {
    assertMtu(mtu);
    await this.batch([...addressLines(iface, addrs), `link set dev ${iface} mtu ${mtu} up`]);
  }

  async listMeshRoutes(iface: string): Promise<MeshRoute[]> {
    assertInterfaceName(iface, 'linux');
    // Without -6, `ip route` lists IPv4 only; two processes, run side by side.
    const [v4, v6] = await Promise.all([
      this.runner.run(['ip', '-j', 'route', 'show', 'dev', iface]),
      this.runner.run(['ip', '-j', '-6', 'route', 'show', 'dev', iface]),
    ]);
    return [...parseMeshRoutes(v4.stdout), ...parseMeshRoutes(v6.stdout)];
  }

  async applyMeshRoutes(iface: string, desired: readonly MeshRoute[]): Promise<MeshRouteChanges> {
    assertInterfaceName(iface, 'linux');
    const want = validateMeshRoutes(desired);
    const plan = planMeshRoutes(iface, await this.listMeshRoutes(iface), want);
    // Batch lines need no -6: ip takes the family from each prefix (checked with iproute2 6.1).
    if (plan.lines.length > 0) await this.batch(plan.lines);
    return { added: plan.added, removed: plan.removed };
  }

  // One `ip -batch` process instead of one per line: spawning is the costly part on a busy host.
  private async batch(lines: string[]): Promise<void> {
    await this.runner.run(['ip', '-batch', '-'], { input: lines.join('\n') + '\n' });
  }

  async setLinkUp(iface: string, mtu: number): Promise<void> {
    assertInterfaceName(iface, 'linux');
    assertMtu(mtu);
    await this.ip('link', 'set', 'dev', iface, 'mtu', String(mtu), 'up');
  }

  async deleteLink(iface: string): Promise<void> {
    assertInterfaceName(iface, 'linux');
    try {
      await this.ip('link', 'delete', 'dev', iface);
    } catch (e) {
      if (!(e instanceof CommandError && absent.test(e.stderr))) throw e;
    }
  }

  async linkExists(iface: string): Promise<boolean> {
    assertInterfaceName(iface, 'linux');
    try {
      await this.ip('link', 'show', 'dev', iface);
      return true;
    } catch (e) {
      if (e instanceof CommandError && absent.test(e.stderr)) return false;
      throw e;
    }
  }

  private async ip(...args: string[]): Promise<void> {
    await this.runner.run(['ip', ...args]);
  }
}
