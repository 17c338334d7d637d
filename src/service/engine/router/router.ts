/**
 * The routing seam: addresses, MTU and link state of the WireGuard interface. One
 * implementation per OS (router-linux.ts, router-darwin.ts), chosen by {@link createRouter};
 * FakeRouter (fake.ts) for tests.
 */
import { isIP } from 'node:net';
import type { CommandRunner } from '../exec';
import { DarwinRouter } from './router-darwin';
import { LinuxRouter } from './router-linux';
import type { MeshRoute, MeshRouteChanges } from './mesh-routes';

export type { MeshRoute, MeshRouteChanges } from './mesh-routes';

/** Addresses of the mesh interface: host address with the mesh prefix length. */
export interface InterfaceAddresses {
  /** e.g. `10.42.7.33/16`. */
  ipv4Cidr: string;
  /** e.g. `fd12:3456::abcd/64`; absent = no IPv6 address. */
  ipv6Cidr?: string;
}

/** Configures the mesh interface. Methods reject with the failing command's error. */
export interface Router {
  /** Makes these the interface's only (global) addresses. Idempotent. */
  setInterfaceAddresses(iface: string, addrs: InterfaceAddresses): Promise<void>;
  /** Sets the MTU and brings the link up. Idempotent. */
  setLinkUp(iface: string, mtu: number): Promise<void>;
  /** Both of the above in one step (on Linux one process). Idempotent. */
  configureInterface(iface: string, addrs: InterfaceAddresses, mtu: number): Promise<void>;
  /** Deletes the link; succeeds when it does not exist. */
  deleteLink(iface: string): Promise<void>;
  /** Whether a link of this name exists. */
  linkExists(iface: string): Promise<boolean>;
  /**
   * Routes on `iface` that have a gateway (IPv4 and IPv6): the routes to prefixes other nodes
   * advertise. Routes without a gateway (the mesh subnet itself) and default routes are not
   * listed, so {@link applyMeshRoutes} never touches them.
   */
  listMeshRoutes(iface: string): Promise<MeshRoute[]>;
  /**
   * Makes `desired` the mesh routes of `iface`: adds the missing ones, replaces those whose
   * gateway changed (no gap), deletes the rest; on Linux in one `ip -batch` process, nothing
   * run when nothing differs. Rejects before any change when a desired route is invalid.
   */
  applyMeshRoutes(iface: string, desired: readonly MeshRoute[]): Promise<MeshRouteChanges>;
}

/** A parsed interface address. */
export interface InterfaceCidr {
  address: string;
  prefixLength: number;
  family: 4 | 6;
}

/**
 * Parses `address/prefix` for the given family. Throws on anything else: the value becomes an
 * argv element of `ip`/`ifconfig`, so it is checked here rather than trusted.
 */
export function parseInterfaceCidr(cidr: string, family: 4 | 6): InterfaceCidr {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  const address = m?.[1] ?? '';
  const prefixLength = Number(m?.[2]);
  if (isIP(address) !== family || address.includes('%') || !(prefixLength <= (family === 4 ? 32 : 128))) {
    throw new Error(`invalid IPv${family} interface address ${JSON.stringify(cidr)}: expected address/prefix`);
  }
  return { address, prefixLength, family };
}

/** Checks an MTU (IPv4 minimum 68, at most 65535); throws otherwise. */
export function assertMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new Error(`invalid MTU ${mtu}`);
}

/** The Router for `platform` (Linux unless `darwin`), running commands through `runner`. */
export function createRouter(runner: CommandRunner, platform: NodeJS.Platform = process.platform): Router {
  return platform === 'darwin' ? new DarwinRouter(runner) : new LinuxRouter(runner);
}
