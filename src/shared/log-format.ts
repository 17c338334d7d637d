/**
 * Text form of the service's structured log entries, shared by `cloudroof logs` and the bug
 * report's logs.txt: `2026-11-25T06:00:00Z INFO  [cloudroofd/mesh] discovered peer peer=abcd1234 via=lan`.
 * Pure. Entries can quote what peers announced (hostnames), so control and bidi characters are
 * escaped: nothing printed can move the cursor or reorder a terminal line.
 */
import type { LogEntry, LogLevel } from './protocol';

/** The levels from most to least verbose. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** True when `level` is `min` or more severe. */
export function levelAtLeast(level: LogLevel, min: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(min);
}

// C0 and C1 controls, DEL, line/paragraph separators and the bidi embedding/override/isolate marks.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Replaces control and bidi characters by `\uXXXX` escapes. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One field value: plain words as they are, other strings quoted, everything else as JSON. */
function fieldValue(v: unknown): string {
  if (typeof v === 'string') return v !== '' && /^[^\s"=\\]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * One line (without newline) for `entry`. The time is shown to the second (`…T06:00:00Z`), or
 * with milliseconds when `precise` is set.
 */
export function formatLogEntry(entry: LogEntry, opts: { precise?: boolean } = {}): string {
  const time = opts.precise ? entry.time : entry.time.replace(/\.\d+Z$/, 'Z');
  const fields = Object.entries(entry.fields).map(([k, v]) => ` ${k}=${fieldValue(v)}`).join('');
  return escapeControls(`${time} ${entry.level.toUpperCase().padEnd(5)} [${entry.component}] ${entry.msg}${fields}`);
}
