/**
 * Request/response plumbing of the control server: body reading with a size limit, media-type
 * and JSON checks, schema validation, and JSON/error responses. Error messages built here never
 * echo request content (a request body may be the mesh secret).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { ControlError, JSON_MEDIA_TYPE, MAX_BODY_BYTES, NDJSON_MEDIA_TYPE } from '../../shared/protocol';

/** True when the request announces a body (a non-zero length or a chunked transfer). */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Reads the whole body, refusing more than `limit` bytes with `payload-too-large`. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new ControlError('payload-too-large', `request body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ControlError('payload-too-large', `request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Describes zod issues by path only (never by value): `secret: Too big: …; meshSubnet: …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts: string[] = [];
  for (const issue of issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) parts.push(`${[at, key.slice(0, 40)].filter(Boolean).join('.')}: unknown member`);
    } else {
      parts.push(`${at || '(body)'}: ${issue.message}`);
    }
  }
  return parts.slice(0, 10).join('; ');
}

/**
 * Reads and validates a JSON request body against `schema`. An absent body counts as `{}`;
 * a present one needs `Content-Type: application/json`.
 */
export async function readJsonBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  let value: unknown = {};
  if (hasBody(req)) {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== JSON_MEDIA_TYPE) {
      throw new ControlError('unsupported-media-type', `request body must be ${JSON_MEDIA_TYPE}`);
    }
    const body = await readBody(req);
    if (body.length > 0) {
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ControlError('invalid-json', 'request body is not valid JSON'); // SyntaxError quotes the input
      }
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ControlError('invalid-body', `invalid request body: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': JSON_MEDIA_TYPE,
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Sends the 200 head of an NDJSON stream (never cached, never sniffed), plus `headers`. */
export function writeNdjsonHead(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': NDJSON_MEDIA_TYPE, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
}

/**
 * Sends an error body. After errors raised before the body was read (413, 415), the connection
 * is closed rather than kept alive, so an unread body cannot be taken for the next request.
 */
export function sendError(res: ServerResponse, err: ControlError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const close = err.code === 'payload-too-large' || err.code === 'unsupported-media-type';
  sendJson(res, err.status, err.toBody(), close ? { ...headers, connection: 'close' } : headers);
}
