/**
 * Typed client of cloudroofd's control API over its Unix socket, used by the CLI and by Electron
 * main (src/client is the Node-side client layer both import; ARCHITECTURE.md's layout plus this
 * one layer, so the socket trust check and the transport exist once).
 *
 * Lifecycle: nothing is sent before the socket has passed the owner check (once per client);
 * every request body is validated against the shared request schema before sending and every
 * response against the response schema after; error bodies become {@link ControlError}s, local
 * failures {@link ClientError}s. `watch` holds one connection open until aborted or closed by
 * the service; `stream` (POST streams such as the site verification) until the service ends it.
 */
import type { z } from 'zod';
import {
  ControlError, endpoints, ErrorBody, LOG_BACKLOG_HEADER, LogEntry, WatchEvent,
  type JoinRequest, type Peer, type PostStreamEndpointName, type Prefs, type PrefsPatch, type RequestOf, type ResponseOf, type Status,
  type UnaryEndpointName, type VersionInfo,
} from '../shared/protocol';
import { checkSocketOwner, ClientError, ndjsonLines, openStream, sendRequest, type RawResponse } from './transport';
import type { IncomingMessage } from 'node:http';

/** Receivers of {@link ControlClient.logs}. */
export interface LogHandlers {
  /** Called once with the buffered entries (oldest first), as soon as all of them arrived. */
  backlog(entries: LogEntry[]): void;
  /** Called per entry emitted after the request (only when following). */
  live?(entry: LogEntry): void;
}

/** Options of {@link ControlClient}. */
export interface ControlClientOptions {
  socketPath: string;
  /** Time to wait for a response head; default 15 s (a join can take a while). */
  timeoutMs?: number;
}

/** A client of one cloudroofd socket. */
export class ControlClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private checked: Promise<void> | undefined;

  constructor(opts: ControlClientOptions) {
    this.socketPath = opts.socketPath;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** This node's status. */
  status(): Promise<Status> { return this.call('status'); }
  /** The current peers. */
  async peers(): Promise<Peer[]> { return (await this.call('peers')).peers; }
  /** Joins a mesh; the secret goes to the service and nowhere else. */
  join(req: JoinRequest): Promise<Status> { return this.call('join', req); }
  /** Leaves the mesh. */
  leave(): Promise<Status> { return this.call('leave', {}); }
  /** The service's preferences. */
  getPrefs(): Promise<Prefs> { return this.call('getPrefs'); }
  /** Changes some preferences. */
  patchPrefs(patch: PrefsPatch): Promise<Prefs> { return this.call('patchPrefs', patch); }
  /** The service's version and protocol version. */
  version(): Promise<VersionInfo> { return this.call('version'); }

  /** Calls one unary endpoint of the shared table. */
  async call<N extends UnaryEndpointName>(name: N, ...args: RequestOf<N> extends undefined ? [] : [RequestOf<N>]): Promise<ResponseOf<N>> {
    const def = endpoints[name];
    const body = def.request === null ? undefined : def.request.parse(args[0]);
    await this.checkSocket();
    const res = await sendRequest({ socketPath: this.socketPath, method: def.method, path: def.path, body, timeoutMs: this.timeoutMs });
    return parseResponse(res, def.response) as ResponseOf<N>;
  }

  /**
   * Follows GET /v1/watch, calling `onEvent` per line (the first is a snapshot). Resolves when
   * `signal` aborts; rejects when the service ends the stream or sends something invalid.
   */
  async watch(onEvent: (event: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
    await this.checkSocket();
    const def = endpoints.watch;
    const res = await openStream({ socketPath: this.socketPath, method: def.method, path: def.path, timeoutMs: this.timeoutMs, signal });
    await rejectErrorStatus(res, def.response);
    let first = true;
    try {
      for await (const line of ndjsonLines(res)) {
        const event = parseJson(line, WatchEvent);
        if (first && event.type !== 'snapshot') throw new ClientError('bad-response', 'watch stream did not start with a snapshot');
        first = false;
        onEvent(event);
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    if (signal?.aborted) return;
    throw new ClientError('connection-failed', 'cloudroofd closed the watch stream');
  }

  /**
   * Reads GET /v1/logs. Without `follow`, resolves once the service has sent its buffered
   * entries; with it, keeps delivering live entries until `signal` aborts (then resolves), and
   * rejects when the service ends the stream.
   */
  async logs(handlers: LogHandlers, opts: { follow?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await this.checkSocket();
    const def = endpoints.logs;
    const path = `${def.path}?follow=${opts.follow ? 1 : 0}`;
    const res = await openStream({ socketPath: this.socketPath, method: def.method, path, timeoutMs: this.timeoutMs, signal: opts.signal });
    await rejectErrorStatus(res, def.response);
    const declared = Number(res.headers[LOG_BACKLOG_HEADER]);
    if (opts.follow && !(Number.isInteger(declared) && declared >= 0)) throw new ClientError('bad-response', 'cloudroofd sent no log backlog count');
    const backlog: LogEntry[] = [];
    let delivered = false;
    const deliver = (): void => {
      if (!delivered) handlers.backlog(backlog);
      delivered = true;
    };
    if (declared === 0) deliver();
    try {
      for await (const line of ndjsonLines(res)) {
        const entry = parseJson(line, LogEntry);
        if (delivered) {
          handlers.live?.(entry);
          continue;
        }
        backlog.push(entry);
        if (backlog.length === declared) deliver();
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
    deliver();
    if (opts.follow && !opts.signal?.aborted) throw new ClientError('connection-failed', 'cloudroofd closed the log stream');
  }

  /**
   * Opens a POST stream of the shared table (e.g. `verifySite`), calling `onLine` per validated
   * line. The service's refusal before streaming (`site-not-found`…) rejects with its
   * ControlError. Resolves when the service ends the stream, or quietly when `signal` aborts.
   */
  async stream<N extends PostStreamEndpointName>(name: N, body: RequestOf<N>, onLine: (line: ResponseOf<N>) => void, signal?: AbortSignal): Promise<void> {
    const def = endpoints[name];
    const payload = def.request.parse(body);
    await this.checkSocket();
    let res: IncomingMessage;
    try {
      res = await openStream({ socketPath: this.socketPath, method: def.method, path: def.path, body: payload, timeoutMs: this.timeoutMs, signal });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    await rejectErrorStatus(res, def.response);
    try {
      for await (const line of ndjsonLines(res)) onLine(parseJson(line, def.response) as ResponseOf<N>);
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }

  private checkSocket(): Promise<void> {
    this.checked ??= checkSocketOwner(this.socketPath);
    return this.checked;
  }
}

/** Throws the service's error (or a bad-response error) when a stream was refused. */
async function rejectErrorStatus(res: IncomingMessage, schema: z.ZodType): Promise<void> {
  if (res.statusCode === 200) return;
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  parseResponse({ status: res.statusCode ?? 0, contentType: '', body: Buffer.concat(chunks).toString('utf8') }, schema);
}

/** Validates a response: the success schema for 2xx, an error body otherwise. */
function parseResponse<S extends z.ZodType>(res: RawResponse, schema: S): z.infer<S> {
  if (res.status >= 200 && res.status < 300) return parseJson(res.body, schema);
  let value: unknown;
  try {
    value = JSON.parse(res.body);
  } catch {
    value = undefined;
  }
  const err = ErrorBody.safeParse(value);
  if (!err.success) throw new ClientError('bad-response', `cloudroofd answered HTTP ${res.status} without an error body`);
  throw new ControlError(err.data.error.code, err.data.error.message);
}

function parseJson<S extends z.ZodType>(text: string, schema: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ClientError('bad-response', 'cloudroofd sent invalid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 3).map((i) => i.path.join('.') || '(body)').join(', ');
    throw new ClientError('bad-response', `unexpected response from cloudroofd (${where}); are the CLI and the service the same version?`);
  }
  return parsed.data;
}
