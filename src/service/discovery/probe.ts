/**
 * Mesh health-probe responder (spec 4.7): TCP on meshIPv4:G+2000 and [meshIPv6]:G+2000,
 * answering each `ping` line with `pong\n`. Go evicts peers whose handshake is old and that do
 * not answer, so every node must run it. Connections idle for 10 s are closed; lines are capped
 * so a client cannot make us buffer without bound.
 */
import net from 'node:net';
import type { Logger } from '../log';

/** Longest line we buffer before dropping the connection. */
const MAX_LINE = 1024;

/** The probe server bound to the mesh addresses. */
export class ProbeResponder {
  private servers: net.Server[] = [];

  constructor(private readonly logger: Logger) {}

  /** Listens on each address; an address that fails is logged and skipped (not fatal, as in Go). */
  async start(addresses: readonly string[], port: number): Promise<void> {
    for (const host of addresses) {
      const server = net.createServer((sock) => this.serve(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port, exclusive: true }, () => { server.removeListener('error', reject); resolve(); });
        });
        this.servers.push(server);
      } catch (err) {
        this.logger.warn('probe responder not listening', { host, port, error: (err as Error).message });
      }
    }
  }

  /** Number of addresses listened on. */
  get listening(): number {
    return this.servers.length;
  }

  /** Closes every server and connection. */
  stop(): void {
    for (const s of this.servers) s.close();
    this.servers = [];
  }

  private serve(sock: net.Socket): void {
    let buf = '';
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === 'ping') sock.write('pong\n');
      }
      if (buf.length > MAX_LINE) sock.destroy();
    });
  }
}
