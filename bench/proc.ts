/** Readings of a running process from /proc (Linux), for the footprint figures. */
import { readFileSync } from 'node:fs';

/** CPU time `pid` has used so far, in clock ticks (utime + stime; 100 ticks a second on Linux). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and ')': count fields from after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
}

/** Resident memory of `pid` in KiB (0 when /proc does not say). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}
