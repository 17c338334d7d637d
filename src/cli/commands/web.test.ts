// `cloudroof web` in-process: the requests it sends (with a stub client), the text it prints
// (URL, SSH hint), usage errors and exit codes.
import { describe, expect, it } from 'vitest';
import type { WebConsoleState } from '../../shared/protocol';
import { fakeIo, runWithStub } from '../test-io';
import { run } from '../run';
import { formatWebConsole, webCommand } from './web';

const URL_ = 'http://127.0.0.1:7475/#token=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde';
const on: WebConsoleState = { enabled: true, port: 7475, url: URL_ };

describe('cloudroof web', () => {
  it('enables the console and prints the URL and how to reach it over SSH', async () => {
    const { code, io, calls } = await runWithStub(webCommand, [], { enableWebConsole: on });
    expect(code).toBe(0);
    expect(calls).toEqual([['enableWebConsole', {}]]);
    expect(io.stdout).toContain(`Web console: ${URL_}\n`);
    expect(io.stdout).toMatch(/ssh -L 7475:127\.0\.0\.1:7475 \S+\n/);
    expect(io.stderr).toBe('');
  });

  it('passes --port and --new-token, and prints JSON with --json', async () => {
    const moved = { ...on, port: 8080, url: URL_.replace('7475', '8080') };
    const { code, io, calls } = await runWithStub(webCommand, [], { enableWebConsole: moved }, undefined, { port: '8080', 'new-token': true, json: true });
    expect(code).toBe(0);
    expect(calls).toEqual([['enableWebConsole', { port: 8080, newToken: true }]]);
    expect(JSON.parse(io.stdout)).toEqual({ enabled: true, port: 8080, url: moved.url });
  });

  it('turns the console off with --stop', async () => {
    const { code, io, calls } = await runWithStub(webCommand, [], { disableWebConsole: { enabled: false, port: 7475 } }, undefined, { stop: true });
    expect(code).toBe(0);
    expect(calls).toEqual([['disableWebConsole', {}]]);
    expect(io.stdout).toBe('The web console is off.\n');
  });

  it('exits 1 with the reason when the console is on but has a problem', async () => {
    const broken: WebConsoleState = { ...on, error: 'the web console\'s pages are missing: no index.html in /x' };
    const { code, io } = await runWithStub(webCommand, [], { enableWebConsole: broken });
    expect(code).toBe(1);
    expect(io.stdout).toContain(URL_);
    expect(io.stderr).toBe('cloudroof: the web console\'s pages are missing: no index.html in /x\n');
    expect(formatWebConsole({ enabled: true, port: 7475, error: 'port 7475 is in use' }, 'h')).toBe('The web console is enabled on port 7475 but not listening.\n');
  });

  it('refuses bad options before calling the service (exit 2)', async () => {
    for (const args of [['web', '--port', '0'], ['web', '--port', '70000'], ['web', '--port', '80a'], ['web', '--stop', '--port', '8080'], ['web', '--stop', '--new-token'], ['web', 'extra']]) {
      const io = fakeIo();
      expect(await run(args, io), args.join(' ')).toBe(2);
      expect(io.stderr).toMatch(/^cloudroof: /);
    }
    const help = fakeIo();
    expect(await run(['web', '--help'], help)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cloudroof web /);
  });
});
