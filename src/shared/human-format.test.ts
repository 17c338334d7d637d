import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes } from './human-format';

describe('human formatting', () => {
  it('formats byte counts in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20.0 MiB');
  });

  it('formats ages, and never for a missing time', () => {
    const now = 1_800_000_000_000;
    expect(formatAge(null, now)).toBe('never');
    expect(formatAge(now, now)).toBe('now');
    expect(formatAge(now - 42_000, now)).toBe('42s ago');
    expect(formatAge(now - 5 * 60_000, now)).toBe('5m ago');
    expect(formatAge(now - 3 * 3_600_000, now)).toBe('3h ago');
    expect(formatAge(now - 2 * 86_400_000, now)).toBe('2d ago');
  });
});
