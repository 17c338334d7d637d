/**
 * Bodies of the endpoints behind the origin exposure wizard (issue 6): the local TCP services a
 * site could expose (`GET /v1/local-services`), a one-off check that a target answers
 * (`POST /v1/sites/probe`), the edges of the mesh and how ready each is
 * (`GET /v1/edges`), and the end-to-end verification of a site through its edges
 * (`POST /v1/sites/verify`, an NDJSON stream of progress). Requests strict, responses lenient
 * (and stripped of undeclared members), as everywhere in the protocol.
 */
import { z } from 'zod';
import { EdgeConfigState } from './site-schemas';

const Text = (max: number) => z.string().min(1).max(max);

/** A TCP socket listening on this machine, as the wizard's first step offers it. */
export const LocalService = z.object({
  /** The address it listens on (`0.0.0.0`, `::`, `127.0.0.1`, a LAN address…). */
  address: z.string(),
  port: z.number().int().min(1).max(65535),
  family: z.union([z.literal(4), z.literal(6)]),
  /** Name of the owning process (`nginx`, `node`…), when it could be found. */
  process: z.string().optional(),
  pid: z.number().int().positive().optional(),
  /** A target URL to expose it with, e.g. `http://127.0.0.1:8080`. */
  url: z.string(),
  /** The site of this node that already exposes this port, if any. */
  exposedAs: z.string().optional(),
});
/** A listening TCP socket. */
export type LocalService = z.infer<typeof LocalService>;

/**
 * Body of GET /v1/local-services: listening TCP sockets, one entry per port and family (the
 * service's own sockets and ports bound only to the mesh addresses are left out), by port.
 */
export const LocalServicesResponse = z.object({ services: z.array(LocalService) });
/** Body of GET /v1/local-services. */
export type LocalServicesResponse = z.infer<typeof LocalServicesResponse>;

/** Body of POST /v1/sites/probe: the target to check, as for expose. */
export const ProbeSiteRequest = z.strictObject({
  target: Text(300),
  healthPath: Text(300).optional(),
});
/** Body of POST /v1/sites/probe. */
export type ProbeSiteRequest = z.infer<typeof ProbeSiteRequest>;

/**
 * Body of the probe's answer. `ok` is true when the target answered HTTP at all (any status);
 * `error` says why not (`connection refused`, `timed out after 5 s`, `not HTTP`…).
 */
export const ProbeSiteResponse = z.object({
  /** The target in canonical form (`http://127.0.0.1:8080`). */
  target: z.string(),
  ok: z.boolean(),
  status: z.number().int().optional(),
  latencyMs: z.number().nonnegative().optional(),
  contentType: z.string().optional(),
  /** `<title>` of an HTML answer, trimmed, at most 200 characters. */
  title: z.string().optional(),
  /** The `Server` response header. */
  server: z.string().optional(),
  /** `Location` of a redirect. */
  location: z.string().optional(),
  error: z.string().optional(),
});
/** Body of the probe's answer. */
export type ProbeSiteResponse = z.infer<typeof ProbeSiteResponse>;

/**
 * An edge of the mesh as an origin sees it, from the capability report every edge sends to
 * every peer: whether its nginx is usable and which hostnames it holds a certificate for.
 */
export const MeshEdge = z.object({
  publicKey: z.string(),
  hostname: z.string().optional(),
  meshIPv4: z.string().optional(),
  nginx: z.object({ available: z.boolean(), running: z.boolean(), error: z.string().optional() }),
  config: z.object({ state: EdgeConfigState, lastError: z.string().optional() }),
  httpPort: z.number().int(),
  httpsPort: z.number().int(),
  /** Where the edge expects certificates (`<certDir>/<hostname>/fullchain.pem`, `privkey.pem`). */
  certDir: z.string(),
  /** The webroot the edge serves `/.well-known/acme-challenge/` from (for certbot --webroot). */
  acmeWebroot: z.string().optional(),
  /** Hostnames the edge holds a certificate for (at most 200). */
  certificates: z.array(z.string()),
  /** Unix milliseconds of the last report. */
  reportedAt: z.number(),
});
/** An edge of the mesh. */
export type MeshEdge = z.infer<typeof MeshEdge>;

/** Body of GET /v1/edges: every edge that reported within the last minute (this node too, if it is one). */
export const EdgesResponse = z.object({ edges: z.array(MeshEdge) });
/** Body of GET /v1/edges. */
export type EdgesResponse = z.infer<typeof EdgesResponse>;

/** Default size of the verification's upload, in bytes. */
export const DEFAULT_VERIFY_UPLOAD_BYTES = 8 * 1024 * 1024;
/** Largest verification upload, in bytes. */
export const MAX_VERIFY_UPLOAD_BYTES = 256 * 1024 * 1024;
/** Default path of the verification's websocket check. */
export const DEFAULT_VERIFY_WEBSOCKET_PATH = '/ws';
/** Default path of the verification's SSE check. */
export const DEFAULT_VERIFY_SSE_PATH = '/sse';

/**
 * Body of POST /v1/sites/verify: check a site this node exposes end to end through edges
 * (default: every edge that reported on it). Each check goes through the edge (its mesh address,
 * the site's hostname as SNI and Host) and is compared with the same request sent to the local
 * target directly, so an application that does not speak websockets or SSE is reported as such
 * (`skipped`) rather than as a broken path.
 */
export const VerifySiteRequest = z.strictObject({
  name: Text(64),
  /** Edges to go through, each by public key, mesh IPv4 or hostname (default: every edge that reported on the site). */
  edges: z.array(z.string().max(64)).max(32).optional(),
  uploadBytes: z.number().int().min(1024).max(MAX_VERIFY_UPLOAD_BYTES).optional(),
  /**
   * Paths of the checks, each checked like a health path (`invalid-site`). Defaults: the
   * websocket check at {@link DEFAULT_VERIFY_WEBSOCKET_PATH}, SSE at {@link DEFAULT_VERIFY_SSE_PATH},
   * and the upload POSTed to the site's health path (the edge must answer it like the service,
   * whatever the service answers a POST there).
   */
  paths: z.strictObject({ websocket: Text(256).optional(), sse: Text(256).optional(), upload: Text(256).optional() }).optional(),
});
/** Body of POST /v1/sites/verify. */
export type VerifySiteRequest = z.infer<typeof VerifySiteRequest>;

/** The checks of a verification, in the order they run per edge. */
export const VerifyCheck = z.enum(['request', 'websocket', 'sse', 'upload']);
/** One check of a verification. */
export type VerifyCheck = z.infer<typeof VerifyCheck>;

/** State of one check. */
export const VerifyCheckState = z.enum(['pending', 'running', 'passed', 'failed', 'skipped']);
/** State of one check. */
export type VerifyCheckState = z.infer<typeof VerifyCheckState>;

/** One check against one edge, as it progresses. */
export const VerifyStep = z.object({
  edge: z.string(),
  edgeHostname: z.string().optional(),
  check: VerifyCheck,
  state: VerifyCheckState,
  /** What happened, safe to show (`101 Switching Protocols, echo ok`, `413 from the edge: raise --max-body`). */
  detail: z.string().optional(),
  /** 0…1 while running (the upload's bytes sent). */
  progress: z.number().min(0).max(1).optional(),
  latencyMs: z.number().nonnegative().optional(),
});
/** One check against one edge. */
export type VerifyStep = z.infer<typeof VerifyStep>;

/**
 * One line of the POST /v1/sites/verify stream: a `step` per change of a check, then one
 * `done` with every step's final state. `ok` is true when no check failed.
 */
export const VerifyEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step'), step: VerifyStep }),
  z.object({ type: z.literal('done'), ok: z.boolean(), steps: z.array(VerifyStep), publicUrls: z.array(z.string()) }),
]);
/** One line of the verification stream. */
export type VerifyEvent = z.infer<typeof VerifyEvent>;
