/**
 * The Join toggle's intent with an expected state (ARCHITECTURE.md principle 4, Mullvad's
 * tunnel-state.ts): `set(want)` shows `AppState.expected` at once and sends PATCH /v1/prefs
 * {wantConnected}; once the service accepted it, the watch stream confirms it (the tunnel reached
 * the wanted state, or failed) or overrides it (another client set the opposite), and a fallback
 * timer (10 s) shows the real state again if neither happens. A refused PATCH clears it at once.
 * Statuses before the acceptance are not taken as confirmation: they may have left the service
 * before our intent reached it.
 */
import type { Status } from '../shared/protocol';
import type { AppStateStore } from './app-state';

/** Options of {@link JoinIntent}. */
export interface JoinIntentOptions {
  store: AppStateStore;
  /** Sends the intent to the service. */
  send: (wantConnected: boolean) => Promise<void>;
  /** Called when the service refused the intent (e.g. `not-joined`: no secret stored). */
  onRefused: (err: unknown) => void;
  /** The latest status (checked again once the service accepted the intent). */
  current: () => Status | undefined;
  fallbackMs?: number;
}

/** The toggle's intent and its expected state. */
export class JoinIntent {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The service accepted the PATCH: from now on a status with the opposite intent overrides ours. */
  private acked = false;

  constructor(private readonly o: JoinIntentOptions) {}

  /** Shows `want` as expected and sends it; resolves when the service answered. */
  async set(want: boolean): Promise<void> {
    this.acked = false;
    this.o.store.update({ expected: { wantConnected: want } });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), this.o.fallbackMs ?? 10_000);
    try {
      await this.o.send(want);
      if (this.o.store.get().expected?.wantConnected !== want) return;
      this.acked = true;
      // The status held now may predate our intent: it can confirm it, not override it.
      const latest = this.o.current();
      if (latest && latest.wantConnected === want) this.observe(latest);
    } catch (err) {
      this.clear();
      this.o.onRefused(err);
    }
  }

  /** A status from the watch stream: confirms or overrides the expected state. */
  observe(status: Status): void {
    const expected = this.o.store.get().expected;
    if (!expected || !this.acked) return;
    if (status.wantConnected !== expected.wantConnected) {
      this.clear();
      return;
    }
    const reached = expected.wantConnected ? status.tunnelState === 'connected' || status.tunnelState === 'error' : status.tunnelState === 'disconnected';
    if (reached) this.clear();
  }

  /** Shows the real state again. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.acked = false;
    if (this.o.store.get().expected) this.o.store.update({ expected: undefined });
  }
}
