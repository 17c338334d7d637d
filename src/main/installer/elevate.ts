/**
 * Running a generated script as root behind one OS password prompt, through
 * `@vscode/sudo-prompt` (pkexec or kdesudo on Linux, an authorization applet on macOS) behind the
 * {@link Elevator} interface (tests use a fake). The script travels base64-encoded inside the
 * command and is piped into bash, so no file a user process could swap is ever run as root, and
 * no character of it is interpreted by the shells sudo-prompt wraps the command in (on Linux it
 * is embedded in a double-quoted `bash -c`). Failures become {@link ElevationError}s whose
 * message is safe to show: a dismissed prompt says that nothing was changed.
 */
import type { exec as sudoExec } from '@vscode/sudo-prompt';

/** Runs a bash script as root. */
export interface Elevator {
  run(script: string): Promise<{ stdout: string; stderr: string }>;
}

/** Why an elevated run failed. */
export type ElevationErrorCode = 'elevation-cancelled' | 'elevation-unavailable' | 'install-script-failed';

/** A failed elevated run, with a message safe to show. */
export class ElevationError extends Error {
  constructor(readonly code: ElevationErrorCode, message: string) {
    super(message);
    this.name = 'ElevationError';
  }
}

/** The message for a dismissed password prompt. */
export const CANCELLED_MESSAGE = 'The administrator password prompt was cancelled; nothing was changed';

/** The command sudo-prompt runs: the script, base64-encoded (only [A-Za-z0-9+/=]), piped into bash. */
export function elevatedCommand(script: string): string {
  return `echo ${Buffer.from(script, 'utf8').toString('base64')} | base64 --decode | /bin/bash -s`;
}

/** The most useful line of a failed script's output: its own `error:` line, else the last line. */
export function failureSummary(stderr: string, fallback: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const own = lines.find((l) => /: error: /.test(l));
  const line = own ? own.replace(/^.*?: error: /, '') : lines.at(-1) ?? fallback;
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** Maps sudo-prompt's outcome to an error (or undefined for success). */
export function classifyFailure(err: Error, stderr: string): ElevationError {
  // sudo-prompt's own messages when the command never ran as root (index.js: PERMISSION_DENIED, NO_POLKIT_AGENT).
  if (err.message === 'User did not grant permission.') return new ElevationError('elevation-cancelled', CANCELLED_MESSAGE);
  if (err.message === 'No polkit authentication agent found.' || err.message === 'Unable to find pkexec or kdesudo.') {
    return new ElevationError('elevation-unavailable', 'This desktop has no administrator password prompt (no polkit authentication agent, or no pkexec); nothing was changed. Start a polkit agent, or log in to a full desktop session, and try again.');
  }
  return new ElevationError('install-script-failed', failureSummary(stderr, err.message));
}

/** An Elevator over sudo-prompt's `exec` (passed in so this module loads without it in tests). */
export function createSudoPromptElevator(exec: typeof sudoExec, name = 'Cloudroof'): Elevator {
  return {
    run: (script) => new Promise((resolve, reject) => {
      exec(elevatedCommand(script), { name }, (error, stdout, stderr) => {
        const out = String(stdout ?? '');
        const errText = String(stderr ?? '');
        if (error) reject(classifyFailure(error, errText));
        else resolve({ stdout: out, stderr: errText });
      });
    }),
  };
}
