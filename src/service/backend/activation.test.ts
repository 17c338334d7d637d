import { describe, expect, it } from 'vitest';
import { Activation } from './activation';

describe('Activation', () => {
  it('only the smaller key activates on evidence', () => {
    const a = new Activation({ ownKey: 'A' });
    a.configured('B', 0);
    expect(a.evidence('B')).toBe(true);
    expect(a.isActive('B', 1)).toBe(true);
    const b = new Activation({ ownKey: 'B' });
    b.configured('A', 0);
    expect(b.evidence('A')).toBe(false);
    expect(b.isActive('A', 1)).toBe(false);
  });
  it('the larger key waits much longer when the peer showed it will initiate', () => {
    const b = new Activation({ ownKey: 'B', fallbackMs: 1000, evidenceFallbackMs: 10_000 });
    b.configured('A', 0);
    b.evidence('A');
    expect(b.isActive('A', 5000)).toBe(false);
    expect(b.nextFallbackIn(5000)).toBe(5000);
    expect(b.isActive('A', 10_000)).toBe(true);
  });

  it('falls back after the timeout and on a handshake', () => {
    const b = new Activation({ ownKey: 'B', fallbackMs: 1000 });
    b.configured('A', 0);
    expect(b.nextFallbackIn(200)).toBe(800);
    expect(b.isActive('A', 999)).toBe(false);
    expect(b.isActive('A', 1000)).toBe(true);
    const c = new Activation({ ownKey: 'B' });
    c.configured('A', 0);
    c.handshake('A');
    expect(c.isActive('A', 0)).toBe(true);
    c.forget('A');
    expect(c.isActive('A', 0)).toBe(false);
  });
  it('kicks a peer we initiated with that has no handshake after 2 s, at most 3 times', () => {
    const a = new Activation({ ownKey: 'A' });
    a.initiated('B', 0);
    a.initiated('0', 0); // a smaller key: the other side initiates, never kicked
    expect(a.dueForKick(1999)).toEqual([]);
    expect(a.dueForKick(2000, { peek: true })).toEqual(['B']);
    expect(a.dueForKick(2000)).toEqual(['B']);
    expect(a.dueForKick(3000)).toEqual([]);
    expect(a.dueForKick(4000)).toEqual(['B']);
    expect(a.dueForKick(6000)).toEqual(['B']);
    expect(a.dueForKick(9000)).toEqual([]);
    const b = new Activation({ ownKey: 'A' });
    b.initiated('B', 0);
    b.handshake('B');
    expect(b.dueForKick(5000)).toEqual([]);
  });
});
