/**
 * The verification's progress, built from the verifySite stream: the latest state of each
 * check per edge, then the final `done` line. Pure.
 */
import type { IpcErrorInfo } from '../../../shared/ipc';
import { VerifyCheck, type VerifyEvent, type VerifyStep } from '../../../shared/protocol';

/** Where a verification stands. */
export interface VerifyProgress {
  running: boolean;
  /** Latest step per (edge, check), in the order first seen. */
  steps: VerifyStep[];
  done?: { ok: boolean; publicUrls: string[] };
  /** Why the stream itself failed (e.g. no edge reported on the site). */
  error?: IpcErrorInfo;
}

/** A verification that has not started. */
export const IDLE_VERIFY: VerifyProgress = { running: false, steps: [] };

const sameSlot = (a: VerifyStep, b: VerifyStep): boolean => a.edge === b.edge && a.check === b.check;

/** Applies one stream line. */
export function applyVerifyEvent(p: VerifyProgress, e: VerifyEvent): VerifyProgress {
  if (e.type === 'done') return { running: false, steps: e.steps, done: { ok: e.ok, publicUrls: e.publicUrls } };
  const i = p.steps.findIndex((s) => sameSlot(s, e.step));
  const steps = i < 0 ? [...p.steps, e.step] : p.steps.map((s, j) => (j === i ? e.step : s));
  return { ...p, steps };
}

/** The steps of one edge, checks in the order they run. */
export interface EdgeSteps {
  edge: string;
  edgeHostname?: string;
  steps: VerifyStep[];
}

/** Steps grouped per edge. */
export function stepsByEdge(steps: readonly VerifyStep[]): EdgeSteps[] {
  const out: EdgeSteps[] = [];
  for (const s of steps) {
    let group = out.find((g) => g.edge === s.edge);
    if (!group) out.push((group = { edge: s.edge, edgeHostname: s.edgeHostname, steps: [] }));
    group.steps.push(s);
  }
  const order = VerifyCheck.options;
  for (const g of out) g.steps.sort((a, b) => order.indexOf(a.check) - order.indexOf(b.check));
  return out;
}
