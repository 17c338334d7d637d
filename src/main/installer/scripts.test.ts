// The generated install and uninstall scripts, golden (src/main/installer/golden/*; rewrite
// them with `npx vitest run -u` after an intended change and review the diff), plus their
// properties: the unit runs the app's runtime with ELECTRON_RUN_AS_NODE=1 on the installed
// service, values are validated and quoted, the scripts parse (bash -n), and the elevated
// command survives the shell quoting sudo-prompt wraps it in.
import { exec as execCb, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { darwinInstallScript, darwinUninstallScript, renderPlist } from './darwin-script';
import { classifyFailure, CANCELLED_MESSAGE, elevatedCommand, failureSummary } from './elevate';
import type { InstallSpec } from './install-spec';
import { linuxInstallScript, linuxUninstallScript, renderUnit } from './linux-script';

const repo = join(import.meta.dirname, '..', '..', '..');
const unitTemplate = readFileSync(join(repo, 'build', 'cloudroofd.service'), 'utf8');
const plistTemplate = readFileSync(join(repo, 'build', 'com.cloudroof.cloudroofd.plist'), 'utf8');
const golden = (name: string): string => join(import.meta.dirname, 'golden', name);

const linuxDeb: InstallSpec = {
  user: 'alice', version: '1.4.0', template: unitTemplate,
  resources: { service: '/opt/Cloudroof/resources/cloudroofd.js', serviceMap: '/opt/Cloudroof/resources/cloudroofd.js.map', renderer: '/opt/Cloudroof/resources/renderer' },
  runtime: { kind: 'executable', path: '/opt/Cloudroof/cloudroof' },
};
const linuxAppImage: InstallSpec = {
  ...linuxDeb, resources: { service: '/tmp/.mount_CloudrAbCdEf/resources/cloudroofd.js' },
  runtime: { kind: 'appimage', path: '/home/alice/Applications/Cloudroof-1.4.0.AppImage', executable: 'cloudroof' },
};
const mac: InstallSpec = {
  user: 'alice', version: '1.4.0', template: plistTemplate,
  resources: { service: '/Applications/Cloudroof.app/Contents/Resources/cloudroofd.js' },
  runtime: { kind: 'app-bundle', path: '/Applications/Cloudroof.app', executable: 'Contents/MacOS/Cloudroof' },
};

const bashParses = (script: string): void => { execFileSync('bash', ['-n'], { input: script }); };

describe('installer scripts (golden)', () => {
  it.each([
    ['linux-install-deb.sh', () => linuxInstallScript(linuxDeb)],
    ['linux-install-appimage.sh', () => linuxInstallScript(linuxAppImage)],
    ['linux-uninstall.sh', () => linuxUninstallScript({ purge: false, interfaceName: 'cloudroof0' })],
    ['linux-uninstall-purge.sh', () => linuxUninstallScript({ purge: true, interfaceName: 'wg-home' })],
    ['darwin-install.sh', () => darwinInstallScript(mac)],
    ['darwin-uninstall.sh', () => darwinUninstallScript({ purge: false })],
  ])('%s', async (name, make) => {
    const script = make();
    bashParses(script);
    await expect(script).toMatchFileSnapshot(golden(name));
  });
});

describe('installer script contents', () => {
  it('the unit runs the app runtime as Node on the installed service, from build/cloudroofd.service', () => {
    const unit = renderUnit(unitTemplate, '/opt/Cloudroof/cloudroof');
    expect(unit.split('\n')[0]).toMatch(/^# Installed by the Cloudroof desktop app/);
    expect(unit).toContain('Environment=ELECTRON_RUN_AS_NODE=1\nExecStart=/opt/Cloudroof/cloudroof /usr/local/lib/cloudroof-desktop/cloudroofd.mjs --socket /run/cloudroof/cloudroofd.sock --state-dir /var/lib/cloudroof\n');
    expect(unit).not.toContain('@BIN@');
    for (const kept of ['ProtectHome=true', 'RuntimeDirectory=cloudroof', 'StateDirectory=cloudroof', 'Restart=always', 'WantedBy=multi-user.target']) expect(unit).toContain(kept);
    expect(renderUnit(unitTemplate, '/opt/Cloud Roof/cloudroof')).toContain('ExecStart="/opt/Cloud Roof/cloudroof" ');
    expect(() => renderUnit('[Service]\nType=simple\n', '/x')).toThrow(/no ExecStart/);
  });

  it('an AppImage runs unpacked from the service\'s own directory', () => {
    expect(linuxInstallScript(linuxAppImage)).toContain('ExecStart=/usr/local/lib/cloudroof-desktop/runtime/cloudroof ');
  });

  it('the plist sets ELECTRON_RUN_AS_NODE and escapes values for XML', () => {
    const plist = renderPlist(plistTemplate, '/Library/Application Support/Cloudroof/Cloudroof.app/Contents/MacOS/Cloudroof');
    expect(plist).toContain('<key>ELECTRON_RUN_AS_NODE</key>\n    <string>1</string>');
    expect(plist).toContain('<string>/Library/Application Support/Cloudroof/cloudroofd.mjs</string>');
    expect(plist).toContain('<string>/var/run/cloudroof/cloudroofd.sock</string>');
    expect(plist).not.toMatch(/@[A-Z_]+@/);
    expect(renderPlist(plistTemplate, '/Apps/R&D.app/Contents/MacOS/R&D')).toContain('<string>/Apps/R&amp;D.app/Contents/MacOS/R&amp;D</string>');
  });

  it('refuses values that cannot be baked into a script', () => {
    expect(() => linuxInstallScript({ ...linuxDeb, user: "alice'; rm -rf /; '" })).toThrow(/cannot add/);
    expect(() => linuxInstallScript({ ...linuxDeb, user: 'root' })).toThrow(/cannot add/);
    expect(() => linuxInstallScript({ ...linuxDeb, runtime: { kind: 'executable', path: 'relative/cloudroof' } })).toThrow(/not a usable absolute path/);
    expect(() => linuxInstallScript({ ...linuxDeb, resources: { service: '/opt/$(reboot)/cloudroofd.js' } })).toThrow(/not a usable absolute path/);
    expect(() => linuxInstallScript({ ...linuxDeb, version: '1.0\nrm -rf /' })).toThrow(/not a version/);
    expect(() => linuxInstallScript({ ...mac })).toThrow(/macOS app bundle/);
    expect(() => darwinInstallScript({ ...linuxAppImage })).toThrow(/AppImage/);
    expect(() => linuxUninstallScript({ purge: false, interfaceName: 'wg0; reboot' })).toThrow(/interface name/);
  });
});

describe('elevation', () => {
  it('the elevated command survives sudo-prompt\'s Linux wrapping (a double-quoted bash -c)', async () => {
    const script = 'set -eu\nx=\'$HOME "quoted" `not run`\'\nprintf "%s|%s\\n" "$x" "${#x}"\nmain() { cat >/dev/null; echo stdin-closed; }\nmain </dev/null\n';
    // As sudo-prompt's Linux() builds it (index.js): the command inside "…" with only " escaped.
    const wrapped = `/bin/bash -c "echo SUDOPROMPT; ${elevatedCommand(script).replace(/"/g, '\\"')}"`;
    const { stdout } = await promisify(execCb)(wrapped);
    expect(stdout).toBe('SUDOPROMPT\n$HOME "quoted" `not run`|24\nstdin-closed\n');
    expect(elevatedCommand(script)).toMatch(/^echo [A-Za-z0-9+/=]+ \| base64 --decode \| \/bin\/bash -s$/);
  });

  it('maps sudo-prompt\'s failures to messages', () => {
    expect(classifyFailure(new Error('User did not grant permission.'), '')).toMatchObject({ code: 'elevation-cancelled', message: CANCELLED_MESSAGE });
    expect(classifyFailure(new Error('No polkit authentication agent found.'), '').code).toBe('elevation-unavailable');
    const failed = classifyFailure(new Error('Command failed: …'), 'cloudroof-desktop-install: installing\ncloudroof-desktop-install: error: user bob does not exist\n');
    expect(failed).toMatchObject({ code: 'install-script-failed', message: 'user bob does not exist' });
    expect(failureSummary('', 'fallback')).toBe('fallback');
    expect(failureSummary('first\nlast line\n', 'x')).toBe('last line');
  });
});
