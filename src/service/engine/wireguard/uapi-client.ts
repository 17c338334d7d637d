/**
 * Client of a userspace WireGuard device's UAPI socket (`/var/run/wireguard/<iface>.sock`).
 *
 * Lifecycle: one connection, kept open and reused — wireguard-go serves any number of
 * operations per connection — with requests queued so that exactly one is in flight. A
 * request writes `get=1\n\n` or `set=1…\n\n` and reads until the reply's `errno=N` line and the
 * blank line after it. On an error, a timeout or the device closing the socket, the
 * connection is dropped; a request that failed on a reused connection is retried once on a
 * fresh one, so a restarted wireguard-go is picked up transparently. Reusing the connection
 * keeps the reconcile and statistics polls cheap; no process is ever spawned.
 */
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { checkErrno, encodeSet, getRequest, parseGet } from './uapi';
import type { DeviceState, SetRequest } from './uapi';

/** Directory of UAPI sockets on Linux and macOS (shared by all network namespaces). */
export const defaultSocketDir = '/var/run/wireguard';

/** Options of {@link UapiClient}. */
export interface UapiClientOptions {
  /** Socket path; default `<defaultSocketDir>/<iface>.sock`. */
  socketPath?: string;
  /** Per-request deadline (connect + reply); default 5 s. */
  timeoutMs?: number;
}

const maxReply = 16 * 1024 * 1024;
const replyEnd = /(?:^|\n)errno=-?\d+\n\n$/;

interface Pending {
  resolve: (reply: string) => void;
  reject: (err: Error) => void;
}

/** Talks to one device's UAPI socket. Methods reject on timeout, socket error or errno ≠ 0. */
export class UapiClient {
  /** The socket this client connects to. */
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private sock: Socket | undefined;
  private buf = '';
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(iface: string, opts: UapiClientOptions = {}) {
    this.socketPath = opts.socketPath ?? join(defaultSocketDir, `${iface}.sock`);
    this.timeoutMs = opts.timeoutMs ?? 5_000;
  }

  /** Reads the device state (`get=1`). */
  async get(): Promise<DeviceState> {
    return parseGet(await this.request(getRequest));
  }

  /** Applies a configuration change (`set=1`); resolves once the device answered errno=0. */
  async set(req: SetRequest): Promise<void> {
    checkErrno(await this.request(encodeSet(req)), 'set');
  }

  /**
   * Sends one raw request and returns the raw reply, including the errno line. The request
   * may contain keys, so it is never part of an error message.
   */
  request(text: string): Promise<string> {
    const run = this.queue.then(async () => {
      const reused = this.sock !== undefined;
      try {
        return await this.exchange(text);
      } catch (err) {
        if (!reused || (err as Error).message.includes('no reply within')) throw err;
        return this.exchange(text); // the old connection had gone stale: once more, fresh
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the connection (the device is going away). */
  close(): void {
    this.drop(new Error(`WireGuard UAPI ${this.socketPath}: closed`));
  }

  private exchange(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.drop(new Error(`WireGuard UAPI ${this.socketPath}: no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending = {
        resolve: (reply) => { clearTimeout(timer); resolve(reply); },
        reject: (err) => { clearTimeout(timer); reject(err); },
      };
      this.buf = '';
      (this.sock ?? this.connect()).write(text);
    });
  }

  private connect(): Socket {
    const sock = createConnection(this.socketPath);
    sock.setEncoding('utf8');
    sock.unref(); // an idle UAPI connection must not keep the service alive
    sock.on('data', (chunk: string) => {
      if (sock !== this.sock) return;
      this.buf += chunk;
      if (replyEnd.test(this.buf)) {
        const p = this.pending;
        const reply = this.buf;
        this.pending = undefined;
        this.buf = '';
        p?.resolve(reply);
      } else if (this.buf.length > maxReply) {
        this.drop(new Error(`WireGuard UAPI ${this.socketPath}: reply too large`));
      }
    });
    sock.on('end', () => { if (sock === this.sock) this.drop(new Error(`WireGuard UAPI ${this.socketPath}: connection closed before the reply ended`)); });
    sock.on('close', () => { if (sock === this.sock) this.drop(new Error(`WireGuard UAPI ${this.socketPath}: connection closed`)); });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (sock === this.sock) this.drop(new Error(`WireGuard UAPI ${this.socketPath}: ${e.code ?? e.message}`, { cause: e }));
    });
    this.sock = sock;
    return sock;
  }

  /** Forgets the connection and fails the request in flight, if any. */
  private drop(err: Error): void {
    const sock = this.sock;
    this.sock = undefined;
    this.buf = '';
    sock?.destroy();
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }
}
