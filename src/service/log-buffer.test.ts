import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../shared/protocol';
import { DEFAULT_LOG_CAPACITY, LogBuffer } from './log-buffer';

const entry = (i: number): LogEntry => ({ time: new Date(i * 1000).toISOString(), level: 'info', component: 'c', msg: `m${i}`, fields: { i } });
const msgs = (b: LogBuffer) => b.entries().map((e) => e.msg);

describe('LogBuffer', () => {
  it('keeps entries oldest first until it is full', () => {
    const b = new LogBuffer(3);
    expect(b.entries()).toEqual([]);
    b.push(entry(1));
    b.push(entry(2));
    expect(msgs(b)).toEqual(['m1', 'm2']);
    expect(b.size).toBe(2);
  });

  it('drops the oldest entry at capacity, across many wraps', () => {
    const b = new LogBuffer(3);
    for (let i = 1; i <= 10; i++) b.push(entry(i));
    expect(msgs(b)).toEqual(['m8', 'm9', 'm10']);
    expect(b.size).toBe(3);
  });

  it('holds 2000 entries by default', () => {
    const b = new LogBuffer();
    for (let i = 0; i < 2500; i++) b.push(entry(i));
    expect(b.capacity).toBe(DEFAULT_LOG_CAPACITY);
    expect(b.size).toBe(2000);
    expect(b.entries()[0]?.msg).toBe('m500');
    expect(b.entries().at(-1)?.msg).toBe('m2499');
  });

  it('returns a copy of the list', () => {
    const b = new LogBuffer(2);
    b.push(entry(1));
    b.entries().pop();
    expect(b.size).toBe(1);
    expect(msgs(b)).toEqual(['m1']);
  });

  it('tells listeners about new entries until they unsubscribe, and drops a throwing one', () => {
    const b = new LogBuffer(2);
    const seen: string[] = [];
    const off = b.subscribe((e) => seen.push(e.msg));
    b.subscribe(() => { throw new Error('bad reader'); });
    expect(b.listenerCount).toBe(2);
    b.push(entry(1));
    expect(b.listenerCount).toBe(1);
    off();
    off();
    b.push(entry(2));
    expect(seen).toEqual(['m1']);
    expect(msgs(b)).toEqual(['m1', 'm2']);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LogBuffer(0)).toThrow();
    expect(() => new LogBuffer(1.5)).toThrow();
  });
});
