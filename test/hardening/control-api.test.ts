// Fuzzing the control API (src/service/control) over its real Unix socket, with the FakeBackend:
// malformed HTTP written raw to the socket, wrong methods on every endpoint, bodies over
// MAX_BODY_BYTES, invalid JSON, wrong media types, and schema violations generated from each
// endpoint's zod request schema (wrong types, extra members, missing members). Every answer must
// be a 4xx with `{ error: { code, message } }` from the service (or Node's own 4xx/closed
// connection for HTTP it cannot parse), never a 5xx, and /v1/status must still answer. Slow
// clients (one header byte per second, a trickled body, an idle connection) are cut off by the
// server's default timeouts. Access: a local user outside the control group cannot connect.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, ErrorBody, MAX_BODY_BYTES, type EndpointDef } from '../../src/shared/protocol';
import { FakeBackend } from '../../src/service/control/fake';
import { DEFAULT_REQUEST_TIMEOUT_MS, startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';
import { anyString, HOSTILE_PIECES, jsonValue } from './support/arbitraries';
import { RUNS, RESULTS_DIR, envInt, params } from './support/fuzz';
import { wellFormed } from './support/json-oracle';
import { raw, request, runSlowClients } from './support/raw-http';
import { mkdirSync, writeFileSync } from 'node:fs';

/** Requests in the fuzz phase: HARDENING_CONTROL_REQUESTS, default 5 × HARDENING_RUNS (10 000). */
const REQUESTS = envInt('HARDENING_CONTROL_REQUESTS', RUNS * 5);
const PARALLEL = 8;

// ---- generators ----------------------------------------------------------------------------

type JsonSchema = {
  type?: string; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; enum?: unknown[];
  minLength?: number; maxLength?: number; minimum?: number; maximum?: number; minItems?: number; maxItems?: number;
};

/** Values the JSON schema admits (zod refinements are not in it: the server may still refuse them). */
function validFor(js: JsonSchema): fc.Arbitrary<unknown> {
  if (js.enum) return fc.constantFrom(...js.enum);
  switch (js.type) {
    case 'object': {
      const props = js.properties ?? {};
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, validFor(s)])), { requiredKeys: js.required ?? [] });
    }
    case 'string': return fc.oneof(
      fc.string({ minLength: js.minLength ?? 0, maxLength: Math.min(js.maxLength ?? 40, 40) }),
      fc.constantFrom('wgmesh://v1/hardening-control-secret-0123456789', '192.168.1.0/24', '10.77.0.0/16', 'blog', 'www.example.com', 'http://127.0.0.1:8080', '/healthz', '1g')
        .filter((s) => s.length >= (js.minLength ?? 0) && s.length <= (js.maxLength ?? Infinity)),
    );
    case 'integer': return fc.integer({ min: Math.max(js.minimum ?? -1e6, -1e6), max: Math.min(js.maximum ?? 1e6, 1e6) });
    case 'number': return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(validFor(js.items ?? {}), { minLength: js.minItems ?? 0, maxLength: Math.min(js.maxItems ?? 4, 4) });
    default: return jsonValue;
  }
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

/** A value of another JSON type than `js` asks for. */
function wrongType(js: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(jsonValue, fc.constantFrom(1.5, -1, 1e300, '', 'x'.repeat(5000), [], {}, null, true))
    .filter((v) => js.type === undefined ? false : js.type === 'number' ? typeof v !== 'number' : typeOf(v) !== js.type && !(js.type === 'number' && typeOf(v) === 'integer'));
}

/** One schema violation of `value` (valid for `js`): a wrong type somewhere, an extra member, a missing member. */
function violate(value: unknown, js: JsonSchema): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [wrongType(js)];
  if (js.type === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    const props = js.properties ?? {};
    options.push(fc.tuple(fc.oneof(anyString(10), fc.constantFrom('__proto__', 'constructor', 'secret', 'Secret', 'SWITCH')), jsonValue)
      .map(([k, v]) => JSON.parse(JSON.stringify({ ...obj, [k]: v })) as unknown));
    if (js.required?.length) options.push(fc.constantFrom(...js.required).map((k) => Object.fromEntries(Object.entries(obj).filter(([x]) => x !== k))));
    if (keys.length) options.push(fc.constantFrom(...keys).chain((k) => violate(obj[k], props[k] ?? {}).map((v) => ({ ...obj, [k]: v }))));
  }
  if (js.type === 'array' && Array.isArray(value) && value.length) {
    options.push(fc.nat(value.length - 1).chain((i) => violate(value[i], js.items ?? {}).map((v) => value.map((x, j) => (j === i ? v : x)))));
  }
  if (js.type === 'string') options.push(fc.constant('y'.repeat((js.maxLength ?? 100) + 1)));
  return fc.oneof(...options);
}

const defs = Object.entries(endpoints) as [string, EndpointDef][];
const withBody = defs.filter(([, d]) => d.request !== null);
const PATHS = [...new Set(defs.map(([, d]) => d.path))];
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'G%T'];

/** A request and what the answer must be. */
interface Case { kind: string; bytes: Buffer; expect: 'error-4xx' | 'invalid-body' | 'any-non-5xx' | 'unparsable' }

const schemaCase: fc.Arbitrary<Case> = fc.constantFrom(...withBody).chain(([name, d]) => {
  const js = z.toJSONSchema(d.request as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return validFor(js).chain((v) => fc.oneof(
    { weight: 4, arbitrary: violate(v, js).map((bad) => ({ bad, kind: 'schema-violation' })) },
    { weight: 1, arbitrary: fc.constant({ bad: v, kind: 'schema-shaped' }) },
  )).map(({ bad, kind }) => {
    const ok = (d.request as z.ZodType).safeParse(bad).success;
    return { kind: `${kind}:${name}`, bytes: request(d.method, d.path, JSON.stringify(bad)), expect: ok ? 'any-non-5xx' as const : 'invalid-body' as const };
  });
});

const wrongMethodCase: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom(...METHODS))
  .filter(([p, m]) => !defs.some(([, d]) => d.path === p && d.method === m))
  // CONNECT, lower-case and invalid method tokens are refused by Node's HTTP parser before the service sees them.
  .map(([p, m]) => ({ kind: 'wrong-method', bytes: request(m, p), expect: /^[A-Z]+$/.test(m) && m !== 'CONNECT' ? 'error-4xx' as const : 'unparsable' as const }));

const bodyTarget = fc.constantFrom(...withBody.map(([, d]) => d));
const hugeBodyCase: fc.Arbitrary<Case> = fc.tuple(bodyTarget, fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 4 }), fc.constantFrom('length', 'chunked', 'lie-small'))
  .map(([d, n, how]) => {
    const body = `{"secret":"${'a'.repeat(n)}"}`;
    if (how === 'chunked') {
      const chunks = body.match(/[\s\S]{1,16384}/g) ?? [];
      return { kind: 'huge-body-chunked', bytes: request(d.method, d.path, `${chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`, { 'transfer-encoding': 'chunked' }), expect: 'error-4xx' as const };
    }
    if (how === 'lie-small') return { kind: 'huge-body-short-length', bytes: request(d.method, d.path, body, { 'content-length': '10' }), expect: 'unparsable' as const };
    return { kind: 'huge-body', bytes: request(d.method, d.path, body), expect: 'error-4xx' as const };
  });

const invalidJsonCase: fc.Arbitrary<Case> = fc.tuple(bodyTarget, fc.oneof(anyString(80), fc.constantFrom('{', '{"a":', '[1,2', '{"secret":"\\ud800"', 'nul', '{}}', '\u0000', '{"a":1,}')))
  .filter(([, b]) => { try { JSON.parse(b); return false; } catch { return b !== ''; } }) // an empty body counts as {}
  .map(([d, b]) => ({ kind: 'invalid-json', bytes: request(d.method, d.path, b), expect: 'error-4xx' as const }));

const mediaTypeCase: fc.Arbitrary<Case> = fc.tuple(bodyTarget, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/jsonx', ''))
  .map(([d, t]) => ({ kind: 'wrong-media-type', bytes: request(d.method, d.path, '{}', { 'content-type': t }), expect: 'error-4xx' as const }));

const token = fc.string({ unit: fc.constantFrom(...HOSTILE_PIECES, 'GET', ' ', '/v1/status', 'HTTP/1.1', '\r\n', ':', 'a'), maxLength: 12 });
const malformedCase: fc.Arbitrary<Case> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  token.map((t) => Buffer.from(`${t}\r\n\r\n`, 'utf8')),
  fc.tuple(fc.constantFrom('GET', 'POST'), token).map(([m, t]) => Buffer.from(`${m} ${t} HTTP/1.1\r\nhost: x\r\n\r\n`, 'utf8')),
  fc.tuple(token, token).map(([k, v]) => Buffer.from(`GET /v1/status HTTP/1.1\r\n${k}: ${v}\r\n\r\n`, 'utf8')),
  fc.constantFrom(
    'GET /v1/status HTTP/1.1\r\ncontent-length: -1\r\n\r\n', 'POST /v1/join HTTP/1.1\r\ncontent-length: abc\r\n\r\n{}',
    'POST /v1/join HTTP/1.1\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}', 'POST /v1/join HTTP/1.1\r\ncontent-length: 999\r\ncontent-type: application/json\r\n\r\n{}',
    'POST /v1/join HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    'POST /v1/join HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    'POST /v1/join HTTP/1.1\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 'GET /v1/status HTTP/9.9\r\n\r\n', 'GET /v1/status\r\n\r\n',
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', `GET /v1/status HTTP/1.1\r\nx: ${'a'.repeat(20_000)}\r\n\r\n`, `GET /${'a'.repeat(70_000)} HTTP/1.1\r\n\r\n`,
    'GET http://evil.example/v1/status HTTP/1.1\r\n\r\n', 'GET /v1/../v1/status HTTP/1.1\r\n\r\n', 'GET /v1/status\u0000 HTTP/1.1\r\n\r\n',
    'GET /v1/status HTTP/1.1\r\nhost: a\r\n folded: header\r\n\r\n', 'GET //v1/status?%zz HTTP/1.1\r\n\r\n', 'GET * HTTP/1.1\r\n\r\n',
  ).map((s) => Buffer.from(s, 'latin1')),
).map((bytes) => ({ kind: 'malformed-http', bytes, expect: 'unparsable' as const }));

const unknownPathCase: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom('GET', 'POST'), fc.oneof(anyString(30).map((s) => `/${encodeURIComponent(wellFormed(s))}`), fc.constantFrom('/', '/v1', '/v1/', '/v1/status/', '/V1/STATUS', '/v2/status', '/v1/status%2f', '/..%2f..%2fetc/passwd')))
  .map(([m, p]) => ({ kind: 'unknown-path', bytes: request(m, p), expect: 'error-4xx' as const }));

const anyCase: fc.Arbitrary<Case> = fc.oneof(
  { weight: 5, arbitrary: schemaCase }, { weight: 2, arbitrary: wrongMethodCase }, { weight: 1, arbitrary: hugeBodyCase },
  { weight: 2, arbitrary: invalidJsonCase }, { weight: 1, arbitrary: mediaTypeCase }, { weight: 3, arbitrary: malformedCase },
  { weight: 1, arbitrary: unknownPathCase },
);

// ---- the suite ------------------------------------------------------------------------------

describe('control API under fuzzing', () => {
  let dir: string;
  let socketPath: string;
  let server: ControlServer;
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const problems: string[] = [];
  const slow: Record<string, unknown> = {};
  let requests = 0;
  let access: Record<string, unknown> = { skipped: 'not root or useradd/runuser missing' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cr-hardening-control-'));
    socketPath = join(dir, 'run', 'cloudroofd.sock');
    server = await startControlServer({ socketPath, backend: new FakeBackend(), logger: silentLogger });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    mkdirSync(RESULTS_DIR, { recursive: true });
    const body = { suite: 'control-api', at: new Date().toISOString(), requests, byStatus, byKind, fiveXx: Object.entries(byStatus).filter(([k]) => k.startsWith('5')).length, slowClients: slow, access };
    if (requests > 0) writeFileSync(join(RESULTS_DIR, 'control-api.json'), JSON.stringify(body, null, 2) + '\n');
    console.log(`[hardening] control API: ${requests} requests; by status ${JSON.stringify(byStatus)}; slow clients ${JSON.stringify(slow)}; access ${JSON.stringify(access)}`);
  });

  const status = async (): Promise<number> => (await raw({ path: socketPath }, request('GET', '/v1/status'))).responses[0]?.status ?? 0;

  /** Sends one case and checks its answer; returns a problem description or undefined. */
  async function check(c: Case): Promise<string | undefined> {
    const o = await raw({ path: socketPath }, c.bytes);
    requests++;
    byKind[c.kind.split(':')[0]!] = (byKind[c.kind.split(':')[0]!] ?? 0) + 1;
    if (o.clientTimeout) return `${c.kind}: no answer and no close within 5 s`;
    if (o.closedWithout) {
      byStatus.closed = (byStatus.closed ?? 0) + 1;
      return c.expect === 'unparsable' ? undefined : `${c.kind}: connection closed without an answer`;
    }
    for (const r of o.responses) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (r.status >= 500) return `${c.kind}: ${r.status} ${r.body.slice(0, 200)}`;
      const ours = r.headers['content-type'] === 'application/json';
      if (r.status >= 400) {
        // Node's parser answers what never reached the service (400/413/414/431, no body); ours carry the error body.
        if (!ours && c.expect !== 'unparsable' && c.kind !== 'huge-body-chunked') return `${c.kind}: ${r.status} without a JSON error body`;
        if (ours && !c.bytes.subarray(0, 5).equals(Buffer.from('HEAD ')) && !ErrorBody.safeParse(JSON.parse(r.body)).success) return `${c.kind}: ${r.status} body is not { error: { code, message } }`;
      } else if (c.expect !== 'any-non-5xx' && !(c.expect === 'unparsable' && r.status < 300)) {
        return `${c.kind}: answered ${r.status} where an error was due`;
      }
      if (c.expect === 'invalid-body' && (r.status !== 400 || JSON.parse(r.body).error?.code !== 'invalid-body')) return `${c.kind}: ${r.status} instead of 400 invalid-body`;
    }
    return undefined;
  }

  it(`${REQUESTS} generated requests: 4xx with an error body (or a closed connection for unparsable HTTP), never 5xx`, async () => {
    const cases = fc.sample(anyCase, { numRuns: REQUESTS, ...(params().seed === undefined ? {} : { seed: params().seed }) });
    // Started after generation, which blocks the event loop.
    const slowClients = runSlowClients({ path: socketPath }, slow, {
      header: `GET /v1/status HTTP/1.1\r\nhost: x\r\nx-slow: ${'a'.repeat(60)}\r\n\r\n`,
      bodyHead: 'POST /v1/join HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 60\r\n\r\n',
      body: `{"secret":"${'s'.repeat(46)}"}`,
    });
    let next = 0;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const p = await check(c);
        if (p && problems.length < 20) problems.push(p);
        if (next % 1000 === 0) expect(await status()).toBe(200);
      }
    }));
    await slowClients;
    expect(problems).toEqual([]);
    expect(await status()).toBe(200);
    expect(requests).toBeGreaterThanOrEqual(REQUESTS);
  }, Math.max(180_000, REQUESTS * 10));

  it('slow clients are cut off by the default timeouts (10 s), and the server keeps answering', () => {
    // Node checks the timeouts every second; the fuzz load shares this process's event loop.
    const limit = DEFAULT_REQUEST_TIMEOUT_MS + 4000;
    for (const k of ['headerTrickle', 'bodyTrickle', 'idle']) {
      const r = slow[k] as { cutAfterMs: number } | undefined;
      expect(r, k).toBeDefined();
      expect(r!.cutAfterMs, k).toBeLessThanOrEqual(limit);
    }
  });

  const canAccess = process.getuid?.() === 0 && hasCommand('useradd') && hasCommand('runuser') && hasCommand('groupadd');
  it.skipIf(!canAccess)('a local user outside the control group is refused at the socket; a member gets through', async () => {
    const tag = randomBytes(3).toString('hex');
    const group = `crhg${tag}`;
    const inside = `crhi${tag}`;
    const outside = `crho${tag}`;
    const gdir = await mkdtemp(join(tmpdir(), 'cr-hardening-access-'));
    chmodSync(gdir, 0o755); // traversable, so only the socket's own mode decides
    const gsock = join(gdir, 'run', 'cloudroofd.sock');
    let gserver: ControlServer | undefined;
    try {
      execFileSync('groupadd', ['-r', group]);
      execFileSync('useradd', ['-r', '-M', '-N', '-s', '/usr/sbin/nologin', '-G', group, inside]);
      execFileSync('useradd', ['-r', '-M', '-N', '-s', '/usr/sbin/nologin', outside]);
      gserver = await startControlServer({ socketPath: gsock, backend: new FakeBackend(), logger: silentLogger, group });
      expect(gserver.socketMode).toBe(0o660);
      const probe = `const s=require('net').connect(${JSON.stringify(gsock)});s.on('connect',()=>s.end('GET /v1/status HTTP/1.1\\r\\nhost: x\\r\\n\\r\\n'));` +
        `let d='';s.on('data',c=>d+=c);s.on('close',()=>{console.log(d.split('\\r\\n')[0]);});s.on('error',e=>{console.log('ERR '+e.code);process.exit(0)});`;
      // Asynchronously: the server runs in this process and must keep answering meanwhile.
      const asUser = (u: string) => new Promise<string>((resolve) => {
        execFile('runuser', ['-u', u, '--', process.execPath, '-e', probe], { encoding: 'utf8', timeout: 15_000 }, (_e, stdout) => resolve(String(stdout).trim()));
      });
      const refused = await asUser(outside);
      const allowed = await asUser(inside);
      access = { group, socketMode: '0660', outsideUser: refused, groupMember: allowed };
      expect(refused).toBe('ERR EACCES');
      expect(allowed).toBe('HTTP/1.1 200 OK');
    } finally {
      await gserver?.close();
      spawnSync('userdel', [inside]);
      spawnSync('userdel', [outside]);
      spawnSync('groupdel', [group]);
      await rm(gdir, { recursive: true, force: true });
    }
    expect(spawnSync('getent', ['group', group]).status).not.toBe(0);
    expect(spawnSync('id', [outside]).status).not.toBe(0);
  }, 60_000);
});

function hasCommand(c: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
}
