/**
 * In-memory {@link Router} for unit tests: keeps links with their addresses, MTU and state,
 * and records each call.
 */
import { planMeshRoutes, validateMeshRoutes } from './mesh-routes';
import { parseInterfaceCidr } from './router';
import type { InterfaceAddresses, MeshRoute, MeshRouteChanges, Router } from './router';

/** State of one fake link. */
export interface FakeLink {
  addresses: InterfaceAddresses | undefined;
  mtu: number | undefined;
  up: boolean;
}

/** A {@link Router} over a map of fake links. Operations on missing links reject like `ip`. */
export class FakeRouter implements Router {
  /** Links by name. Tests add links with {@link addLink} (the device creates them for real). */
  readonly links = new Map<string, FakeLink>();
  /** Every call as `method iface`, in order. */
  readonly calls: string[] = [];
  /** Mesh routes by interface; tests may seed them (e.g. a route left from a crash). */
  readonly meshRoutes = new Map<string, MeshRoute[]>();

  /** Test hook: a link appears (as when a WireGuard device is created). */
  addLink(iface: string): void {
    this.links.set(iface, { addresses: undefined, mtu: undefined, up: false });
  }

  async setInterfaceAddresses(iface: string, addrs: InterfaceAddresses): Promise<void> {
    this.calls.push(`setInterfaceAddresses ${iface}`);
    parseInterfaceCidr(addrs.ipv4Cidr, 4);
    if (addrs.ipv6Cidr !== undefined) parseInterfaceCidr(addrs.ipv6Cidr, 6);
    this.link(iface).addresses = { ...addrs };
  }

  async configureInterface(iface: string, addrs: InterfaceAddresses, mtu: number): Promise<void> {
    await this.setInterfaceAddresses(iface, addrs);
    await this.setLinkUp(iface, mtu);
  }

  async setLinkUp(iface: string, mtu: number): Promise<void> {
    this.calls.push(`setLinkUp ${iface}`);
    const l = this.link(iface);
    l.mtu = mtu;
    l.up = true;
  }

  async deleteLink(iface: string): Promise<void> {
    this.calls.push(`deleteLink ${iface}`);
    this.links.delete(iface);
    this.meshRoutes.delete(iface);
  }

  async linkExists(iface: string): Promise<boolean> {
    this.calls.push(`linkExists ${iface}`);
    return this.links.has(iface);
  }

  async listMeshRoutes(iface: string): Promise<MeshRoute[]> {
    this.calls.push(`listMeshRoutes ${iface}`);
    this.link(iface);
    return [...(this.meshRoutes.get(iface) ?? [])];
  }

  /** Same validation and diff as LinuxRouter; the result replaces the interface's routes. */
  async applyMeshRoutes(iface: string, desired: readonly MeshRoute[]): Promise<MeshRouteChanges> {
    this.calls.push(`applyMeshRoutes ${iface}`);
    this.link(iface);
    const want = validateMeshRoutes(desired);
    const { added, removed } = planMeshRoutes(iface, this.meshRoutes.get(iface) ?? [], want);
    this.meshRoutes.set(iface, want);
    return { added, removed };
  }

  private link(iface: string): FakeLink {
    const l = this.links.get(iface);
    if (!l) throw new Error(`Device "${iface}" does not exist.`);
    return l;
  }
}
