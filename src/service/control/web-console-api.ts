/**
 * The web console's `/api` routes: the renderer's IPC contract (src/shared/ipc) over HTTP, served
 * by the same dispatcher Electron main uses, so every payload is checked against the channel's
 * schema on arrival and every answer on the way out. Service calls run through the control
 * socket's own handler table (`callHandler`: the same secret, subnet and prefix checks, the
 * same `ControlError` codes and messages), streams through its stream table (post-stream.ts).
 * Access was checked before any of this runs.
 *
 * - `POST /api/invoke/{svc|app}/<name>` (JSON body = the payload, may be empty) → 200 with the
 *   `IpcResult`.
 * - `POST /api/stream/<name>` → NDJSON: `{"item": …}` per item, then one `{"result": IpcResult}`;
 *   the backend's work is aborted when the client goes away.
 * - `GET /api/events` → NDJSON: `{"event":"app"}` first, then `{"event":"watch"}` lines starting
 *   with a snapshot (control/watch.ts, with its stuck-reader limit), and `{}` as a keep-alive.
 */
import os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ControlError } from '../../shared/protocol';
import { createIpcDispatcher, IPC_ERROR_CODES, type AppState, type IpcHandlers } from '../../shared/ipc';
import type { Logger } from '../log';
import type { Backend } from './backend';
import { callHandler } from './handlers';
import { readJsonBody, sendError, sendJson, writeNdjsonHead } from './http';
import { callStreamHandler } from './post-stream';
import { serveWatch, writeLine } from './watch';

/** What the API routes are served with. */
export interface WebApiContext {
  backend: Backend;
  logger: Logger;
  /** Open event and stream responses, ended when the server closes. */
  streams: Set<ServerResponse>;
  /** Keep-alive interval of `/api/events`. */
  keepAliveMs: number;
}

/** The answer to calls that only the desktop app can serve. */
const desktopOnly = (what: string) => async (): Promise<never> => {
  throw new ControlError(IPC_ERROR_CODES.unsupported, `${what} is only available in the desktop app`);
};

/** The app state the web console reports: no installer, settings, updater or tray. */
export function webAppState(backend: Backend): AppState {
  const status = backend.status();
  return {
    environment: 'web',
    appVersion: status.version,
    platform: os.platform(),
    connection: { state: 'connected', serviceVersion: status.version, serviceProtocol: status.protocolVersion },
    update: { state: 'disabled' },
  };
}

/** The IPC handlers of the web console; `signal` aborts a stream's backend work. */
export function webIpcHandlers(ctx: WebApiContext, signal: AbortSignal = new AbortController().signal): IpcHandlers {
  const { backend, logger } = ctx;
  return {
    service: (name, body) => callHandler(name, body, { backend, logger, ctx: {} }),
    // The socket's own stream table, so both ends run the same code for a stream.
    stream: (name, body, emit) => callStreamHandler(name, body, emit, signal, { backend, logger }),
    app: {
      getAppState: async () => webAppState(backend),
      watchSnapshot: async () => ({ status: backend.status(), peers: backend.peers() }),
      installService: desktopOnly('Installing the service'),
      uninstallService: desktopOnly('Removing the service'),
      setAppSettings: desktopOnly('App settings are'),
      checkForUpdates: desktopOnly('Updating'),
      installUpdate: desktopOnly('Updating'),
      openExternal: desktopOnly('Opening links in the browser'),
    },
  };
}

/** A route of `/api`. */
type ApiRoute =
  | { kind: 'invoke'; channel: 'svc' | 'app'; name: string }
  | { kind: 'stream'; name: string }
  | { kind: 'events' };

/** The route of a request path (before `?`), or undefined. */
export function matchApi(rawPath: string): ApiRoute | undefined {
  if (rawPath === '/api/events') return { kind: 'events' };
  const invoke = /^\/api\/invoke\/(svc|app)\/([A-Za-z]{1,64})$/.exec(rawPath);
  if (invoke) return { kind: 'invoke', channel: invoke[1] as 'svc' | 'app', name: invoke[2]! };
  const stream = /^\/api\/stream\/([A-Za-z]{1,64})$/.exec(rawPath);
  return stream ? { kind: 'stream', name: stream[1]! } : undefined;
}

/** Serves one `/api` request (token and origin already checked). */
export async function serveApi(req: IncomingMessage, res: ServerResponse, rawPath: string, ctx: WebApiContext): Promise<void> {
  const route = matchApi(rawPath);
  if (!route) return sendError(res, new ControlError('not-found', 'no such call'));
  const method = route.kind === 'events' ? 'GET' : 'POST';
  if (req.method !== method) return sendError(res, new ControlError('method-not-allowed', `method not allowed; use ${method}`), { allow: method });
  if (route.kind === 'events') {
    return serveWatch(res, ctx.backend, ctx.logger, ctx.streams, {
      first: [{ event: 'app', payload: webAppState(ctx.backend) }],
      frame: (event) => ({ event: 'watch', payload: event }),
      keepAliveMs: ctx.keepAliveMs,
    });
  }
  const payload: unknown = await readJsonBody(req, z.unknown());
  if (route.kind === 'invoke') {
    const result = await createIpcDispatcher(webIpcHandlers(ctx)).invoke(route.channel, route.name, payload);
    return sendJson(res, 200, result);
  }
  return serveStream(res, route.name, payload, ctx);
}

/** Runs a stream channel, writing its items and its result as NDJSON. */
async function serveStream(res: ServerResponse, name: string, payload: unknown, ctx: WebApiContext): Promise<void> {
  const left = new AbortController();
  writeNdjsonHead(res);
  ctx.streams.add(res);
  res.once('close', () => {
    ctx.streams.delete(res);
    if (!res.writableEnded) left.abort(); // the client went away: stop the backend's work
  });
  const dispatcher = createIpcDispatcher(webIpcHandlers(ctx, left.signal));
  const result = await dispatcher.stream(name, payload, (item) => writeLine(res, { item }, ctx.logger));
  writeLine(res, { result }, ctx.logger);
  res.end();
}
