// Site verification against local servers: an application playing the target and a Node proxy
// playing the edge (TLS with a self-signed certificate, or HTTP), for what passes, what is
// skipped on a target without websockets or SSE, an edge body limit (413), an edge that cannot
// reach the origin (502), a buffering edge, and a client that leaves mid-way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyEvent, VerifyStep } from '../../shared/protocol';
import { runVerification, type VerifyPlan } from './verify-site';
import { selfSignedCertificate, startProxy, startTargetApp, type ProxyOptions, type TestServer } from './verify-test-servers';

const HOST = 'www.example.test';
const KEY = 'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE=';
const FAST = { requestMs: 3000, websocketMs: 3000, echoWaitMs: 500, sseEventMs: 3000, slackMs: 1000 };
const servers: TestServer[] = [];
let full: TestServer;
let plain: TestServer;
let tls: { key: string; cert: string };

beforeAll(async () => {
  full = await startTargetApp(true);
  plain = await startTargetApp(false);
  tls = selfSignedCertificate(HOST);
  servers.push(full, plain);
});
afterAll(async () => { for (const s of servers) await s.close(); });

async function proxy(o: Partial<ProxyOptions> & { targetPort: number }): Promise<TestServer> {
  const s = await startProxy(o);
  servers.push(s);
  return s;
}

function plan(target: TestServer, edge: TestServer, edgeTls: boolean, uploadBytes = 2 * 1024 * 1024): VerifyPlan {
  return {
    target: { host: '127.0.0.1', port: target.port, tls: false, hostname: HOST },
    edges: [{ publicKey: KEY, hostname: 'edge-1', endpoint: { host: '127.0.0.1', port: edge.port, tls: edgeTls, hostname: HOST } }],
    paths: { health: '/healthz', websocket: '/ws', sse: '/sse', upload: '/upload' }, uploadBytes,
    publicUrls: () => [`https://${HOST}/`],
  };
}

async function verify(p: VerifyPlan, signal = new AbortController().signal, waitServingMs?: number): Promise<{ events: VerifyEvent[]; byCheck: Record<string, VerifyStep> }> {
  const events: VerifyEvent[] = [];
  await runVerification(p, (e) => events.push(structuredClone(e)), signal, { timeouts: FAST, ...(waitServingMs === undefined ? {} : { waitServingMs }) });
  const done = events.at(-1);
  const byCheck = done?.type === 'done' ? Object.fromEntries(done.steps.map((s) => [s.check, s])) : {};
  return { events, byCheck };
}

describe('runVerification', () => {
  it('waits for an edge that does not serve the site yet, saying so, then checks', async () => {
    const edge = await proxy({ targetPort: full.port, tls });
    let serving = false;
    setTimeout(() => { serving = true; }, 600);
    const { events, byCheck } = await verify({ ...plan(full, edge, true), serving: () => serving });
    const waiting = events.find((e) => e.type === 'step' && e.step.detail?.startsWith('waiting for edge-1 to serve www.example.test'));
    expect(waiting).toBeDefined();
    expect(byCheck.request?.state).toBe('passed');
    // An edge that never says it serves gets its checks anyway once the wait is over.
    const late = await verify({ ...plan(full, edge, true), serving: () => false }, undefined, 300);
    expect(late.byCheck.request?.state).toBe('passed');
  });

  it('passes every check through a TLS edge, noting an untrusted certificate, with a step per change', async () => {
    const edge = await proxy({ targetPort: full.port, tls });
    const { events, byCheck } = await verify(plan(full, edge, true));
    expect(Object.values(byCheck).map((s) => [s.check, s.state])).toEqual([['request', 'passed'], ['websocket', 'passed'], ['sse', 'passed'], ['upload', 'passed']]);
    expect(byCheck.request?.detail).toMatch(/^200 in \d+ ms; certificate not trusted by this machine \(.+\), checked without verification$/);
    expect(byCheck.websocket?.detail).toMatch(/^101 Switching Protocols, echo ok/);
    expect(byCheck.sse?.detail).toMatch(/^first event after \d+ ms with the stream open/);
    expect(byCheck.upload?.detail).toMatch(/^200 like the service, 2\.0 MiB in/);
    const steps = events.filter((e) => e.type === 'step').map((e) => e.step);
    expect(steps.slice(0, 4).map((s) => [s.check, s.state])).toEqual([['request', 'pending'], ['websocket', 'pending'], ['sse', 'pending'], ['upload', 'pending']]);
    for (const check of ['request', 'websocket', 'sse', 'upload']) {
      const states = steps.filter((s) => s.check === check).map((s) => s.state);
      expect(states[0]).toBe('pending');
      expect(states[1]).toBe('running');
      expect(states.at(-1)).toBe('passed');
    }
    const progress = steps.filter((s) => s.check === 'upload' && s.progress !== undefined).map((s) => s.progress ?? 0);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: true, publicUrls: [`https://${HOST}/`] });
  });

  it('skips websocket and SSE when the target itself does not offer them', async () => {
    const edge = await proxy({ targetPort: plain.port });
    const p = plan(plain, edge, false);
    const { byCheck, events } = await verify({ ...p, paths: { ...p.paths, upload: '/healthz' } });
    expect(byCheck.request).toMatchObject({ state: 'passed', detail: expect.stringContaining('over HTTP: the edge holds no certificate for www.example.test') });
    expect(byCheck.websocket).toMatchObject({ state: 'skipped', detail: 'the service does not accept websockets at /ws (it answered 404)' });
    expect(byCheck.sse).toMatchObject({ state: 'skipped', detail: expect.stringMatching(/^the service does not answer text\/event-stream at \/sse \(404/) });
    expect(byCheck.upload).toMatchObject({ state: 'passed', detail: expect.stringMatching(/^405 like the service/) });
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: true });
  });

  it('fails the upload with the --max-body advice when the edge answers 413', async () => {
    const edge = await proxy({ targetPort: full.port, maxBody: 1024 * 1024 });
    const { byCheck, events } = await verify(plan(full, edge, false));
    expect(byCheck.upload).toMatchObject({
      state: 'failed', detail: 'the edge\'s body limit is below 2.0 MiB: cloudroof edge enable --max-body 2m (or more) on that edge',
    });
    expect(byCheck.request?.state).toBe('passed');
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false });
  });

  it('fails when the edge answers its own 502 (it cannot reach the origin)', async () => {
    const closed = await proxy({ targetPort: full.port });
    await closed.close(); // a port nothing listens on any more
    const edge = await proxy({ targetPort: closed.port });
    const { byCheck } = await verify(plan(full, edge, false));
    expect(byCheck.request).toMatchObject({ state: 'failed', detail: 'the edge answered 502 itself: it could not reach this origin over the mesh' });
    expect(byCheck.upload?.state).toBe('failed');
    expect(byCheck.websocket?.state).toBe('failed');
  });

  it('fails SSE through an edge that buffers the stream until it ends', async () => {
    const edge = await proxy({ targetPort: full.port, buffer: true });
    const { byCheck } = await verify(plan(full, edge, false));
    expect(byCheck.sse).toMatchObject({ state: 'failed', detail: 'the first event arrived only when the stream ended: the edge buffers the stream' });
  });

  it('fails with a clear reason when nothing answers at the edge', async () => {
    const gone = await proxy({ targetPort: full.port });
    await gone.close();
    const { byCheck } = await verify(plan(full, gone, true));
    expect(byCheck.request).toMatchObject({ state: 'failed', detail: 'no answer through the edge: connection refused' });
  });

  it('fails a check that outlives its deadline, with a clear message, and goes on with the next', async () => {
    const edge = await proxy({ targetPort: full.port });
    const hang = () => new Promise<never>(() => undefined); // ignores its signal too
    const pass = async () => ({ state: 'passed' as const, detail: 'ok' });
    const events: VerifyEvent[] = [];
    const timeouts = { requestMs: 50, websocketMs: 50, echoWaitMs: 50, sseEventMs: 50, slackMs: 50 };
    await runVerification(plan(full, edge, false), (e) => events.push(e), new AbortController().signal,
      { timeouts, checks: { request: hang, websocket: pass, sse: pass, upload: pass } });
    expect(events.at(-1)).toMatchObject({ type: 'done', ok: false, steps: [
      { check: 'request', state: 'failed', detail: 'timed out after 0.2 s' }, { check: 'websocket', state: 'passed' },
      { check: 'sse', state: 'passed' }, { check: 'upload', state: 'passed' },
    ] });
  });

  it('stops at once and emits nothing more when the client leaves', async () => {
    const edge = await proxy({ targetPort: full.port });
    const ctl = new AbortController();
    const events: VerifyEvent[] = [];
    await runVerification(plan(full, edge, false, 64 * 1024 * 1024), (e) => {
      events.push(e);
      if (e.type === 'step' && e.step.check === 'upload' && (e.step.progress ?? 0) > 0) ctl.abort();
    }, ctl.signal, { timeouts: FAST });
    expect(ctl.signal.aborted).toBe(true);
    expect(events.some((e) => e.type === 'done')).toBe(false);
    const last = events.at(-1);
    expect(last?.type === 'step' && last.step.check).toBe('upload');
  });
});
