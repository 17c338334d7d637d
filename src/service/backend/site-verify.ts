/**
 * The wizard's edge endpoints behind the control API (issue 6): `GET /v1/edges` (the mesh's
 * edges from their capability reports) and `POST /v1/sites/verify` (a site checked end to end
 * through its edges). Everything a verification needs — the site, the node joined, the edges
 * and how to reach each — is resolved before anything streams, so `site-not-found`,
 * `not-joined`, `invalid-site` and `edge-not-found` arrive as plain errors.
 */
import {
  ControlError, DEFAULT_VERIFY_SSE_PATH, DEFAULT_VERIFY_UPLOAD_BYTES, DEFAULT_VERIFY_WEBSOCKET_PATH,
  type EdgesResponse, type MeshEdge, type SiteConfig, type SiteEdge, type VerifyEvent, type VerifySiteRequest,
} from '../../shared/protocol';
import { parseHealthPath, parseSiteName, parseTarget } from '../../shared/sites';
import type { Logger } from '../log';
import type { VerifyPaths } from '../origin/verify-checks';
import { runVerification, type RunOptions, type VerifyEdge, type VerifyPlan } from '../origin/verify-site';
import type { StoredPrefs } from '../state/prefs';
import { inputCheck } from './site-control';
import type { SiteRuntime } from './site-runtime';

/** What the wizard's edge endpoints need from the backend. */
export interface SiteVerifyDeps {
  prefs: () => StoredPrefs;
  /** The running site runtime; undefined when not joined. */
  runtime: () => SiteRuntime | undefined;
  logger: Logger;
  /** Tests shorten the checks' limits. */
  runOptions?: RunOptions;
}

/** GET /v1/edges: this node first when it is an edge, then every edge heard from in the last minute. */
export function meshEdges(d: SiteVerifyDeps): EdgesResponse {
  return { edges: d.runtime()?.meshEdges() ?? [] };
}

/** POST /v1/sites/verify; see the module comment. */
export async function verifySite(d: SiteVerifyDeps, req: VerifySiteRequest, emit: (e: VerifyEvent) => void, signal: AbortSignal): Promise<void> {
  const plan = planVerification(d, req);
  await runVerification(plan, emit, signal, { logger: d.logger, ...d.runOptions });
}

/** Resolves a request into a plan, or throws the ControlError the client gets. */
export function planVerification(d: SiteVerifyDeps, req: VerifySiteRequest): VerifyPlan {
  const name = inputCheck(() => parseSiteName(req.name));
  const site = d.prefs().sites.find((s) => s.name === name);
  if (!site) throw new ControlError('site-not-found', `no site named ${name} is exposed here (cloudroof expose list)`);
  const rt = d.runtime();
  if (!rt) throw new ControlError('not-joined', 'this node is not in a mesh, so no edge can be reached (cloudroof join)');
  const paths: VerifyPaths = inputCheck(() => ({
    health: site.healthPath,
    websocket: parseHealthPath(req.paths?.websocket ?? DEFAULT_VERIFY_WEBSOCKET_PATH),
    sse: parseHealthPath(req.paths?.sse ?? DEFAULT_VERIFY_SSE_PATH),
    upload: parseHealthPath(req.paths?.upload ?? site.healthPath),
  }));
  const hostname = site.hostnames[0] ?? '';
  const t = parseTarget(site.target);
  const reports = rt.origin.views([site])[0]?.edges ?? [];
  return {
    target: { host: t.host, port: t.port, tls: t.scheme === 'https', hostname },
    edges: chooseEdges(req.edges, site, reports, rt.meshEdges()).map((e) => edgeOf(e, hostname)),
    paths, uploadBytes: req.uploadBytes ?? DEFAULT_VERIFY_UPLOAD_BYTES,
    publicUrls: () => rt.origin.views([site])[0]?.publicUrls ?? [],
    serving: (edge) => (rt.origin.views([site])[0]?.edges ?? []).some((e) => e.publicKey === edge.publicKey && e.state === 'serving'),
  };
}

/** An edge as verification knows it: from its site report, its capability report, or both. */
interface KnownEdge {
  publicKey: string;
  hostname?: string;
  meshIPv4?: string;
  capabilities?: MeshEdge;
}

/**
 * The edges to verify through: those named in `wanted` (by public key, mesh IPv4 or hostname,
 * among every edge known), else every edge that reported on the site, else (none has yet) every
 * edge whose nginx runs.
 */
function chooseEdges(wanted: readonly string[] | undefined, site: SiteConfig, reports: readonly SiteEdge[], caps: readonly MeshEdge[]): KnownEdge[] {
  const known = new Map<string, KnownEdge>();
  for (const r of reports) known.set(r.publicKey, { publicKey: r.publicKey, ...(r.hostname ? { hostname: r.hostname } : {}), ...(r.meshIPv4 ? { meshIPv4: r.meshIPv4 } : {}) });
  for (const c of caps) known.set(c.publicKey, { ...known.get(c.publicKey), publicKey: c.publicKey, ...(c.hostname ? { hostname: c.hostname } : {}), ...(c.meshIPv4 ? { meshIPv4: c.meshIPv4 } : {}), capabilities: c });
  if (!wanted?.length) {
    let chosen = reports.map((r) => known.get(r.publicKey)).filter((e): e is KnownEdge => e !== undefined);
    // Exposed a moment ago (the wizard verifies right after exposing): no edge has reported on the
    // site yet, so take the edges whose nginx runs; verification waits for them to serve it.
    if (chosen.length === 0) chosen = caps.filter((c) => c.nginx.running && c.config.state !== 'off').map((c) => known.get(c.publicKey)).filter((e): e is KnownEdge => e !== undefined);
    if (chosen.length === 0) {
      throw new ControlError('edge-not-found', `no edge has reported on ${site.name} yet: turn on edge mode on a mesh node (cloudroof edge enable), or name one with --edge`);
    }
    return chosen;
  }
  const out = new Map<string, KnownEdge>();
  for (const w of wanted) {
    const e = [...known.values()].find((k) => k.publicKey === w || k.meshIPv4 === w || (k.hostname !== undefined && k.hostname === w));
    if (!e) throw new ControlError('edge-not-found', `no edge ${show(w)} is known here (cloudroof edges lists them)`);
    out.set(e.publicKey, e);
  }
  return [...out.values()];
}

/** How to reach an edge: TLS at its https port, or plain HTTP when it reports no certificate for `hostname`. */
function edgeOf(e: KnownEdge, hostname: string): VerifyEdge {
  if (!e.meshIPv4) throw new ControlError('edge-not-found', `the mesh address of edge ${e.hostname ?? e.publicKey} is not known yet`);
  const c = e.capabilities;
  const tls = c === undefined || c.certificates.includes(hostname);
  const port = tls ? (c?.httpsPort ?? 443) : c.httpPort;
  return { publicKey: e.publicKey, ...(e.hostname ? { hostname: e.hostname } : {}), endpoint: { host: e.meshIPv4, port, tls, hostname } };
}

function show(s: string): string {
  return /^[\x21-\x7e]{1,64}$/.test(s) ? `"${s}"` : `(${s.length} characters)`;
}
