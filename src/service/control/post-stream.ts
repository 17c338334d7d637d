/**
 * POST stream endpoints of the control server (issue 6; `POST /v1/sites/verify`): a request
 * body in, NDJSON lines out while the work runs.
 *
 * Lifecycle of one request: the body is read and validated like a unary request's (a bad one
 * gets the usual JSON error and nothing streams) → the handler runs with `emit` and an
 * AbortSignal → the first line sends the 200 head (`application/x-ndjson`), so a handler that
 * throws a `ControlError` before emitting (`site-not-found`, `not-joined`…) still gets a plain
 * error response → each line is validated (and stripped) against the endpoint's response
 * schema; one that does not match is logged and dropped → the response ends when the handler
 * settles. The signal aborts when the client disconnects, when the client stops reading (more than
 * MAX_WATCH_BUFFER_BYTES buffered, as for the watch stream) and when the server closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ControlError, endpoints, type EndpointName, type PostStreamEndpointName, type RequestOf, type ResponseOf,
} from '../../shared/protocol';
import type { Logger } from '../log';
import type { Backend } from './backend';
import { readJsonBody, sendError, writeNdjsonHead } from './http';
import { writeLine } from './watch';

/** A POST stream handler: validated body, a line emitter, and a signal that aborts when the client is gone. */
export type PostStreamHandler<N extends PostStreamEndpointName> =
  (backend: Backend, body: RequestOf<N>, emit: (line: ResponseOf<N>) => void, signal: AbortSignal) => Promise<void>;

/** Handlers of every POST stream endpoint. */
export const postStreamHandlers: { readonly [N in PostStreamEndpointName]: PostStreamHandler<N> } = {
  verifySite: (backend, body, emit, signal) => backend.verifySite(body, emit, signal),
};

/**
 * Runs the stream handler of `name` on a body already validated against its request schema (the
 * control socket and the web console both come through here). `ControlError`s pass through;
 * anything else is logged by name (a message may quote anything; nothing is logged once `signal`
 * aborted: the client left) and becomes `internal`.
 */
export async function callStreamHandler(
  name: PostStreamEndpointName, body: unknown, emit: (line: unknown) => void, signal: AbortSignal, deps: { backend: Backend; logger: Logger },
): Promise<void> {
  const handler = postStreamHandlers[name] as (b: Backend, body: unknown, emit: (line: unknown) => void, signal: AbortSignal) => Promise<void>;
  try {
    await handler(deps.backend, body, emit, signal);
  } catch (err) {
    if (err instanceof ControlError) throw err;
    if (!signal.aborted) deps.logger.error('stream handler failed', { endpoint: name, error: err instanceof Error ? err.name : typeof err });
    throw new ControlError('internal', 'internal error');
  }
}

/** Whether `name` is served by {@link servePostStream}. */
export function isPostStream(name: EndpointName): name is PostStreamEndpointName {
  return Object.hasOwn(postStreamHandlers, name);
}

/** What a POST stream is served with. */
export interface PostStreamContext {
  backend: Backend;
  logger: Logger;
  /** Open streams, ended (and so aborted) when the server closes. */
  streams: Set<ServerResponse>;
}

/** Serves one POST stream request; see the module comment. Never rejects. */
export async function servePostStream(name: PostStreamEndpointName, req: IncomingMessage, res: ServerResponse, ctx: PostStreamContext): Promise<void> {
  const def = endpoints[name];
  let body: unknown;
  try {
    body = await readJsonBody(req, def.request);
  } catch (err) {
    return sendError(res, err instanceof ControlError ? err : new ControlError('internal', 'internal error'));
  }
  const ctl = new AbortController();
  res.once('close', () => ctl.abort());
  ctx.streams.add(res);
  res.once('close', () => ctx.streams.delete(res));
  const head = (): void => {
    if (!res.headersSent) writeNdjsonHead(res);
  };
  const emit = (line: unknown): void => {
    if (res.destroyed || res.writableEnded) return;
    const parsed = def.response.safeParse(line);
    if (!parsed.success) return ctx.logger.error('dropping a stream line that does not match the schema', { endpoint: name });
    head();
    writeLine(res, parsed.data, ctx.logger);
  };
  try {
    await callStreamHandler(name, body, emit, ctl.signal, ctx);
  } catch (err) {
    // Before the first line the client gets a plain error; after it, the stream just ends.
    if (!res.headersSent) return sendError(res, err as ControlError);
  }
  if (res.destroyed || res.writableEnded) return;
  head();
  res.end();
}
