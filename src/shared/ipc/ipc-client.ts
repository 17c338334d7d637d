/**
 * The renderer's end of the IPC contract, generated from schema.ts: {@link createIpcClient}
 * turns a transport (Electron's ipcRenderer in preload, HTTP in the web console) into the typed
 * {@link CloudroofApi}. Requests are validated before they are sent and answers after they
 * arrive, so a version mismatch becomes a `bad-response` result instead of a crash in a screen.
 * Nothing here throws to the caller: every failure is an `{ ok: false }` result.
 */
import type { z } from 'zod';
import {
  appChannels, eventChannels, IPC_ERROR_CODES, ipcFailure as fail, ipcResult, SERVICE_CHANNELS, serviceSchemas, STREAM_CHANNELS,
  streamSchemas, type CloudroofApi, type EventChannel, type IpcResult,
} from './schema';

/** Moves raw payloads; knows nothing of schemas. */
export interface IpcTransport {
  /** Sends a call and resolves with the raw result envelope (never rejects for a service error). */
  invoke(kind: 'svc' | 'app', name: string, payload: unknown): Promise<unknown>;
  /** Opens a stream; `onItem` gets each raw item; resolves with the raw final envelope. */
  stream(name: string, payload: unknown, onItem: (item: unknown) => void): Promise<unknown>;
  /** Subscribes to an event's raw payloads. */
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

/** Where a schema failed, by path only (values may be secrets). */
function where(err: z.ZodError): string {
  return err.issues.slice(0, 3).map((i) => i.path.join('.') || '(body)').join(', ');
}

/** One call's schemas: the request's (null: none) and the result envelope's. */
interface CallSchemas {
  request: z.ZodType | null;
  result: () => z.ZodType;
}

/** `make()`, run on first use and kept: a channel's envelope schema costs far more to build than to use. */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

async function call(transport: IpcTransport, kind: 'svc' | 'app', name: string, { request, result }: CallSchemas, req: unknown): Promise<IpcResult<unknown>> {
  let payload: unknown;
  if (request !== null) {
    const checked = request.safeParse(req ?? {});
    if (!checked.success) return fail(IPC_ERROR_CODES.invalidRequest, `invalid request (${where(checked.error)})`);
    payload = checked.data;
  }
  let raw: unknown;
  try {
    raw = await transport.invoke(kind, name, payload);
  } catch (err) {
    return fail(IPC_ERROR_CODES.serviceUnavailable, err instanceof Error ? err.message : 'the call failed');
  }
  const parsed = result().safeParse(raw);
  if (!parsed.success) return fail(IPC_ERROR_CODES.badResponse, `unexpected answer to ${name} (${where(parsed.error)}); are the app and the service the same version?`);
  return parsed.data as IpcResult<unknown>;
}

/** Builds the typed API over `transport`. */
export function createIpcClient(transport: IpcTransport): CloudroofApi {
  const service: Record<string, (req?: unknown) => Promise<IpcResult<unknown>>> = {};
  for (const name of SERVICE_CHANNELS) {
    const { request, response } = serviceSchemas(name);
    const schemas = { request, result: once(() => ipcResult(response)) };
    service[name] = (req?: unknown) => call(transport, 'svc', name, schemas, req);
  }
  const app: Record<string, (req?: unknown) => Promise<IpcResult<unknown>>> = {};
  for (const [name, def] of Object.entries(appChannels)) {
    const schemas = { request: def.request, result: once(() => ipcResult(def.response)) };
    app[name] = (req?: unknown) => call(transport, 'app', name, schemas, req);
  }
  const stream: Record<string, (req: unknown, onItem: (item: unknown) => void) => Promise<IpcResult<null>>> = {};
  for (const name of STREAM_CHANNELS) {
    const { request, item } = streamSchemas(name);
    const end = once(() => ipcResult(item.nullable()));
    stream[name] = async (req, onItem) => {
      const checked = request.safeParse(req);
      if (!checked.success) return fail(IPC_ERROR_CODES.invalidRequest, `invalid request (${where(checked.error)})`);
      let raw: unknown;
      try {
        raw = await transport.stream(name, checked.data, (rawItem) => {
          const parsed = item.safeParse(rawItem);
          if (parsed.success) onItem(parsed.data);
        });
      } catch (err) {
        return fail(IPC_ERROR_CODES.serviceUnavailable, err instanceof Error ? err.message : 'the stream failed');
      }
      const parsed = end().safeParse(raw);
      if (!parsed.success) return fail(IPC_ERROR_CODES.badResponse, `unexpected end of ${name}`);
      return parsed.data.ok ? { ok: true, value: null } : parsed.data;
    };
  }
  const on = (event: EventChannel, listener: (payload: never) => void): (() => void) => {
    const schema = eventChannels[event];
    if (!schema) return () => undefined;
    return transport.subscribe(event, (raw) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) (listener as (p: unknown) => void)(parsed.data);
    });
  };
  return { service, app, stream, on } as unknown as CloudroofApi;
}
