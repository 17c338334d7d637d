// The ServiceBackend's local endpoints and interface/port prefs with fakes for the system (not
// joined: joining for real is the netns suite's job): a refused change leaves prefs.json and the
// status untouched, an accepted one is persisted and shown, a start removes leftovers of the
// recorded and the effective interface, and the secret is revealed (and logged as such) only.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlError } from '../../shared/protocol';
import { systemClock } from '../clock';
import { createEdgeNginx } from '../edge/nginx';
import { FakeCommandRunner } from '../engine/fake';
import { FakeFirewall } from '../engine/firewall/fake';
import { FakeOriginFirewall } from '../engine/firewall/origin-fake';
import { FakeRouter } from '../engine/router/fake';
import { FakeSysctl } from '../engine/sysctl';
import { createLogger } from '../log';
import { PrefsFile } from '../state/prefs';
import { ServiceBackend } from './service-backend';

const TOKEN = 'wgmesh://v1/c2VydmljZS1iYWNrZW5kLWxvY2FsLXRlc3Qtc2VjcmV0';
const dirs: string[] = [];
afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

/** A not-joined backend over a fresh state dir; `taken` ports are refused by findListenPort. */
async function setup(opts: { taken?: number[]; links?: string[]; record?: string; prefs?: object } = {}) {
  const stateDir = await mkdtemp(join(tmpdir(), 'cr-backend-local-'));
  dirs.push(stateDir);
  if (opts.record) await writeFile(join(stateDir, 'last-interface'), `${opts.record}\n`);
  if (opts.prefs) await writeFile(join(stateDir, 'prefs.json'), JSON.stringify(opts.prefs));
  const router = new FakeRouter();
  for (const l of opts.links ?? []) router.addLink(l);
  const lines: string[] = [];
  const logger = createLogger('cloudroofd', { json: true, level: 'debug', write: (l) => lines.push(l) });
  const runner = new FakeCommandRunner();
  const prefsFile = new PrefsFile(stateDir);
  const backend = new ServiceBackend({
    stateDir, interfaceName: 'cloudroof0', listenPort: 51820, listenPortExplicit: false, hostname: 'node', version: '0.1.0-test',
    clock: systemClock, logger, prefsFile, router, firewall: new FakeFirewall(), originFirewall: new FakeOriginFirewall(),
    sysctl: new FakeSysctl({}), runner, ipv6: true, createNginx: () => createEdgeNginx('managed', { runner, stateDir }),
    createDevice: async () => { throw new Error('not used: the node is not joined'); },
    findListenPort: async (p) => { if (opts.taken?.includes(p)) throw new ControlError('port-in-use', `UDP port ${p} is in use; choose another with --listen-port`); return p; },
    setLogLevel: () => {}, onSecret: () => {},
  });
  await backend.init();
  const prefsText = async (): Promise<string> => readFile(join(stateDir, 'prefs.json'), 'utf8').catch(() => '(none)');
  return { backend, router, lines, prefsFile, prefsText, stateDir };
}

const refusal = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'accepted', (e: ControlError) => e.code);

describe('ServiceBackend interface and port prefs', () => {
  it('refuses a bad name, another interface\'s name and a taken port, changing nothing', async () => {
    const t = await setup({ taken: [53], links: ['eth0'] });
    await t.backend.patchPrefs({ logLevel: 'debug' });
    const before = await t.prefsText();
    expect(await refusal(t.backend.patchPrefs({ interfaceName: 'bad/name', logLevel: 'warn' }))).toBe('invalid-interface');
    expect(await refusal(t.backend.patchPrefs({ interfaceName: 'eth0' }))).toBe('invalid-interface');
    expect(await refusal(t.backend.patchPrefs({ listenPort: 53, interfaceName: 'wg7' }))).toBe('port-in-use');
    expect(await t.prefsText()).toBe(before);
    expect(t.backend.getPrefs()).toMatchObject({ logLevel: 'debug' });
    expect(t.backend.getPrefs().interfaceName).toBeUndefined();
    expect(t.backend.status().interface).toBe('cloudroof0');
    expect(t.router.links.has('eth0')).toBe(true);
  });

  it('persists an accepted change, shows it in the status and the prefs, and keeps it across a restart', async () => {
    const t = await setup();
    const events: string[] = [];
    t.backend.subscribe((e) => { if (e.type === 'status') events.push(e.status.interface); });
    expect(await t.backend.patchPrefs({ interfaceName: 'wg7', listenPort: 40000 })).toMatchObject({ interfaceName: 'wg7', listenPort: 40000 });
    expect(t.backend.status().interface).toBe('wg7');
    expect(events).toEqual(['wg7']);
    expect(JSON.parse(await t.prefsText())).toMatchObject({ interfaceName: 'wg7', listenPort: 40000 });
    expect(await t.prefsFile.load()).toMatchObject({ interfaceName: 'wg7', listenPort: 40000 });
  });

  it('drops an override the platform cannot use from a hand-edited prefs.json, keeping the rest', async () => {
    const t = await setup({ prefs: { logLevel: 'warn', interfaceName: 'no/slashes', listenPort: 70000 } });
    expect(t.backend.getPrefs()).toMatchObject({ logLevel: 'warn' });
    expect(t.backend.getPrefs().interfaceName).toBeUndefined();
    expect(t.backend.getPrefs().listenPort).toBeUndefined();
  });

  it('removes, at start, a leftover of the recorded interface and of the effective one', async () => {
    const t = await setup({ record: 'oldwg0', links: ['oldwg0', 'cloudroof0', 'eth0'], prefs: { interfaceName: 'cloudroof0' } });
    expect([...t.router.links.keys()]).toEqual(['eth0']);
    expect(t.lines.filter((l) => l.includes('removed a leftover mesh interface'))).toHaveLength(2);
  });
});

describe('ServiceBackend local endpoints', () => {
  it('reveals the stored secret as given, logging that it did and never what', async () => {
    const t = await setup();
    expect(await refusal(t.backend.revealSecret({ confirm: true }))).toBe('not-joined');
    await t.prefsFile.saveSecret(TOKEN);
    expect(await t.backend.revealSecret({ confirm: true })).toEqual({ secret: TOKEN, token: true });
    await t.prefsFile.saveSecret('a-raw-secret-that-is-long-enough');
    expect(await t.backend.revealSecret({ confirm: true })).toEqual({ secret: 'a-raw-secret-that-is-long-enough', token: false });
    const revealed = t.lines.filter((l) => l.includes('mesh secret revealed to a control client'));
    expect(revealed).toHaveLength(2);
    expect(JSON.parse(revealed[0] ?? '{}')).toMatchObject({ level: 'info' });
    for (const l of t.lines) expect(l).not.toMatch(/c2VydmljZS1iYWNrZW5kLWxvY2FsLXRlc3Qtc2VjcmV0|a-raw-secret/);
  });

  it('lists local services from /proc without the service\'s own sockets', async () => {
    const t = await setup();
    const { services } = await t.backend.localServices();
    expect(services.every((s) => s.pid !== process.pid)).toBe(true);
    expect(services.map((s) => s.port)).toEqual([...services.map((s) => s.port)].sort((a, b) => a - b));
  });
});
