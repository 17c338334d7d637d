/**
 * Errors of the control API: the body `{ error: { code, message } }`, kebab-case codes and the
 * one table that maps each code to its HTTP status. Messages are for humans and must never
 * contain the mesh secret or echo request values.
 */
import { z } from 'zod';

/** Every error code the service may return, with its HTTP status. */
export const ERROR_STATUS = {
  'bad-request': 400,
  'invalid-body': 400,
  'invalid-json': 400,
  'invalid-secret': 400,
  'invalid-subnet': 400,
  'invalid-interface': 400,
  /** A route prefix that is not a canonical, advertisable CIDR. */
  'invalid-route': 400,
  /** A prefix that overlaps none of this machine's networks (a typo guard; `force` skips it). */
  'route-not-local': 400,
  /** A prefix that overlaps the mesh subnet. */
  'route-overlaps-mesh': 400,
  /** A site name, hostname, target, health path or size that cannot be used. */
  'invalid-site': 400,
  /** A DHT bootstrap node or STUN server that is not host:port. */
  'invalid-server': 400,
  /** A web console request without the right `x-cloudroof-token` header. */
  'unauthorized': 401,
  'forbidden': 403,
  /** A web console request whose Host header is not the console's own loopback address (DNS rebinding). */
  'forbidden-host': 403,
  /** A state-changing web console request from another origin (`Origin`, `Sec-Fetch-Site`). */
  'cross-origin': 403,
  'not-found': 404,
  /** Withdrawing a prefix this node does not advertise. */
  'not-advertised': 404,
  /** Removing a site this node does not expose. */
  'site-not-found': 404,
  /** Verifying through an edge that is not known (no capability or site report from it), or with no edge at all. */
  'edge-not-found': 404,
  'method-not-allowed': 405,
  'request-timeout': 408,
  'already-joined': 409,
  'not-joined': 409,
  'busy': 409,
  'port-in-use': 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'system-error': 500,
  'internal': 500,
  'wireguard-unavailable': 503,
  /** Edge mode needs nginx, which is missing or unusable. */
  'nginx-unavailable': 503,
} as const satisfies Record<string, number>;

/** A known error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** True when `code` is one of {@link ERROR_STATUS}. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/**
 * Error body as received. `code` is a plain string so that a client tolerates codes added by a
 * newer service.
 */
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
/** Error body. */
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * An error with a control-API code. The service throws it from handlers and backends (its
 * message is sent to the client as is, so it must be safe to show); the client throws it for
 * error responses. `status` is the HTTP status from {@link ERROR_STATUS} (500 for unknown codes).
 */
export class ControlError extends Error {
  /** HTTP status of this error. */
  readonly status: number;

  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
    this.status = isErrorCode(code) ? ERROR_STATUS[code] : 500;
  }

  /** The JSON body sent for this error. */
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}
