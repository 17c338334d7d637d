// The web console's control side for real: the three /v1/web-console endpoints over the control
// socket (a taken port changes nothing, a new token cuts old pages off, disable), the token file's
// mode, the state across restarts (also a port taken at start-up), a missing web root, and
// `cloudroof web` in-process against the real socket; no log line carries the token.
import { readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/client/control-client';
import { fakeIo } from '../../src/cli/test-io';
import { run } from '../../src/cli/run';
import { ControlError } from '../../src/shared/protocol';
import { WEB_CONSOLE_STATE_FILE, WEB_CONSOLE_TOKEN_FILE } from '../../src/service/control/web-console';
import { createLogger } from '../../src/service/log';
import { freePort, httpRequest, openLines } from '../support/http';
import { authorised, expectCleanLogs, startConsoleLab, type ConsoleLab } from '../support/web-console';

const logLines: string[] = [];
const logger = createLogger('test', { level: 'debug', json: true, write: (l) => logLines.push(l) });
let lab: ConsoleLab;
let client: ControlClient;
const tokensSeen = new Set<string>();

const web = () => ({ port: lab.port });
const post = (path: string) => httpRequest(web(), 'POST', path, { headers: authorised(lab) });

beforeAll(async () => {
  lab = await startConsoleLab({ logger });
  tokensSeen.add(lab.token);
  client = new ControlClient({ socketPath: lab.socketPath });
});
afterAll(async () => {
  await lab?.close();
});

describe('web console: control endpoints and state', () => {
  it('GET /v1/web-console answers the URL with a 43-character token in its fragment', async () => {
    const state = await client.call('webConsole');
    expect(state).toEqual({ enabled: true, port: lab.port, url: `http://127.0.0.1:${lab.port}/#token=${lab.token}` });
    expect(lab.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps the token in a 0600 file and the intent in web-console.json', async () => {
    const tokenFile = join(lab.stateDir, WEB_CONSOLE_TOKEN_FILE);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(lab.token);
    expect(JSON.parse(await readFile(join(lab.stateDir, WEB_CONSOLE_STATE_FILE), 'utf8'))).toEqual({ enabled: true, port: lab.port });
  });

  it('enable on a taken port answers port-in-use and changes nothing', async () => {
    const blocker: Server = createServer();
    const taken = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    const files = async () => [await readFile(join(lab.stateDir, WEB_CONSOLE_STATE_FILE), 'utf8'), await readFile(join(lab.stateDir, WEB_CONSOLE_TOKEN_FILE), 'utf8')];
    const before = await files();
    try {
      const err = await client.call('enableWebConsole', { port: taken, newToken: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ControlError);
      expect((err as ControlError).code).toBe('port-in-use');
      expect((err as ControlError).message).toContain(`port ${taken} is in use`);
    } finally {
      blocker.close();
    }
    expect(await files()).toEqual(before);
    expect(await client.call('webConsole')).toEqual(lab.state);
    expect((await post('/api/invoke/svc/status')).status).toBe(200);
  });

  it('a port taken only on [::1] is port-in-use too, and 127.0.0.1 is not left open', async () => {
    const v6 = Object.values(networkInterfaces()).flat().some((a) => a?.internal && a.address === '::1');
    if (!v6) return;
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen({ port, host: '::1', ipv6Only: true }, resolve));
    try {
      const err = await client.call('enableWebConsole', { port }).catch((e: unknown) => e);
      expect((err as ControlError).code).toBe('port-in-use');
      expect((err as ControlError).message).toContain('on ::1');
      await expect(httpRequest({ port }, 'GET', '/')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      blocker.close();
    }
    expect(await client.call('webConsole')).toEqual(lab.state);
  });

  it('a new token replaces the old one at once and ends open event streams', async () => {
    const events = await openLines(web(), 'GET', '/api/events', { headers: authorised(lab) });
    expect(events.status).toBe(200);
    const oldToken = lab.token;
    const state = await client.call('enableWebConsole', { newToken: true });
    lab.token = new URL(state.url ?? 'http://x/').hash.replace('#token=', '');
    tokensSeen.add(lab.token);
    expect(lab.token).not.toBe(oldToken);
    await events.closed; // the page opened with the old token was cut off
    expect((await httpRequest(web(), 'POST', '/api/invoke/svc/status', { headers: { 'x-cloudroof-token': oldToken } })).status).toBe(401);
    expect((await post('/api/invoke/svc/status')).status).toBe(200);
    lab.state = state;
  });

  it('the state survives a restart: same port, same token', async () => {
    await lab.restart();
    client = new ControlClient({ socketPath: lab.socketPath });
    expect(await client.call('webConsole')).toEqual(lab.state);
    expect((await post('/api/invoke/svc/status')).status).toBe(200);
  });

  it('a saved port that is taken at start-up becomes the state\'s error; the service starts anyway', async () => {
    const blocker: Server = createServer();
    await lab.control.close();
    await lab.manager.stop();
    await new Promise<void>((resolve) => blocker.listen(lab.port, '127.0.0.1', () => resolve()));
    try {
      await lab.restart();
      const state = await lab.manager.state();
      expect(state).toMatchObject({ enabled: true, port: lab.port, error: expect.stringContaining(`port ${lab.port} is in use`) });
      expect(state.url).toBeUndefined();
    } finally {
      blocker.close();
    }
    lab.state = await lab.manager.enable({}); // the port is free again: enable retries it
    expect(lab.state.url).toBe(`http://127.0.0.1:${lab.port}/#token=${lab.token}`);
  });
});

describe('web console: cloudroof web, disable, and the logs', () => {
  it('cloudroof web prints the URL and the SSH hint; --stop turns the console off', async () => {
    const io = fakeIo();
    expect(await run(['--socket', lab.socketPath, 'web'], io)).toBe(0);
    expect(io.stdout).toContain(`Web console: http://127.0.0.1:${lab.port}/#token=${lab.token}\n`);
    expect(io.stdout).toContain(`ssh -L ${lab.port}:127.0.0.1:${lab.port} `);
    const stop = fakeIo();
    expect(await run(['--socket', lab.socketPath, 'web', '--stop'], stop)).toBe(0);
    expect(stop.stdout).toBe('The web console is off.\n');
    expect(await client.call('webConsole')).toEqual({ enabled: false, port: lab.port });
    await expect(httpRequest(web(), 'GET', '/')).rejects.toThrow(/ECONNREFUSED/);
    await lab.restart();
    expect(lab.manager.state()).toEqual({ enabled: false, port: lab.port });
  });

  it('reports a missing web root in the state and through cloudroof web (exit 1)', async () => {
    await rm(join(lab.webRoot, 'index.html'));
    const io = fakeIo();
    expect(await run(['--socket', lab.socketPath, 'web', '--port', String(await freePort())], io)).toBe(1);
    expect(io.stderr).toMatch(/^cloudroof: the web console's pages are missing: no index\.html in /);
    const state = await client.call('webConsole');
    expect(state.url).toBeDefined();
    expect((await httpRequest({ port: state.port ?? 0 }, 'GET', '/')).status).toBe(404);
  });
});

describe('web console: logs', () => {
  it('never writes the token or the URL to a log line', () => {
    expectCleanLogs(logLines, tokensSeen);
  });
});
