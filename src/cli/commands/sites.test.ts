// `cloudroof expose …` and `cloudroof edge …` in-process with a stub client: local input checks
// (exit 2, nothing sent), the requests sent, and the text output.
import { describe, expect, it } from 'vitest';
import { ControlError, type EdgeState, type ExposedSite } from '../../shared/protocol';
import { run } from '../run';
import { fakeIo, runWithStub } from '../test-io';
import { edgeCommand } from './edge';
import { exposeCommand } from './expose';
import { formatEdge, formatSites, siteSummary } from './sites-format';

const site: ExposedSite = {
  name: 'blog', target: 'http://127.0.0.1:8080', hostnames: ['www.example.com'], healthPath: '/healthz', healthIntervalS: 10,
  meshPort: 8080, forwarding: { state: 'active' }, health: { state: 'healthy', status: 200, latencyMs: 2.4 },
  edges: [
    { publicKey: 'K1', hostname: 'edge-1', meshIPv4: '10.42.0.5', state: 'serving', tls: true, reportedAt: 1000 },
    { publicKey: 'K2', hostname: 'edge-2', meshIPv4: '10.42.0.6', state: 'no-certificate', tls: false, reason: 'no certificate: /etc/cloudroof/certs/www.example.com/fullchain.pem', reportedAt: 1000 },
  ],
  publicUrls: ['https://www.example.com/'],
};
const edge: EdgeState = {
  enabled: true, settings: { certDir: '/etc/cloudroof/certs', cacheSize: '1g', maxBody: '1g', httpPort: 80, httpsPort: 443 },
  nginx: { available: true, version: '1.22.1', running: true }, config: { state: 'failed', lastError: 'nginx: [emerg] bad', appliedAt: 500 },
  sites: [{ hostname: 'www.example.com', site: 'blog', tls: 'ok', certPath: '/etc/cloudroof/certs/www.example.com/fullchain.pem',
    origins: [{ publicKey: 'K3', hostname: 'home', meshIPv4: '10.42.0.2', port: 8080, scheme: 'http', health: { state: 'healthy' } }] }],
};

describe('cloudroof expose', () => {
  it('checks input locally: exit 2 and nothing sent', async () => {
    for (const args of [
      ['add', 'blog', 'http://127.0.0.1:8080', '--hostname', 'bad;host'],
      ['add', 'blog', 'ftp://x:1', '--hostname', 'www.example.com'],
      ['add', 'bl og', '127.0.0.1:80', '--hostname', 'www.example.com'],
      ['add', 'blog', '127.0.0.1:80'],
      ['add', 'blog', '127.0.0.1:80', '--hostname', 'www.example.com', '--health-path', 'x y'],
      ['add', 'blog', '127.0.0.1:80', '--hostname', 'www.example.com', '--health-interval', '1'],
    ]) {
      const io = fakeIo();
      expect(await run(['expose', ...args], io), args.join(' ')).toBe(2);
      expect(io.stderr).toMatch(/invalid|needs at least one|must be/);
    }
  });

  it('sends canonical values and prints where the site is live', async () => {
    const r = await runWithStub(exposeCommand, ['add', 'Blog', '127.0.0.1:8080', '--hostname', 'WWW.example.com', '--health-path', '/healthz'], { exposeSite: { sites: [site] } });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([['exposeSite', { name: 'blog', target: 'http://127.0.0.1:8080', hostnames: ['www.example.com'], healthPath: '/healthz' }]]);
    expect(r.io.stdout).toContain('live at https://www.example.com/ via 1 edge');
  });

  it('maps refusals of the service to exit 2', async () => {
    await expect(runWithStub(exposeCommand, ['remove', 'nope'], { removeSite: new ControlError('site-not-found', 'no site named nope') }))
      .rejects.toMatchObject({ message: 'no site named nope', exitCode: 2 });
    const io = fakeIo();
    expect(await run(['expose', 'remove', 'Bad!'], io)).toBe(2);
  });

  it('lists sites as text and snake_case JSON', async () => {
    const text = formatSites([site], 61_000);
    expect(text).toMatch(/Local health: +healthy \(200, 2 ms\)/);
    expect(text).toMatch(/edge-2 +10\.42\.0\.6 +no-certificate +no/);
    const r = await runWithStub(exposeCommand, ['list', '--json'], { sites: { sites: [site] } });
    const out = JSON.parse(r.io.stdout) as { sites: Record<string, unknown>[] };
    expect(out.sites[0]).toMatchObject({ health_path: '/healthz', mesh_port: 8080, public_urls: ['https://www.example.com/'] });
  });

  it('says why a site is not live', () => {
    expect(siteSummary({ ...site, edges: [], publicUrls: [] })).toMatch(/no edge serves it yet.*cloudroof edge enable/);
    expect(siteSummary({ ...site, forwarding: { state: 'error', error: 'port 8080 in use' } })).toMatch(/port 8080 in use/);
  });
});

describe('cloudroof edge', () => {
  it('sends the settings and refuses bad sizes and ports locally', async () => {
    const r = await runWithStub(edgeCommand, ['enable', '--cert-dir', '/srv/certs', '--cache-size', '2G'], { enableEdge: edge });
    expect(r.calls).toEqual([['enableEdge', { certDir: '/srv/certs', cacheSize: '2g' }]]);
    for (const args of [['--cache-size', '1 gb'], ['--http-port', '0'], ['--max-body', 'x']]) {
      const io = fakeIo();
      expect(await run(['edge', 'enable', ...args], io)).toBe(2);
    }
  });

  it('status says when the last config was refused and exits 1', async () => {
    const r = await runWithStub(edgeCommand, ['status'], { edge });
    expect(r.code).toBe(1);
    const text = formatEdge(edge, 60_500);
    expect(text).toMatch(/refused: nginx: \[emerg\] bad \(the config applied 1m ago keeps serving\)/);
    expect(text).toMatch(/www\.example\.com +blog +yes +home:8080 healthy/);
  });
});
