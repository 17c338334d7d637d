/**
 * Client of a userspace WireGuard device's UAPI socket (`/var/run/wireguard/<iface>.sock`).
 *
 * Lifecycle: one request per connection — connect, write `get=1\n\n` or `set=1…\n\n`, read
 * until the reply's `errno=N` line and the blank line after it, close. Nothing is kept open,
 * so a restarted wireguard-go is picked up by the next call, and no process is spawned.
 */
import { createConnection } from 'node:net';
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

/** Talks to one device's UAPI socket. Methods reject on timeout, socket error or errno ≠ 0. */
export class UapiClient {
  /** The socket this client connects to. */
  readonly socketPath: string;
  private readonly timeoutMs: number;

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
    return new Promise((resolve, reject) => {
      const sock = createConnection(this.socketPath);
      let buf = '';
      let done = false;
      const finish = (err: Error | null, reply?: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(reply ?? '');
      };
      const timer = setTimeout(
        () => finish(new Error(`WireGuard UAPI ${this.socketPath}: no reply within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      sock.setEncoding('utf8');
      sock.on('connect', () => sock.write(text));
      sock.on('data', (chunk: string) => {
        buf += chunk;
        if (replyEnd.test(buf)) finish(null, buf);
        else if (buf.length > maxReply) finish(new Error(`WireGuard UAPI ${this.socketPath}: reply too large`));
      });
      sock.on('end', () => finish(new Error(`WireGuard UAPI ${this.socketPath}: connection closed before the reply ended`)));
      sock.on('error', (e: NodeJS.ErrnoException) => finish(new Error(`WireGuard UAPI ${this.socketPath}: ${e.code ?? e.message}`, { cause: e })));
    });
  }
}
