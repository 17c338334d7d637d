/**
 * Main's end of the renderer ↔ main contract: every channel of the dispatcher is registered with
 * `ipcMain.handle`, and every message is checked for its sender first — it must come from the
 * webContents of one of our windows AND from a frame on app://cloudroof (a navigated-away or
 * injected frame is refused), else the answer is a `forbidden` result and no handler runs.
 *
 * Streams: the renderer invokes `stream:<name>` with `{ id, payload }`; items go back to that
 * sender only on STREAM_ITEM_CHANNEL as `{ id, item }`; the invoke resolves with the final
 * envelope. Events are validated against their schema and sent to all our windows.
 */
import { z } from 'zod';
import {
  eventChannels, IPC_ERROR_CODES, STREAM_ITEM_CHANNEL, wireName,
  type EventChannel, type IpcDispatcher, type IpcResult,
} from '../shared/ipc';
import { isAppUrl } from './app-protocol';
import type { IpcInvokeEvent, IpcMainPort, WebContentsPort } from './electron-port';

/** Which webContents are ours. */
export interface WindowRegistry {
  ownsWebContents(id: number): boolean;
  webContents(): WebContentsPort[];
}

/** A stream request as it crosses the process boundary. */
const StreamEnvelope = z.strictObject({ id: z.string().min(1).max(64), payload: z.unknown() });

const forbidden: IpcResult<never> = { ok: false, error: { code: IPC_ERROR_CODES.forbidden, message: 'this window may not use the Cloudroof API' } };

/** True when `event` comes from one of our windows, from a frame on the app's origin. */
export function isTrustedSender(event: IpcInvokeEvent, windows: WindowRegistry): boolean {
  if (!windows.ownsWebContents(event.sender.id)) return false;
  const frame = event.senderFrame;
  return frame !== null && isAppUrl(frame.url);
}

/** Registers every channel of `dispatcher` on `ipcMain`; returns a function that removes them. */
export function registerIpc(ipcMain: IpcMainPort, dispatcher: IpcDispatcher, windows: WindowRegistry): () => void {
  const registered: string[] = [];
  for (const { kind, name } of dispatcher.channels()) {
    const channel = wireName(kind, name);
    registered.push(channel);
    if (kind === 'stream') {
      ipcMain.handle(channel, async (event, raw) => {
        if (!isTrustedSender(event, windows)) return forbidden;
        const env = StreamEnvelope.safeParse(raw);
        if (!env.success) return { ok: false, error: { code: IPC_ERROR_CODES.invalidRequest, message: 'invalid stream request' } };
        const target = windows.webContents().find((c) => c.id === event.sender.id);
        return dispatcher.stream(name, env.data.payload, (item) => {
          if (target && !target.isDestroyed()) target.send(STREAM_ITEM_CHANNEL, { id: env.data.id, item });
        });
      });
    } else {
      ipcMain.handle(channel, async (event, payload) => {
        if (!isTrustedSender(event, windows)) return forbidden;
        return dispatcher.invoke(kind, name, payload);
      });
    }
  }
  return () => { for (const channel of registered) ipcMain.removeHandler(channel); };
}

/**
 * Sends an event to every window of ours, after checking `payload` against the event's schema
 * (returns false, sending nothing, when it does not match).
 */
export function broadcastEvent<E extends EventChannel>(windows: WindowRegistry, event: E, payload: z.input<(typeof eventChannels)[E]>): boolean {
  const parsed = eventChannels[event].safeParse(payload);
  if (!parsed.success) return false;
  for (const contents of windows.webContents()) {
    if (!contents.isDestroyed()) contents.send(wireName('event', event), parsed.data);
  }
  return true;
}
