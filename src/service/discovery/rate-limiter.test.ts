import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst of 20 then 10/s', () => {
    const clock = new FakeClock();
    const r = new RateLimiter(clock);
    let ok = 0;
    for (let i = 0; i < 50; i++) if (r.allow('a')) ok++;
    expect(ok).toBe(20);
    clock.advance(1000);
    ok = 0;
    for (let i = 0; i < 50; i++) if (r.allow('a')) ok++;
    expect(ok).toBe(10);
    expect(r.allow('b')).toBe(true);
  });
  it('tracks at most maxSources keys', () => {
    const r = new RateLimiter(new FakeClock(), { maxSources: 100 });
    for (let i = 0; i < 10_000; i++) r.allow(`k${i}`);
    expect(r.size).toBe(100);
  });
});
