/**
 * Static files of the web console: the built renderer (index.html, assets/*) from the web root.
 * They are the public bundle, so they need no token; the checks that matter here are
 * confinement and content types. Paths are percent-decoded once, split into segments, and
 * refused when a segment is empty (a directory, `//`), `.`/`..`, or a dotfile, or when the
 * decoded path holds a backslash or NUL; the real path (symlinks resolved) must still lie
 * inside the real web root, and it must be a regular file. Nothing lists a directory.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ControlError } from '../../shared/protocol';
import { sendError } from './http';

/**
 * Content types of what a Vite build emits. A closed table on purpose: anything else is sent as
 * `application/octet-stream`, which `nosniff` keeps from being run as a script or a page.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Content type for a file name (by extension, case-insensitive). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

const notFound = (): ControlError => new ControlError('not-found', 'no such file');

/**
 * The segments of a request path below the web root (`/` is index.html), or undefined when the
 * path may not be served. `rawPath` is the request target before `?`, still percent-encoded.
 */
export function staticSegments(rawPath: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded)) return undefined;
  if (decoded === '/') return ['index.html'];
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return undefined;
  return segments;
}

/** The real path of `segments` under `root` when it is a regular file inside it, else undefined. */
async function confined(root: string, segments: string[]): Promise<{ file: string; size: number } | undefined> {
  const realRoot = await realpath(root).catch(() => undefined);
  if (realRoot === undefined) return undefined;
  const joined = path.resolve(realRoot, ...segments);
  if (!joined.startsWith(realRoot + path.sep)) return undefined;
  const real = await realpath(joined).catch(() => undefined);
  if (real === undefined || !real.startsWith(realRoot + path.sep)) return undefined;
  const st = await stat(real).catch(() => undefined);
  return st?.isFile() ? { file: real, size: st.size } : undefined;
}

/**
 * Answers GET/HEAD of a static file (405 for other methods, 404 for anything not servable).
 * index.html and other top-level files are `no-store` (a new build must show at once); files
 * under `assets/` carry content hashes in their names and may be cached.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, rawPath: string, root: string | undefined): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendError(res, new ControlError('method-not-allowed', 'method not allowed; use GET'), { allow: 'GET, HEAD' });
  }
  const segments = staticSegments(rawPath);
  const found = segments && root !== undefined ? await confined(root, segments) : undefined;
  if (!segments || !found) return sendError(res, notFound());
  const immutable = segments.length > 1 && segments[0] === 'assets';
  res.writeHead(200, {
    'content-type': contentTypeOf(found.file),
    'content-length': String(found.size),
    'cache-control': immutable ? 'private, max-age=31536000, immutable' : 'no-store',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A file that vanishes mid-way (a rebuild) ends the response early; the client sees a short body.
  await pipeline(createReadStream(found.file), res).catch(() => res.destroy());
}
