// The interface and port settings: effective values, when a connection must move, the checks a
// change passes before anything changes, and the record of the last interface created.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlError } from '../../shared/protocol';
import { FakeRouter } from '../engine/router/fake';
import { silentLogger } from '../log';
import { PrefsFile } from '../state/prefs';
import {
  checkInterfacePatch, effectiveSettings, interfaceNameError, InterfaceRecord, needsReconnect, type InterfacePatchContext,
} from './interface-settings';

const flags = { interfaceName: 'cloudroof0', listenPort: 51820, listenPortExplicit: false };

describe('effectiveSettings and needsReconnect', () => {
  it('uses the flags unless the prefs override them (an overridden port is explicit)', () => {
    expect(effectiveSettings({}, flags)).toEqual(flags);
    expect(effectiveSettings({ interfaceName: 'wg7', listenPort: 40000 }, flags)).toEqual({ interfaceName: 'wg7', listenPort: 40000, listenPortExplicit: true });
  });

  it('moves for another interface or another explicit port, not for an automatic port that found room elsewhere', () => {
    const running = { interfaceName: 'cloudroof0', listenPort: 51821 };
    expect(needsReconnect(running, flags)).toBe(false);
    expect(needsReconnect(running, { ...flags, interfaceName: 'wg7' })).toBe(true);
    expect(needsReconnect(running, { ...flags, listenPort: 51821, listenPortExplicit: true })).toBe(false);
    expect(needsReconnect(running, { ...flags, listenPort: 40000, listenPortExplicit: true })).toBe(true);
  });
});

describe('checkInterfacePatch', () => {
  const ctx = (over: Partial<InterfacePatchContext> = {}): InterfacePatchContext & { asked: number[] } => {
    const router = new FakeRouter();
    router.addLink('eth0');
    router.addLink('cloudroof0');
    const asked: number[] = [];
    return {
      platform: 'linux', router, asked, prefs: {}, ownInterfaces: ['cloudroof0'], portInUse: 51820,
      findListenPort: async (p) => { asked.push(p); if (p === 53) throw new ControlError('port-in-use', 'UDP port 53 is in use; choose another with --listen-port'); if (p === 54) throw new Error('no free UDP port'); return p; },
      ...over,
    };
  };
  const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'ok', (e: ControlError) => [e.code, e.message]);

  it('refuses names the platform refuses, without repeating them', async () => {
    expect(await codeOf(checkInterfacePatch({ interfaceName: 'bad name' }, ctx()))).toEqual(['invalid-interface', 'invalid interface name: it must start with a letter and contain only letters, digits, "_" and "-"']);
    expect(await codeOf(checkInterfacePatch({ interfaceName: 'wg0' }, ctx({ platform: 'darwin' })))).toEqual(['invalid-interface', expect.stringMatching(/^invalid interface name: on macOS it must be utun/)]);
    expect(interfaceNameError('a'.repeat(16), 'linux')?.message).toBe('invalid interface name: 16 bytes, at most 15 allowed');
    expect(interfaceNameError('wg-home_1', 'linux')).toBeUndefined();
  });

  it('refuses the name of another existing interface, but not our own', async () => {
    expect(await codeOf(checkInterfacePatch({ interfaceName: 'eth0' }, ctx()))).toEqual(['invalid-interface', 'an interface named eth0 already exists on this machine; choose another name']);
    expect(await codeOf(checkInterfacePatch({ interfaceName: 'cloudroof0' }, ctx()))).toBe('ok');
    expect(await codeOf(checkInterfacePatch({ interfaceName: 'wg7' }, ctx()))).toBe('ok');
  });

  it('checks a new port only: taken is port-in-use; the port in use by us or already stored is not checked', async () => {
    const c = ctx({ prefs: { listenPort: 40000 } });
    expect(await codeOf(checkInterfacePatch({ listenPort: 53 }, c))).toEqual(['port-in-use', 'UDP port 53 is in use; choose another with --listen-port']);
    expect(await codeOf(checkInterfacePatch({ listenPort: 54 }, c))).toEqual(['port-in-use', 'UDP port 54 is in use on this machine; choose another']);
    expect(await codeOf(checkInterfacePatch({ listenPort: 51820 }, c))).toBe('ok');
    expect(await codeOf(checkInterfacePatch({ listenPort: 40000 }, c))).toBe('ok');
    expect(await codeOf(checkInterfacePatch({ listenPort: 41000, logLevel: 'debug' }, c))).toBe('ok');
    expect(c.asked).toEqual([53, 54, 41000]);
  });
});

describe('InterfaceRecord', () => {
  const dirs: string[] = [];
  afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

  it('records the interface in the state dir, reads it back, ignores a record that is not a valid name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cr-iface-record-'));
    dirs.push(dir);
    const prefsFile = new PrefsFile(dir);
    const record = new InterfaceRecord({ prefsFile, router: new FakeRouter(), logger: silentLogger });
    expect(await record.load()).toBeUndefined();
    await record.record('wg7');
    expect(await readFile(join(dir, 'last-interface'), 'utf8')).toBe('wg7\n');
    expect(await new InterfaceRecord({ prefsFile, router: new FakeRouter(), logger: silentLogger }).load()).toBe('wg7');
    await prefsFile.saveLastInterface('../../etc');
    expect(await prefsFile.loadLastInterface()).toBeUndefined();
  });

  it('removes the leftovers that exist, each once, and keeps going after a failure', async () => {
    const router = new FakeRouter();
    router.addLink('old0');
    router.addLink('new0');
    router.deleteLink = async (iface) => { router.calls.push(`deleteLink ${iface}`); if (iface === 'old0') throw new Error('busy'); router.links.delete(iface); };
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (msg: string) => { warnings.push(msg); } };
    await new InterfaceRecord({ prefsFile: new PrefsFile('/nonexistent'), router, logger }).removeLeftovers(['old0', undefined, 'new0', 'new0', 'gone0']);
    expect(router.calls.filter((c) => c.startsWith('deleteLink'))).toEqual(['deleteLink old0', 'deleteLink new0']);
    expect([...router.links.keys()]).toEqual(['old0']);
    expect(warnings).toEqual(['could not remove a leftover mesh interface', 'removed a leftover mesh interface']);
  });
});
