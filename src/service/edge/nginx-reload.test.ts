// waitReloaded: a reload counts once new workers run and the old ones are gone (or time is up).
import { describe, expect, it } from 'vitest';
import { waitReloaded, type NginxProcesses } from './nginx-common';

function processes(script: number[][]): NginxProcesses {
  let i = 0;
  return {
    isNginx: async () => true,
    signalGroup: () => {},
    children: async () => script[Math.min(i++, script.length - 1)] ?? [],
  };
}

describe('waitReloaded', () => {
  it('waits for a new worker, then for the old ones to leave', async () => {
    const p = processes([[10, 11], [10, 11], [10, 11, 20], [11, 20], [20]]);
    expect(await waitReloaded(p, 1, [10, 11])).toBe(true);
    expect(await p.children!(1)).toEqual([20]);
  });

  it('gives up after 5 s without new workers, and needs no process list where there is none', async () => {
    const t0 = Date.now();
    expect(await waitReloaded(processes([[10]]), 1, [10])).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5000);
    expect(await waitReloaded({ isNginx: async () => true, signalGroup: () => {} }, 1, [10])).toBe(true);
  }, 10_000);
});
