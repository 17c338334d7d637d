/** Time source, injected so protocol timers and freshness checks are testable. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private ms = 1_800_000_000_000) {}
  now(): number { return this.ms; }
  advance(ms: number): void { this.ms += ms; }
  set(ms: number): void { this.ms = ms; }
}
