// EdgeManager against a fake nginx: what it renders from site lists, what happens when nginx
// refuses a config, replays, expiry after the grace period, and the reports origins receive.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { silentLogger } from '../log';
import { decodeEdgeReport, type SitesMessage } from '../mesh/site-messages';
import { CacheLogTailer } from './cache-log';
import { EdgeManager, ORIGIN_GRACE_MS, type EdgeManagerDeps } from './edge-manager';
import { NginxConfigError, type EdgeNginx } from './nginx';

const KEY_A = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const KEY_B = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=';
const EDGE = 'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE=';

class FakeNginx implements EdgeNginx {
  readonly mode = 'managed' as const;
  readonly paths = { cacheDir: '/var/cache/cr', errorPageRoot: '/var/lib/cr/www', acmeRoot: '/var/lib/cr/acme', cacheLog: '/var/lib/cr/cache.log' };
  applied: string[] = [];
  refuse: string | undefined;
  removed = 0;
  running = false;
  async probe() { return { available: true, version: '1.22.1' }; }
  async apply(text: string) {
    if (this.refuse) throw new NginxConfigError(this.refuse);
    this.applied.push(text);
  }
  async isRunning() { return this.running; }
  async remove() { this.removed++; }
}

function setup(extra: Partial<EdgeManagerDeps> = {}) {
  const clock = new FakeClock();
  const nginx = new FakeNginx();
  const sent: { type: string; text: string; to: string }[] = [];
  const m = new EdgeManager({
    settings: { certDir: '/nonexistent/certs', cacheSize: '1g', maxBody: '1g', httpPort: 80, httpsPort: 443 },
    nginx, publicKey: EDGE, clock, logger: silentLogger, ipv6: true, onChanged: () => {},
    send: (type, text, to) => sent.push({ type, text, to }), ...extra,
  });
  return { m, clock, nginx, sent };
}

const sites = (key: string, seq: number, hostnames = ['www.example.com'], name = 'blog'): SitesMessage => ({
  wgPubkey: key, seq, sites: hostnames.length ? [{ name, hostnames, port: 18080, scheme: 'http', healthPath: '/' }] : [],
});
const peerA = { publicKey: KEY_A, hostname: 'home', meshIp: '10.42.0.2' };
const peerB = { publicKey: KEY_B, hostname: 'home2', meshIp: '10.42.0.3' };
const settle = () => new Promise((r) => setTimeout(r, 150));
const lastReport = (sent: { type: string; text: string; to: string }[], to: string) =>
  decodeEdgeReport(JSON.parse([...sent].reverse().find((s) => s.to === to && s.type === 'CLOUDROOF_EDGE')?.text ?? '{}'));

/** A cache log that only counts its polls. */
class CountingTailer extends CacheLogTailer {
  polls = 0;
  override poll(): Promise<void> {
    this.polls++;
    return Promise.resolve();
  }
}

describe('EdgeManager', () => {
  it('with metrics on, logs cache results to the cache log and polls it on every tick', async () => {
    const cacheLog = new CountingTailer('/var/lib/cr/cache.log');
    const { m, nginx } = setup({ cacheLog });
    await m.start();
    m.onSites(sites(KEY_A, 1), peerA);
    await settle();
    expect(nginx.applied.at(-1)).toContain('    access_log /var/lib/cr/cache.log cloudroof_cache;');
    m.tick();
    m.tick();
    expect(cacheLog.polls).toBe(2);
    await m.stop(false);
    const off = setup();
    await off.m.start();
    off.m.onSites(sites(KEY_A, 1), peerA);
    await settle();
    expect(off.nginx.applied.at(-1)).not.toContain('access_log');
    await off.m.stop(false);
  });

  it('renders a server for an announced site with its origins, and reports no certificate', async () => {
    const { m, nginx, sent } = setup();
    await m.start();
    m.onSites(sites(KEY_A, 1), peerA);
    m.onSites(sites(KEY_B, 1), peerB);
    await settle();
    const text = nginx.applied.at(-1) ?? '';
    expect(text).toContain('server_name www.example.com;');
    expect(text).toContain('server 10.42.0.2:18080');
    expect(text).toContain('server 10.42.0.3:18080');
    expect(m.state().config.state).toBe('applied');
    const r = lastReport(sent, '10.42.0.2');
    expect(r.sites).toEqual([expect.objectContaining({ name: 'blog', tls: false })]);
    expect(['no-certificate', 'unreachable']).toContain(r.sites[0]?.state);
    await m.stop(false);
  });

  it('keeps the last good config when nginx refuses a new one, and says why', async () => {
    const { m, nginx, sent } = setup();
    await m.start();
    m.onSites(sites(KEY_A, 1), peerA);
    await settle();
    const good = nginx.applied.length;
    nginx.refuse = 'nginx: [emerg] something is wrong';
    m.onSites(sites(KEY_A, 2, ['www.example.com', 'new.example.com']), peerA);
    await settle();
    expect(nginx.applied.length).toBe(good);
    const st = m.state();
    expect(st.config).toMatchObject({ state: 'failed', lastError: 'nginx: [emerg] something is wrong' });
    expect(st.config.appliedAt).toBeDefined();
    // The site is still live under its old hostname, so it is not reported as a config error.
    expect(lastReport(sent, '10.42.0.2').sites[0]?.state).not.toBe('config-error');
    await m.stop(false);
  });

  it('ignores replays, withdraws at once on an empty list, expires silent origins', async () => {
    const { m, nginx, clock } = setup();
    await m.start();
    m.onSites(sites(KEY_A, 5), peerA);
    await settle();
    m.onSites(sites(KEY_A, 4, []), peerA); // older: ignored
    await settle();
    expect(m.state().sites).toHaveLength(1);
    m.onSites(sites(KEY_A, 6, []), peerA);
    await settle();
    expect(m.state().sites).toHaveLength(0);
    expect(nginx.applied.at(-1)).not.toContain('www.example.com');
    m.onSites(sites(KEY_B, 1), peerB);
    await settle();
    clock.advance(ORIGIN_GRACE_MS + 1000);
    m.tick();
    await settle();
    expect(m.state().sites).toHaveLength(0);
    await m.stop(true);
    expect(nginx.removed).toBe(1);
  });

  it('after a restart, keeps the running config until origins had a round to announce', async () => {
    const { m, nginx } = setup();
    nginx.running = true; // nginx kept serving while the service restarted
    await m.start();
    m.onSites(sites(KEY_A, 1), peerA);
    await settle();
    expect(nginx.applied).toEqual([]);
    await m.stop(false);
  });

  it('reports a conflict to the origin whose claim lost', async () => {
    const { m, sent } = setup();
    await m.start();
    m.onSites(sites(KEY_A, 1), peerA);
    await settle();
    m.onSites(sites(KEY_B, 1, ['www.example.com'], 'other'), peerB);
    await settle();
    expect(m.state().sites[0]).toMatchObject({ site: 'blog', conflict: expect.stringContaining('first claim keeps it') });
    expect(lastReport(sent, '10.42.0.3').sites[0]).toMatchObject({ name: 'other', state: 'conflict' });
    await m.stop(false);
  });
});
