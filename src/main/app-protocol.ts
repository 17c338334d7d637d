/**
 * The `app://cloudroof/` origin the renderer is loaded from: the scheme's privileges (registered
 * before `ready`), and the handler that serves dist/renderer with a strict CSP on every response.
 * A custom standard origin instead of file:// gives the page a real origin that sender
 * validation, navigation blocking and the CSP can name, and keeps the rest of the disk out of
 * the page's reach: every path is confined to the renderer directory.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { CustomScheme } from 'electron';

/** The scheme of the app's pages. */
export const APP_SCHEME = 'app';
/** The host of the app's pages. */
export const APP_HOST = 'cloudroof';
/** The page every window loads. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The pages' Content-Security-Policy (the same as the renderer's meta tag): only the app's own
 * scripts, styles and connections; images also as data: URLs (QR codes); no plugins, no base
 * URL, no forms, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

/**
 * The privileges of `app:`: standard (relative URLs, a real origin), secure (like https, so
 * web APIs that need a secure context work) and fetch. Not `bypassCSP`, not service workers.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme[] = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
];

/** True for a URL on the app's own origin (`app://cloudroof/…`). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    // Node's URL reports origin "null" for non-special schemes, so compare scheme and host.
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The file under `root` that `url` names, or null when the URL is not the app's or would leave
 * `root` (`..`, encoded separators, NUL bytes). `/` is index.html.
 */
export function resolveAppPath(root: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const base = resolve(root);
  const full = resolve(base, path === '/' ? 'index.html' : `.${path}`);
  return full.startsWith(base + sep) ? full : null;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function respond(status: number, body: Uint8Array | string | null, type = 'text/plain; charset=utf-8'): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': type,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
  });
}

/** Options of {@link createAppProtocolHandler}. */
export interface AppProtocolOptions {
  /** The built renderer (dist/renderer). */
  root: string;
  /** Reads a file (default fs.readFile). */
  read?: (path: string) => Promise<Uint8Array>;
}

/**
 * The `protocol.handle('app', …)` handler: GET/HEAD of files under `root` with their content
 * type and the CSP; 404 for anything else on the origin, 403 for paths outside it or other
 * hosts, 405 for other methods. Never throws.
 */
export function createAppProtocolHandler(opts: AppProtocolOptions): (request: Request) => Promise<Response> {
  const read = opts.read ?? ((p: string) => readFile(p));
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'method not allowed');
    const file = resolveAppPath(opts.root, request.url);
    if (file === null) return respond(403, 'forbidden');
    let data: Uint8Array;
    try {
      data = await read(file);
    } catch {
      return respond(404, 'not found');
    }
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return respond(200, request.method === 'HEAD' ? null : new Uint8Array(data), type);
  };
}
