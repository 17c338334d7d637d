import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../shared/protocol';
import { createLogger, toLogValue } from './log';

const SECRET = 'super-secret-mesh-token-0123456789';

function setup(json: boolean) {
  const lines: string[] = [];
  const entries: LogEntry[] = [];
  const root = createLogger('cloudroofd', { json, level: 'info', write: (l) => lines.push(l), scrub: () => [SECRET], sink: (e) => entries.push(e) });
  return { root, lines, entries };
}

describe('logger sink', () => {
  it('hands every emitted record to the sink, redacted and scrubbed, and leaves the JSON line as it was', () => {
    const { root, lines, entries } = setup(true);
    root.child('mesh').info(`discovered peer via ${SECRET}`, { peer: 'abcd1234', via: 'lan', privateKey: 'k', nested: { psk: 'p', text: SECRET } });
    root.debug('not emitted at info');
    expect(entries).toHaveLength(1);
    const e = entries[0] as LogEntry;
    expect(e).toEqual({
      time: e.time, level: 'info', component: 'cloudroofd/mesh', msg: 'discovered peer via [redacted]',
      fields: { peer: 'abcd1234', via: 'lan', privateKey: '[redacted]', nested: { psk: '[redacted]', text: '[redacted]' } },
    });
    expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['time', 'level', 'component', 'msg', 'peer', 'via', 'privateKey', 'nested']);
    expect(line.time).toBe(e.time);
    expect(lines[0]).not.toContain(SECRET);
  });

  it('keeps the terminal text format unchanged', () => {
    const { root, lines, entries } = setup(false);
    root.child('mesh').warn('peer lost', { peer: 'abcd1234', n: 2 });
    expect(lines).toEqual(['WARN  [cloudroofd/mesh] peer lost peer=abcd1234 n=2']);
    expect(entries[0]?.fields).toEqual({ peer: 'abcd1234', n: 2 });
  });

  it('survives a sink that throws', () => {
    const lines: string[] = [];
    const log = createLogger('x', { json: true, write: (l) => lines.push(l), sink: () => { throw new Error('full'); } });
    expect(() => log.error('still logged')).not.toThrow();
    expect(lines).toHaveLength(1);
  });
});

describe('toLogValue', () => {
  it('turns values into plain JSON data', () => {
    const id = (s: string) => s;
    expect(toLogValue({ e: new TypeError('boom'), d: new Date(0), n: NaN, b: 10n, u: undefined, f: () => 1, a: [undefined, 1] }, id))
      .toEqual({ e: 'TypeError: boom', d: '1970-01-01T00:00:00.000Z', n: 'NaN', b: '10', a: [null, 1] });
    expect(toLogValue({ a: { b: { c: { d: { e: 1 } } } } }, id)).toEqual({ a: { b: { c: { d: '[…]' } } } });
  });
});
