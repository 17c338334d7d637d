/**
 * Cloudroof's own mesh messages (issue 5), sealed in the wgmesh envelope with the gossip key so
 * only mesh members can read or forge them, but sent on a port Go wgmesh nodes never listen on
 * (see discovery/site-channel.ts): Go nodes are not disturbed.
 *
 * - `CLOUDROOF_SITES` (origin → every peer): the complete list of sites the origin exposes. A
 *   list replaces the previous one from the same origin, so a removed site is withdrawn by the
 *   next message; `seq` orders messages from one sender (older or equal ones are dropped).
 * - `CLOUDROOF_EDGE` (edge → one origin): how the edge is doing with each of that origin's sites.
 *
 * Decoding is strict: every site value goes through the shared allow-lists (shared/sites.ts),
 * because an edge renders them into nginx configuration. Unknown members are ignored (forward
 * compatibility, as in wgmesh).
 */
import { z } from 'zod';
import { MAX_SITE_HOSTNAMES, MAX_SITES, parseHealthPath, parseHostname, parseSiteName } from '../../shared/sites';
import { PROTOCOL } from './envelope';

/** Envelope type of a site list. */
export const SITES_TYPE = 'CLOUDROOF_SITES';
/** Envelope type of an edge report. */
export const EDGE_REPORT_TYPE = 'CLOUDROOF_EDGE';

/** One announced site. */
export interface AnnouncedSite {
  name: string;
  hostnames: string[];
  /** TCP port at the origin's mesh addresses. */
  port: number;
  scheme: 'http' | 'https';
  healthPath: string;
}

/** A site list from one origin. */
export interface SitesMessage {
  wgPubkey: string;
  /** Increases with every change; lets receivers drop replays and reordering. */
  seq: number;
  sites: AnnouncedSite[];
}

/** One edge's state for one site. */
export interface EdgeReportEntry {
  name: string;
  state: 'serving' | 'unreachable' | 'conflict' | 'config-error' | 'no-certificate';
  tls: boolean;
  reason?: string;
}

/** An edge's report to one origin. */
export interface EdgeReport {
  wgPubkey: string;
  seq: number;
  sites: EdgeReportEntry[];
}

const Key = z.string().regex(/^[A-Za-z0-9+/]{43}=$/);
const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const canonical = <T extends string>(parse: (s: string) => T) =>
  z.string().max(300).refine((s) => { try { return parse(s) === s; } catch { return false; } }, 'not canonical');

const SiteWire = z.object({
  name: canonical(parseSiteName),
  hostnames: z.array(canonical(parseHostname)).min(1).max(MAX_SITE_HOSTNAMES),
  port: z.number().int().min(1).max(65535),
  scheme: z.enum(['http', 'https']),
  health_path: canonical(parseHealthPath),
});

const SitesWire = z.object({ wg_pubkey: Key, seq: Seq, sites: z.array(SiteWire).max(MAX_SITES) });

const ReportWire = z.object({
  wg_pubkey: Key,
  seq: Seq,
  sites: z.array(z.object({
    name: canonical(parseSiteName),
    state: z.enum(['serving', 'unreachable', 'conflict', 'config-error', 'no-certificate']),
    tls: z.boolean(),
    reason: z.string().max(300).optional(),
  })).max(MAX_SITES),
});

/** A payload that does not decode; the message names the first problem. */
export class SiteMessageError extends Error {
  override readonly name = 'SiteMessageError';
}

function header(nowSec: number): { protocol: string; timestamp: number } {
  return { protocol: PROTOCOL, timestamp: Math.floor(nowSec) };
}

/** Plaintext JSON of a site list. */
export function encodeSites(m: SitesMessage, nowSec: number): string {
  return JSON.stringify({
    ...header(nowSec), wg_pubkey: m.wgPubkey, seq: m.seq,
    sites: m.sites.map((s) => ({ name: s.name, hostnames: s.hostnames, port: s.port, scheme: s.scheme, health_path: s.healthPath })),
  });
}

/** Plaintext JSON of an edge report. */
export function encodeEdgeReport(r: EdgeReport, nowSec: number): string {
  return JSON.stringify({ ...header(nowSec), wg_pubkey: r.wgPubkey, seq: r.seq, sites: r.sites });
}

function parse<T>(schema: z.ZodType<T>, payload: unknown): T {
  const r = schema.safeParse(payload);
  if (!r.success) throw new SiteMessageError(r.error.issues[0] ? `${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}` : 'invalid');
  return r.data;
}

/** Decodes an opened `CLOUDROOF_SITES` payload; throws {@link SiteMessageError}. */
export function decodeSites(payload: unknown): SitesMessage {
  const w = parse(SitesWire, payload);
  const names = new Set(w.sites.map((s) => s.name));
  if (names.size !== w.sites.length) throw new SiteMessageError('sites: a name is listed twice');
  return {
    wgPubkey: w.wg_pubkey, seq: w.seq,
    sites: w.sites.map((s) => ({ name: s.name, hostnames: [...new Set(s.hostnames)], port: s.port, scheme: s.scheme, healthPath: s.health_path })),
  };
}

/** Decodes an opened `CLOUDROOF_EDGE` payload; throws {@link SiteMessageError}. */
export function decodeEdgeReport(payload: unknown): EdgeReport {
  const w = parse(ReportWire, payload);
  return {
    wgPubkey: w.wg_pubkey, seq: w.seq,
    sites: w.sites.map((s) => ({ name: s.name, state: s.state, tls: s.tls, ...(s.reason === undefined ? {} : { reason: s.reason.replace(/[^\x20-\x7e]/g, '') }) })),
  };
}
