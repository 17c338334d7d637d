// The web console in a real browser (Debian's Chromium, headless, via playwright-core): a page
// served by the console under its CSP runs the renderer's HTTP transport (bundled with esbuild
// from src/renderer/api/http-transport.ts) and speaks the IPC contract with fetch — calls, a
// stream, the event feed across a service restart. A wrong token is reported as unauthorized;
// a page loaded under a rebound name (evil.example → 127.0.0.1) is refused; a foreign site can
// neither preflight nor post to the API, and nothing reaches the backend.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { build, type Plugin } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBackend } from '../../src/service/control/fake';
import { silentLogger } from '../../src/service/log';
import { CHROMIUM, launchChromium } from '../support/chromium';
import { repoRoot } from '../support/dist';
import { freePort } from '../support/http';
import { countingBackend, MESH_SECRET, startConsoleLab, verifyingBackend, type CallCounts, type ConsoleLab } from '../support/web-console';

/** The page's script: the transport and the IPC client, wired as the renderer does, with what it saw. */
const HARNESS = `
import 'zod-jitless';
import { createHttpTransport, takeTokenFromLocation } from './src/renderer/api/http-transport';
import { createIpcClient } from './src/shared/ipc';
const token = takeTokenFromLocation(location, history, sessionStorage);
const api = createIpcClient(createHttpTransport({ baseUrl: location.origin, token: token ?? '' }));
const seen = { apps: [], watch: [], violations: [] };
document.addEventListener('securitypolicyviolation', (e) => seen.violations.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber, e.sample].join(' ')));
api.on('app', (a) => seen.apps.push(a));
api.on('watch', (w) => seen.watch.push(w));
window.harness = { api, seen };
document.body.dataset.ready = 'yes';
`;
/**
 * A module imported before any schema is built: without `jitless`, zod probes `new Function()`
 * while defining schemas, which the console's CSP refuses and reports as a violation.
 */
const jitless: Plugin = {
  name: 'zod-jitless',
  setup(b) {
    b.onResolve({ filter: /^zod-jitless$/ }, () => ({ path: 'zod-jitless', namespace: 'harness' }));
    b.onLoad({ filter: /.*/, namespace: 'harness' }, () => ({ contents: "import { config } from 'zod'; config({ jitless: true });", resolveDir: repoRoot, loader: 'js' }));
  },
};
const INDEX = '<!doctype html><html><head><meta charset="utf-8"><title>harness</title></head><body><script src="./assets/harness.js"></script></body></html>\n';

const canRun = existsSync(CHROMIUM);
let lab: ConsoleLab;
let backend: FakeBackend;
let calls: CallCounts;
let browser: Browser;
let page: Page;
let evil: Server;
let evilPort: number;

/**
 * Waits until `expression` is true in `p`. Polled with page.evaluate (DevTools' evaluation, which
 * the page's CSP does not govern): Playwright's waitForFunction evaluates strings inside the page,
 * which the console's CSP (no 'unsafe-eval') rightly refuses.
 */
async function until(p: Page, expression: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await p.evaluate(expression) === true) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`still false after 20 s: ${expression}`);
}

/** Opens `url` in a new page and waits for the harness. */
async function open(url: string): Promise<Page> {
  const p = await browser.newPage();
  p.setDefaultTimeout(20_000);
  await p.goto(url);
  await until(p, 'document.body.dataset.ready === "yes"');
  return p;
}

describe.skipIf(!canRun)('web console in Chromium', () => {
  beforeAll(async () => {
    const out = await build({
      stdin: { contents: HARNESS, resolveDir: repoRoot, loader: 'ts', sourcefile: 'harness.ts' },
      bundle: true, format: 'iife', platform: 'browser', target: 'chrome120', write: false, logLevel: 'warning', plugins: [jitless],
    });
    backend = await verifyingBackend();
    await backend.join({ secret: MESH_SECRET });
    const counted = countingBackend(backend);
    calls = counted.calls;
    lab = await startConsoleLab({ logger: silentLogger, backend: counted.backend, page: { index: INDEX, assets: { 'harness.js': out.outputFiles[0]!.text } } });
    evilPort = await freePort();
    evil = createServer((_req, res) => res.end('<!doctype html><title>evil</title><p>a foreign site</p>'));
    await new Promise<void>((resolve) => evil.listen(evilPort, '127.0.0.1', resolve));
    // evil.example resolves to loopback: a rebound name.
    browser = await launchChromium({ extraArgs: ['--host-resolver-rules=MAP evil.example 127.0.0.1'] });
    page = await open(lab.state.url ?? '');
  }, 90_000);
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    evil?.close();
    await lab?.close();
  });

  it('loads under the CSP, and takes the token out of the address bar into the tab\'s storage', async () => {
    expect(page.url()).toBe(`http://127.0.0.1:${lab.port}/`);
    expect(await page.evaluate('sessionStorage.getItem("cloudroof.webConsoleToken")')).toBe(lab.token);
    expect(await page.evaluate('harness.seen.violations')).toEqual([]);
  });

  it('calls service and app channels through fetch', async () => {
    expect(await page.evaluate('harness.api.service.status()')).toMatchObject({ ok: true, value: { hostname: 'fake-host' } });
    expect(await page.evaluate('harness.api.service.join({ secret: "far-too-short" })')).toMatchObject({ ok: false, error: { code: 'invalid-secret' } });
    expect(await page.evaluate('harness.api.app.getAppState({})')).toMatchObject({ ok: true, value: { environment: 'web' } });
    expect(await page.evaluate('harness.api.app.installService({})')).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('reads a stream\'s items and result', async () => {
    const r = await page.evaluate('(async () => { const items = []; const result = await harness.api.stream.verifySite({ name: "blog" }, (i) => items.push(i)); return { items, result }; })()');
    expect(r).toMatchObject({ result: { ok: true, value: null }, items: [{ type: 'step' }, { type: 'done', ok: true }] });
  });

  it('follows the events, and after a service restart reconnects and gets a fresh snapshot', async () => {
    await until(page, 'harness.seen.watch.length >= 1 && harness.seen.apps.length >= 1');
    expect(await page.evaluate('harness.seen.watch[0].type')).toBe('snapshot');
    backend.updateStatus({ tunnelState: 'connecting' });
    await until(page, 'harness.seen.watch.some((w) => w.type === "status" && w.status.tunnelState === "connecting")');
    await lab.restart();
    await until(page, 'harness.seen.apps.some((a) => a.connection.state === "not-running")');
    await until(page, 'harness.seen.watch.filter((w) => w.type === "snapshot").length >= 2 && harness.seen.apps.at(-1).connection.state === "connected"');
  });

  it('tells a page with a wrong token that it is unauthorized', async () => {
    const wrong = await open(`http://127.0.0.1:${lab.port}/#token=${'A'.repeat(43)}`);
    expect(await wrong.evaluate('harness.api.service.status()')).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    await until(wrong, 'harness.seen.apps.some((a) => a.connection.state === "error")');
    await wrong.close();
  });

  it('refuses a page loaded under a rebound name, and a foreign site\'s requests', async () => {
    const rebound = await browser.newPage();
    const res = await rebound.goto(`http://evil.example:${lab.port}/`);
    expect(res?.status()).toBe(403);
    expect(await res?.text()).toContain('forbidden-host');
    const before = calls.total;
    await rebound.goto(`http://evil.example:${evilPort}/`);
    const api = `http://127.0.0.1:${lab.port}/api/invoke/svc/leave`;
    const preflighted = await rebound.evaluate(`fetch(${JSON.stringify(api)}, { method: 'POST', headers: { 'x-cloudroof-token': ${JSON.stringify(lab.token)}, 'content-type': 'application/json' }, body: '{}' }).then((r) => 'answered ' + r.status, (e) => 'blocked ' + e.name)`);
    expect(preflighted).toBe('blocked TypeError');
    const simple = await rebound.evaluate(`fetch(${JSON.stringify(api)}, { method: 'POST', mode: 'no-cors', body: '{}' }).then((r) => r.type, (e) => 'blocked ' + e.name)`);
    expect(simple).toBe('opaque'); // sent, but refused (cross-origin) and unreadable
    expect(calls.total - before).toBe(0);
    await rebound.close();
  });
});
