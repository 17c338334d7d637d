/**
 * The serving end of the IPC contract, generated from schema.ts: main registers
 * {@link IpcDispatcher.channels} with `ipcMain.handle`, the web console routes `/api/…` to
 * {@link IpcDispatcher.invoke} and {@link IpcDispatcher.stream}. Each request is checked against
 * the channel's schema before a handler sees it (the renderer is untrusted), each answer against
 * the response schema, and every failure becomes an `{ ok: false }` envelope whose message is
 * safe to show: errors carrying a kebab-case `code` keep their code and message (the service's
 * ControlError, main's client errors), anything else becomes `internal` without details.
 */
import type { z } from 'zod';
import {
  appChannels, IPC_ERROR_CODES, ipcFailure as fail, SERVICE_CHANNELS, serviceSchemas, STREAM_CHANNELS, streamSchemas,
  type AppChannel, type IpcResult, type ServiceChannel, type StreamChannel,
} from './schema';

/** What serves the calls (main: the service client and its own modules; web console: the backend). */
export interface IpcHandlers {
  /** Calls a control-API endpoint with a body already checked against its request schema. */
  service(name: ServiceChannel, body: unknown): Promise<unknown>;
  /** Runs a stream endpoint, calling `emit` per item, resolving when it ends. */
  stream(name: StreamChannel, body: unknown, emit: (item: unknown) => void): Promise<void>;
  /** Main's own calls (the web console answers `unsupported` for those it cannot do). */
  app: { [N in AppChannel]: (req: z.infer<(typeof appChannels)[N]['request']>) => Promise<z.infer<(typeof appChannels)[N]['response']>> };
}

/** A channel to register: its kind and name. */
export interface ChannelRef {
  kind: 'svc' | 'app' | 'stream';
  name: string;
}

/** Dispatches raw requests to handlers; never rejects. */
export interface IpcDispatcher {
  /** Every channel of the table. */
  channels(): ChannelRef[];
  invoke(kind: 'svc' | 'app', name: string, payload: unknown): Promise<IpcResult<unknown>>;
  stream(name: string, payload: unknown, emit: (item: unknown) => void): Promise<IpcResult<null>>;
}

/** An error to send: `{ code, message }` kept when the code is kebab-case, else `internal`. */
export function toIpcError(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e && typeof e.code === 'string' && /^[a-z][a-z0-9-]{0,63}$/.test(e.code) && typeof e.message === 'string') {
    return { code: e.code, message: e.message };
  }
  return { code: IPC_ERROR_CODES.internal, message: 'internal error' };
}

const isService = (name: string): name is ServiceChannel => (SERVICE_CHANNELS as readonly string[]).includes(name);
const isStream = (name: string): name is StreamChannel => (STREAM_CHANNELS as readonly string[]).includes(name);
const isApp = (name: string): name is AppChannel => Object.hasOwn(appChannels, name);

function describe(err: z.ZodError): string {
  return err.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

async function run(request: z.ZodType | null, response: z.ZodType, payload: unknown, fn: (body: unknown) => Promise<unknown>): Promise<IpcResult<unknown>> {
  let body: unknown;
  if (request !== null) {
    const checked = request.safeParse(payload ?? {});
    if (!checked.success) return fail(IPC_ERROR_CODES.invalidRequest, `invalid request: ${describe(checked.error)}`);
    body = checked.data;
  }
  let value: unknown;
  try {
    value = await fn(body);
  } catch (err) {
    return { ok: false, error: toIpcError(err) };
  }
  const out = response.safeParse(value);
  if (!out.success) return fail(IPC_ERROR_CODES.badResponse, 'unexpected answer; are the app and the service the same version?');
  return { ok: true, value: out.data };
}

/** Builds the dispatcher over `h`. */
export function createIpcDispatcher(h: IpcHandlers): IpcDispatcher {
  return {
    channels: () => [
      ...SERVICE_CHANNELS.map((name) => ({ kind: 'svc' as const, name })),
      ...Object.keys(appChannels).map((name) => ({ kind: 'app' as const, name })),
      ...STREAM_CHANNELS.map((name) => ({ kind: 'stream' as const, name })),
    ],
    invoke: (kind, name, payload) => {
      if (kind === 'svc' && isService(name)) {
        const { request, response } = serviceSchemas(name);
        return run(request, response, payload, (body) => h.service(name, body));
      }
      if (kind === 'app' && isApp(name)) {
        const def = appChannels[name];
        const handler = h.app[name] as (req: unknown) => Promise<unknown>;
        return run(def.request, def.response, payload, (body) => handler(body));
      }
      return Promise.resolve(fail(IPC_ERROR_CODES.unknownChannel, 'no such call'));
    },
    stream: async (name, payload, emit) => {
      if (!isStream(name)) return fail(IPC_ERROR_CODES.unknownChannel, 'no such stream');
      const { request, item } = streamSchemas(name);
      const checked = request.safeParse(payload ?? {});
      if (!checked.success) return fail(IPC_ERROR_CODES.invalidRequest, `invalid request: ${describe(checked.error)}`);
      try {
        await h.stream(name, checked.data, (raw) => {
          const parsed = item.safeParse(raw);
          if (parsed.success) emit(parsed.data);
        });
      } catch (err) {
        return { ok: false, error: toIpcError(err) };
      }
      return { ok: true, value: null };
    },
  };
}
