/**
 * Picks the renderer's API: `window.cloudroof` when the Electron preload exposed it, else the
 * web console's HTTP client, built with the token from the URL fragment (`#token=…`, which
 * takeTokenFromLocation moves into sessionStorage and out of the address bar). Call it before
 * anything reads the hash route.
 */
import { createIpcClient, type CloudroofApi } from '../../shared/ipc';
import { createHttpTransport, takeTokenFromLocation } from './http-transport';

/** Options of {@link pickApi}. */
export interface PickApiOptions {
  /** Called when the web console refuses the token. */
  onUnauthorized?: () => void;
}

/** The API of this page. */
export function pickApi(opts: PickApiOptions = {}): CloudroofApi {
  if (window.cloudroof) return window.cloudroof;
  const token = takeTokenFromLocation(window.location, window.history, window.sessionStorage);
  return createIpcClient(createHttpTransport({ baseUrl: window.location.origin, token: token ?? '', onUnauthorized: opts.onUnauthorized }));
}
