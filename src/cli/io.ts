/**
 * The CLI's view of its process: output streams, stdin, environment and interrupts, injected
 * so commands can be run in unit tests without a child process.
 */
import { createInterface } from 'node:readline/promises';

/** What commands may use of the process. */
export interface Io {
  /** Writes to stdout (callers add newlines). */
  out(text: string): void;
  /** Writes to stderr (callers add newlines). */
  err(text: string): void;
  /** Whether stdin is a terminal (then it is never read for a secret). */
  readonly stdinIsTTY: boolean;
  /** Reads all of stdin as UTF-8; rejects when it exceeds `limit` bytes. */
  readStdin(limit: number): Promise<string>;
  /**
   * Asks `question` on stderr and resolves with the line typed on stdin (without its newline).
   * Only for a terminal stdin ({@link stdinIsTTY}); an ended stdin resolves ''.
   */
  ask(question: string): Promise<string>;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

/** The real process. */
export function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stdinIsTTY: process.stdin.isTTY === true,
    readStdin: async (limit) => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) throw new Error(`stdin is larger than ${limit} bytes`);
        chunks.push(chunk);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
      try {
        return await new Promise<string>((resolve) => {
          rl.once('close', () => resolve(''));
          rl.question(question).then(resolve, () => resolve(''));
        });
      } finally {
        rl.close();
      }
    },
    env: process.env,
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}
