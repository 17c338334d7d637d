/**
 * The metrics endpoint: plain HTTP on the `--metrics` address, `GET /metrics` (and HEAD) in
 * Prometheus text format; 404 for other paths, 405 for other methods. Read-only and without
 * authentication, like every Prometheus exporter, which is why a non-loopback address is
 * warned about: the metrics name peers (hostnames, 8 characters of their keys) and sites.
 *
 * Lifecycle: `startMetricsServer` resolves once listening, or rejects with a message fit for the
 * user (address in use, not on this machine, not permitted) and nothing left open. `close()`
 * stops accepting and ends idle keep-alive connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../log';
import { formatMetricsAddress, isLoopbackHost, type MetricsAddress } from './address';

/** What the server serves (ServiceMetrics provides it). */
export interface MetricsRenderer {
  readonly contentType: string;
  render(): Promise<string>;
}

/** A running metrics server. */
export interface MetricsServer {
  /** The address it listens on (the port resolved when 0 was asked for). */
  readonly address: MetricsAddress;
  /** Stops listening and closes connections. */
  close(): Promise<void>;
}

/** Starts the metrics server on `address`; rejects with a clear message when it cannot listen. */
export async function startMetricsServer(address: MetricsAddress, metrics: MetricsRenderer, logger: Logger): Promise<MetricsServer> {
  const server = createServer((req, res) => void handle(req, res, metrics, logger));
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  const where = formatMetricsAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(listenError(where, err))));
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => resolve());
  });
  const bound = server.address();
  const actual = typeof bound === 'object' && bound ? { host: address.host, port: bound.port } : address;
  logger.info('metrics served', { url: `http://${formatMetricsAddress(actual)}/metrics` });
  if (!isLoopbackHost(address.host)) {
    logger.warn('metrics listen beyond this machine: anyone who can reach the address sees peer names and sites; prefer 127.0.0.1 or a firewall', { address: where });
  }
  return {
    address: actual,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, metrics: MetricsRenderer, logger: Logger): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') return send(res, 404, 'not found: metrics are at /metrics\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed: use GET\n');
  }
  try {
    const text = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  } catch (err) {
    logger.warn('metrics could not be collected', { error: (err as Error).message });
    send(res, 500, 'metrics could not be collected\n');
  }
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The user-facing reason a listen failed. */
function listenError(where: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE': return `metrics address ${where} is already in use; choose another port with --metrics`;
    case 'EADDRNOTAVAIL': return `metrics address ${where} is not an address of this machine`;
    case 'EACCES': return `not permitted to listen on metrics address ${where}`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `metrics host in ${where} does not resolve`;
    default: return `cannot serve metrics on ${where}: ${err.message}`;
  }
}
