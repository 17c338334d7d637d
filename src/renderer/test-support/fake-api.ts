/**
 * A fake {@link CloudroofApi} for renderer tests: the real client (createIpcClient) over an
 * in-memory transport into the real dispatcher (createIpcDispatcher), so requests and answers
 * are checked against the contract's schemas exactly as in the app. Handlers answer from a small
 * mutable state (a joined node by default); tests replace any handler, throw a ControlError for
 * an error result, push events with `emit`, and read every request from `calls`.
 */
import { createIpcClient, createIpcDispatcher, type AppState, type CloudroofApi, type EventChannel, type eventChannels } from '../../shared/ipc';
import type { AppChannel, appChannels, ServiceChannel } from '../../shared/ipc';
import { ControlError, type Peer, type RequestOf, type ResponseOf, type Status, type VerifyEvent, type VerifySiteRequest } from '../../shared/protocol';
import type { z } from 'zod';
import { defaultAppHandlers, defaultServiceHandlers, type FakeState } from './fake-handlers';
import { sampleApp, samplePeer, sampleStatus } from './fixtures';

/** A service handler: the request in, the answer (or a thrown ControlError) out. */
export type ServiceHandler<N extends ServiceChannel> = (req: RequestOf<N>) => ResponseOf<N> | Promise<ResponseOf<N>>;
/** An app handler. */
export type AppHandler<N extends AppChannel> = (req: z.infer<(typeof appChannels)[N]['request']>) => z.infer<(typeof appChannels)[N]['response']> | Promise<z.infer<(typeof appChannels)[N]['response']>>;
/** The verify stream's handler: emit items, resolve at the end (or throw a ControlError). */
export type VerifyHandler = (req: VerifySiteRequest, emit: (item: VerifyEvent) => void) => Promise<void>;

/** One recorded request. */
export interface FakeCall {
  kind: 'svc' | 'app' | 'stream';
  name: string;
  payload: unknown;
}

/** The fake and its controls. */
export interface FakeApi {
  api: CloudroofApi;
  /** What the default handlers answer from; tests may change it. */
  state: FakeState;
  service: { [N in ServiceChannel]: ServiceHandler<N> };
  app: { [N in AppChannel]: AppHandler<N> };
  verifySite: VerifyHandler;
  /** Every request, in order. */
  calls: FakeCall[];
  /** Requests of one channel. */
  callsTo(name: string): unknown[];
  /** Pushes an event to the subscribed listeners. */
  emit<E extends EventChannel>(event: E, payload: z.infer<(typeof eventChannels)[E]>): void;
  /** Number of listeners of an event. */
  listenerCount(event: EventChannel): number;
}

/** Options of {@link createFakeApi}. */
export interface FakeApiOptions {
  app?: AppState;
  status?: Status;
  peers?: Peer[];
  /** What `watchSnapshot` answers; default the status and peers. */
  snapshot?: { status: Status; peers: Peer[] } | null;
}

/** A fake API with a joined node and two peers unless told otherwise. */
export function createFakeApi(opts: FakeApiOptions = {}): FakeApi {
  const state: FakeState = {
    app: opts.app ?? sampleApp(),
    status: opts.status ?? sampleStatus(),
    peers: opts.peers ?? [samplePeer(), samplePeer({ publicKey: 'C'.repeat(43) + '=', hostname: 'pi', meshIPv4: '10.42.2.2', path: 'relay', relayVia: 'vps-1', discoveredVia: ['lan'] })],
    snapshot: opts.snapshot,
  };
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: FakeCall[] = [];
  const fake: FakeApi = {
    api: undefined as unknown as CloudroofApi,
    state,
    service: defaultServiceHandlers(state),
    app: defaultAppHandlers(state),
    verifySite: async () => { throw new ControlError('internal', 'verifySite is not scripted in this test'); },
    calls,
    callsTo: (name) => calls.filter((c) => c.name === name).map((c) => c.payload),
    emit: (event, payload) => { for (const l of listeners.get(event) ?? []) l(payload); },
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
  };
  const dispatcher = createIpcDispatcher({
    service: async (name, body) => (fake.service[name] as (b: unknown) => unknown)(body),
    stream: (_name, body, emit) => fake.verifySite(body as VerifySiteRequest, emit),
    app: new Proxy({} as never, { get: (_t, name: string) => (req: unknown) => (fake.app[name as AppChannel] as (r: unknown) => unknown)(req) }),
  });
  fake.api = createIpcClient({
    invoke: (kind, name, payload) => {
      calls.push({ kind, name, payload });
      return dispatcher.invoke(kind, name, payload);
    },
    stream: (name, payload, onItem) => {
      calls.push({ kind: 'stream', name, payload });
      return dispatcher.stream(name, payload, onItem);
    },
    subscribe: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    },
  });
  return fake;
}

/** A promise with its resolve function exposed (to hold a call open and see the busy state). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}
