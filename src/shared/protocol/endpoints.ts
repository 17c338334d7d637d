/**
 * The control API as one declarative table: method, path, request and response schema per
 * endpoint. The service's router and handler table, the CLI client and (later) main's service
 * client are all driven by it, so a path or a body shape is defined exactly once.
 *
 * Conventions: JSON bodies with `Content-Type: application/json`; an empty body counts as `{}`;
 * errors are {@link ErrorBody}; `stream` endpoints answer `application/x-ndjson`, one
 * `response`-shaped JSON value per line, until either side closes.
 */
import type { z } from 'zod';
import { DiagnosticsResponse, LogEntry } from './diagnostics-schemas';
import { DoctorReport } from './doctor-schemas';
import { AdvertiseRequest, DetectResponse, RoutesCheck, RoutesState, WithdrawRequest } from './route-schemas';
import {
  EdgeDisableRequest, EdgeEnableRequest, EdgeState, ExposeRequest, RemoveSiteRequest, SitesResponse,
} from './site-schemas';
import {
  RevealSecretRequest, RevealSecretResponse, WebConsoleDisableRequest, WebConsoleEnableRequest, WebConsoleState,
} from './console-schemas';
import {
  EdgesResponse, LocalServicesResponse, ProbeSiteRequest, ProbeSiteResponse, VerifyEvent, VerifySiteRequest,
} from './wizard-schemas';
import {
  JoinRequest, LeaveRequest, PeersResponse, Prefs, PrefsPatch, Status, VersionInfo, WatchEvent,
} from './schemas';

/** HTTP methods used by the control API. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH';

/** Shape of one entry of {@link endpoints}. */
export interface EndpointDef {
  readonly method: HttpMethod;
  readonly path: string;
  /** Schema of the request body, or null for endpoints without one. */
  readonly request: z.ZodType | null;
  /** Schema of the response body (of each line, for `stream` endpoints). */
  readonly response: z.ZodType;
  /** True for NDJSON streams (GET streams take no body; POST streams take `request`). */
  readonly stream?: boolean;
}

/** Every endpoint of protocol version 1. */
export const endpoints = {
  status: { method: 'GET', path: '/v1/status', request: null, response: Status },
  peers: { method: 'GET', path: '/v1/peers', request: null, response: PeersResponse },
  join: { method: 'POST', path: '/v1/join', request: JoinRequest, response: Status },
  leave: { method: 'POST', path: '/v1/leave', request: LeaveRequest, response: Status },
  getPrefs: { method: 'GET', path: '/v1/prefs', request: null, response: Prefs },
  patchPrefs: { method: 'PATCH', path: '/v1/prefs', request: PrefsPatch, response: Prefs },
  version: { method: 'GET', path: '/v1/version', request: null, response: VersionInfo },
  watch: { method: 'GET', path: '/v1/watch', request: null, response: WatchEvent, stream: true },
  routes: { method: 'GET', path: '/v1/routes', request: null, response: RoutesState },
  detectRoutes: { method: 'GET', path: '/v1/routes/detect', request: null, response: DetectResponse },
  checkRoutes: { method: 'GET', path: '/v1/routes/check', request: null, response: RoutesCheck },
  advertiseRoutes: { method: 'POST', path: '/v1/routes/advertise', request: AdvertiseRequest, response: RoutesState },
  withdrawRoutes: { method: 'POST', path: '/v1/routes/withdraw', request: WithdrawRequest, response: RoutesState },
  sites: { method: 'GET', path: '/v1/sites', request: null, response: SitesResponse },
  exposeSite: { method: 'POST', path: '/v1/sites/expose', request: ExposeRequest, response: SitesResponse },
  removeSite: { method: 'POST', path: '/v1/sites/remove', request: RemoveSiteRequest, response: SitesResponse },
  edge: { method: 'GET', path: '/v1/edge', request: null, response: EdgeState },
  enableEdge: { method: 'POST', path: '/v1/edge/enable', request: EdgeEnableRequest, response: EdgeState },
  disableEdge: { method: 'POST', path: '/v1/edge/disable', request: EdgeDisableRequest, response: EdgeState },
  /**
   * The service's recent log entries (up to 2000, oldest first), then new ones as they are
   * emitted. `?follow=0` ends the stream after the buffered entries. The response header
   * `x-cloudroof-log-backlog` says how many buffered entries come first.
   */
  logs: { method: 'GET', path: '/v1/logs', request: null, response: LogEntry, stream: true },
  /** Redacted material for a bug report (root-only state, command outputs, recent logs). */
  diagnostics: { method: 'GET', path: '/v1/diagnostics', request: null, response: DiagnosticsResponse },
  doctor: { method: 'GET', path: '/v1/doctor', request: null, response: DoctorReport },
  /** Listening TCP services of this machine, with their process names (the wizard's first step). */
  localServices: { method: 'GET', path: '/v1/local-services', request: null, response: LocalServicesResponse },
  /** Checks once that a target answers HTTP, without exposing it. */
  probeSite: { method: 'POST', path: '/v1/sites/probe', request: ProbeSiteRequest, response: ProbeSiteResponse },
  /** The edges of the mesh and how ready each is (nginx, certificates). */
  edges: { method: 'GET', path: '/v1/edges', request: null, response: EdgesResponse },
  /** Verifies an exposed site end to end through edges: progress lines, then a `done` line. */
  verifySite: { method: 'POST', path: '/v1/sites/verify', request: VerifySiteRequest, response: VerifyEvent, stream: true },
  /** The stored mesh secret, to an explicit request only (never logged). */
  revealSecret: { method: 'POST', path: '/v1/secret/reveal', request: RevealSecretRequest, response: RevealSecretResponse },
  /** The web console's state and URL (with its token). */
  webConsole: { method: 'GET', path: '/v1/web-console', request: null, response: WebConsoleState },
  enableWebConsole: { method: 'POST', path: '/v1/web-console/enable', request: WebConsoleEnableRequest, response: WebConsoleState },
  disableWebConsole: { method: 'POST', path: '/v1/web-console/disable', request: WebConsoleDisableRequest, response: WebConsoleState },
} as const satisfies Record<string, EndpointDef>;

/** Name of an endpoint (a key of {@link endpoints}). */
export type EndpointName = keyof typeof endpoints;

/** Names of the plain request/response endpoints (all but the streams). */
export type UnaryEndpointName = { [N in EndpointName]: (typeof endpoints)[N] extends { stream: true } ? never : N }[EndpointName];

/** Names of the NDJSON stream endpoints. */
export type StreamEndpointName = Exclude<EndpointName, UnaryEndpointName>;

/** Names of the NDJSON stream endpoints that take a request body (POST). */
export type PostStreamEndpointName = { [N in StreamEndpointName]: (typeof endpoints)[N]['method'] extends 'POST' ? N : never }[StreamEndpointName];

/** Request body type of endpoint `N` (`undefined` when it takes none). */
export type RequestOf<N extends EndpointName> =
  (typeof endpoints)[N]['request'] extends z.ZodType ? z.infer<(typeof endpoints)[N]['request']> : undefined;

/** Response body type of endpoint `N` (the type of one line for streams). */
export type ResponseOf<N extends EndpointName> = z.infer<(typeof endpoints)[N]['response']>;

/** Media type of JSON request and response bodies. */
export const JSON_MEDIA_TYPE = 'application/json';
/** Media type of the watch stream. */
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';
/** Largest request body the service reads, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Outcome of {@link matchEndpoint}. */
export type EndpointMatch =
  | { kind: 'found'; name: EndpointName }
  | { kind: 'wrong-method'; allow: HttpMethod[] }
  | { kind: 'unknown-path' };

/** Finds the endpoint for a method and a path (without query string). */
export function matchEndpoint(method: string, path: string): EndpointMatch {
  const allow: HttpMethod[] = [];
  for (const [name, def] of Object.entries(endpoints) as [EndpointName, EndpointDef][]) {
    if (def.path !== path) continue;
    if (def.method === method) return { kind: 'found', name };
    allow.push(def.method);
  }
  return allow.length > 0 ? { kind: 'wrong-method', allow } : { kind: 'unknown-path' };
}
