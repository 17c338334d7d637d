// A transparent relay in front of a node's control socket, so a test knows the moment a CLI
// request reaches the service. The CLI's own start-up (0.3–1.5 s on a loaded two-core machine)
// varies far more than the 0–300 ms window a kill has to land in; timing the kill from the
// request's first byte at the relay puts it inside the operation rather than before it.
//
// Lifecycle: open() listens at `path` and relays each connection to `upstream` (connecting anew
// every time, so a restarted service is reached); nextRequest() resolves at the first byte of
// the next connection; when either side closes, the other is closed too; close() stops.
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** See the module comment. */
export class SocketTap {
  private waiters: ((at: number) => void)[] = [];
  private readonly open = new Set<Socket>();

  private constructor(private readonly server: Server, readonly path: string) {}

  /** Listens at `path` (replacing a stale file) and relays to `upstream`. */
  static async open(path: string, upstream: string): Promise<SocketTap> {
    rmSync(path, { force: true });
    const server = createServer();
    const tap = new SocketTap(server, path);
    server.on('connection', (client) => tap.relay(client, upstream));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return tap;
  }

  /** Resolves with performance.now() when the next request's first byte arrives. */
  nextRequest(): Promise<number> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops listening and closes every relayed connection. */
  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private relay(client: Socket, upstream: string): void {
    const up = connect({ path: upstream });
    this.open.add(client).add(up);
    client.once('data', () => {
      const at = performance.now();
      for (const w of this.waiters.splice(0)) w(at);
    });
    client.pipe(up);
    up.pipe(client);
    const end = (): void => {
      client.destroy();
      up.destroy();
      this.open.delete(client);
      this.open.delete(up);
    };
    for (const s of [client, up]) {
      s.on('error', end);
      s.on('close', end);
    }
  }
}
