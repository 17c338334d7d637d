/**
 * The handler table: one function per unary endpoint of the shared `endpoints` table, typed so
 * that a missing or mistyped handler fails to compile. Bodies arrive validated; handlers apply
 * the checks a schema cannot express (secret length, subnet form, route prefixes) before the
 * backend sees them.
 */
import {
  ControlError, endpoints, PROTOCOL_VERSION,
  type AdvertiseRequest, type JoinRequest, type PrefsPatch, type RequestOf, type ResponseOf, type UnaryEndpointName,
  type WithdrawRequest,
} from '../../shared/protocol';
import { parseMeshSubnet } from '../../shared/mesh/address';
import { parseAdvertisedPrefix, RouteInputError } from '../../shared/routes';
import { parseSecret, SecretError } from '../../shared/mesh/secret';
import { redactDiagnostics } from '../diagnostics/redact';
import type { Logger } from '../log';
import type { Backend } from './backend';
import type { WebConsoleControl } from './web-console';

/** What handlers reach besides the backend: parts the control layer owns itself. */
export interface HandlerContext {
  /** The web console; absent where a control server runs without one (the endpoints then answer `not-found`). */
  webConsole?: WebConsoleControl;
}

/** A handler: validated request body in, response body out (validated again by the server). */
export type Handler<N extends UnaryEndpointName> = (backend: Backend, body: RequestOf<N>, ctx: HandlerContext) => ResponseOf<N> | Promise<ResponseOf<N>>;

/** Handlers of every unary endpoint. */
export const handlers: { readonly [N in UnaryEndpointName]: Handler<N> } = {
  status: (backend) => backend.status(),
  peers: (backend) => ({ peers: backend.peers() }),
  join: (backend, req) => backend.join(checkJoin(req)),
  leave: (backend) => backend.leave(),
  getPrefs: (backend) => backend.getPrefs(),
  patchPrefs: (backend, patch) => backend.patchPrefs(checkPrefsPatch(patch)),
  version: (backend) => ({ version: backend.status().version, protocolVersion: PROTOCOL_VERSION }),
  routes: (backend) => backend.routes(),
  detectRoutes: async (backend) => ({ networks: await backend.detectNetworks() }),
  checkRoutes: (backend) => backend.checkRoutes(),
  advertiseRoutes: (backend, req) => backend.advertiseRoutes({ ...req, prefixes: canonicalPrefixes(req.prefixes) }),
  withdrawRoutes: (backend, req) => backend.withdrawRoutes(checkWithdraw(req)),
  sites: (backend) => backend.sites(),
  exposeSite: (backend, req) => backend.exposeSite(req),
  removeSite: (backend, req) => backend.removeSite(req),
  edge: (backend) => backend.edge(),
  enableEdge: (backend, req) => backend.enableEdge(req),
  disableEdge: (backend) => backend.disableEdge(),
  diagnostics: async (backend) => redactDiagnostics(await backend.diagnostics()),
  doctor: (backend) => backend.doctor(),
  localServices: (backend) => backend.localServices(),
  probeSite: (backend, req) => backend.probeSite(req),
  edges: (backend) => backend.edges(),
  revealSecret: (backend, req) => backend.revealSecret(req),
  webConsole: (_backend, _req, ctx) => webConsoleOf(ctx).state(),
  enableWebConsole: (_backend, req, ctx) => webConsoleOf(ctx).enable(req),
  disableWebConsole: (_backend, _req, ctx) => webConsoleOf(ctx).disable(),
};

/** The context's web console, or `not-found` when this server has none. */
function webConsoleOf(ctx: HandlerContext): WebConsoleControl {
  if (!ctx.webConsole) throw new ControlError('not-found', 'this service has no web console');
  return ctx.webConsole;
}

/** What {@link callHandler} runs with. */
export interface HandlerDeps {
  backend: Backend;
  logger: Logger;
  ctx: HandlerContext;
}

/**
 * Runs the handler of `name` on a body already validated against its request schema (the
 * control socket and the web console both come through here), then validates the result
 * against the response schema (stripping undeclared members). `ControlError`s pass through;
 * anything else is logged without the request's secret and becomes `internal`.
 */
export async function callHandler(name: UnaryEndpointName, body: unknown, deps: HandlerDeps): Promise<unknown> {
  const handler = handlers[name] as (b: Backend, body: unknown, ctx: HandlerContext) => unknown;
  let result: unknown;
  try {
    result = await handler(deps.backend, body, deps.ctx);
  } catch (err) {
    if (err instanceof ControlError) throw err;
    // Unexpected: logged (minus the request's secret, which a message may quote), never sent.
    const message = scrubSecrets(err instanceof Error ? err.message : String(err), body);
    deps.logger.error('handler failed', { endpoint: name, error: message });
    throw new ControlError('internal', 'internal error');
  }
  const checked = endpoints[name].response.safeParse(result);
  if (!checked.success) {
    deps.logger.error('backend result does not match the response schema', { endpoint: name, issues: checked.error.issues.length });
    throw new ControlError('internal', 'internal error');
  }
  return checked.data;
}

/**
 * Each prefix canonical (shared `parseAdvertisedPrefix`), duplicates removed, order kept; the
 * first bad one is `invalid-route` with the parser's message (which quotes only address text).
 */
export function canonicalPrefixes(prefixes: AdvertiseRequest['prefixes']): string[] {
  const out = new Set<string>();
  for (const p of prefixes) {
    try {
      out.add(parseAdvertisedPrefix(p));
    } catch (err) {
      if (err instanceof RouteInputError) throw new ControlError('invalid-route', err.message);
      throw err;
    }
  }
  return [...out];
}

/** A withdraw request with its prefixes canonical. */
function checkWithdraw(req: WithdrawRequest): WithdrawRequest {
  return req.prefixes === undefined ? req : { ...req, prefixes: canonicalPrefixes(req.prefixes) };
}

/**
 * Checks the secret with the wgmesh rules (spec 1.2: at least 16 bytes once parsed) and
 * canonicalises the subnet. Error messages describe the rule, never the value.
 */
export function checkJoin(req: JoinRequest): JoinRequest {
  try {
    parseSecret(req.secret);
  } catch (err) {
    // SecretError messages state the rule and never contain the secret.
    if (err instanceof SecretError) throw new ControlError('invalid-secret', err.message);
    throw err;
  }
  return req.meshSubnet === undefined ? req : { ...req, meshSubnet: canonicalMeshSubnet(req.meshSubnet) };
}

/**
 * Canonicalises the subnet of a prefs patch. The interface name and port are the backend's to
 * check (`invalid-interface`, `port-in-use`): their rules depend on the machine.
 */
export function checkPrefsPatch(patch: PrefsPatch): PrefsPatch {
  return patch.meshSubnet === undefined ? patch : { ...patch, meshSubnet: canonicalMeshSubnet(patch.meshSubnet) };
}

/**
 * The mesh subnet in canonical form (spec 1.5: IPv4, prefix ≤ 30, host bits cleared), or
 * `invalid-subnet`.
 */
export function canonicalMeshSubnet(cidr: string): string {
  try {
    return parseMeshSubnet(cidr).cidr;
  } catch (err) {
    // The parser quotes its input; the answer does not (it may sit next to the secret).
    const msg = err instanceof Error ? err.message : '';
    const at = msg.lastIndexOf('": ');
    throw new ControlError('invalid-subnet', `invalid mesh subnet: ${at >= 0 ? msg.slice(at + 3) : 'expected an IPv4 CIDR'}`);
  }
}

/**
 * Removes the secret of a request body (as given and as parsed) from `text`, for log lines
 * about a failed request.
 */
export function scrubSecrets(text: string, body: unknown): string {
  const given = typeof body === 'object' && body !== null && 'secret' in body ? (body as { secret: unknown }).secret : undefined;
  if (typeof given !== 'string' || given === '') return text;
  const forms = [given, given.trim()];
  try {
    forms.push(parseSecret(given));
  } catch {
    // not parseable: the forms above suffice
  }
  for (const f of forms.filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) text = text.split(f).join('[redacted]');
  return text;
}
