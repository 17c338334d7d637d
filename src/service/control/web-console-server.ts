/**
 * The web console's HTTP server (node:http) on 127.0.0.1:PORT and, when the host has an IPv6
 * loopback, [::1]:PORT — never on any other address.
 *
 * Lifecycle: `startWebConsoleServer` listens on both addresses (a taken port on either is
 * `port-in-use`, and nothing stays open); each request gets the security headers, then the
 * access checks (web-console-access.ts: Host, OPTIONS, cross-origin POST, the token for `/api`),
 * then `/api` (web-console-api.ts) or a static file (web-console-static.ts). Slow clients are cut
 * off by the request and header timeouts; bodies are limited to MAX_BODY_BYTES. `close()` ends
 * the open event streams and connections. Log lines name the method, the path (never the query)
 * and the status: no header, and so never the token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ControlError } from '../../shared/protocol';
import type { Logger } from '../log';
import type { Backend } from './backend';
import { sendError } from './http';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './server';
import { serveApi, type WebApiContext } from './web-console-api';
import { checkRequest, setSecurityHeaders, tokenMatches, unauthorized } from './web-console-access';
import { serveStatic } from './web-console-static';

/** Options of {@link startWebConsoleServer}. */
export interface WebConsoleServerOptions {
  port: number;
  /** Also listen on [::1] (skipped when the host has no IPv6 loopback address). */
  ipv6: boolean;
  backend: Backend;
  logger: Logger;
  /** Directory of the built renderer; without it every static request is 404. */
  webRoot?: string;
  /** The current token, read at every request (so a new token applies at once); undefined refuses all. */
  token: () => string | undefined;
  /** Time a client has to send a complete request; default 10 s. */
  requestTimeoutMs?: number;
  /** Keep-alive interval of `/api/events`; default 15 s. */
  keepAliveMs?: number;
}

/** A running web console server. */
export interface WebConsoleServer {
  readonly port: number;
  /** Addresses it listens on: `127.0.0.1`, and `::1` when available. */
  readonly addresses: readonly string[];
  /** Ends every open event stream and NDJSON stream (pages reconnect, with their token checked again). */
  closeStreams(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Default of {@link WebConsoleServerOptions.keepAliveMs}. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** Connections served at once; more wait in the kernel's backlog. */
const MAX_CONNECTIONS = 256;

/** Starts the server; rejects with `port-in-use` (or `system-error`) and leaves nothing open. */
export async function startWebConsoleServer(opts: WebConsoleServerOptions): Promise<WebConsoleServer> {
  const streams = new Set<ServerResponse>();
  const api: WebApiContext = { backend: opts.backend, logger: opts.logger, streams, keepAliveMs: opts.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS };
  const servers: Server[] = [];
  const addresses: string[] = [];
  const closeStreams = (): void => { for (const res of streams) res.end(); };
  const close = async (): Promise<void> => {
    closeStreams();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
  };
  try {
    for (const host of opts.ipv6 ? ['127.0.0.1', '::1'] : ['127.0.0.1']) {
      const server = createHttpServer(opts, api);
      const listening = await listen(server, host, opts.port, opts.logger);
      if (!listening) continue; // no ::1 on this host
      servers.push(server);
      addresses.push(host);
    }
  } catch (err) {
    await close();
    throw err;
  }
  opts.logger.info('web console listening', { port: opts.port, addresses });
  return { port: opts.port, addresses, closeStreams, close };
}

/** One node:http server with the timeouts and the request handler. */
function createHttpServer(opts: WebConsoleServerOptions, api: WebApiContext): Server {
  const timeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const server = createServer({
    requestTimeout: timeout,
    headersTimeout: timeout,
    connectionsCheckingInterval: Math.min(1000, timeout),
    requireHostHeader: false, // a missing Host is ours to refuse (403 forbidden-host), not Node's 400
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('request', (req, res) => {
    handleRequest(req, res, opts, api).catch((err: unknown) => {
      if (!(err instanceof ControlError)) opts.logger.error('web request failed', { error: err instanceof Error ? err.name : typeof err });
      sendError(res, err instanceof ControlError ? err : new ControlError('internal', 'internal error'));
    });
  });
  return server;
}

/** Listens; false when the address does not exist here, `port-in-use` when the port is taken. */
function listen(server: Server, host: string, port: number, logger: Logger): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (host === '::1' && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) return resolve(false);
      if (err.code === 'EADDRINUSE') return reject(new ControlError('port-in-use', `port ${port} is in use on ${host}; choose another with --port`));
      reject(new ControlError('system-error', `cannot listen on ${host} port ${port} (${err.code ?? 'error'})`));
    };
    server.once('error', onError);
    server.listen({ host, port, ipv6Only: host === '::1', exclusive: true }, () => {
      server.off('error', onError);
      server.on('error', (err: NodeJS.ErrnoException) => logger.warn('web console server error', { host, code: err.code }));
      resolve(true);
    });
  });
}

/** Access checks, then `/api` or a static file. */
async function handleRequest(req: IncomingMessage, res: ServerResponse, opts: WebConsoleServerOptions, api: WebApiContext): Promise<void> {
  const rawPath = (req.url ?? '').split('?')[0] ?? '';
  res.once('finish', () => opts.logger.debug('web request', { method: req.method, path: rawPath.slice(0, 120), status: res.statusCode }));
  setSecurityHeaders(res);
  const access = checkRequest(req, opts.port);
  if (access instanceof ControlError) {
    return sendError(res, access, access.code === 'method-not-allowed' ? { allow: 'GET, HEAD, POST' } : {});
  }
  if (rawPath.startsWith('/api/')) {
    if (!tokenMatches(req, opts.token())) return sendError(res, unauthorized());
    return serveApi(req, res, rawPath, api);
  }
  return serveStatic(req, res, rawPath, opts.webRoot);
}
