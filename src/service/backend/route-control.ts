/**
 * The route endpoints of the control API (issue 4): validates what the user asks to advertise
 * against this machine's networks and the mesh, keeps the intent in the prefs, and tells the
 * running node. Every change is serialised with the other backend operations; a change that
 * cannot be applied is rolled back in the prefs.
 */
import { isPrivateOrLocal } from '../mesh/endpoint';
import { cidrOverlaps } from '../../shared/routes';
import { ControlError, type AdvertiseRequest, type LocalNetwork, type RoutesCheck, type RoutesState, type WithdrawRequest } from '../../shared/protocol';
import type { CommandRunner } from '../engine/exec';
import { listLocalNetworks } from '../engine/net/local-networks';
import { checkSubnetRouting } from '../engine/routes-preflight';
import type { Sysctl } from '../engine/sysctl';
import type { StoredPrefs } from '../state/prefs';
import type { MeshNode } from './mesh-node';
import { osLocalNetworks, type RouteManager } from './route-manager';

/** What RouteControl needs from the backend. */
export interface RouteControlDeps {
  /** The mesh interface (it may change: an `interfaceName` pref). */
  iface: () => string;
  /** Where we run (detection and preflight differ on macOS). */
  platform: NodeJS.Platform;
  runner: CommandRunner;
  sysctl: Sysctl;
  prefs: () => StoredPrefs;
  savePrefs: (p: StoredPrefs) => Promise<void>;
  /** The running node, its routes, and the mesh's own networks; undefined when not joined. */
  joined: () => { node: MeshNode; routes: RouteManager; meshNetworks: string[] } | undefined;
}

/** Route operations behind the control API. */
export class RouteControl {
  constructor(private readonly d: RouteControlDeps) {}

  /** GET /v1/routes. */
  state(): RoutesState {
    const j = this.d.joined();
    const prefs = this.d.prefs();
    return {
      acceptRoutes: prefs.acceptRoutes,
      advertised: prefs.advertiseRoutes.map((r) => {
        if (!j) return { ...r, state: 'pending' as const };
        if (j.routes.error) return { ...r, state: 'error' as const, error: j.routes.error };
        return { ...r, state: j.routes.advertisingApplied ? 'active' as const : 'pending' as const };
      }),
      accepted: j ? j.routes.accepted().map((a) => ({ ...a, standby: [...a.standby] })) : [],
    };
  }

  /** GET /v1/routes/detect: this machine's networks, the mesh interface left out. */
  async detect(): Promise<LocalNetwork[]> {
    // iproute2 knows the default route and the link types; macOS has no `ip`.
    return this.d.platform === 'darwin' ? osLocalNetworks(this.d.iface()) : listLocalNetworks(this.d.runner, { exclude: [this.d.iface()] });
  }

  /** GET /v1/routes/check: the preflight for the advertised (or else the detected) prefixes. */
  async check(): Promise<RoutesCheck> {
    if (this.d.platform === 'darwin') {
      return { ok: true, findings: [{ id: 'preflight-unavailable', severity: 'warning',
        message: 'the routing preflight runs on Linux only for now', fix: 'check that pf is not blocking forwarding between the mesh interface and the LAN' }] };
    }
    const networks = await this.detect();
    const advertised = this.d.prefs().advertiseRoutes.map((r) => r.prefix);
    const prefixes = advertised.length ? advertised : networks.filter(isLan).map((n) => n.cidr);
    const lanInterfaces = [...new Set(networks.filter((n) => prefixes.some((p) => cidrOverlaps(p, n.cidr))).map((n) => n.iface))];
    const findings = await checkSubnetRouting({ sysctl: this.d.sysctl, runner: this.d.runner }, { meshInterface: this.d.iface(), prefixes, lanInterfaces });
    return { ok: !findings.some((f) => f.severity === 'error'), findings };
  }

  /** POST /v1/routes/advertise (prefixes already canonical). */
  async advertise(req: AdvertiseRequest): Promise<RoutesState> {
    const networks = await this.detect();
    let prefixes = req.prefixes;
    if (req.auto) {
      prefixes = [...new Set(networks.filter(isLan).map((n) => n.cidr))];
      if (prefixes.length === 0) throw new ControlError('route-not-local', 'no LAN detected on this machine (cloudroof routes detect shows its networks); name the prefix instead');
    }
    const mesh = this.d.joined()?.meshNetworks ?? [];
    for (const p of prefixes) {
      const overlap = mesh.find((m) => cidrOverlaps(p, m));
      if (overlap) throw new ControlError('route-overlaps-mesh', `${p} overlaps the mesh's own addresses (${overlap})`);
      if (!req.force && !networks.some((n) => cidrOverlaps(p, n.cidr))) {
        throw new ControlError('route-not-local', `${p} overlaps none of this machine's networks (a typo?); check with: cloudroof routes detect, or pass --force`);
      }
    }
    const masquerade = req.masquerade ?? true;
    const list = this.d.prefs().advertiseRoutes.filter((r) => !prefixes.includes(r.prefix));
    return this.change([...list, ...prefixes.map((prefix) => ({ prefix, masquerade }))]);
  }

  /** POST /v1/routes/withdraw. */
  async withdraw(req: WithdrawRequest): Promise<RoutesState> {
    const current = this.d.prefs().advertiseRoutes;
    if (req.all) return this.change([]);
    const missing = (req.prefixes ?? []).filter((p) => !current.some((r) => r.prefix === p));
    if (missing.length) throw new ControlError('not-advertised', `not advertised: ${missing.join(', ')}`);
    return this.change(current.filter((r) => !req.prefixes?.includes(r.prefix)));
  }

  /** The accept setting changed (PATCH /v1/prefs): apply it to the running node. */
  async acceptChanged(): Promise<void> {
    await this.d.joined()?.node.routesChanged();
  }

  private async change(next: StoredPrefs['advertiseRoutes']): Promise<RoutesState> {
    const before = this.d.prefs();
    await this.d.savePrefs({ ...before, advertiseRoutes: next });
    try {
      await this.d.joined()?.node.routesChanged();
    } catch (err) {
      await this.d.savePrefs(before);
      await this.d.joined()?.node.routesChanged().catch(() => undefined);
      throw new ControlError('system-error', `could not apply the routes: ${(err as Error).message}`);
    }
    return this.state();
  }
}

/** A network that looks like a LAN to advertise: private IPv4 on an ordinary interface. */
function isLan(n: LocalNetwork): boolean {
  return n.family === 4 && isPrivateOrLocal(n.address) && !n.address.startsWith('127.') && !n.address.startsWith('169.254.');
}
