// A web console for tests: a real control server (Unix socket) and WebConsoleManager over a
// backend (FakeBackend by default), a web root with a tiny page, the console enabled on a free
// port; a FakeBackend whose verification is scripted, and a proxy that counts backend calls.
// Everything lives under one temporary directory, removed by close(). HTTP helpers: ./http.ts.
import { expect } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VerifyEvent, WebConsoleState } from '../../src/shared/protocol';
import type { Backend } from '../../src/service/control/backend';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { WebConsoleManager } from '../../src/service/control/web-console';
import type { Logger } from '../../src/service/log';
import { freePort } from './http';

/** Text of the test page's files, to recognise them in answers. */
export const PAGE = {
  index: '<!doctype html><html><head><script type="module" src="./assets/app-1a2b.js"></script></head><body>web console test page</body></html>\n',
  script: 'document.body.dataset.loaded = "yes";\n',
  outside: 'OUTSIDE-THE-WEB-ROOT\n',
};

/** One edge's request check, running then passed: what the console tests' verifications stream. */
export const VERIFY_EVENTS: readonly VerifyEvent[] = [
  { type: 'step', step: { edge: 'edge-1', check: 'request', state: 'running' } },
  { type: 'done', ok: true, steps: [{ edge: 'edge-1', check: 'request', state: 'passed' }], publicUrls: ['https://blog.example.com/'] },
];

/** A secret to join the fake with (its verification runs only in a mesh). */
export const MESH_SECRET = 'wgmesh://v1/web-console-test-secret-0123456789abcdef';

/** A FakeBackend (not joined) exposing `blog`, whose verification streams {@link VERIFY_EVENTS}. */
export async function verifyingBackend(): Promise<FakeBackend> {
  const backend = new FakeBackend();
  await backend.exposeSite({ name: 'blog', target: 'http://127.0.0.1:8080', hostnames: ['blog.example.com'] });
  backend.verify.events = [...VERIFY_EVENTS];
  return backend;
}

/** Backend calls seen so far. */
export interface CallCounts { total: number; byName: Record<string, number> }

/** `fake` behind a proxy that counts every method call (calls the backend makes on itself excluded). */
export function countingBackend<B extends Backend>(fake: B): { backend: B; calls: CallCounts } {
  const calls: CallCounts = { total: 0, byName: {} };
  const backend = new Proxy(fake, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return (...args: unknown[]) => {
        calls.total++;
        calls.byName[String(prop)] = (calls.byName[String(prop)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, calls };
}

/** A running console and what the tests need to reach it. */
export interface ConsoleLab {
  dir: string;
  stateDir: string;
  webRoot: string;
  socketPath: string;
  backend: Backend;
  manager: WebConsoleManager;
  control: ControlServer;
  /** Port the console was enabled on. */
  port: number;
  /** State answered by the enable call. */
  state: WebConsoleState;
  /** The token from the URL. */
  token: string;
  /** Restarts manager and control server on the same state dir (as a service restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Writes the test page, an outside file and a symlink that points out of the web root. */
async function writePage(dir: string): Promise<string> {
  const webRoot = join(dir, 'web');
  await mkdir(join(webRoot, 'assets'), { recursive: true });
  await writeFile(join(webRoot, 'index.html'), PAGE.index);
  await writeFile(join(webRoot, 'assets', 'app-1a2b.js'), PAGE.script);
  await writeFile(join(webRoot, '.hidden'), PAGE.outside);
  await writeFile(join(dir, 'outside.txt'), PAGE.outside);
  await symlink(join(dir, 'outside.txt'), join(webRoot, 'assets', 'link.txt'));
  return webRoot;
}

/**
 * Starts a console lab; `enable: false` leaves the console off; `page` replaces the test page
 * (index.html and files under assets/).
 */
export async function startConsoleLab(opts: {
  logger: Logger; backend?: Backend; enable?: boolean; requestTimeoutMs?: number; keepAliveMs?: number; page?: { index: string; assets: Record<string, string> };
}): Promise<ConsoleLab> {
  const dir = await mkdtemp(join(tmpdir(), 'cr-web-'));
  const stateDir = join(dir, 'state');
  await mkdir(stateDir, { mode: 0o700 });
  const webRoot = await writePage(dir);
  if (opts.page) {
    await writeFile(join(webRoot, 'index.html'), opts.page.index);
    for (const [name, text] of Object.entries(opts.page.assets)) await writeFile(join(webRoot, 'assets', name), text);
  }
  const socketPath = join(dir, 'run', 'cloudroofd.sock');
  const backend = opts.backend ?? new FakeBackend();
  const boot = async (): Promise<{ manager: WebConsoleManager; control: ControlServer }> => {
    const { requestTimeoutMs, keepAliveMs } = opts;
    const manager = new WebConsoleManager({ stateDir, backend, logger: opts.logger, webRoot, ipv6: true, requestTimeoutMs, keepAliveMs });
    await manager.start();
    const control = await startControlServer({ socketPath, backend, logger: opts.logger, webConsole: manager });
    return { manager, control };
  };
  const lab = { dir, stateDir, webRoot, socketPath, backend, port: 0, token: '', state: { enabled: false } } as ConsoleLab;
  Object.assign(lab, await boot());
  lab.restart = async () => {
    await lab.control.close();
    await lab.manager.stop();
    Object.assign(lab, await boot());
  };
  lab.close = async () => {
    await lab.control.close();
    await lab.manager.stop();
    await rm(dir, { recursive: true, force: true });
  };
  if (opts.enable !== false) {
    lab.port = await freePort();
    lab.state = await lab.manager.enable({ port: lab.port });
    lab.token = new URL(lab.state.url ?? 'http://x/').hash.replace('#token=', '');
  }
  return lab;
}

/** Headers of an authorised request from the console's own page. */
export function authorised(lab: Pick<ConsoleLab, 'token'>, extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-cloudroof-token': lab.token, ...extra };
}

/** Asserts that the console logged (at debug level) and that no line holds a token or a tokenised URL. */
export function expectCleanLogs(lines: readonly string[], tokens: Iterable<string>): void {
  const all = lines.join('\n');
  expect(lines.length).toBeGreaterThan(20);
  expect(all).toContain('web console listening');
  for (const t of tokens) expect(all).not.toContain(t);
  expect(all).not.toContain('#token=');
}
