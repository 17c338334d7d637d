/** `cloudroof logs`: the service's recent log entries, and optionally new ones as they come. */
import type { LogEntry, LogLevel } from '../../shared/protocol';
import { formatLogEntry, LOG_LEVELS, levelAtLeast } from '../../shared/log-format';
import { flagOption, jsonOption, stringOption, type CommandSpec } from '../command';
import { EXIT_OK, UsageError } from '../errors';

/** Entries printed when `-n` is not given. */
export const DEFAULT_LOG_LINES = 100;

/** Parses `-n`: a whole number (0 prints no buffered entry, useful with --follow). */
export function parseLineCount(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOG_LINES;
  if (!/^\d{1,6}$/.test(text)) throw new UsageError('-n needs a whole number of entries', 'logs');
  return Number(text);
}

/** Parses `--level`. */
export function parseLevel(text: string | undefined): LogLevel {
  if (text === undefined) return 'debug';
  if (!(LOG_LEVELS as readonly string[]).includes(text)) throw new UsageError('--level must be debug, info, warn or error', 'logs');
  return text as LogLevel;
}

/** One entry as printed: a JSON line (the entry as the service recorded it) or a text line. */
export function renderEntry(entry: LogEntry, json: boolean): string {
  return json ? JSON.stringify(entry) + '\n' : formatLogEntry(entry) + '\n';
}

/** The logs command. */
export const logsCommand: CommandSpec = {
  name: 'logs',
  summary: 'show the service\'s recent log entries, or follow them',
  help: `Usage: cloudroof logs [-f|--follow] [--level LEVEL] [-n N] [--json]

Prints the last N entries the service keeps in memory (the last 2000 it emitted at its log
level; 'cloudroof' cannot show debug entries unless the service runs with --log-level debug):
  2026-11-25T06:00:00Z INFO  [cloudroofd/mesh] discovered peer peer=abcd1234 via=lan
Credential fields and the mesh secret in use are redacted when an entry is logged; addresses
are not ('cloudroof bugreport' redacts public ones).

Options:
  -f, --follow      keep printing new entries until interrupted (Ctrl-C)
  --level LEVEL     only entries at LEVEL or above: debug, info, warn, error (default: all)
  -n, --lines N     how many buffered entries to print (default ${DEFAULT_LOG_LINES}; 0 for none)
  --json            one JSON object per line: time, level, component, msg, fields
`,
  options: {
    follow: { type: 'boolean', short: 'f' }, level: { type: 'string' }, lines: { type: 'string', short: 'n' }, ...jsonOption,
  },
  async run({ values, io, client }) {
    const follow = flagOption(values, 'follow');
    const json = flagOption(values, 'json');
    const min = parseLevel(stringOption(values, 'level'));
    const count = parseLineCount(stringOption(values, 'lines'));
    const print = (e: LogEntry): void => { if (levelAtLeast(e.level, min)) io.out(renderEntry(e, json)); };
    const backlog = (entries: LogEntry[]): void => {
      const shown = entries.filter((e) => levelAtLeast(e.level, min));
      for (const e of count === 0 ? [] : shown.slice(-count)) io.out(renderEntry(e, json));
    };
    if (!follow) {
      await client().logs({ backlog });
      return EXIT_OK;
    }
    const abort = new AbortController();
    const stop = io.onInterrupt(() => abort.abort());
    try {
      await client().logs({ backlog, live: print }, { follow: true, signal: abort.signal });
    } finally {
      stop();
    }
    return EXIT_OK;
  },
};
