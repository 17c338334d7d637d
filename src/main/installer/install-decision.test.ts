// The installer's decision for every connection state and version/protocol combination.
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../shared/ipc';
import { compareVersions, decideInstall, type InstallFacts } from './install-decision';

const facts = (connection: ConnectionState, patch: Partial<InstallFacts> = {}): InstallFacts => ({
  platform: 'linux', connection, bundled: { version: '1.4.0', protocol: 1 }, installedByApp: true, ...patch,
});
const answering = (state: 'connected' | 'incompatible', serviceVersion: string, serviceProtocol: number): ConnectionState => ({ state, serviceVersion, serviceProtocol });

describe('install decision', () => {
  it('offers to install where no service exists', () => {
    expect(decideInstall(facts({ state: 'not-installed' }, { installedByApp: false }))).toEqual({
      action: 'install', reason: 'The Cloudroof service is not installed on this computer yet.', bundledVersion: '1.4.0',
    });
  });

  it('repairs the app\'s own service when it is not running, not a foreign one', () => {
    expect(decideInstall(facts({ state: 'not-running' })).action).toBe('install');
    const foreign = decideInstall(facts({ state: 'not-running' }, { installedByApp: false }));
    expect(foreign.action).toBe('unsupported');
    expect(foreign.reason).toMatch(/sudo systemctl start cloudroofd/);
    expect(decideInstall(facts({ state: 'not-running' }, { installedByApp: false, platform: 'darwin' })).reason).toMatch(/launchctl kickstart/);
  });

  it('nothing to do for the same version, or a newer one with the same protocol', () => {
    expect(decideInstall(facts(answering('connected', '1.4.0', 1)))).toEqual({ action: 'none', bundledVersion: '1.4.0', installedVersion: '1.4.0' });
    expect(decideInstall(facts(answering('connected', '1.5.0', 1))).action).toBe('none');
  });

  it('upgrades an older service of its own', () => {
    expect(decideInstall(facts(answering('connected', '1.3.9', 1)))).toEqual({
      action: 'upgrade', reason: 'This app carries cloudroofd 1.4.0, newer than the installed 1.3.9.', bundledVersion: '1.4.0', installedVersion: '1.3.9',
    });
    expect(decideInstall(facts(answering('connected', '1.3.9', 1), { installedByApp: false })).action).toBe('none');
  });

  it('must upgrade an older protocol; cannot drive a newer one', () => {
    const older = decideInstall(facts(answering('incompatible', '0.9.0', 0)));
    expect(older.action).toBe('upgrade');
    expect(older.reason).toMatch(/protocol 0; this app needs 1/);
    const foreign = decideInstall(facts(answering('incompatible', '0.9.0', 0), { installedByApp: false }));
    expect(foreign.action).toBe('unsupported');
    expect(foreign.reason).toMatch(/scripts\/install\.sh/);
    const newer = decideInstall(facts(answering('incompatible', '2.0.0', 2)));
    expect(newer.action).toBe('unsupported');
    expect(newer.reason).toMatch(/newer than this app's 1\. Update the app/);
  });

  it('waits while the state is not known, and refuses other platforms', () => {
    for (const state of ['connecting', 'permission-denied', 'untrusted-socket', 'error'] as const) {
      expect(decideInstall(facts({ state })).action).toBe('none');
    }
    expect(decideInstall(facts({ state: 'not-installed' }, { platform: 'win32' }))).toMatchObject({ action: 'unsupported', reason: 'The app cannot install the service on win32.' });
  });

  it('compares versions numerically, pre-releases first', () => {
    expect(compareVersions('1.2.10', '1.2.9')).toBeGreaterThan(0);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
    expect(compareVersions('1.2.0-beta.2', '1.2.0')).toBeLessThan(0);
    expect(compareVersions('1.2.0-beta.10', '1.2.0-beta.9')).toBeGreaterThan(0);
    expect(compareVersions('0.1.0', '0.1.0')).toBe(0);
  });
});
