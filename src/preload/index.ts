/**
 * The preload of every Cloudroof window (sandboxed, context-isolated): exposes exactly one
 * object, `window.cloudroof` (the typed {@link CloudroofApi} over Electron IPC), and nothing
 * else — no ipcRenderer, no Node. Its global type is in src/shared/ipc/window.d.ts.
 */
import '../shared/zod-jitless';
import { contextBridge, ipcRenderer } from 'electron';
import { createIpcClient } from '../shared/ipc';
import { createElectronTransport } from './transport';

contextBridge.exposeInMainWorld('cloudroof', createIpcClient(createElectronTransport(ipcRenderer)));
