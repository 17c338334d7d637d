// `cloudroof expose services` and `cloudroof expose check` in-process with a stub client: the
// table, local input checks (exit 2, nothing sent), the probe's text and exit status.
import { describe, expect, it } from 'vitest';
import { ControlError, type LocalService, type ProbeSiteResponse } from '../../shared/protocol';
import { run } from '../run';
import { fakeIo, runWithStub } from '../test-io';
import { exposeCommand } from './expose';
import { formatLocalServices, formatProbe } from './expose-local';

const services: LocalService[] = [
  { address: '0.0.0.0', port: 80, family: 4, process: 'nginx', pid: 812, url: 'http://127.0.0.1:80', exposedAs: 'www' },
  { address: '::1', port: 631, family: 6, url: 'http://[::1]:631' },
];

describe('cloudroof expose services', () => {
  it('prints a table of port, address, process, pid, URL and site', async () => {
    const r = await runWithStub(exposeCommand, ['services'], { localServices: { services } });
    expect(r.calls).toEqual([['localServices']]);
    expect(r.io.stdout).toBe(
      'PORT  ADDRESS  PROCESS  PID  URL                  EXPOSED AS\n' +
      '80    0.0.0.0  nginx    812  http://127.0.0.1:80  www\n' +
      '631   ::1      -        -    http://[::1]:631     -\n' +
      'Expose one: cloudroof expose add NAME URL --hostname www.example.com\n');
    expect(formatLocalServices([])).toMatch(/^No listening TCP services/);
  });

  it('prints snake_case JSON with --json', async () => {
    const r = await runWithStub(exposeCommand, ['services', '--json'], { localServices: { services } });
    expect(JSON.parse(r.io.stdout)).toEqual({ services: [
      { address: '0.0.0.0', port: 80, family: 4, process: 'nginx', pid: 812, url: 'http://127.0.0.1:80', exposed_as: 'www' },
      { address: '::1', port: 631, family: 6, url: 'http://[::1]:631' },
    ] });
  });
});

describe('cloudroof expose check', () => {
  const ok: ProbeSiteResponse = { target: 'http://127.0.0.1:8080', ok: true, status: 200, latencyMs: 3.2, contentType: 'text/html', server: 'nginx', title: 'Welcome to nginx!' };

  it('sends the canonical target and prints what answered', async () => {
    const r = await runWithStub(exposeCommand, ['check', '127.0.0.1:8080', '--health-path', '/healthz'], { probeSite: ok });
    expect(r.calls).toEqual([['probeSite', { target: 'http://127.0.0.1:8080', healthPath: '/healthz' }]]);
    expect([r.code, r.io.stdout]).toEqual([0, 'http://127.0.0.1:8080 answers: HTTP 200 in 3.2 ms\nContent type: text/html\nServer:       nginx\nTitle:        Welcome to nginx!\n']);
    expect(formatProbe({ target: 'http://x:1', ok: true, status: 302, latencyMs: 12.4, location: '/login' })).toBe('http://x:1 answers: HTTP 302 in 12 ms\nRedirects to: /login\n');
  });

  it('exits 1 with the reason when nothing answers', async () => {
    const r = await runWithStub(exposeCommand, ['check', 'http://127.0.0.1:9'], { probeSite: { target: 'http://127.0.0.1:9', ok: false, error: 'connection refused: nothing listens on 127.0.0.1:9' } });
    expect([r.code, r.io.stdout]).toEqual([1, 'http://127.0.0.1:9 does not answer: connection refused: nothing listens on 127.0.0.1:9\n']);
    const json = await runWithStub(exposeCommand, ['check', 'http://127.0.0.1:9', '--json'], { probeSite: { target: 'http://127.0.0.1:9', ok: false, error: 'timed out after 5 s' } });
    expect(JSON.parse(json.io.stdout)).toEqual({ target: 'http://127.0.0.1:9', ok: false, error: 'timed out after 5 s' });
  });

  it('checks input locally: exit 2 and nothing sent; the service\'s invalid-site is exit 2 too', async () => {
    for (const args of [['check'], ['check', 'ftp://x:1'], ['check', '127.0.0.1'], ['check', '127.0.0.1:80', '--health-path', 'x y'], ['check', 'a:1', 'b:2']]) {
      const io = fakeIo();
      expect(await run(['expose', ...args], io), args.join(' ')).toBe(2);
    }
    await expect(runWithStub(exposeCommand, ['check', 'localhost:80'], { probeSite: new ControlError('invalid-site', 'target is invalid') }))
      .rejects.toMatchObject({ message: 'target is invalid', exitCode: 2 });
  });
});
