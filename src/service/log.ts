/**
 * Structured logging for the service. JSON lines when stdout is not a terminal (journald,
 * files), short human text on a terminal. Callers pass plain fields; never pass the mesh
 * secret, a private key or a preshared key: `redact` below is a last line of defence only.
 * An optional sink receives every emitted record as a {@link LogEntry} (the in-memory buffer
 * behind `GET /v1/logs`), redacted and scrubbed like the printed line.
 */
import type { LogEntry } from '../shared/protocol';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A logger with a component name; `child` adds a sub-component. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const secretKeys = /secret|private|preshared|psk|token/i;

/** Replaces values of fields whose names look like credentials. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = secretKeys.test(k) ? '[redacted]' : v;
  return out;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** A fixed level, or a function read at every call (so SIGHUP/prefs can change it). */
  level?: LogLevel | (() => LogLevel);
  json?: boolean;
  write?: (line: string) => void;
  /** Extra strings that must never be printed (the raw secret); replaced by [redacted]. */
  scrub?: () => readonly string[];
  /** Receives every emitted record (after the level check, redaction and scrubbing). */
  sink?: (entry: LogEntry) => void;
}

/**
 * `value` as plain JSON data for a {@link LogEntry}: strings scrubbed, credential-named members
 * redacted at every depth, errors as `Name: message`, non-JSON values dropped or stringified,
 * nesting cut at a few levels.
 */
export function toLogValue(value: unknown, scrub: (s: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Error) return scrub(`${value.name}: ${value.message}`);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'object') return undefined;
  if (depth >= 4) return '[…]';
  if (Array.isArray(value)) return value.map((v) => toLogValue(v, scrub, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const safe = secretKeys.test(k) ? '[redacted]' : toLogValue(v, scrub, depth + 1);
    if (safe !== undefined) out[k] = safe;
  }
  return out;
}

/** Creates the root logger. */
export function createLogger(component: string, opts: LoggerOptions = {}): Logger {
  const levelOf = typeof opts.level === 'function' ? opts.level : (() => (opts.level as LogLevel | undefined) ?? 'info');
  const json = opts.json ?? !process.stderr.isTTY;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const scrub = (line: string): string => {
    for (const s of opts.scrub?.() ?? []) if (s.length >= 8) line = line.split(s).join('[redacted]');
    return line;
  };
  const emit = (lvl: LogLevel, comp: string, msg: string, fields?: Record<string, unknown>): void => {
    if (order[lvl] < order[levelOf()]) return;
    const f = fields ? redact(fields) : {};
    const time = new Date().toISOString();
    let line: string;
    if (json) {
      line = JSON.stringify({ time, level: lvl, component: comp, msg, ...f });
    } else {
      const extra = Object.entries(f).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      line = `${lvl.toUpperCase().padEnd(5)} [${comp}] ${msg}${extra ? ' ' + extra : ''}`;
    }
    write(scrub(line));
    if (opts.sink) {
      const entryFields = toLogValue(f, scrub) as Record<string, unknown>;
      try {
        opts.sink({ time, level: lvl, component: comp, msg: scrub(msg), fields: entryFields });
      } catch {
        // A failing sink (a reader of the buffer) must not make the caller fail.
      }
    }
  };
  const make = (comp: string): Logger => ({
    debug: (m, f) => emit('debug', comp, m, f),
    info: (m, f) => emit('info', comp, m, f),
    warn: (m, f) => emit('warn', comp, m, f),
    error: (m, f) => emit('error', comp, m, f),
    child: (c) => make(`${comp}/${c}`),
  });
  return make(component);
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silentLogger,
};
