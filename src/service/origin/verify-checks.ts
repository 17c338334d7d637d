/**
 * The four checks of a site verification (issue 6). Each sends the same request to the site's
 * local target and through one edge, and judges the edge by what the target does, so an
 * application without websockets or SSE is reported as such (`skipped`) instead of as a broken
 * path. Details are short, safe to show, and say what to do when the edge is at fault.
 *
 * A check resolves with its outcome; it rejects only when `signal` aborted (the caller stops).
 */
import { formatBytes } from '../../shared/human-format';
import type { VerifyCheck } from '../../shared/protocol';
import { UNAVAILABLE_PAGE_MARKER } from '../edge/nginx-config';
import { seconds } from './http-get';
import { exchange, VerifyError, type CertificateTrust, type VerifyEndpoint, type VerifyResponse } from './verify-http';
import { probeSse, probeWebSocket, type SseProbe } from './verify-streams';

/** Paths the checks use. */
export interface VerifyPaths {
  /** GET by `request`. */
  health: string;
  websocket: string;
  sse: string;
  /** POSTed to by `upload`. */
  upload: string;
}

/** Time limits of the checks' legs. */
export interface VerifyTimeouts {
  /** Connect and answer of a plain request (also the upload's idle limit). */
  requestMs: number;
  /** A websocket handshake. */
  websocketMs: number;
  /** How long the target gets to echo a frame before it counts as not echoing. */
  echoWaitMs: number;
  /** How long the first server-sent event may take. */
  sseEventMs: number;
  /** Added to a check's overall deadline (the sum of its legs' limits), for everything between them. */
  slackMs: number;
}

/** Default {@link VerifyTimeouts}. */
export const DEFAULT_VERIFY_TIMEOUTS: VerifyTimeouts = { requestMs: 10_000, websocketMs: 10_000, echoWaitMs: 3_000, sseEventMs: 10_000, slackMs: 5_000 };

/** What one check runs with. */
export interface CheckContext {
  target: VerifyEndpoint;
  /** The edge: its mesh address, the https port (or http when it holds no certificate). */
  edge: VerifyEndpoint;
  paths: VerifyPaths;
  uploadBytes: number;
  timeouts: VerifyTimeouts;
  signal: AbortSignal;
  /** The upload's progress, 0…1. */
  progress: (fraction: number) => void;
}

/** How a check ended. */
export interface CheckOutcome {
  state: 'passed' | 'failed' | 'skipped';
  detail: string;
  latencyMs?: number;
}

type Attempt<T> = T | { error: string };

/** Runs `fn`; a {@link VerifyError} becomes `{ error }`, an abort is rethrown. */
async function attempt<T>(fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof VerifyError) return { error: err.message };
    throw err;
  }
}

function failed(detail: string, latencyMs?: number): CheckOutcome {
  return { state: 'failed', detail, ...(latencyMs === undefined ? {} : { latencyMs }) };
}

function aborted(signal: AbortSignal): void {
  signal.throwIfAborted();
}

/** How the edge was reached (trusted or not, or plain HTTP), said once per edge: in the request check's detail. */
function transportNote(ep: VerifyEndpoint, trust: CertificateTrust | undefined): string {
  if (!ep.tls) return `; over HTTP: the edge holds no certificate for ${ep.hostname}`;
  if (!trust || trust.trusted) return '';
  return `; certificate not trusted by this machine (${trust.reason ?? 'unknown reason'}), checked without verification`;
}

/** Why the edge's answer does not match the target's, or undefined when it does. */
function mismatch(edge: VerifyResponse, target: VerifyResponse): string | undefined {
  if (edge.status >= 502 && edge.status <= 504 && edge.body.includes(UNAVAILABLE_PAGE_MARKER)) {
    return `the edge answered ${edge.status} itself: it could not reach this origin over the mesh`;
  }
  if (Math.floor(edge.status / 100) !== Math.floor(target.status / 100)) return `the edge answered ${edge.status}, the service ${target.status}`;
  return undefined;
}

async function requestCheck(c: CheckContext): Promise<CheckOutcome> {
  const get = { method: 'GET', path: c.paths.health, idleTimeoutMs: c.timeouts.requestMs, signal: c.signal } as const;
  const t = await attempt(() => exchange(c.target, get));
  if ('error' in t) return failed(`the service itself does not answer GET ${c.paths.health}: ${t.error}`);
  const e = await attempt(() => exchange(c.edge, get));
  if ('error' in e) return failed(`no answer through the edge: ${e.error}`);
  const wrong = mismatch(e, t);
  if (wrong) return failed(wrong, e.latencyMs);
  const cache = e.headers['x-cache-status'];
  const detail = `${e.status} in ${Math.round(e.latencyMs)} ms${typeof cache === 'string' ? `, X-Cache-Status ${cache}` : ''}`;
  return { state: 'passed', detail: detail + transportNote(c.edge, e.trust), latencyMs: e.latencyMs };
}

async function websocketCheck(c: CheckContext): Promise<CheckOutcome> {
  const path = c.paths.websocket;
  const t = await probeWebSocket(c.target, path, { timeoutMs: c.timeouts.websocketMs, echoWaitMs: c.timeouts.echoWaitMs, signal: c.signal });
  aborted(c.signal);
  if (t.status !== 101) return { state: 'skipped', detail: `the service does not accept websockets at ${path} (${t.error ?? `it answered ${t.status}`})` };
  const e = await probeWebSocket(c.edge, path, { timeoutMs: c.timeouts.websocketMs, ...(t.echoed ? { echoWaitMs: c.timeouts.websocketMs } : {}), signal: c.signal });
  aborted(c.signal);
  if (e.status !== 101) {
    const own = e.status >= 502 && e.status <= 504 ? ': it could not reach this origin over the mesh' : '';
    return failed(`the edge did not switch protocols: ${e.error ?? `it answered ${e.status}${own}`}`, e.latencyMs);
  }
  if (t.echoed && !e.echoed) return failed('101 Switching Protocols, but the frame the service echoes did not come back through the edge', e.latencyMs);
  const detail = `101 Switching Protocols, ${t.echoed ? 'echo ok' : 'handshake only (the service does not echo)'}`;
  return { state: 'passed', detail, ...(e.latencyMs === undefined ? {} : { latencyMs: e.latencyMs }) };
}

function isEventStream(p: SseProbe): boolean {
  return p.status >= 200 && p.status < 300 && p.contentType.toLowerCase().startsWith('text/event-stream');
}

async function sseCheck(c: CheckContext): Promise<CheckOutcome> {
  const path = c.paths.sse;
  const o = { timeoutMs: c.timeouts.requestMs, eventWaitMs: c.timeouts.sseEventMs, signal: c.signal };
  const t = await probeSse(c.target, path, o);
  aborted(c.signal);
  if (!isEventStream(t)) {
    return { state: 'skipped', detail: `the service does not answer text/event-stream at ${path} (${t.error ?? `${t.status} ${t.contentType || 'without a content type'}`})` };
  }
  const e = await probeSse(c.edge, path, o);
  aborted(c.signal);
  const latency = e.latencyMs === undefined ? {} : { latencyMs: e.latencyMs };
  if (e.status === 0) return failed(`no answer through the edge: ${e.error ?? 'no answer'}`);
  if (!isEventStream(e)) return failed(`the edge answered ${e.status} ${e.contentType || 'without a content type'}, the service ${t.status} text/event-stream`, e.latencyMs);
  if (t.firstEventMs === undefined) {
    return { state: 'passed', detail: `text/event-stream through the edge; the service sent no event within ${seconds(c.timeouts.sseEventMs)}, so buffering was not checked`, ...latency };
  }
  if (e.firstEventMs === undefined) return failed(`no event came through the edge (${e.error ?? 'none'}) while the service sent one: the edge buffers the stream`, e.latencyMs);
  if (e.endedAtFirstEvent && !t.endedAtFirstEvent) return failed('the first event arrived only when the stream ended: the edge buffers the stream', e.latencyMs);
  return { state: 'passed', detail: `first event after ${Math.round(e.firstEventMs)} ms with the stream open`, ...latency };
}

async function uploadCheck(c: CheckContext): Promise<CheckOutcome> {
  const n = c.uploadBytes;
  const size = formatBytes(n);
  const post = (onSent: (b: number) => void) =>
    ({ method: 'POST', path: c.paths.upload, uploadBytes: n, onSent, idleTimeoutMs: c.timeouts.requestMs, signal: c.signal }) as const;
  const t = await attempt(() => exchange(c.target, post((b) => c.progress(b / n / 2))));
  if ('error' in t) return { state: 'skipped', detail: `the service did not take a ${size} upload at ${c.paths.upload}: ${t.error}` };
  const started = performance.now();
  const e = await attempt(() => exchange(c.edge, post((b) => c.progress(0.5 + b / n / 2))));
  if ('error' in e) return failed(`the ${size} upload through the edge failed: ${e.error}`);
  if (e.status === 413 && t.status !== 413) {
    return failed(`the edge's body limit is below ${size}: cloudroof edge enable --max-body ${Math.ceil(n / 1048576)}m (or more) on that edge`, e.latencyMs);
  }
  const wrong = mismatch(e, t);
  if (wrong) return failed(wrong, e.latencyMs);
  return { state: 'passed', detail: `${e.status} like the service, ${size} in ${seconds(performance.now() - started)}`, latencyMs: e.latencyMs };
}

/** The checks, by name, in the order they run. */
export const CHECKS: Readonly<Record<VerifyCheck, (c: CheckContext) => Promise<CheckOutcome>>> = {
  request: requestCheck, websocket: websocketCheck, sse: sseCheck, upload: uploadCheck,
};
