/**
 * The renderer side of Electron IPC as an {@link IpcTransport} (shared/ipc/ipc-client.ts turns
 * it into the typed API). Calls are `ipcRenderer.invoke` on the channel's wire name; a stream
 * gets a random id, listens on STREAM_ITEM_CHANNEL for items carrying that id, and stops
 * listening when the invoke settles; events are `ipcRenderer.on` listeners removed on
 * unsubscribe. Raw payloads only: the client validates everything.
 */
import { STREAM_ITEM_CHANNEL, wireName, type IpcTransport } from '../shared/ipc';

/** The part of Electron's ipcRenderer the transport uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** A fresh stream id: random, so one window's concurrent streams never mix. */
function streamId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds the transport over `ipc`. */
export function createElectronTransport(ipc: IpcRendererLike): IpcTransport {
  return {
    invoke: (kind, name, payload) => ipc.invoke(wireName(kind, name), payload),
    stream: async (name, payload, onItem) => {
      const id = streamId();
      const listener = (_event: unknown, message: unknown): void => {
        const m = message as { id?: unknown; item?: unknown } | null;
        if (m && m.id === id) onItem(m.item);
      };
      ipc.on(STREAM_ITEM_CHANNEL, listener);
      try {
        return await ipc.invoke(wireName('stream', name), { id, payload });
      } finally {
        ipc.removeListener(STREAM_ITEM_CHANNEL, listener);
      }
    },
    subscribe: (event, listener) => {
      const wrapped = (_event: unknown, payload: unknown): void => listener(payload);
      const channel = wireName('event', event);
      ipc.on(channel, wrapped);
      return () => { ipc.removeListener(channel, wrapped); };
    },
  };
}
