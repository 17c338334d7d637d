/**
 * The FakeBackend's answers for the local endpoints (local services, probe, interface and port
 * prefs), kept apart from fake.ts: canned data a test can replace, and the same input checks
 * the real backend applies, so clients (CLI, main, renderer) see the real error codes.
 */
import { ControlError, type LocalService, type PrefsPatch, type ProbeSiteRequest, type ProbeSiteResponse } from '../../shared/protocol';
import { formatTarget } from '../../shared/sites';
import { interfaceNameError } from '../backend/interface-settings';
import { probeTarget } from '../origin/probe';

/** A scripted probe answer (the canonical target is filled in). */
export type FakeProbeAnswer = Omit<ProbeSiteResponse, 'target'>;

/** What the fake lists by default: nginx on both wildcards, a dev server on loopback (exposed as `blog`), Postgres. */
export function defaultFakeLocalServices(): LocalService[] {
  return [
    { address: '0.0.0.0', port: 80, family: 4, process: 'nginx', pid: 812, url: 'http://127.0.0.1:80' },
    { address: '::', port: 80, family: 6, process: 'nginx', pid: 812, url: 'http://[::1]:80' },
    { address: '127.0.0.1', port: 3000, family: 4, process: 'node', pid: 4242, url: 'http://127.0.0.1:3000', exposedAs: 'blog' },
    { address: '127.0.0.1', port: 5432, family: 4, process: 'postgres', pid: 990, url: 'http://127.0.0.1:5432' },
  ];
}

/** The default answer: a page titled after the target on a port the fake lists, else refused. */
function defaultAnswer(target: string, port: number, services: readonly LocalService[]): FakeProbeAnswer {
  if (!services.some((s) => s.port === port)) {
    return { ok: false, error: `connection refused: nothing listens on ${target.replace(/^https?:\/\//, '')}` };
  }
  return { ok: true, status: 200, latencyMs: 1.5, contentType: 'text/html; charset=utf-8', server: 'fake/1.0', title: `Fake service at ${target}` };
}

/**
 * The fake's probe: the target canonicalised as the real one does (`invalid-site`), then the
 * answer scripted for that canonical target, else {@link defaultAnswer}.
 */
export function fakeProbe(req: ProbeSiteRequest, scripted: Readonly<Record<string, FakeProbeAnswer>>, services: readonly LocalService[]): ProbeSiteResponse {
  const { target } = probeTarget(req);
  const canonical = formatTarget(target);
  const answer = Object.hasOwn(scripted, canonical) ? scripted[canonical] : undefined;
  return { target: canonical, ...structuredClone(answer ?? defaultAnswer(canonical, target.port, services)) };
}

/**
 * Checks the interface and port of a prefs patch like the real backend: a name this platform
 * refuses is `invalid-interface`, a port in `takenPorts` is `port-in-use` (nothing changed).
 */
export function checkFakeInterfacePatch(patch: PrefsPatch, takenPorts: ReadonlySet<number>): void {
  const invalid = patch.interfaceName === undefined ? undefined : interfaceNameError(patch.interfaceName, process.platform);
  if (invalid) throw invalid;
  if (patch.listenPort !== undefined && takenPorts.has(patch.listenPort)) {
    throw new ControlError('port-in-use', `UDP port ${patch.listenPort} is in use; choose another with --listen-port`);
  }
}
