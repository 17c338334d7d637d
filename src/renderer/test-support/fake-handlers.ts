/**
 * Default handlers of the fake API: a small in-memory service (join/leave, prefs, routes, sites,
 * edges, the wizard's calls) and main's app calls. Enough logic for screens to round-trip; tests
 * replace a handler to script a failure.
 */
import type { AppState } from '../../shared/ipc';
import {
  ControlError,
  type EdgeState, type ExposedSite, type LocalService, type MeshEdge, type Peer, type Prefs, type ProbeSiteResponse, type RoutesCheck,
  type RoutesState, type Status, type DetectResponse,
} from '../../shared/protocol';
import type { FakeApi } from './fake-api';
import { disconnectedStatus, edgeOff, sampleNetworks, samplePrefs, sampleProbe, sampleRoutes, sampleStatus } from './fixtures';

/** What the default handlers answer from. */
export interface FakeState {
  app: AppState;
  status: Status;
  peers: Peer[];
  snapshot?: { status: Status; peers: Peer[] } | null;
  prefs?: Prefs;
  routes?: RoutesState;
  networks?: DetectResponse;
  check?: RoutesCheck;
  sites?: ExposedSite[];
  edge?: EdgeState;
  edges?: MeshEdge[];
  localServices?: LocalService[];
  probe?: ProbeSiteResponse;
  /** The stored secret (what revealSecret answers). */
  secret?: string;
}

/** The default service handlers over `s`. */
export function defaultServiceHandlers(s: FakeState): FakeApi['service'] {
  const routes = (): RoutesState => (s.routes ??= sampleRoutes());
  const sites = (): ExposedSite[] => (s.sites ??= []);
  return {
    status: () => s.status,
    peers: () => ({ peers: s.peers }),
    join: (req) => { s.secret = req.secret; s.status = sampleStatus(); return s.status; },
    leave: () => { s.status = disconnectedStatus(); s.peers = []; return s.status; },
    getPrefs: () => (s.prefs ??= samplePrefs()),
    patchPrefs: (patch) => (s.prefs = { ...(s.prefs ?? samplePrefs()), ...patch }),
    version: () => ({ version: s.status.version, protocolVersion: s.status.protocolVersion }),
    routes,
    detectRoutes: () => (s.networks ??= sampleNetworks()),
    checkRoutes: () => (s.check ??= { ok: true, findings: [] }),
    advertiseRoutes: (req) => {
      const masquerade = req.masquerade ?? true;
      const rest = routes().advertised.filter((r) => !req.prefixes.includes(r.prefix));
      s.routes = { ...routes(), advertised: [...rest, ...req.prefixes.map((prefix) => ({ prefix, masquerade, state: 'active' as const }))] };
      return s.routes;
    },
    withdrawRoutes: (req) => {
      s.routes = { ...routes(), advertised: routes().advertised.filter((r) => !(req.all || req.prefixes?.includes(r.prefix))) };
      return s.routes;
    },
    sites: () => ({ sites: sites() }),
    exposeSite: (req) => {
      const site: ExposedSite = {
        name: req.name, target: req.target, hostnames: req.hostnames, healthPath: req.healthPath ?? '/', healthIntervalS: req.healthIntervalS ?? 10,
        forwarding: { state: 'active' }, health: { state: 'unknown' }, edges: [], publicUrls: [],
      };
      s.sites = [...sites().filter((x) => x.name !== req.name), site];
      return { sites: s.sites };
    },
    removeSite: (req) => {
      if (!sites().some((x) => x.name === req.name)) throw new ControlError('site-not-found', `no site named ${req.name}`);
      s.sites = sites().filter((x) => x.name !== req.name);
      return { sites: s.sites };
    },
    edge: () => (s.edge ??= edgeOff()),
    enableEdge: () => (s.edge = { ...(s.edge ?? edgeOff()), enabled: true }),
    disableEdge: () => (s.edge = edgeOff()),
    doctor: () => ({ ok: true, findings: [], checked: [] }),
    localServices: () => ({ services: s.localServices ?? [] }),
    probeSite: (req) => ({ ...(s.probe ?? sampleProbe()), target: req.target }),
    edges: () => ({ edges: s.edges ?? [] }),
    revealSecret: () => {
      if (s.secret === undefined) throw new ControlError('not-joined', 'no mesh secret is stored');
      return { secret: s.secret, token: s.secret.startsWith('wgmesh://') };
    },
  };
}

/** The default app handlers over `s`. */
export function defaultAppHandlers(s: FakeState): FakeApi['app'] {
  return {
    getAppState: () => s.app,
    watchSnapshot: () => (s.snapshot === undefined ? { status: s.status, peers: s.peers } : s.snapshot),
    installService: () => (s.app = { ...s.app, connection: { state: 'connected' }, install: { action: 'none', bundledVersion: s.app.appVersion } }),
    uninstallService: () => (s.app = { ...s.app, connection: { state: 'not-installed' }, install: { action: 'install', bundledVersion: s.app.appVersion } }),
    setAppSettings: (patch) => {
      const settings = { launchAtLogin: false, autoUpdate: false, ...s.app.settings, ...patch };
      return (s.app = { ...s.app, settings });
    },
    checkForUpdates: () => (s.app = { ...s.app, update: { state: 'up-to-date', checkedAt: Date.now() } }),
    installUpdate: () => s.app,
    openExternal: () => ({}),
  };
}
