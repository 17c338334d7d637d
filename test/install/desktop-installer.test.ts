// The desktop app's service installer (src/main/installer/linux-script.ts) for real, in a clean
// Debian root (debootstrap, as install.test.ts): the generated scripts run exactly as the app
// runs them (base64 through `bash -s`, as root), with the app "installed" under /opt/Cloudroof —
// its Electron runtime played by the Node binary, which runs cloudroofd.mjs like Electron does
// with ELECTRON_RUN_AS_NODE=1 — and a stand-in systemctl that records its calls and starts the
// unit's ExecStart with its Environment (no systemd runs in the root). Checked: the unit, group
// membership, files, manifest, the running service reachable by the desktop user; refusals
// that change nothing; an AppImage runtime unpacked into the service's own directory; and the
// uninstall script removing exactly what the install added (the state directory only with purge).
import { copyFileSync, cpSync, existsSync, linkSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elevatedCommand } from '../../src/main/installer/elevate';
import type { InstallSpec } from '../../src/main/installer/install-spec';
import { linuxInstallScript, linuxUninstallScript } from '../../src/main/installer/linux-script';
import { DebianRoot, SUITE, debianRootSkipReason, ensureCachedRootfs } from './support/debian-root';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const skipReason = debianRootSkipReason(repo);
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

const spec: InstallSpec = {
  user: 'alice', version, template: readFileSync(join(repo, 'build', 'cloudroofd.service'), 'utf8'), waitSeconds: 30,
  resources: { service: '/opt/Cloudroof/resources/cloudroofd.js', serviceMap: '/opt/Cloudroof/resources/cloudroofd.js.map', renderer: '/opt/Cloudroof/resources/renderer' },
  runtime: { kind: 'executable', path: '/opt/Cloudroof/cloudroof' },
};
const LIB = '/usr/local/lib/cloudroof-desktop';

// systemd cannot run here: this records the calls and does what start/restart/stop would.
const STUB_SYSTEMCTL = String.raw`mkdir -p /run/stub
cat > /run/stub/systemctl <<'STUB'
#!/bin/bash
echo "systemctl $*" >> /run/systemctl.log
unit=/etc/systemd/system/cloudroofd.service pid=/run/stub/cloudroofd.pid
stop() { if [ -f "$pid" ]; then kill "$(cat "$pid")" 2>/dev/null || true; while kill -0 "$(cat "$pid")" 2>/dev/null; do sleep 0.05; done; rm -f "$pid"; fi; }
start() { env $(sed -n 's/^Environment=//p' "$unit") $(sed -n 's/^ExecStart=//p' "$unit") >/run/stub/cloudroofd.log 2>&1 </dev/null & echo $! > "$pid"; }
case "$1" in restart) stop; start ;; start) start ;; stop) stop ;; disable) if [ "$2" = --now ]; then stop; fi ;; esac
exit 0
STUB
chmod 0755 /run/stub/systemctl
export PATH=/run/stub:$PATH
ip link set lo up 2>/dev/null || true
`;

describe.skipIf(skipReason !== '')(`the desktop app's service installer in a clean Debian ${SUITE} root`, () => {
  let root: DebianRoot;
  let baseline = '';
  /** The command the app would hand to sudo-prompt, kept in the payload (readable failures). */
  const command = (name: string, script: string): string => {
    writeFileSync(join(root.payload, `${name}.cmd`), `${elevatedCommand(script)}\n`);
    return `bash /mnt/${name}.cmd`;
  };
  const install = (s: InstallSpec = spec, name = 'install'): string => command(name, linuxInstallScript(s));
  const uninstall = (purge: boolean): string => command(purge ? 'uninstall-purge' : 'uninstall', linuxUninstallScript({ purge }));

  beforeAll(() => {
    const { rootfs } = ensureCachedRootfs();
    root = new DebianRoot(rootfs);
    const p = root.payload;
    try { linkSync(process.execPath, join(p, 'node')); } catch { copyFileSync(process.execPath, join(p, 'node')); }
    for (const f of ['cloudroofd.js', 'cloudroofd.js.map', 'cloudroof.js']) copyFileSync(join(repo, 'dist', f), join(p, f));
    if (existsSync(join(repo, 'dist', 'renderer'))) cpSync(join(repo, 'dist', 'renderer'), join(p, 'renderer'), { recursive: true });
    else cpSync(join(repo, 'src', 'renderer', 'index.html'), join(p, 'renderer', 'index.html'));
    // The app as a deb/rpm installs it (root-owned, under /opt), and the desktop user.
    root.ok(`install -d /opt/Cloudroof/resources && install -m 0755 /mnt/node /opt/Cloudroof/cloudroof
      cp /mnt/cloudroofd.js /mnt/cloudroofd.js.map /mnt/cloudroof.js /opt/Cloudroof/resources/ && cp -R /mnt/renderer /opt/Cloudroof/resources/renderer
      useradd --create-home alice`, { net: false });
    baseline = root.snapshot();
  });

  afterAll(() => root?.dispose());

  it('refuses a runtime the service must not run (user-writable, or in a home directory) and changes nothing', () => {
    root.ok('install -d -o alice /home/alice/app && install -o alice -m 0755 /mnt/node /home/alice/app/cloudroof && install -o alice -m 0755 /mnt/node /opt/Cloudroof/user-owned', { net: false });
    const home = root.run(`${STUB_SYSTEMCTL}${install({ ...spec, runtime: { kind: 'executable', path: '/home/alice/app/cloudroof' } }, 'install-home')}`, { net: false });
    expect(home.code).not.toBe(0);
    expect(home.stderr).toMatch(/error: the app runs from \/home\/alice\/app\/cloudroof, which a system service cannot use/);
    const writable = root.run(`${STUB_SYSTEMCTL}${install({ ...spec, runtime: { kind: 'executable', path: '/opt/Cloudroof/user-owned' } }, 'install-writable')}`, { net: false });
    expect(writable.stderr).toMatch(/error: \/opt\/Cloudroof\/user-owned must be owned by root and writable by root only/);
    expect(root.snapshot()).toBe(baseline);
    root.ok('rm -rf /home/alice/app /opt/Cloudroof/user-owned', { net: false });
  });

  it('refuses to replace a unit installed by scripts/install.sh and changes nothing', () => {
    root.ok('mkdir -p /etc/systemd/system && printf "[Service]\\nExecStart=/usr/local/lib/cloudroof/bin/cloudroofd\\n" > /etc/systemd/system/cloudroofd.service', { net: false });
    const before = root.snapshot();
    const res = root.run(`${STUB_SYSTEMCTL}${install()}`, { net: false });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/was installed by something else \(scripts\/install\.sh\?\)/);
    expect(root.snapshot()).toBe(before);
    root.ok('rm -f /etc/systemd/system/cloudroofd.service', { net: false });
    expect(root.snapshot()).toBe(baseline);
  });

  it('installs the unit, group, files and manifest, runs the service on the app runtime, and uninstalls exactly that', () => {
    const out = root.ok(`${STUB_SYSTEMCTL}
      ${install()}
      echo '--- unit'; cat /etc/systemd/system/cloudroofd.service
      echo '--- group'; getent group cloudroof
      echo '--- manifest'; cat ${LIB}/MANIFEST
      echo '--- files'; find ${LIB} -maxdepth 1 -printf '%f %m %u\\n' | LC_ALL=C sort
      echo '--- socket'; stat -c '%a %U:%G' /run/cloudroof/cloudroofd.sock
      pid=$(cat /run/stub/cloudroofd.pid)
      echo "--- process $(tr '\\0' ' ' < /proc/$pid/cmdline)"
      tr '\\0' '\\n' < /proc/$pid/environ | grep '^ELECTRON_RUN_AS_NODE='
      if su alice -c 'ELECTRON_RUN_AS_NODE=1 /opt/Cloudroof/cloudroof /opt/Cloudroof/resources/cloudroof.js status --json' >/tmp/alice.out 2>&1
      then echo '--- alice reached the service'; else echo '--- alice failed'; cat /tmp/alice.out; fi
      first=$(md5sum < ${LIB}/MANIFEST)
      ${install()} >/dev/null
      echo "--- reinstall $( [ "$(md5sum < ${LIB}/MANIFEST)" = "$first" ] && echo 'same manifest' )"
      echo '--- uninstall'; ${uninstall(false)}
      for p in /proc/[0-9]*; do if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -qF 'cloudroofd.m''js'; then echo 'a cloudroofd process survived'; fi; done
      echo '--- calls'; cat /run/systemctl.log`, { net: false });
    const section = (name: string): string => (out.split(`--- ${name}\n`)[1]?.split('\n--- ')[0] ?? '').trim();
    expect(section('unit')).toContain('Environment=ELECTRON_RUN_AS_NODE=1\nExecStart=/opt/Cloudroof/cloudroof /usr/local/lib/cloudroof-desktop/cloudroofd.mjs --socket /run/cloudroof/cloudroofd.sock --state-dir /var/lib/cloudroof\n');
    expect(section('unit')).toMatch(/^# Installed by the Cloudroof desktop app/);
    expect(section('group')).toMatch(/^cloudroof:x:\d+:alice$/);
    const createdSystemdDir = !baseline.split('\n').some((l) => l.startsWith('/etc/systemd/system d'));
    expect(section('manifest').split('\n').slice(1)).toEqual([
      `dir\t${LIB}`, `file\t${LIB}/cloudroofd.mjs`, `file\t${LIB}/cloudroofd.js.map`, `tree\t${LIB}/renderer`,
      'group\tcloudroof', 'member\talice', ...(createdSystemdDir ? ['dir\t/etc/systemd/system'] : []),
      'unit\t/etc/systemd/system/cloudroofd.service', `version\t${version}`,
    ]);
    expect(section('files')).toBe('MANIFEST 644 root\ncloudroof-desktop 755 root\ncloudroofd.js.map 644 root\ncloudroofd.mjs 644 root\nrenderer 755 root');
    expect(section('socket')).toBe('660 root:cloudroof');
    expect(out).toContain(`--- process /opt/Cloudroof/cloudroof ${LIB}/cloudroofd.mjs --socket /run/cloudroof/cloudroofd.sock --state-dir /var/lib/cloudroof \nELECTRON_RUN_AS_NODE=1\n`);
    expect(out).toContain('--- alice reached the service\n');
    expect(out).toContain('--- reinstall same manifest\n');
    expect(section('uninstall')).toMatch(/kept \/var\/lib\/cloudroof \(identity and mesh secret\)/);
    expect(out).not.toContain('a cloudroofd process survived');
    expect(section('calls').split('\n')).toEqual([
      'systemctl daemon-reload', 'systemctl enable cloudroofd', 'systemctl restart cloudroofd',
      'systemctl daemon-reload', 'systemctl enable cloudroofd', 'systemctl restart cloudroofd',
      'systemctl disable --now cloudroofd', 'systemctl daemon-reload',
    ]);
    const after = root.snapshot().split('\n');
    const before = baseline.split('\n');
    expect(before.filter((l) => !after.includes(l))).toEqual([]);
    const extra = after.filter((l) => !before.includes(l));
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.filter((l) => !l.startsWith('/var/lib/cloudroof'))).toEqual([]);
  });

  it('uninstall --purge without an installation removes the state directory: the root is as before', () => {
    const out = root.ok(`${STUB_SYSTEMCTL}${uninstall(true)}`, { net: false });
    expect(out).toMatch(/the app has not installed cloudroofd here/);
    expect(out).toMatch(/removing \/var\/lib\/cloudroof/);
    expect(root.snapshot()).toBe(baseline);
  });

  it('an AppImage is unpacked into the service\'s own root-owned directory and removed with it', () => {
    // A stand-in AppImage owned by the user in a home directory: --appimage-extract unpacks the runtime.
    root.ok(String.raw`cat > /home/alice/Cloudroof.AppImage <<'APPIMAGE'
#!/bin/sh
if [ "$1" = --appimage-extract ]; then mkdir -p squashfs-root && cp /opt/Cloudroof/cloudroof squashfs-root/cloudroof && exit 0; fi
exit 1
APPIMAGE
      chown alice: /home/alice/Cloudroof.AppImage && chmod 0755 /home/alice/Cloudroof.AppImage`, { net: false });
    const appimage: InstallSpec = { ...spec, runtime: { kind: 'appimage', path: '/home/alice/Cloudroof.AppImage', executable: 'cloudroof' } };
    const out = root.ok(`${STUB_SYSTEMCTL}
      ${install(appimage, 'install-appimage')}
      grep '^ExecStart=' /etc/systemd/system/cloudroofd.service
      stat -c '%U %a' ${LIB}/runtime ${LIB}/runtime/cloudroof
      grep -c '^tree' ${LIB}/MANIFEST
      pid=$(cat /run/stub/cloudroofd.pid); readlink /proc/$pid/exe
      ${uninstall(true)}
      ls ${LIB} 2>&1 || true`, { net: false });
    expect(out).toContain(`ExecStart=${LIB}/runtime/cloudroof ${LIB}/cloudroofd.mjs `);
    expect(out).toContain('root 755\nroot 755\n2\n');
    expect(out).toContain(`${LIB}/runtime/cloudroof\n`);
    expect(out).toMatch(/No such file or directory/);
    root.ok('rm -f /home/alice/Cloudroof.AppImage', { net: false });
    expect(root.snapshot()).toBe(baseline);
  });
});
