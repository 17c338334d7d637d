// OriginManager on loopback with a fake firewall: forwarders follow the site list, failures
// leave everything as it was, announcements go to every peer, edge reports show per site.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../shared/protocol';
import { FakeClock } from '../clock';
import { FakeOriginFirewall } from '../engine/firewall/origin-fake';
import { silentLogger } from '../log';
import { decodeSites } from '../mesh/site-messages';
import { OriginManager } from './origin-manager';

const ME = 'MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM=';
const EDGE = 'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE=';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

async function listener(): Promise<{ port: number; close: () => void }> {
  const srv = net.createServer((s) => s.end('hello from the target\n'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

function setup() {
  const firewall = new FakeOriginFirewall();
  const sent: { type: string; text: string; to: string }[] = [];
  const m = new OriginManager({
    iface: 'wg0', meshAddresses: ['127.0.0.1'], publicKey: ME, firewall, clock: new FakeClock(), logger: silentLogger,
    peers: () => [{ publicKey: EDGE, hostname: 'edge-1', meshIp: '10.42.0.9' }], send: (type, text, to) => sent.push({ type, text, to }),
    onChanged: () => {},
  });
  cleanups.push(() => m.stop());
  return { m, firewall, sent };
}

const site = (name: string, port: number, extra: Partial<SiteConfig> = {}): SiteConfig => ({
  name, target: `http://127.0.0.1:${port}`, hostnames: [`${name}.example.com`], healthPath: '/', healthIntervalS: 10, ...extra,
});

function fetchVia(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => { out += d.toString(); });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('OriginManager', () => {
  it('forwards from a mesh port to the target, with a rule for the port, and announces the site', async () => {
    const target = await listener();
    cleanups.push(target.close);
    const { m, firewall, sent } = setup();
    const [applied] = await m.apply([site('blog', target.port)]);
    expect(applied?.meshPort).toBeGreaterThan(0);
    expect(await fetchVia(applied!.meshPort!)).toBe('hello from the target\n');
    expect(firewall.rules?.ports).toEqual([applied!.meshPort]);
    const msg = decodeSites(JSON.parse(sent.at(-1)!.text));
    expect(sent.at(-1)?.to).toBe('10.42.0.9');
    expect(msg.sites).toEqual([{ name: 'blog', hostnames: ['blog.example.com'], port: applied!.meshPort, scheme: 'http', healthPath: '/' }]);
  });

  it('changes nothing when a port is taken or the firewall fails', async () => {
    const target = await listener();
    cleanups.push(target.close);
    const { m, firewall } = setup();
    const [first] = await m.apply([site('blog', target.port)]);
    const busy = await listener();
    cleanups.push(busy.close);
    await expect(m.apply([site('blog', target.port, { meshPort: first!.meshPort }), site('shop', target.port, { meshPort: busy.port })]))
      .rejects.toMatchObject({ code: 'port-in-use' });
    expect(await fetchVia(first!.meshPort!)).toBe('hello from the target\n');
    expect(m.views([site('blog', target.port)])[0]?.forwarding.state).toBe('active');
    firewall.failNextApply = new Error('nft: permission denied');
    await expect(m.apply([site('blog', target.port, { meshPort: first!.meshPort }), site('shop', target.port)])).rejects.toThrow(/permission denied/);
    expect(firewall.rules?.ports).toEqual([first!.meshPort]);
    expect(m.views([site('shop', target.port)])[0]?.forwarding.state).toBe('pending');
  });

  it('shows edge reports per site and drops replays', async () => {
    const target = await listener();
    cleanups.push(target.close);
    const { m } = setup();
    const sites = await m.apply([site('blog', target.port)]);
    const peer = { publicKey: EDGE, hostname: 'edge-1', meshIp: '10.42.0.9' };
    m.onEdgeReport({ wgPubkey: EDGE, seq: 2, sites: [{ name: 'blog', state: 'serving', tls: true }] }, peer);
    m.onEdgeReport({ wgPubkey: EDGE, seq: 1, sites: [{ name: 'blog', state: 'unreachable', tls: false }] }, peer);
    const [v] = m.views(sites);
    expect(v?.edges).toEqual([expect.objectContaining({ hostname: 'edge-1', state: 'serving', tls: true })]);
    expect(v?.publicUrls).toEqual(['https://blog.example.com/']);
  });

  it('stop() closes the forwarders, removes the rules and withdraws the sites', async () => {
    const target = await listener();
    cleanups.push(target.close);
    const { m, firewall, sent } = setup();
    const [a] = await m.apply([site('blog', target.port)]);
    await m.stop();
    expect(firewall.rules).toBeNull();
    expect(decodeSites(JSON.parse(sent.at(-1)!.text)).sites).toEqual([]);
    await expect(fetchVia(a!.meshPort!)).rejects.toThrow(/ECONNREFUSED/);
  });
});
