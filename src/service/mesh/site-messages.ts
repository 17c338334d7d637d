/**
 * Cloudroof's own mesh messages (issue 5), sealed in the wgmesh envelope with the gossip key so
 * only mesh members can read or forge them, but sent on a port Go wgmesh nodes never listen on
 * (see discovery/site-channel.ts): Go nodes are not disturbed.
 *
 * - `CLOUDROOF_SITES` (origin → every peer): the complete list of sites the origin exposes. A
 *   list replaces the previous one from the same origin, so a removed site is withdrawn by the
 *   next message; `seq` orders messages from one sender (older or equal ones are dropped).
 * - `CLOUDROOF_EDGE` (edge → one origin): how the edge is doing with each of that origin's sites.
 * - `CLOUDROOF_EDGE_INFO` (edge → every peer): what the edge can do whatever it serves: nginx,
 *   its last config, ports, certificate directory, ACME webroot, and the hostnames it holds a
 *   certificate for. Ordered by `seq` like the others; sent by every node in edge mode.
 *
 * Decoding is strict: every site value goes through the shared allow-lists (shared/sites.ts),
 * because an edge renders them into nginx configuration. Unknown members are ignored (forward
 * compatibility, as in wgmesh).
 */
import { z } from 'zod';
import { EdgeConfigState } from '../../shared/protocol';
import { MAX_SITE_HOSTNAMES, MAX_SITES, parseHealthPath, parseHostname, parseSiteName } from '../../shared/sites';
import { PROTOCOL } from './envelope';

/** Envelope type of a site list. */
export const SITES_TYPE = 'CLOUDROOF_SITES';
/** Envelope type of an edge report. */
export const EDGE_REPORT_TYPE = 'CLOUDROOF_EDGE';
/** Envelope type of an edge's capability report. */
export const EDGE_INFO_TYPE = 'CLOUDROOF_EDGE_INFO';
/** Most hostnames an edge lists in its capability report. */
export const MAX_EDGE_CERTIFICATES = 200;

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

/** An edge's capability report (sent to every peer). */
export interface EdgeInfo {
  wgPubkey: string;
  seq: number;
  nginx: { available: boolean; running: boolean; error?: string };
  config: { state: EdgeConfigState; lastError?: string };
  httpPort: number;
  httpsPort: number;
  /** Absolute path of `/`, letters, digits and `._-` only. */
  certDir: string;
  acmeWebroot?: string;
  /** Canonical hostnames, unique, at most {@link MAX_EDGE_CERTIFICATES}. */
  certificates: string[];
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

const Printable = z.string().max(300).regex(/^[\x20-\x7e]*$/, 'not printable');
const Dir = z.string().max(300).regex(/^\/[A-Za-z0-9._/-]*$/, 'not an absolute path').refine((d) => !d.includes('..'), 'not an absolute path');
const Port = z.number().int().min(1).max(65535);

const InfoWire = z.object({
  wg_pubkey: Key,
  seq: Seq,
  nginx: z.object({ available: z.boolean(), running: z.boolean(), error: Printable.optional() }),
  config: z.object({ state: EdgeConfigState, last_error: Printable.optional() }),
  http_port: Port,
  https_port: Port,
  cert_dir: Dir,
  acme_webroot: Dir.optional(),
  certificates: z.array(canonical(parseHostname)).max(MAX_EDGE_CERTIFICATES),
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

/** `s` as a printable ASCII string of at most 300 characters (what {@link decodeEdgeInfo} accepts). */
function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 300);
}

/** Plaintext JSON of an edge's capability report; free-text members are made printable. */
export function encodeEdgeInfo(i: EdgeInfo, nowSec: number): string {
  const opt = <T>(name: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [name]: v });
  return JSON.stringify({
    ...header(nowSec), wg_pubkey: i.wgPubkey, seq: i.seq,
    nginx: { available: i.nginx.available, running: i.nginx.running, ...opt('error', i.nginx.error === undefined ? undefined : printable(i.nginx.error)) },
    config: { state: i.config.state, ...opt('last_error', i.config.lastError === undefined ? undefined : printable(i.config.lastError)) },
    http_port: i.httpPort, https_port: i.httpsPort, cert_dir: i.certDir, ...opt('acme_webroot', i.acmeWebroot), certificates: i.certificates,
  });
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

/** Decodes an opened `CLOUDROOF_EDGE_INFO` payload; throws {@link SiteMessageError}. */
export function decodeEdgeInfo(payload: unknown): EdgeInfo {
  const w = parse(InfoWire, payload);
  if (new Set(w.certificates).size !== w.certificates.length) throw new SiteMessageError('certificates: a hostname is listed twice');
  const { error } = w.nginx;
  const lastError = w.config.last_error;
  return {
    wgPubkey: w.wg_pubkey, seq: w.seq,
    nginx: { available: w.nginx.available, running: w.nginx.running, ...(error === undefined ? {} : { error }) },
    config: { state: w.config.state, ...(lastError === undefined ? {} : { lastError }) },
    httpPort: w.http_port, httpsPort: w.https_port, certDir: w.cert_dir,
    ...(w.acme_webroot === undefined ? {} : { acmeWebroot: w.acme_webroot }), certificates: w.certificates,
  };
}
