/**
 * One joined mesh and everything that belongs to it: identity, listen port, device, routes,
 * the running node. `openConnection` builds and starts it (the node rolls its own steps back
 * if starting fails); closing it is `closeConnection()`.
 */
import { meshIPv6Network } from '../../shared/mesh/address';
import type { Clock } from '../clock';
import type { Firewall } from '../engine/firewall/firewall';
import type { Router } from '../engine/router/router';
import type { OriginFirewall } from '../engine/firewall/origin-firewall';
import type { CacheLogTailer } from '../edge/cache-log';
import type { EdgeNginx } from '../edge/nginx';
import type { ForwardingGuard } from '../engine/sysctl';
import type { WireGuardDevice } from '../engine/wireguard/device';
import type { Logger } from '../log';
import { loadIdentity, type Identity } from '../state/identity';
import type { StoredPrefs } from '../state/prefs';
import { MeshNode } from './mesh-node';
import type { DiscoveryMethod } from './peer-store';
import type { TraversalMethod } from './traversal-context';
import type { Mesh } from './mesh-params';
import { RouteManager } from './route-manager';
import { SiteRuntime } from './site-runtime';

/** A joined mesh. */
export interface Connection {
  mesh: Mesh;
  node: MeshNode;
  identity: Identity;
  routes: RouteManager;
  /** Origin and edge roles (issue 5). */
  sites: SiteRuntime;
  /** The mesh's IPv4 subnet and IPv6 /64. */
  meshNetworks: string[];
  listenPort: number;
  /** The WireGuard interface it runs on. */
  interfaceName: string;
}

/** What the metrics (when on) observe inside a connection; every member optional. */
export interface ConnectionObservers {
  /** Every peer-store update, by discovery layer. */
  onDiscovery?: (method: DiscoveryMethod) => void;
  /** The duration of each reconcile pass, in seconds. */
  onReconciled?: (seconds: number) => void;
  /** NAT traversal attempts and successes, by path. */
  onNatTraversal?: (method: TraversalMethod, outcome: 'attempt' | 'success') => void;
  /** The edge's cache log: nginx writes it only when this is set. */
  cacheLog?: CacheLogTailer;
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
  originFirewall: OriginFirewall;
  createNginx: () => EdgeNginx;
  /** Whether this host has IPv6 (edges listen on [::] too). */
  ipv6: boolean;
  forwarding: ForwardingGuard;
  createDevice: (name: string) => Promise<WireGuardDevice>;
  findListenPort: (preferred: number, explicit: boolean) => Promise<number>;
  prefs: () => StoredPrefs;
  onChanged: () => void;
  onDeviceLost: (reason: string) => void;
  /** Metrics hooks; absent when metrics are off. */
  metrics?: ConnectionObservers;
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
    relayDuty: () => d.prefs().discovery.introducer,
  });
  const node = new MeshNode({
    rawSecret: mesh.raw, keys: mesh.keys, subnet: mesh.subnet, identity, interfaceName: d.interfaceName,
    listenPort, hostname: d.hostname, stateDir: d.stateDir, device, router: d.router, clock: d.clock,
    logger: d.logger.child('mesh'), routes, advertisedRoutes: () => d.prefs().advertiseRoutes.map((r) => r.prefix),
    discovery: d.prefs().discovery, onChanged: d.onChanged, onDeviceLost: d.onDeviceLost,
    ...(d.metrics?.onDiscovery ? { onDiscovery: d.metrics.onDiscovery } : {}),
    ...(d.metrics?.onReconciled ? { onReconciled: d.metrics.onReconciled } : {}),
    ...(d.metrics?.onNatTraversal ? { onNatTraversal: d.metrics.onNatTraversal } : {}),
  });
  await node.start();
  const sites = new SiteRuntime({
    keys: mesh.keys, identity, iface: d.interfaceName, store: node.store, clock: d.clock, logger: d.logger.child('sites'),
    originFirewall: d.originFirewall, createNginx: d.createNginx, ipv6: d.ipv6, counters: node.counters, onChanged: d.onChanged,
    hostname: d.hostname,
    ...(d.metrics?.cacheLog ? { cacheLog: d.metrics.cacheLog } : {}),
  });
  try {
    await sites.start();
  } catch (err) {
    await node.stop({ goodbye: false });
    throw err;
  }
  return { mesh, node, identity, routes, sites, meshNetworks, listenPort, interfaceName: d.interfaceName };
}

/** Closes a connection: sites first (withdrawn, edge config removed when `leaving`), then the node. */
export async function closeConnection(c: Connection, opts: { goodbye: boolean; leaving: boolean }): Promise<void> {
  await c.sites.stop(opts.leaving).catch(() => undefined);
  await c.node.stop({ goodbye: opts.goodbye });
}
