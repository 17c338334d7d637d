/** Errors the CLI turns into `cloudroof: <message>` and an exit code. */

/** Exit code of a successful run. */
export const EXIT_OK = 0;
/** Exit code of a failed command. */
export const EXIT_ERROR = 1;
/** Exit code of a command-line usage error. */
export const EXIT_USAGE = 2;

/** A failure with a message fit for the user (never containing the secret). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_ERROR) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command-line usage error (exit 2); `command` names the command whose help applies. */
export class UsageError extends CliError {
  constructor(message: string, readonly command?: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
