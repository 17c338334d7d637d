/**
 * The web console's end of the IPC contract: {@link createHttpTransport} moves the raw payloads
 * of `createIpcClient` (src/shared/ipc) over the service's `/api` routes with `fetch`, so the
 * same screens run in Electron and in a browser. Browser code only (no Node APIs).
 *
 * - invoke → `POST /api/invoke/{svc|app}/<name>`, answered with the raw result envelope;
 * - stream → `POST /api/stream/<name>`, NDJSON `{"item"}` lines, then `{"result"}`;
 * - subscribe → one shared `GET /api/events` reader (fetch rather than EventSource, so the
 *   token travels in a header) fanned out to every listener, reconnecting with backoff
 *   (0.5 s doubling to 10 s); the server starts each connection with the app state and a watch
 *   snapshot, so listeners are brought up to date after a reconnect.
 *
 * Every request carries the token in `x-cloudroof-token` (no cookie is ever involved). A 401
 * becomes the result `{ code: 'unauthorized' }`; while the event stream is down, `app`
 * listeners are told so through the app state's `connection`, as Electron main does.
 */
import { IPC_ERROR_CODES, ipcFailure as failure, type AppState, type IpcResult, type IpcTransport } from '../../shared/ipc';
import { ErrorBody, WEB_CONSOLE_TOKEN_FORM } from '../../shared/protocol';

/** Options of {@link createHttpTransport}. */
export interface HttpTransportOptions {
  /** Origin of the console, e.g. `location.origin` (no trailing slash needed). */
  baseUrl: string;
  token: string;
  /** `fetch` to use (tests); default the global one. */
  fetch?: typeof fetch;
  /** Called when the service refuses the token (the page should ask for the URL again). */
  onUnauthorized?: () => void;
  /** Waits before reconnecting the event stream (tests); default a timer, cut short by `signal`. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The transport, plus a way to stop its event stream for good. */
export interface HttpTransport extends IpcTransport {
  /** Ends the event stream and stops reconnecting. */
  close(): void;
}

/** Code of the result a refused token produces. */
export const UNAUTHORIZED = 'unauthorized';
/** What the page should tell the user after a 401. */
export const UNAUTHORIZED_MESSAGE = 'The web console refused this page\'s access token: open the URL `cloudroof web` printed again.';
/** First and longest wait between reconnects of the event stream. */
export const RECONNECT_MS = { initial: 500, max: 10_000 } as const;
/** Name of the request header that carries the token. */
const TOKEN_HEADER = 'x-cloudroof-token';
/** sessionStorage key of the token. */
const TOKEN_KEY = 'cloudroof.webConsoleToken';

type Listener = (payload: unknown) => void;

/** Reads NDJSON values from a response body until it ends or `signal` aborts. */
async function* ndjson(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    while (!signal?.aborted) {
      const { done, value } = await reader.read();
      buffered += decoder.decode(value, { stream: !done });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) yield JSON.parse(line) as unknown;
      }
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** The result for a non-200 answer: the service's error body, or a description of the status. */
async function errorResult(res: Response, onUnauthorized: () => void): Promise<IpcResult<never>> {
  if (res.status === 401) {
    onUnauthorized();
    return failure(UNAUTHORIZED, UNAUTHORIZED_MESSAGE);
  }
  const body = ErrorBody.safeParse(await res.json().catch(() => undefined));
  if (body.success) return failure(body.data.error.code, body.data.error.message);
  return failure(IPC_ERROR_CODES.serviceUnavailable, `the web console answered HTTP ${res.status}`);
}

const sleepFor = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/** Builds the transport. Nothing is fetched until the first call or subscription. */
export function createHttpTransport(opts: HttpTransportOptions): HttpTransport {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const base = opts.baseUrl.replace(/\/+$/, '');
  const onUnauthorized = opts.onUnauthorized ?? (() => undefined);
  const request: Requester = (path, init) => doFetch(`${base}${path}`, {
    ...init, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
    headers: { [TOKEN_HEADER]: opts.token, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
  });
  const post = (path: string, payload: unknown): Promise<Response> =>
    request(path, { method: 'POST', ...(payload === undefined ? {} : { body: JSON.stringify(payload) }) });
  const events = new EventFeed(request, onUnauthorized, opts.sleep ?? sleepFor);
  return {
    invoke: async (kind, name, payload) => {
      const res = await post(`/api/invoke/${kind}/${encodeURIComponent(name)}`, payload);
      return res.status === 200 ? res.json() : errorResult(res, onUnauthorized);
    },
    stream: async (name, payload, onItem) => {
      const res = await post(`/api/stream/${encodeURIComponent(name)}`, payload);
      if (res.status !== 200 || !res.body) return errorResult(res, onUnauthorized);
      for await (const line of ndjson(res.body)) {
        const l = line as { item?: unknown; result?: unknown };
        if ('result' in l) return l.result;
        if ('item' in l) onItem(l.item);
      }
      throw new Error('the stream ended before its result');
    },
    subscribe: events.subscribe,
    close: events.close,
  };
}

/** Sends a request to the console (path below the base URL) with the token. */
type Requester = (path: string, init: RequestInit) => Promise<Response>;

/**
 * The shared `/api/events` reader behind `subscribe`: started by the first listener, stopped
 * when the last one leaves; reconnects after {@link RECONNECT_MS} (doubling, reset once a line
 * arrives) and stops for good when the token is refused.
 */
class EventFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private running: AbortController | undefined;
  private lastApp: AppState | undefined;

  constructor(private readonly request: Requester, private readonly onUnauthorized: () => void, private readonly sleep: NonNullable<HttpTransportOptions['sleep']>) {}

  subscribe = (event: string, listener: Listener): (() => void) => {
    const set = this.listeners.get(event) ?? new Set<Listener>();
    this.listeners.set(event, set.add(listener));
    if (!this.running) {
      this.running = new AbortController();
      void this.loop(this.running.signal);
    }
    return () => {
      set.delete(listener);
      if ([...this.listeners.values()].every((s) => s.size === 0)) this.close();
    };
  };

  close = (): void => {
    this.running?.abort();
    this.running = undefined;
  };

  private deliver(event: string, payload: unknown): void {
    if (event === 'app') this.lastApp = payload as AppState;
    for (const l of [...(this.listeners.get(event) ?? [])]) l(payload);
  }

  /** Tells `app` listeners the connection state (once an app state is known, or when refused). */
  private connection(state: 'not-running' | 'error', message: string): void {
    if (!this.lastApp && state !== 'error') return;
    const app: AppState = this.lastApp ?? { environment: 'web', appVersion: '', platform: '', update: { state: 'disabled' }, connection: { state } };
    this.deliver('app', { ...app, connection: { state, message } });
  }

  /** Reads one connection until it ends; true when the token was refused (do not retry). */
  private async readOnce(signal: AbortSignal, onLine: () => void): Promise<boolean> {
    const res = await this.request('/api/events', { method: 'GET', signal });
    if (res.status === 401) return true;
    if (res.status !== 200 || !res.body) return false;
    for await (const line of ndjson(res.body, signal)) {
      onLine();
      const l = line as { event?: unknown; payload?: unknown };
      if (typeof l.event === 'string') this.deliver(l.event, l.payload);
    }
    return false;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let delay: number = RECONNECT_MS.initial;
    while (!signal.aborted) {
      const refused = await this.readOnce(signal, () => { delay = RECONNECT_MS.initial; }).catch(() => false);
      if (signal.aborted) return;
      if (refused) {
        this.onUnauthorized();
        return this.connection('error', UNAUTHORIZED_MESSAGE);
      }
      this.connection('not-running', 'Lost the connection to the Cloudroof service; reconnecting…');
      await this.sleep(delay, signal);
      delay = Math.min(delay * 2, RECONNECT_MS.max);
    }
  }
}

/**
 * The console's token: taken from the address's `#token=…` (then kept in sessionStorage and
 * removed from the address bar, so it is not bookmarked, shared or shown), else the one this
 * tab kept earlier; undefined when there is none.
 */
export function takeTokenFromLocation(
  location: Pick<Location, 'hash' | 'pathname' | 'search'>, history: Pick<History, 'replaceState' | 'state'>, storage: Pick<Storage, 'getItem' | 'setItem'>,
): string | undefined {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  if (fromHash !== null) history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  if (fromHash !== null && WEB_CONSOLE_TOKEN_FORM.test(fromHash)) {
    storage.setItem(TOKEN_KEY, fromHash);
    return fromHash;
  }
  return storage.getItem(TOKEN_KEY) ?? undefined;
}
