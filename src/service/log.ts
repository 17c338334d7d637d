/**
 * Structured logging for the service. JSON lines when stdout is not a terminal (journald,
 * files), short human text on a terminal. Callers pass plain fields; never pass the mesh
 * secret, a private key or a preshared key: `redact` below is a last line of defence only.
 */
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
    let line: string;
    if (json) {
      line = JSON.stringify({ time: new Date().toISOString(), level: lvl, component: comp, msg, ...f });
    } else {
      const extra = Object.entries(f).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      line = `${lvl.toUpperCase().padEnd(5)} [${comp}] ${msg}${extra ? ' ' + extra : ''}`;
    }
    write(scrub(line));
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
