// The per-peer clock-skew tracker and the doctor's skew check: medians, bounds, thresholds.
import { describe, expect, it } from 'vitest';
import { checkClockSkew, SKEW_ERROR_S, SKEW_WARNING_S, TIME_SYNC_FIX } from './skew-check';
import { median, SKEW_MAX_PEERS, SKEW_SAMPLE_MAX_AGE_MS, SKEW_SAMPLES_PER_PEER, SkewTracker, type PeerSkew } from './skew';

const NOW = 1_800_000_000_000;
const sec = NOW / 1000;
/** A well-formed public key made from `name` (the tracker ignores malformed ones). */
const k = (name: string): string => `${name.replace(/[^A-Za-z0-9]/g, '')}${'A'.repeat(43)}`.slice(0, 43) + '=';
const peer = (name: string, medianS: number): PeerSkew => ({ publicKey: `${name}-key`, hostname: name, medianS, samples: 3, lastAt: NOW });

describe('SkewTracker', () => {
  it('keeps peer timestamp − local now per peer, as a median of the recent samples', () => {
    const t = new SkewTracker();
    t.record(k('A'), 'alpha', sec - 400, NOW);
    t.record(k('A'), 'alpha', sec + 1 - 402, NOW + 1000);
    t.record(k('A'), 'alpha', sec + 5000, NOW + 2000); // one wild sample does not move the median much
    t.record(k('B'), 'beta', sec + 1, NOW);
    const s = t.summary(NOW + 2000);
    expect(s.find((p) => p.publicKey === k('A'))).toMatchObject({ hostname: 'alpha', medianS: -400, samples: 3 });
    expect(s.find((p) => p.publicKey === k('B'))).toMatchObject({ medianS: 1, samples: 1 });
  });

  it('is bounded in peers (least recently heard forgotten) and samples, and forgets old samples', () => {
    const t = new SkewTracker();
    for (let i = 0; i < SKEW_MAX_PEERS + 10; i++) t.record(k(`k${i}`), '', sec, NOW);
    expect(t.size).toBe(SKEW_MAX_PEERS);
    expect(t.summary(NOW).some((p) => p.publicKey === k('k0'))).toBe(false);
    for (let i = 0; i < SKEW_SAMPLES_PER_PEER * 3; i++) t.record(k('many'), '', sec, NOW);
    expect(t.summary(NOW).find((p) => p.publicKey === k('many'))?.samples).toBe(SKEW_SAMPLES_PER_PEER);
    expect(t.summary(NOW + SKEW_SAMPLE_MAX_AGE_MS + 1)).toEqual([]);
  });

  it('ignores non-finite timestamps, empty or malformed keys, and bounds hostnames', () => {
    const t = new SkewTracker();
    t.record(k('A'), '', Number.NaN, NOW);
    t.record('', '', sec, NOW);
    t.record('x'.repeat(10_000), '', sec, NOW);
    expect(t.size).toBe(0);
    t.record(k('H'), 'h'.repeat(10_000), sec, NOW);
    expect(t.summary(NOW)[0]?.hostname.length).toBe(253);
  });

  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('checkClockSkew', () => {
  it('no skew → no finding', () => {
    expect(checkClockSkew([peer('a', 0), peer('b', -1), peer('c', 2)], {})).toEqual([]);
    expect(checkClockSkew([], {})).toEqual([]);
  });

  it('skew of 400 s → error with the time-sync fix', () => {
    const [f, ...rest] = checkClockSkew([peer('node1', -400)]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ id: 'clock-skew', severity: 'error' });
    expect(f!.message).toContain('400 s behind');
    expect(f!.message).toContain('node1');
    expect(f!.fix).toContain(TIME_SYNC_FIX);
    expect(f!.fix).toContain('sudo timedatectl set-ntp true');
  });

  it('warning above 60 s, error above 300 s (median |skew| across peers)', () => {
    expect(checkClockSkew([peer('a', SKEW_WARNING_S)])).toEqual([]);
    expect(checkClockSkew([peer('a', SKEW_WARNING_S + 1)])[0]?.severity).toBe('warning');
    expect(checkClockSkew([peer('a', 120), peer('b', 130), peer('c', 0)])[0]).toMatchObject({ id: 'clock-skew', severity: 'warning' });
    expect(checkClockSkew([peer('a', SKEW_ERROR_S + 1), peer('b', -SKEW_ERROR_S - 5)])[0]?.severity).toBe('error');
  });

  it('one skewed peer of two → that peer is named, error at 400 s', () => {
    const out = checkClockSkew([peer('node1', 0), peer('skewed', -400)]);
    expect(out).toEqual([expect.objectContaining({ id: 'peer-clock-skew', severity: 'error', fix: `on skewed: ${TIME_SYNC_FIX}` })]);
    expect(out[0]!.message).toContain('400 s behind');
  });

  it('names the one peer whose clock disagrees with the others', () => {
    const out = checkClockSkew([peer('good1', 0), peer('good2', 1), peer('bad\u001b[31m', 500)]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ id: 'peer-clock-skew', severity: 'error' });
    expect(out[0]!.message).toContain('peer bad[31m is 500 s ahead of');
    expect(out[0]!.message).not.toContain('\u001b');
    expect(out[0]!.fix).toBe(`on bad[31m: ${TIME_SYNC_FIX}`);
  });

  it('notes envelopes dropped as too old / in the future as evidence', () => {
    const alone = checkClockSkew([], { 'too-old': 3, 'in-future': 1, 'auth-failed': 9 });
    expect(alone).toEqual([expect.objectContaining({ id: 'clock-skew-drops', severity: 'warning' })]);
    expect(alone[0]!.message).toContain('3 as too old and 1 as from the future');
    const withSkew = checkClockSkew([peer('a', -400)], { 'too-old': 2 });
    expect(withSkew).toHaveLength(1);
    expect(withSkew[0]!.message).toContain('2 as too old');
    expect(checkClockSkew([], { 'auth-failed': 9 })).toEqual([]);
  });
});
