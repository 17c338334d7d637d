/** Datagram counters shown in the status API: what arrived, what was accepted, drops by reason. */
export class PacketCounters {
  received = 0;
  accepted = 0;
  readonly dropped: Record<string, number> = {};

  /** Counts a dropped datagram under `reason` (a short kebab-case label). */
  drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  /** A copy for the API. */
  snapshot(): { received: number; accepted: number; dropped: Record<string, number> } {
    return { received: this.received, accepted: this.accepted, dropped: { ...this.dropped } };
  }
}
