/**
 * cloudroofd's control server: HTTP/1.1 + JSON over a Unix socket (ARCHITECTURE.md, "Security
 * of the control channel"; debuggable with `curl --unix-socket`).
 *
 * Lifecycle: `startControlServer` checks the socket directory, refuses to start when another
 * service answers on the socket (a dead socket is removed), listens on a staging name with the
 * socket born 0600, relaxes it to 0660 for the control group when that group exists, then renames
 * it into place. Each request is routed
 * through the shared `endpoints` table, its body validated, the handler run, and the result
 * validated (and stripped of undeclared members) before it is sent. The NDJSON streams are
 * served by watch.ts and logs.ts (GET) and post-stream.ts (POST: the site verification).
 * `close()` ends the streams, closes connections and removes the socket file if it is still ours.
 *
 * Access control is the socket's file mode: Node offers no way to read the peer credentials of
 * a Unix socket connection, so there is no per-request caller check.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { lstat, rename, unlink } from 'node:fs/promises';
import { ControlError, endpoints, matchEndpoint, type UnaryEndpointName } from '../../shared/protocol';
import type { Logger } from '../log';
import { LogBuffer } from '../log-buffer';
import type { Backend } from './backend';
import { callHandler } from './handlers';
import { readJsonBody, sendError, sendJson } from './http';
import { serveLogs, wantsFollow } from './logs';
import { isPostStream, servePostStream } from './post-stream';
import { clearStaleSocket, ensureSocketDir, listenStrict, relaxToGroup, socketDir } from './socket';
import { serveWatch } from './watch';
import type { WebConsoleControl } from './web-console';

/** Options of {@link startControlServer}. */
export interface ControlServerOptions {
  /** Path of the Unix socket, e.g. /run/cloudroof/cloudroofd.sock. */
  socketPath: string;
  backend: Backend;
  logger: Logger;
  /** Group given access (0660) when it exists; default `cloudroof`. */
  group?: string;
  /** Time a client has to send a complete request (headers and body); default 10 s. */
  requestTimeoutMs?: number;
  /** Recent log entries for GET /v1/logs; without it the stream has no backlog and stays quiet. */
  logs?: LogBuffer;
  /** The web console behind `/v1/web-console…`; without it those endpoints answer `not-found`. */
  webConsole?: WebConsoleControl;
}

/** A running control server. */
export interface ControlServer {
  /** The socket it listens on. */
  readonly socketPath: string;
  /** The socket file's mode after start-up (0600, or 0660 when handed to the group). */
  readonly socketMode: number;
  /** Stops accepting, ends watch streams and open connections, removes the socket file. */
  close(): Promise<void>;
}

/** Default for {@link ControlServerOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Starts the control server; rejects when the socket cannot be (safely) taken. */
export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const { socketPath, backend } = opts;
  const logger = opts.logger.child('control');
  const timeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  await ensureSocketDir(socketDir(socketPath));
  await clearStaleSocket(socketPath);

  const watchers = new Set<ServerResponse>();
  const logs = opts.logs ?? new LogBuffer(1);
  const server = createServer({
    requestTimeout: timeout,
    headersTimeout: timeout,
    connectionsCheckingInterval: Math.min(1000, timeout),
  });
  server.on('request', (req, res) => {
    // Last line of defence: nothing a request does may become an unhandled rejection.
    handleRequest(req, res, { backend, logger, watchers, logs, webConsole: opts.webConsole }).catch((err: unknown) => {
      logger.error('request failed', { error: err instanceof Error ? err.name : typeof err });
      sendError(res, new ControlError('internal', 'internal error'));
    });
  });
  // Bound under a staging name, handed to the group, then renamed into place (atomic): a client
  // never finds the socket before its final mode, so a group member is never refused while the
  // service starts (the installer and the desktop app connect the moment the socket appears).
  const staging = `${socketPath}.${process.pid}.new`;
  await unlink(staging).catch(() => undefined);
  await listenStrict(server, staging);
  const group = opts.group ?? 'cloudroof';
  let relaxed: Awaited<ReturnType<typeof relaxToGroup>>;
  try {
    relaxed = await relaxToGroup(staging, group);
    await rename(staging, socketPath);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(staging).catch(() => undefined);
    throw err;
  }
  if (relaxed === 'not-permitted') logger.warn('cannot hand the control socket to its group; keeping it 0600', { group });
  const { ino, mode } = await lstat(socketPath);
  logger.info('control socket listening', { path: socketPath, mode: (mode & 0o777).toString(8), ...(relaxed === 'relaxed' ? { group } : {}) });

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    for (const res of watchers) res.end();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await stopped;
    // libuv unlinks the path when the server closes; this covers the case where it did not,
    // and leaves alone a file that is not the socket we created.
    const st = await lstat(socketPath).catch(() => undefined);
    if (st?.ino === ino) await unlink(socketPath).catch(() => undefined);
  };
  return {
    socketPath,
    socketMode: mode & 0o777,
    close: () => (closed ??= close()),
  };
}

/** What a request is served with. */
interface RequestContext {
  backend: Backend;
  logger: Logger;
  /** Open NDJSON streams (watch, logs, POST streams), ended on close. */
  watchers: Set<ServerResponse>;
  logs: LogBuffer;
  webConsole: WebConsoleControl | undefined;
}

/** Routes one request: 404/405 from the endpoint table, the watch or logs stream, or a handler. */
async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const { backend, logger, watchers } = ctx;
  const started = Date.now();
  const method = req.method ?? 'GET';
  const url = URL.canParse(req.url ?? '/', 'http://localhost') ? new URL(req.url ?? '/', 'http://localhost') : undefined;
  const path = url?.pathname ?? '';
  res.once('finish', () => logger.debug('request', { method, path, status: res.statusCode, ms: Date.now() - started }));
  const match = matchEndpoint(method, path);
  if (match.kind === 'unknown-path') return sendError(res, new ControlError('not-found', 'no such endpoint'));
  if (match.kind === 'wrong-method') {
    const allow = match.allow.join(', ');
    return sendError(res, new ControlError('method-not-allowed', `method not allowed; use ${allow}`), { allow });
  }
  if (match.name === 'watch') return serveWatch(res, backend, logger, watchers);
  if (match.name === 'logs') return serveLogs(res, ctx.logs, logger, watchers, wantsFollow(url?.searchParams ?? new URLSearchParams()));
  if (isPostStream(match.name)) return servePostStream(match.name, req, res, { backend, logger, streams: watchers });
  try {
    sendJson(res, 200, await runHandler(match.name, req, ctx));
  } catch (err) {
    if (err instanceof ControlError) return sendError(res, err);
    logger.error('request failed', { endpoint: match.name, error: err instanceof Error ? err.name : typeof err });
    sendError(res, new ControlError('internal', 'internal error'));
  }
}

/** Validates the body, runs the handler, validates the result against the response schema. */
async function runHandler(name: UnaryEndpointName, req: IncomingMessage, ctx: RequestContext): Promise<unknown> {
  const def = endpoints[name];
  const body = def.request === null ? undefined : await readJsonBody(req, def.request);
  return callHandler(name, body, { backend: ctx.backend, logger: ctx.logger, ctx: { webConsole: ctx.webConsole } });
}
