/**
 * `GET /v1/doctor` (issue 8): runs every installation check as root and collects the findings,
 * each with its fix. Read-only. Checks run one after the other (they are cheap: a few stats,
 * two /proc reads, `ip -j addr`, and the routes preflight when routes are advertised); a check
 * that throws becomes a warning naming it instead of failing the whole report.
 */
import type { DoctorFinding, DoctorReport, EdgeState, RoutesCheck, RoutesState, SitesResponse, Status } from '../../shared/protocol';
import type { CommandRunner } from '../engine/exec';
import { checkEdge, checkMesh, checkRouting, checkSites } from './node-checks';
import { checkClockSkew } from './skew-check';
import type { PeerSkew } from './skew';
import { checkInterface, checkPrograms, checkStateDir, checkWireGuard, type FileStat, type ProgramLookup } from './system-checks';

/** The machine, as the doctor sees it (real implementations: doctor-system.ts). */
export interface DoctorSystem {
  platform: NodeJS.Platform;
  /** The service's user id (root in production). */
  uid: number;
  runner: CommandRunner;
  findProgram: ProgramLookup;
  kernelModuleMayExist: () => boolean;
  stat: FileStat;
  /** Local ports of every bound UDP socket in this network namespace. */
  boundUdpPorts: () => Promise<Set<number>>;
}

/** The node, as the doctor sees it (the backend's own reads). */
export interface DoctorNode {
  stateDir: string;
  status(): Status;
  routes(): RoutesState;
  /** The routes preflight (RouteControl.check). */
  checkRoutes(): Promise<RoutesCheck>;
  edge(): Promise<EdgeState>;
  sites(): SitesResponse;
  /** Peers' clock skew; empty when not joined. */
  skew(): PeerSkew[];
  /** How edge mode runs nginx, and where it serves ACME challenges from. */
  nginx(): { mode: 'managed' | 'system'; acmeRoot?: string };
}

type Check = [name: string, run: () => DoctorFinding[] | Promise<DoctorFinding[]>];

/** Runs every check that applies to this node and returns the report. */
export async function runDoctor(sys: DoctorSystem, node: DoctorNode): Promise<DoctorReport> {
  const status = node.status();
  const joined = status.tunnelState === 'connected';
  const routes = node.routes();
  const sites = node.sites().sites;
  const checks: Check[] = [
    ['wireguard', () => checkWireGuard(sys)],
    ['programs', () => checkPrograms({ ...sys, nftNeeded: routes.advertised.length > 0 || sites.length > 0 })],
    ['state-dir', () => checkStateDir({ stateDir: node.stateDir, uid: sys.uid, stat: sys.stat })],
    ['mesh', () => checkMesh(status)],
  ];
  if (joined && sys.platform === 'linux') {
    checks.push(['interface', () => checkInterface(sys, { iface: status.interface, meshIPv4: status.meshIPv4, listenPort: status.listenPort })]);
  }
  checks.push(['routes', async () => checkRouting(routes, routes.advertised.length > 0 ? await node.checkRoutes() : undefined)]);
  checks.push(['edge', async () => {
    const n = node.nginx();
    return checkEdge(await node.edge(), { joined, nginxOnPath: sys.findProgram('nginx') !== undefined, nginxMode: n.mode, ...(n.acmeRoot ? { acmeRoot: n.acmeRoot } : {}) });
  }]);
  if (sites.length > 0) checks.push(['sites', () => checkSites(sites, joined)]);
  if (joined) checks.push(['clock', () => checkClockSkew(node.skew(), status.counters.dropped)]);
  const findings: DoctorFinding[] = [];
  for (const [name, run] of checks) {
    try {
      findings.push(...(await run()));
    } catch (err) {
      findings.push({ id: 'check-failed', severity: 'warning', message: `the ${name} check could not run: ${(err as Error).message}`, fix: 'see the service log (journalctl -u cloudroofd)' });
    }
  }
  return { ok: !findings.some((f) => f.severity === 'error'), findings, checked: checks.map(([name]) => name) };
}
