/**
 * The global the preload exposes (src/preload/index.ts): `window.cloudroof`, present in the
 * Electron app and absent in the web console (which builds the same API over HTTP).
 */
import type { CloudroofApi } from './schema';

declare global {
  interface Window {
    /** The typed renderer ↔ main API; undefined outside Electron. */
    cloudroof?: CloudroofApi;
  }
}

export {};
