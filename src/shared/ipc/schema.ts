/**
 * The renderer ↔ main contract as one declarative table (ARCHITECTURE.md principle 2; Mullvad's
 * `ipc-schema.ts`): every call, stream and event the renderer may use, with its request and
 * response schemas. Both ends are generated from it — the client (ipc-client.ts: preload's exposed
 * object, the web console's HTTP transport) and the dispatcher (dispatcher.ts: main's
 * `ipcMain.handle` table, the web console's `/api` routes) — so a channel exists exactly when it
 * is listed here, and its payloads are checked at runtime on both sides.
 *
 * Service calls pass through to the control API: their schemas are the endpoints' own
 * (shared/protocol/endpoints.ts). The allow-list leaves out what the UI must not reach
 * (diagnostics, logs, the web console's tokenised URL).
 */
import { z } from 'zod';
import { endpoints, Peer, Status, WatchEvent, type RequestOf, type ResponseOf } from '../protocol';
import { AppSettingsPatch, AppState, Route } from './app-schemas';

/** Control-API endpoints the renderer may call (through main or the web console). */
export const SERVICE_CHANNELS = [
  'status', 'peers', 'join', 'leave', 'getPrefs', 'patchPrefs', 'version',
  'routes', 'detectRoutes', 'checkRoutes', 'advertiseRoutes', 'withdrawRoutes',
  'sites', 'exposeSite', 'removeSite', 'edge', 'enableEdge', 'disableEdge', 'doctor',
  'localServices', 'probeSite', 'edges', 'revealSecret',
] as const;
/** A service call of the renderer. */
export type ServiceChannel = (typeof SERVICE_CHANNELS)[number];

/** Control-API streams the renderer may open. */
export const STREAM_CHANNELS = ['verifySite'] as const;
/** A stream of the renderer. */
export type StreamChannel = (typeof STREAM_CHANNELS)[number];

const Empty = z.strictObject({});

/** Calls handled by main itself (or the web console), not passed to the service. */
export const appChannels = {
  /** The app's state (also pushed as the `app` event on every change). */
  getAppState: { request: Empty, response: AppState },
  /** The last watch snapshot main holds (status and peers), or null before the first one. */
  watchSnapshot: { request: Empty, response: z.object({ status: Status, peers: z.array(Peer) }).nullable() },
  /** Installs (or upgrades) the service behind one administrator prompt; resolves when it answers. */
  installService: { request: Empty, response: AppState },
  /** Leaves the mesh, removes the service and everything it changed; `purge` also deletes its state (identity, secret). */
  uninstallService: { request: z.strictObject({ purge: z.boolean() }), response: AppState },
  setAppSettings: { request: AppSettingsPatch, response: AppState },
  checkForUpdates: { request: Empty, response: AppState },
  /** Quits and installs a downloaded update. */
  installUpdate: { request: Empty, response: AppState },
  /** Opens an http(s) URL in the user's browser. */
  openExternal: { request: z.strictObject({ url: z.string().max(2048) }), response: Empty },
} as const;
/** A call handled by main itself. */
export type AppChannel = keyof typeof appChannels;

/** Events pushed to the renderer. */
export const eventChannels = {
  /** The app's state changed. */
  app: AppState,
  /** A line of the service's watch stream, as received (the first after (re)connecting is a snapshot). */
  watch: WatchEvent,
  /** Show a screen (a tray item or a notification was clicked). */
  navigate: z.object({ route: Route }),
} as const;
/** An event pushed to the renderer. */
export type EventChannel = keyof typeof eventChannels;

/** Request and response schema of a service call (the endpoint's own). */
export function serviceSchemas(name: ServiceChannel): { request: z.ZodType | null; response: z.ZodType } {
  const def = endpoints[name];
  return { request: def.request, response: def.response };
}

/** Request and item schema of a stream. */
export function streamSchemas(name: StreamChannel): { request: z.ZodType; item: z.ZodType } {
  const def = endpoints[name];
  return { request: def.request, item: def.response };
}

/** The error half of a result: a kebab-case code (the service's, or one of {@link IPC_ERROR_CODES}) and a message safe to show. */
export const IpcErrorInfo = z.object({ code: z.string(), message: z.string() });
/** The error half of a result. */
export type IpcErrorInfo = z.infer<typeof IpcErrorInfo>;

/** Codes the IPC layer itself produces. */
export const IPC_ERROR_CODES = {
  /** The channel is not in this table. */
  unknownChannel: 'unknown-channel',
  /** The request does not match its schema. */
  invalidRequest: 'invalid-request',
  /** The answer does not match its schema (a version mismatch). */
  badResponse: 'bad-response',
  /** The sender is not a window of this app (main) or lacks the token (web console). */
  forbidden: 'forbidden',
  /** The call exists but not here (an installer call in the web console). */
  unsupported: 'unsupported',
  /** The service cannot be reached; the message says why. */
  serviceUnavailable: 'service-unavailable',
  internal: 'internal',
} as const;

/**
 * What every call returns across the process boundary: a result envelope, never a throw
 * (Electron keeps only the message of an error thrown from `ipcMain.handle`).
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcErrorInfo };

/** The failed result with `code` and `message` (the one way every end of the contract builds one). */
export function ipcFailure(code: string, message: string): IpcResult<never> {
  return { ok: false, error: { code, message } };
}

/** Schema of a result envelope around `value`. */
export function ipcResult<T extends z.ZodType>(value: T) {
  return z.union([
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: IpcErrorInfo }),
  ]);
}

/** A service call's function type. */
type ServiceFn<N extends ServiceChannel> = RequestOf<N> extends undefined
  ? () => Promise<IpcResult<ResponseOf<N>>>
  : (req: RequestOf<N>) => Promise<IpcResult<ResponseOf<N>>>;

/** An app call's function type. */
type AppFn<N extends AppChannel> = (req: z.input<(typeof appChannels)[N]['request']>) => Promise<IpcResult<z.infer<(typeof appChannels)[N]['response']>>>;

/**
 * The one object the renderer talks through: `window.cloudroof` in Electron (preload), or the
 * same object over HTTP in the web console. Every function resolves with an {@link IpcResult}.
 */
export interface CloudroofApi {
  service: { [N in ServiceChannel]: ServiceFn<N> };
  /** Opens a stream; `onItem` gets each line; resolves when it ends. */
  stream: { [N in StreamChannel]: (req: RequestOf<N>, onItem: (item: ResponseOf<N>) => void) => Promise<IpcResult<null>> };
  app: { [N in AppChannel]: AppFn<N> };
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: z.infer<(typeof eventChannels)[E]>) => void): () => void;
}

/** Wire name of a channel: `svc:status`, `app:getAppState`, `stream:verifySite`, `event:watch`. */
export function wireName(kind: 'svc' | 'app' | 'stream' | 'event', name: string): string {
  return `cloudroof:${kind}:${name}`;
}

/** Wire name of the channel that carries stream items (`{ id, item }`) from main to the renderer. */
export const STREAM_ITEM_CHANNEL = 'cloudroof:stream-item';
