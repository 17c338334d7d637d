// Edge capability reports: the certificate scan (a real temp dir), the reporter's sending rules
// (every tick, at once on a change only when it differs, an `off` report when edge mode ends) and
// the directory's ordering, withdrawal and 60 s expiry.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock';
import { silentLogger } from '../log';
import { decodeEdgeInfo, EDGE_INFO_TYPE, type EdgeInfo } from '../mesh/site-messages';
import { scanCertificates } from './certificates';
import { EDGE_INFO_TTL_MS, EdgeDirectory } from './edge-directory';
import { EdgeInfoReporter, type EdgeCapabilities } from './edge-info';
import type { EdgeManager } from './edge-manager';

const EDGE = 'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE=';
const OTHER = 'OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO=';
const dir = mkdtempSync(join(tmpdir(), 'cr-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cert(host: string, files = ['fullchain.pem', 'privkey.pem']): void {
  mkdirSync(join(dir, host), { recursive: true });
  for (const f of files) writeFileSync(join(dir, host, f), 'x');
}

describe('scanCertificates', () => {
  it('lists canonical hostnames holding both files, sorted, at most max', async () => {
    cert('www.example.com');
    cert('api.example.com');
    cert('half.example.com', ['fullchain.pem']);
    cert('UPPER.example.com');
    cert('not a host');
    cert('localhost');
    writeFileSync(join(dir, 'file.example.com'), 'a file, not a directory');
    mkdirSync(join(dir, 'target'));
    for (const f of ['fullchain.pem', 'privkey.pem']) writeFileSync(join(dir, 'target', f), 'x');
    symlinkSync(join(dir, 'target'), join(dir, 'link.example.com')); // certbot's live/ may hold links
    expect(await scanCertificates(dir)).toEqual(['api.example.com', 'link.example.com', 'www.example.com']);
    expect(await scanCertificates(dir, 2)).toEqual(['api.example.com', 'link.example.com']);
  });

  it('finds none in a missing directory', async () => {
    expect(await scanCertificates(join(dir, 'missing'))).toEqual([]);
  });
});

const caps = (certificates: string[] = ['www.example.com']): EdgeCapabilities => ({
  nginx: { available: true, running: true }, config: { state: 'applied' }, httpPort: 80, httpsPort: 443,
  certDir: '/etc/cloudroof/certs', acmeWebroot: '/var/lib/cloudroof/nginx/acme', certificates,
});

function reporter() {
  const clock = new FakeClock();
  const sent: { type: string; info: EdgeInfo; to: string }[] = [];
  let current: EdgeCapabilities | undefined = caps();
  const edge = {} as EdgeManager; // the injected capabilities() never looks at it
  const r = new EdgeInfoReporter({
    publicKey: EDGE, clock, send: (type, text, to) => sent.push({ type, info: decodeEdgeInfo(JSON.parse(text)), to }),
    peers: () => [{ publicKey: OTHER, hostname: 'home', meshIp: '10.42.0.2' }, { publicKey: 'K', hostname: 'new', meshIp: '' }],
    edge: () => (current ? edge : undefined), capabilities: async () => structuredClone(current ?? caps()),
  });
  return { r, sent, clock, set: (c: EdgeCapabilities | undefined) => { current = c; } };
}

describe('EdgeInfoReporter', () => {
  it('sends its report to every peer with a mesh address on each tick, with increasing seq', async () => {
    const { r, sent } = reporter();
    await r.tick();
    await r.tick();
    expect(sent.map((s) => [s.type, s.to])).toEqual([[EDGE_INFO_TYPE, '10.42.0.2'], [EDGE_INFO_TYPE, '10.42.0.2']]);
    expect(sent[0]?.info).toMatchObject({ wgPubkey: EDGE, ...caps() });
    expect(sent[1]!.info.seq).toBeGreaterThan(sent[0]!.info.seq);
    expect(r.local()).toEqual(caps());
  });

  it('sends at once on a change only when the report differs, and coalesces bursts', async () => {
    const { r, sent, set } = reporter();
    await r.tick();
    await r.changed();
    expect(sent).toHaveLength(1);
    set(caps(['www.example.com', 'new.example.com']));
    await Promise.all([r.changed(), r.changed(), r.changed()]);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.info.certificates).toEqual(['www.example.com', 'new.example.com']);
  });

  it('says "off" once when edge mode ends, then stays quiet', async () => {
    const { r, sent, set } = reporter();
    await r.tick();
    set(undefined);
    await r.tick();
    await r.tick();
    expect(sent.map((s) => s.info.config.state)).toEqual(['applied', 'off']);
    expect(r.local()).toBeUndefined();
    await r.withdraw();
    expect(sent).toHaveLength(2);
  });

  it('never rejects: a failed scan is logged and nothing is sent', async () => {
    const warnings: string[] = [];
    const sent: string[] = [];
    const r = new EdgeInfoReporter({
      publicKey: EDGE, clock: new FakeClock(), send: (_t, text) => sent.push(text), peers: () => [{ publicKey: OTHER, hostname: '', meshIp: '10.42.0.2' }],
      edge: () => ({}) as EdgeManager, capabilities: () => Promise.reject(new Error('EACCES')),
      logger: { ...silentLogger, warn: (msg: string) => { warnings.push(msg); } },
    });
    await expect(r.tick()).resolves.toBeUndefined();
    await expect(r.changed()).resolves.toBeUndefined();
    expect([sent, warnings]).toEqual([[], ['edge capability report not sent', 'edge capability report not sent']]);
  });
});

describe('EdgeDirectory', () => {
  const peer = { publicKey: OTHER, hostname: 'vps-1', meshIp: '10.42.0.9' };
  const report = (seq: number, over: Partial<EdgeInfo> = {}): EdgeInfo => ({ wgPubkey: OTHER, seq, ...caps(), ...over });

  it('keeps the newest report per edge and drops replays', () => {
    const clock = new FakeClock();
    const d = new EdgeDirectory(clock);
    expect(d.onInfo(report(5), peer)).toBe(true);
    expect(d.onInfo(report(5, { certificates: [] }), peer)).toBe(false);
    expect(d.onInfo(report(4, { certificates: [] }), peer)).toBe(false);
    expect(d.onInfo(report(6), peer)).toBe(false); // newer, but nothing changed
    expect(d.list()).toEqual([{
      publicKey: OTHER, hostname: 'vps-1', meshIPv4: '10.42.0.9', ...caps(), reportedAt: clock.now(),
    }]);
    expect(d.onInfo(report(7, { config: { state: 'failed', lastError: 'refused' } }), peer)).toBe(true);
    expect(d.list()[0]?.config).toEqual({ state: 'failed', lastError: 'refused' });
  });

  it('forgets an edge 60 s after its last report', () => {
    const clock = new FakeClock();
    const d = new EdgeDirectory(clock);
    d.onInfo(report(1), peer);
    clock.advance(EDGE_INFO_TTL_MS);
    expect(d.list()).toHaveLength(1);
    d.onInfo(report(2), peer);
    clock.advance(EDGE_INFO_TTL_MS);
    expect(d.expire()).toBe(false);
    clock.advance(1);
    expect(d.expire()).toBe(true);
    expect(d.list()).toEqual([]);
  });

  it('drops an edge at once when it says edge mode is off', () => {
    const d = new EdgeDirectory(new FakeClock());
    d.onInfo(report(1), peer);
    expect(d.onInfo(report(2, { config: { state: 'off' } }), peer)).toBe(true);
    expect(d.list()).toEqual([]);
    expect(d.onInfo(report(2), peer)).toBe(false); // a replay of what it said before leaving
    expect(d.onInfo(report(3), peer)).toBe(true); // an edge back in edge mode is welcome again
  });
});
