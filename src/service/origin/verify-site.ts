/**
 * End-to-end verification of an exposed site (issue 6, `POST /v1/sites/verify`): every check of
 * verify-checks.ts against every chosen edge, one edge and one check at a time, reported as a
 * stream of progress events.
 *
 * Lifecycle of {@link runVerification}: one `pending` step per edge and check → for each, a
 * `running` step, upload progress at most every {@link PROGRESS_INTERVAL_MS}, and the final
 * state → one `done` event with every step and the site's public URLs. Each check has an
 * overall deadline besides its legs' own timeouts. When `signal` aborts (the client left),
 * everything in flight is cancelled and nothing more is emitted. Never rejects.
 */
import { VerifyCheck, type VerifyEvent, type VerifyStep } from '../../shared/protocol';
import type { Logger } from '../log';
import { formatBytes } from '../../shared/human-format';
import {
  CHECKS, DEFAULT_VERIFY_TIMEOUTS, type CheckContext, type CheckOutcome, type VerifyPaths, type VerifyTimeouts,
} from './verify-checks';
import { seconds } from './http-get';
import type { VerifyEndpoint } from './verify-http';

/** Progress events of a running upload are at least this far apart. */
export const PROGRESS_INTERVAL_MS = 100;

/** An edge to verify through. */
export interface VerifyEdge {
  publicKey: string;
  hostname?: string;
  /** Its mesh IPv4 at the https port (or the http port when it holds no certificate for the site). */
  endpoint: VerifyEndpoint;
}

/** Everything a verification needs, resolved before the stream starts. */
export interface VerifyPlan {
  target: VerifyEndpoint;
  edges: VerifyEdge[];
  paths: VerifyPaths;
  uploadBytes: number;
  /** The site's public URLs once the checks ran. */
  publicUrls: () => string[];
  /**
   * Whether `edge` says it serves the site. A site exposed a moment ago is not in the edge's
   * nginx yet; checks run before then would only find nginx's refusal, so each edge is given
   * up to {@link RunOptions.waitServingMs} to report that it serves (then the checks run anyway).
   */
  serving?: (edge: VerifyEdge) => boolean;
}

/** Default of {@link RunOptions.waitServingMs}: a few announcement rounds and an nginx reload. */
export const DEFAULT_WAIT_SERVING_MS = 45_000;

/** Options of {@link runVerification} (tests shorten the limits or replace the checks). */
export interface RunOptions {
  timeouts?: Partial<VerifyTimeouts>;
  checks?: Readonly<Record<VerifyCheck, (c: CheckContext) => Promise<CheckOutcome>>>;
  logger?: Logger;
  /** How long to wait for an edge to report that it serves the site (default {@link DEFAULT_WAIT_SERVING_MS}). */
  waitServingMs?: number;
}

/** Overall limit of one check: its legs' limits plus room for the upload's bytes (at 1 MiB/s at worst). */
function deadlineMs(check: VerifyCheck, t: VerifyTimeouts, uploadBytes: number): number {
  if (check === 'upload') return 4 * t.requestMs + 2 * Math.ceil(uploadBytes / 1048576) * 1000 + t.slackMs;
  return 2 * Math.max(t.requestMs, t.websocketMs, t.sseEventMs) + t.echoWaitMs + t.slackMs;
}

/** Runs `fn` with a signal that aborts with `parent` or after `ms`; a deadline is an outcome, a parent abort rethrows. */
async function withDeadline(ms: number, parent: AbortSignal, fn: (signal: AbortSignal) => Promise<CheckOutcome>): Promise<CheckOutcome> {
  const expiredOutcome: CheckOutcome = { state: 'failed', detail: `timed out after ${seconds(ms)}` };
  const ctl = new AbortController();
  const onParent = (): void => ctl.abort(parent.reason);
  parent.addEventListener('abort', onParent);
  let timer: NodeJS.Timeout | undefined;
  // Also settles a check that ignores its signal; Promise.race keeps its late rejection handled.
  const expired = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => { ctl.abort(new Error('deadline')); resolve(expiredOutcome); }, ms);
  });
  try {
    const outcome = await Promise.race([fn(ctl.signal), expired]);
    parent.throwIfAborted();
    return outcome;
  } catch (err) {
    parent.throwIfAborted();
    if (ctl.signal.aborted) return expiredOutcome;
    throw err;
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
    ctl.abort(); // ends whatever the check left open
  }
}

/** Runs the plan; see the module comment. */
export async function runVerification(plan: VerifyPlan, emit: (e: VerifyEvent) => void, signal: AbortSignal, o: RunOptions = {}): Promise<void> {
  const timeouts = { ...DEFAULT_VERIFY_TIMEOUTS, ...o.timeouts };
  const checks = o.checks ?? CHECKS;
  const runs = plan.edges.flatMap((edge) => VerifyCheck.options.map((check) => ({
    edge, step: { edge: edge.publicKey, ...(edge.hostname ? { edgeHostname: edge.hostname } : {}), check, state: 'pending' } as VerifyStep,
  })));
  const steps = runs.map((r) => r.step);
  const send = (s: VerifyStep): void => { if (!signal.aborted) emit({ type: 'step', step: { ...s } }); };
  steps.forEach(send);
  try {
    for (const { step, edge } of runs) {
      if (step.check === VerifyCheck.options[0]) await waitServing(edge, step, plan, signal, send, o.waitServingMs ?? DEFAULT_WAIT_SERVING_MS);
      await runStep(step, edge, { plan, timeouts, checks, signal, send, logger: o.logger });
    }
  } catch (err) {
    if (signal.aborted) return;
    o.logger?.error('verification failed', { error: err instanceof Error ? err.message : String(err) });
    for (const s of steps) if (s.state === 'pending' || s.state === 'running') Object.assign(s, { state: 'failed', detail: 'internal error' });
  }
  if (signal.aborted) return;
  const clean = steps.map(({ progress: _p, ...s }) => s);
  emit({ type: 'done', ok: !steps.some((s) => s.state === 'failed'), steps: clean, publicUrls: plan.publicUrls() });
}

/** Waits (shown on the edge's first step) until the edge reports that it serves the site, at most `ms`. */
async function waitServing(edge: VerifyEdge, step: VerifyStep, plan: VerifyPlan, signal: AbortSignal, send: (s: VerifyStep) => void, ms: number): Promise<void> {
  if (!plan.serving || plan.serving(edge)) return;
  step.detail = `waiting for ${edge.hostname ?? 'the edge'} to serve ${edge.endpoint.hostname}`;
  send(step);
  const until = performance.now() + ms;
  while (!plan.serving(edge) && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    signal.throwIfAborted();
  }
  delete step.detail;
}

interface StepRun {
  plan: VerifyPlan;
  timeouts: VerifyTimeouts;
  checks: NonNullable<RunOptions['checks']>;
  signal: AbortSignal;
  send: (s: VerifyStep) => void;
  logger: Logger | undefined;
}

async function runStep(step: VerifyStep, edge: VerifyEdge, r: StepRun): Promise<void> {
  r.signal.throwIfAborted();
  step.state = 'running';
  if (step.check === 'upload') {
    step.progress = 0;
    step.detail = `sending ${formatBytes(r.plan.uploadBytes)} to the service, then through the edge`;
  }
  r.send(step);
  let last = 0;
  let finished = false;
  const progress = (fraction: number): void => {
    const now = performance.now();
    if (finished || now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    step.progress = Math.min(1, Math.max(0, Math.round(fraction * 100) / 100));
    r.send(step);
  };
  const ms = deadlineMs(step.check, r.timeouts, r.plan.uploadBytes);
  const outcome = await withDeadline(ms, r.signal, (signal) => r.checks[step.check]({
    target: r.plan.target, edge: edge.endpoint, paths: r.plan.paths, uploadBytes: r.plan.uploadBytes, timeouts: r.timeouts, signal, progress,
  }));
  finished = true;
  delete step.progress;
  Object.assign(step, { state: outcome.state, detail: outcome.detail });
  if (outcome.latencyMs !== undefined) step.latencyMs = outcome.latencyMs;
  r.logger?.debug('verification step', { edge: edge.hostname ?? edge.publicKey.slice(0, 8), check: step.check, state: step.state });
  r.send(step);
}
