// Shared plumbing of the hardening fuzz suites: the run budget (HARDENING_RUNS), a tally of
// what each target did with its inputs (accepted, rejected by documented error, crashes,
// time per input), and the results files HARDENING.md quotes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Parameters } from 'fast-check';

/** Where the suites write their figures (gitignored; HARDENING.md quotes the latest run). */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** A positive integer from the environment, or `fallback`. */
export function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** Runs per property: `HARDENING_RUNS` (default 2000; the long run in HARDENING.md uses 20000). */
export const RUNS = envInt('HARDENING_RUNS', 2000);

/** Longest a single input may take any target (generous: the machine is shared and GC pauses). */
export const MAX_MS_PER_INPUT = 500;

/** fast-check parameters for a property: `scale` × {@link RUNS} runs; `HARDENING_SEED` replays a run. */
export function params<T>(scale = 1): Parameters<T> {
  const seed = process.env.HARDENING_SEED === undefined ? undefined : Number(process.env.HARDENING_SEED);
  return { numRuns: Math.max(20, Math.round(RUNS * scale)), ...(seed === undefined || Number.isNaN(seed) ? {} : { seed }) };
}

/** What one target did with its inputs. */
export class Tally {
  inputs = 0;
  accepted = 0;
  crashes = 0;
  readonly rejected: Record<string, number> = {};
  /** Outcomes a target reports itself (e.g. a datagram handler: accepted or the drop reason). */
  readonly outcomes: Record<string, number> = {};
  maxMs = 0;
  totalMs = 0;

  constructor(readonly target: string) {}

  /**
   * Runs `fn` on one input. A value counts as accepted; an exception that `documented` labels
   * counts as a rejection under that label; anything else is a crash: counted and rethrown, so
   * the property fails with the input fast-check shrinks to. Slower than
   * {@link MAX_MS_PER_INPUT} also fails.
   */
  run<T>(fn: () => T, documented: (err: unknown) => string | undefined): { ok: true; value: T } | { ok: false; label: string } {
    this.inputs++;
    const t0 = performance.now();
    let out: { ok: true; value: T } | { ok: false; label: string };
    try {
      out = { ok: true, value: fn() };
      this.accepted++;
    } catch (err) {
      const label = documented(err);
      if (label === undefined) {
        this.crashes++;
        throw err;
      }
      this.rejected[label] = (this.rejected[label] ?? 0) + 1;
      out = { ok: false, label };
    } finally {
      this.time(performance.now() - t0);
    }
    return out;
  }

  /** Counts one input's outcome under `label`. */
  note(label: string): void {
    this.outcomes[label] = (this.outcomes[label] ?? 0) + 1;
  }

  /** Records the duration of one input handled outside {@link run}. */
  time(ms: number): void {
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    if (ms > MAX_MS_PER_INPUT) throw new Error(`${this.target}: one input took ${ms.toFixed(1)} ms (limit ${MAX_MS_PER_INPUT})`);
  }

  /** Plain figures for the results file. */
  summary(): Record<string, unknown> {
    return {
      target: this.target, inputs: this.inputs, accepted: this.accepted, rejected: this.rejected, crashes: this.crashes,
      ...(Object.keys(this.outcomes).length ? { outcomes: this.outcomes } : {}),
      maxMs: Number(this.maxMs.toFixed(2)), meanUs: this.inputs ? Number(((this.totalMs / this.inputs) * 1000).toFixed(1)) : 0,
    };
  }
}

/** Writes `results/<name>.json` and prints one line per tally. */
export function writeResults(name: string, tallies: readonly Tally[], extra: Record<string, unknown> = {}): void {
  if (tallies.every((t) => t.inputs === 0)) return; // a filtered run (-t) must not overwrite the figures
  mkdirSync(RESULTS_DIR, { recursive: true });
  const body = { suite: name, runsPerProperty: RUNS, at: new Date().toISOString(), targets: tallies.map((t) => t.summary()), ...extra };
  writeFileSync(join(RESULTS_DIR, `${name}.json`), JSON.stringify(body, null, 2) + '\n');
  for (const t of tallies) {
    const rej = Object.entries({ ...t.rejected, ...t.outcomes }).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`[hardening] ${t.target}: ${t.inputs} inputs, ${t.accepted} accepted, ${t.crashes} crashes, max ${t.maxMs.toFixed(1)} ms; ${rej}`);
  }
}

/** Calls `fn` and returns the thrown value (undefined when it returned). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
