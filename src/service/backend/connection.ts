/**
 * One joined mesh and everything that belongs to it: identity, listen port, device, routes,
 * the running node. `openConnection` builds and starts it (the node rolls its own steps back
 * if starting fails); closing it is `connection.node.stop()`.
 */
import { meshIPv6Network } from '../../shared/mesh/address';
import type { Clock } from '../clock';
import type { Firewall } from '../engine/firewall/firewall';
import type { Router } from '../engine/router/router';
import type { ForwardingGuard } from '../engine/sysctl';
import type { WireGuardDevice } from '../engine/wireguard/device';
import type { Logger } from '../log';
import { loadIdentity, type Identity } from '../state/identity';
import type { StoredPrefs } from '../state/prefs';
import { MeshNode } from './mesh-node';
import type { Mesh } from './mesh-params';
import { RouteManager } from './route-manager';

/** A joined mesh. */
export interface Connection {
  mesh: Mesh;
  node: MeshNode;
  identity: Identity;
  routes: RouteManager;
  /** The mesh's IPv4 subnet and IPv6 /64. */
  meshNetworks: string[];
  listenPort: number;
}

/** What opening a connection needs. */
export interface ConnectionDeps {
  stateDir: string;
  interfaceName: string;
  listenPort: number;
  listenPortExplicit: boolean;
  hostname: string;
  clock: Clock;
  logger: Logger;
  router: Router;
  firewall: Firewall;
  forwarding: ForwardingGuard;
  createDevice: (name: string) => Promise<WireGuardDevice>;
  findListenPort: (preferred: number, explicit: boolean) => Promise<number>;
  prefs: () => StoredPrefs;
  onChanged: () => void;
  onDeviceLost: (reason: string) => void;
}

/** Builds and starts the node for `mesh`. Rejects (with nothing left running) on failure. */
export async function openConnection(d: ConnectionDeps, mesh: Mesh): Promise<Connection> {
  const t0 = performance.now();
  const identity = await loadIdentity(d.stateDir, mesh.keys, mesh.raw, mesh.subnet);
  const listenPort = await d.findListenPort(d.listenPort, d.listenPortExplicit);
  const device = await d.createDevice(d.interfaceName);
  d.logger.debug('identity, port and device chosen', { ms: Math.round(performance.now() - t0) });
  const meshNetworks = [mesh.subnet.cidr, meshIPv6Network(mesh.keys)];
  const routes = new RouteManager({
    iface: d.interfaceName, meshNetworks, router: d.router, firewall: d.firewall, forwarding: d.forwarding,
    logger: d.logger.child('routes'), advertised: () => d.prefs().advertiseRoutes, acceptRoutes: () => d.prefs().acceptRoutes,
  });
  const node = new MeshNode({
    rawSecret: mesh.raw, keys: mesh.keys, subnet: mesh.subnet, identity, interfaceName: d.interfaceName,
    listenPort, hostname: d.hostname, stateDir: d.stateDir, device, router: d.router, clock: d.clock,
    logger: d.logger.child('mesh'), routes, advertisedRoutes: () => d.prefs().advertiseRoutes.map((r) => r.prefix),
    onChanged: d.onChanged, onDeviceLost: d.onDeviceLost,
  });
  await node.start();
  return { mesh, node, identity, routes, meshNetworks, listenPort };
}
