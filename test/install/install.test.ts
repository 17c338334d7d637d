// scripts/install.sh on a clean Debian root (debootstrap --variant=minbase, cached): it refuses
// without a Node.js >= 20.19, installs from the release tarball with the system packages, the
// unit, the group and the links, takes the no-systemd path (no systemd runs in the root), is
// idempotent, and --uninstall (stopping a running service first) leaves the root as it was:
// identical file tree, /etc/group and installed packages with --remove-deps, and only the state
// directory more without --purge.
//
// Limitation: Debian 12's nodejs is 18 and no repository with a newer one is reachable here, so
// the Node.js the root runs is the host's binary copied to /usr/local/bin/node before the
// baseline snapshot (the installer's "apt-get install nodejs when the archive has >= 20.19" path
// is not exercised here).
import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebianRoot, SUITE, debianRootSkipReason, ensureCachedRootfs } from './support/debian-root';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const skipReason = debianRootSkipReason(repo);
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const pkg = `cloudroof-${version}`;
const INSTALL = `bash /tmp/${pkg}/scripts/install.sh`;
const UNINSTALL = 'bash /usr/local/lib/cloudroof/install.sh --uninstall';

describe.skipIf(skipReason !== '')(`scripts/install.sh in a clean Debian ${SUITE} root`, () => {
  let root: DebianRoot;
  let baseline = '';
  let baselinePackages = '';
  let installed = '';
  const timings: string[] = [];
  const timed = <T>(what: string, f: () => T): T => {
    const t0 = Date.now();
    try { return f(); } finally { timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`); }
  };

  beforeAll(() => {
    const { rootfs, seconds } = ensureCachedRootfs();
    if (seconds > 0) timings.push(`debootstrap (first run) ${seconds.toFixed(1)} s`);
    root = new DebianRoot(rootfs);
    execFileSync(process.execPath, [join(repo, 'build/package.mjs'), '--out', root.payload], { stdio: 'ignore' });
    try { linkSync(process.execPath, join(root.payload, 'node')); } catch { copyFileSync(process.execPath, join(root.payload, 'node')); }
    // The release tarball is unpacked in /tmp (outside what is compared), as a user would.
    root.ok(`tar xzf /mnt/${pkg}.tar.gz -C /tmp && useradd --create-home alice`, { net: false });
  });

  afterAll(() => {
    console.log(`[install] timings: ${timings.join('; ')}`);
    root?.dispose();
  });

  it('refuses clearly without a Node.js >= 20.19 and changes nothing', () => {
    const before = root.snapshot();
    const beforePackages = root.packages();
    const res = timed('refusal', () => root.run(INSTALL));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/no Node\.js >= 20\.19 found/);
    expect(res.stderr).toMatch(/offer nodejs 18\./);
    expect(res.stderr).toMatch(/Nothing was installed or changed/);
    expect(root.snapshot()).toBe(before);
    expect(root.packages()).toBe(beforePackages);
  });

  it('--dry-run with a Node.js present prints the plan and changes nothing', () => {
    root.ok('install -m 0755 /mnt/node /usr/local/bin/node && node --version', { net: false });
    baseline = root.snapshot();
    baselinePackages = root.packages();
    const out = root.ok(`${INSTALL} --dry-run`, { env: { SUDO_USER: 'alice' }, net: false });
    expect(out).toMatch(/would run: env DEBIAN_FRONTEND=noninteractive apt-get install .*wireguard-tools/);
    expect(out).toMatch(/would run: groupadd --system cloudroof/);
    expect(out).toMatch(/would run: usermod -a -G cloudroof alice/);
    expect(out).toMatch(/would run: install -m 0644 \S+ \/etc\/systemd\/system\/cloudroofd\.service/);
    expect(root.snapshot()).toBe(baseline);
    expect(root.packages()).toBe(baselinePackages);
  });

  it('installs the packages, files, links, group and unit, and says it cannot start the service', () => {
    const out = timed('install', () => root.ok(INSTALL, { env: { SUDO_USER: 'alice' } }));
    expect(out).toMatch(/systemd is not running here .* cannot be started by the installer/);
    expect(out).toMatch(/sudo \/usr\/local\/bin\/cloudroofd &/);
    const check = root.ok(`
      grep '^ExecStart=' /etc/systemd/system/cloudroofd.service
      if ! grep -q @BIN@ /etc/systemd/system/cloudroofd.service; then echo 'no placeholder left'; fi
      getent group cloudroof
      cloudroof --version || true
      cloudroofd --version
      readlink /usr/local/lib/cloudroof/node
      for p in wg nft ip wireguard-go; do command -v $p; done
      cat /usr/local/lib/cloudroof/MANIFEST`, { net: false });
    expect(check).toContain('ExecStart=/usr/local/lib/cloudroof/bin/cloudroofd --socket /run/cloudroof/cloudroofd.sock --state-dir /var/lib/cloudroof');
    expect(check).toContain('no placeholder left');
    expect(check).toMatch(/^cloudroof:x:\d+:alice$/m);
    expect(check).toContain(`cloudroof version ${version}`);
    expect(check).toContain(`cloudroofd ${version}`);
    expect(check).toContain('/usr/local/bin/node');
    for (const p of ['wg', 'nft', 'ip', 'wireguard-go']) expect(check).toMatch(new RegExp(`/${p}$`, 'm'));
    expect(check).toMatch(/^package\twireguard-tools$/m);
    expect(check).toMatch(/^group\tcloudroof$/m);
    expect(check).toMatch(/^member\talice$/m);
    expect(root.packages()).not.toBe(baselinePackages);
    installed = root.snapshot();
  });

  it('runs again without changing anything', () => {
    const out = timed('second install', () => root.ok(INSTALL, { env: { SUDO_USER: 'alice' }, net: false }));
    expect(out).toMatch(/Debian packages present/);
    expect(out).not.toMatch(/^\s+\+ /m); // no command that changes the system ran
    expect(root.snapshot()).toBe(installed);
  });

  it('--uninstall stops a running service and removes everything but the state directory', () => {
    // The service started by hand (the no-systemd path), reachable by group cloudroof; then the
    // uninstaller in the same namespaces must stop it. No network: the service touches nothing
    // outside this root.
    const out = timed('run service + uninstall', () => root.ok(`
      ip link set lo up
      cloudroofd >/tmp/cloudroofd.log 2>&1 &
      # The socket is born 0600 and handed to the group right after: wait for that hand-over (up
      # to 30 s on a loaded machine), or the stat below shows the service failed to make it.
      for i in $(seq 1 300); do [ "$(stat -c %a /run/cloudroof/cloudroofd.sock 2>/dev/null)" = 660 ] && break; sleep 0.1; done
      stat -c 'socket %a %U:%G' /run/cloudroof/cloudroofd.sock
      su alice -c 'cloudroof status --json' >/dev/null && echo 'alice reached the service'
      ${UNINSTALL} --remove-deps
      pat=dist/cloudroofd; pat=$pat.js  # split so this script's own command line does not match
      for p in /proc/[0-9]*; do if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -qF "$pat"; then echo 'a cloudroofd process survived'; fi; done
      echo 'processes checked'`, { net: false }));
    expect(out).toContain('socket 660 root:cloudroof');
    expect(out).toContain('alice reached the service');
    expect(out).toMatch(/stopping cloudroofd \(pid \d+\)/);
    expect(out).toMatch(/purging the Debian packages the installer installed: .*wireguard-tools/);
    expect(out).toMatch(/kept \/var\/lib\/cloudroof/);
    expect(out).not.toContain('a cloudroofd process survived');
    expect(out).toContain('processes checked');
    expect(root.packages()).toBe(baselinePackages);
    const after = root.snapshot().split('\n');
    const extra = after.filter((l) => !baseline.split('\n').includes(l));
    const gone = baseline.split('\n').filter((l) => !after.includes(l));
    expect(gone).toEqual([]);
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.filter((l) => !l.startsWith('/var/lib/cloudroof'))).toEqual([]);
  });

  it('--uninstall --purge, once nothing else is left, removes the state directory: the root is as before', () => {
    const out = root.ok(`${INSTALL} --uninstall --purge`, { net: false });
    expect(out).toMatch(/cloudroof is not installed under \/usr\/local/);
    expect(out).toMatch(/removing \/var\/lib\/cloudroof/);
    expect(root.snapshot()).toBe(baseline);
    expect(root.packages()).toBe(baselinePackages);
  });

  it('on a systemd host, enables and starts the unit, and disables and stops it on uninstall', () => {
    // systemd cannot be PID 1 here: a stand-in systemctl that records its calls, and the
    // /run/systemd/system directory by which sd_booted(3) recognises a running systemd.
    const out = timed('install + uninstall with systemd', () => root.ok(`
      mkdir -p /run/systemd/system /run/stub
      printf '#!/bin/sh\\necho "systemctl $*" >> /run/systemctl.log\\ncase "$1" in is-active|is-enabled) exit 1;; esac\\n' > /run/stub/systemctl
      chmod 0755 /run/stub/systemctl
      export PATH=/run/stub:$PATH
      ${INSTALL}
      ${UNINSTALL} --purge --remove-deps
      echo '--- calls'; cat /run/systemctl.log`));
    expect(out).toMatch(/cloudroofd is running: cloudroof status/);
    expect((out.split('--- calls\n')[1] ?? '').trim().split('\n')).toEqual([
      'systemctl daemon-reload',
      'systemctl is-enabled --quiet cloudroofd',
      'systemctl enable cloudroofd',
      'systemctl is-active --quiet cloudroofd',
      'systemctl start cloudroofd',
      'systemctl disable --now cloudroofd',
      'systemctl daemon-reload',
    ]);
    expect(root.snapshot()).toBe(baseline);
    expect(root.packages()).toBe(baselinePackages);
  });
});
