/**
 * The service's recent log entries in memory: a fixed-size ring (the oldest entry is dropped
 * when a new one arrives at capacity) plus live listeners, for `GET /v1/logs` and the
 * diagnostics bundle. Entries arrive already redacted and scrubbed by the logger's sink.
 */
import type { LogEntry } from '../shared/protocol';

/** Entries kept by default. */
export const DEFAULT_LOG_CAPACITY = 2000;

/** A listener of new entries; called synchronously, in order, after the entry is stored. */
export type LogListener = (entry: LogEntry) => void;

/** A ring buffer of log entries with subscribers. */
export class LogBuffer {
  private readonly ring: (LogEntry | undefined)[];
  /** Index the next entry is written to. */
  private next = 0;
  private count = 0;
  private readonly listeners = new Set<LogListener>();

  constructor(readonly capacity = DEFAULT_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('log buffer capacity must be a positive integer');
    this.ring = new Array<LogEntry | undefined>(capacity);
  }

  /** Number of entries held (at most {@link capacity}). */
  get size(): number { return this.count; }

  /** Number of live listeners. */
  get listenerCount(): number { return this.listeners.size; }

  /**
   * Stores `entry` (dropping the oldest at capacity) and hands it to every listener. A listener
   * that throws is removed: logging must never fail because of a reader.
   */
  push(entry: LogEntry): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count += 1;
    for (const l of [...this.listeners]) {
      try {
        l(entry);
      } catch {
        this.listeners.delete(l);
      }
    }
  }

  /** The entries held, oldest first (a copy of the list; the entries themselves are shared). */
  entries(): LogEntry[] {
    const out: LogEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(start + i) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  /** Registers a listener of new entries; returns the (idempotent) unsubscribe function. */
  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}
