import { describe, expect, it } from 'vitest';
import type { LogEntry } from './protocol';
import { escapeControls, formatLogEntry, levelAtLeast } from './log-format';

const entry: LogEntry = {
  time: '2026-11-25T06:00:00.123Z', level: 'info', component: 'cloudroofd/mesh', msg: 'discovered peer', fields: { peer: 'abcd1234', via: 'lan' },
};

describe('formatLogEntry', () => {
  it('prints time to the second, padded level, component, message and fields', () => {
    expect(formatLogEntry(entry)).toBe('2026-11-25T06:00:00Z INFO  [cloudroofd/mesh] discovered peer peer=abcd1234 via=lan');
    expect(formatLogEntry({ ...entry, level: 'error', fields: {} })).toBe('2026-11-25T06:00:00Z ERROR [cloudroofd/mesh] discovered peer');
  });

  it('keeps milliseconds when precise', () => {
    expect(formatLogEntry(entry, { precise: true })).toMatch(/^2026-11-25T06:00:00\.123Z INFO /);
  });

  it('quotes strings with spaces, quotes or equals signs and prints other values as JSON', () => {
    const line = formatLogEntry({ ...entry, fields: { error: 'connect failed', empty: '', eq: 'a=b', n: 3, ok: true, list: ['x', 1], obj: { a: null } } });
    expect(line).toBe('2026-11-25T06:00:00Z INFO  [cloudroofd/mesh] discovered peer error="connect failed" empty="" eq="a=b" n=3 ok=true list=["x",1] obj={"a":null}');
  });

  it('escapes control and bidi characters, wherever they come from', () => {
    const line = formatLogEntry({ ...entry, msg: 'evil\u001b[2Jhost\nnext', fields: { hostname: 'a\u202eb', c1: 'x\u009by' } });
    expect([...line].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) || c === '\u202e')).toBe(false);
    expect(line).toContain('evil\\u001b[2Jhost\\u000anext');
    expect(line).toContain('hostname=a\\u202eb');
    expect(escapeControls('tab\there')).toBe('tab\\u0009here');
  });
});

describe('levelAtLeast', () => {
  it('orders debug < info < warn < error', () => {
    expect(levelAtLeast('warn', 'info')).toBe(true);
    expect(levelAtLeast('info', 'warn')).toBe(false);
    expect(levelAtLeast('debug', 'debug')).toBe(true);
    expect(levelAtLeast('error', 'debug')).toBe(true);
  });
});
