/**
 * Bodies of the diagnostics endpoints (issue 8): `GET /v1/logs`, an NDJSON stream of the
 * service's recent log entries, and `GET /v1/diagnostics`, the redacted material of a bug
 * report. Responses are lenient (and stripped of undeclared members) like every response.
 */
import { z } from 'zod';
import { LogLevel } from './schemas';

/**
 * One structured log record as the service emitted it, after its credential-named fields were
 * replaced and the mesh secret scrubbed: `time` is ISO 8601 UTC with milliseconds, `component`
 * a slash path (`cloudroofd/mesh`), `fields` plain JSON values.
 */
export const LogEntry = z.object({
  time: z.string(),
  level: LogLevel,
  component: z.string(),
  msg: z.string(),
  fields: z.record(z.string(), z.unknown()),
});
/** One structured log record. */
export type LogEntry = z.infer<typeof LogEntry>;

/**
 * Response header of GET /v1/logs: how many of the lines that follow are buffered entries
 * (the rest are live), so a client can show the last N buffered ones before following.
 */
export const LOG_BACKLOG_HEADER = 'x-cloudroof-log-backlog';

/** Name of a diagnostics section: a plain file name (`status.json`, `ip-addr.txt`). */
export const SectionName = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/);

/** How much the service redacted from a report, counted per kind. */
export const RedactionSummary = z.object({
  /** Occurrences of the mesh secret (any form) or of key material derived from it. */
  secrets: z.number().int().nonnegative(),
  /** 44-character base64 keys that are not known public keys (private and preshared keys). */
  keys: z.number().int().nonnegative(),
  /** Distinct public IPv4 addresses replaced by `[public-ipv4-N]`. */
  publicIPv4: z.number().int().nonnegative(),
  /** Distinct public IPv6 addresses replaced by `[public-ipv6-N]`. */
  publicIPv6: z.number().int().nonnegative(),
});
/** How much was redacted. */
export type RedactionSummary = z.infer<typeof RedactionSummary>;

/**
 * Body of GET /v1/diagnostics: named text sections, each already redacted by the service (no
 * mesh secret in any form, no private or preshared key, public addresses replaced by stable
 * placeholders). Section names are file names; their order is the order of collection.
 */
export const DiagnosticsResponse = z.object({
  /** Unix milliseconds at collection. */
  collectedAt: z.number(),
  /** The name the node announces (may itself be redacted text). */
  hostname: z.string(),
  /** The service's version. */
  version: z.string(),
  sections: z.record(SectionName, z.string()),
  redactions: RedactionSummary,
});
/** Body of GET /v1/diagnostics. */
export type DiagnosticsResponse = z.infer<typeof DiagnosticsResponse>;
