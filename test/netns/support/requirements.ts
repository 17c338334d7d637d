// What a netns suite needs (root and some programs), checked once per file: a suite that cannot
// run here is skipped with the reason printed, never silently.
import { execFileSync } from 'node:child_process';

/** Whether `program` is on PATH. */
export function hasProgram(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** '' when the suite can run, else why not (also printed, naming the suite). */
export function netnsSkipReason(suite: string, programs: readonly string[]): string {
  const missing = programs.filter((p) => !hasProgram(p));
  const reason = process.getuid?.() !== 0 ? 'not running as root' : missing.length > 0 ? `missing: ${missing.join(', ')}` : '';
  if (reason) console.warn(`[netns] skipping ${suite}: ${reason}`);
  return reason;
}
