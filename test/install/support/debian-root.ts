// A clean Debian root for installer tests: debootstrap'ed once per suite into a cache, then used
// read-only as the lower layer of an overlay whose upper layer belongs to one test run.
//
// Lifecycle: `debianRootSkipReason()` decides (synchronously, printed) whether the suite can run;
// `ensureCachedRootfs()` debootstraps on the first run only; `DebianRoot.run()` runs one bash
// script chrooted into the overlay inside fresh mount and PID namespaces. Every mount (overlay,
// /proc, /dev, /sys, /run, resolv.conf, the apt archive cache, the payload at /mnt) exists only in
// that mount namespace, so it disappears with the script, also when the test fails or is killed;
// every process the script started dies with its PID namespace. `dispose()` removes the upper
// layer and checks that no mount leaked into the host's namespace.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { hasProgram } from '../../netns/support/requirements';

/** Where debootstrap'ed roots are kept between runs (one directory per suite and variant). */
export const CACHE_ROOT = process.env.CLOUDROOF_ROOTFS_CACHE ?? '/var/cache/cloudroof-test-rootfs';
/** The Debian suite the installer is tested on. */
export const SUITE = process.env.CLOUDROOF_TEST_SUITE ?? 'bookworm';
/** The Debian mirror debootstrap and apt in the root use. */
export const MIRROR = process.env.CLOUDROOF_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

const debArch = (): string => ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch()] ?? arch();
const cacheKey = (): string => `${SUITE}-minbase-${debArch()}`;

/** What one script in the root printed and how it ended. */
export interface RunResult { code: number; stdout: string; stderr: string }

/** Whether the mirror answers for SUITE within a few seconds (a child Node, so this stays sync). */
function archiveReachable(): boolean {
  const url = `${MIRROR}/dists/${SUITE}/InRelease`;
  const probe = `fetch(${JSON.stringify(url)}, { method: 'HEAD', signal: AbortSignal.timeout(8000) })
    .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 10_000 }).status === 0;
}

/** Whether this kernel lets us mount an overlay in a private mount namespace. */
function overlayWorks(): boolean {
  const dir = mkdtempSync('/tmp/cloudroof-ovl-probe-');
  try {
    for (const d of ['l', 'u', 'w', 'm']) mkdirSync(join(dir, d));
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'mount', '-t', 'overlay', 'overlay', '-o',
      `lowerdir=${dir}/l,upperdir=${dir}/u,workdir=${dir}/w`, `${dir}/m`], { stdio: 'ignore', timeout: 10_000 });
    return r.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** '' when the installer suite can run here, else why not (also printed). */
export function debianRootSkipReason(repoRoot: string): string {
  const missing = ['debootstrap', 'unshare', 'chroot', 'mount', 'tar'].filter((p) => !hasProgram(p));
  let reason = '';
  if (process.getuid?.() !== 0) reason = 'not running as root';
  else if (process.platform !== 'linux') reason = 'not Linux';
  else if (missing.length > 0) reason = `missing: ${missing.join(', ')} (bash scripts/setup installs debootstrap)`;
  else if (!existsSync(join(repoRoot, 'dist/cloudroofd.js'))) reason = 'not built (npm run build)';
  else if (!overlayWorks()) reason = 'overlayfs cannot be mounted in a mount namespace here';
  else if (!archiveReachable()) reason = `the Debian archive (${MIRROR}) is not reachable`;
  if (reason) console.warn(`[install] skipping the installer suite: ${reason}`);
  return reason;
}

/**
 * Returns the cached root for SUITE, debootstrapping it first if needed (the only slow step:
 * about 75 s here). Built in a temporary directory and renamed into place, so an interrupted run
 * never leaves a half-made root that later runs would trust.
 */
export function ensureCachedRootfs(log: (msg: string) => void = console.log): { rootfs: string; seconds: number } {
  const dir = join(CACHE_ROOT, cacheKey());
  if (existsSync(join(dir, 'complete'))) return { rootfs: join(dir, 'rootfs'), seconds: 0 };
  mkdirSync(CACHE_ROOT, { recursive: true });
  for (const name of readdirSync(CACHE_ROOT)) {
    const m = /\.tmp-(\d+)$/.exec(name);
    if (m && !existsSync(`/proc/${m[1]}`)) rmSync(join(CACHE_ROOT, name), { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const started = Date.now();
  log(`[install] debootstrap --variant=minbase ${SUITE} into ${dir} (first run only)`);
  execFileSync('debootstrap', ['--variant=minbase', `--arch=${debArch()}`, SUITE, join(tmp, 'rootfs'), MIRROR],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 900_000 });
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(join(tmp, 'complete'), `${new Date().toISOString()} debootstrap took ${seconds.toFixed(1)} s\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`[install] debootstrap took ${seconds.toFixed(1)} s`);
  return { rootfs: join(dir, 'rootfs'), seconds };
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** One test run's writable view of the cached root. */
export class DebianRoot {
  readonly work: string;
  /** A host directory mounted read-only at /mnt in the root: put what the scripts need here. */
  readonly payload: string;
  private readonly archives = join(CACHE_ROOT, `${cacheKey()}-apt-archives`);

  constructor(private readonly lower: string) {
    this.work = mkdtempSync('/tmp/cloudroof-install-test-');
    for (const d of ['upper', 'ovlwork', 'root', 'payload']) mkdirSync(join(this.work, d));
    mkdirSync(join(this.archives, 'partial'), { recursive: true });
    this.payload = join(this.work, 'payload');
  }

  /**
   * Runs `script` with bash (-euo pipefail) chrooted into the root, as root, with a clean
   * environment plus `env`. `net: false` gives it a network namespace of its own (no network);
   * by default it shares the host's network (apt needs the archive).
   */
  run(script: string, opts: { env?: Record<string, string>; net?: boolean; timeoutMs?: number } = {}): RunResult {
    const r = join(this.work, 'root');
    const envs = Object.entries(opts.env ?? {}).map(([k, v]) => q(`${k}=${v}`)).join(' ');
    const setup = [
      'set -euo pipefail',
      `mount -t overlay overlay -o lowerdir=${q(this.lower)},upperdir=${q(join(this.work, 'upper'))},workdir=${q(join(this.work, 'ovlwork'))} ${q(r)}`,
      `mount -t proc proc ${q(r)}/proc`,
      `mount --rbind /dev ${q(r)}/dev`,
      `mount --rbind /sys ${q(r)}/sys`,
      `mount -t tmpfs -o mode=0755 tmpfs ${q(r)}/run`,
      `mount --bind /etc/resolv.conf ${q(r)}/etc/resolv.conf`,
      `mount --bind ${q(this.archives)} ${q(r)}/var/cache/apt/archives`,
      `mount --bind -o ro ${q(this.payload)} ${q(r)}/mnt`,
      `exec chroot ${q(r)} /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 ${envs} /bin/bash -euo pipefail -c "$1"`,
    ].join('\n');
    const args = ['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', ...(opts.net === false ? ['--net'] : []),
      'bash', '-c', setup, 'setup', script];
    const res = spawnSync('unshare', args, {
      // stdin not a socket: bash would take itself for an rshd child and read /etc/bash.bashrc.
      stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: opts.timeoutMs ?? 280_000, maxBuffer: 64 << 20,
    });
    return { code: res.status ?? -1, stdout: res.stdout ?? '', stderr: (res.stderr ?? '') + (res.error ? `\n${res.error.message}` : '') };
  }

  /** Like run(), but throws with everything printed unless the script exits 0. */
  ok(script: string, opts: Parameters<DebianRoot['run']>[1] = {}): string {
    const res = this.run(script, opts);
    if (res.code !== 0) throw new Error(`script failed (${res.code}):\n${script}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`);
    return res.stdout;
  }

  /**
   * The state an installer may touch: every path under /etc, /usr and /var/lib with its type,
   * mode, owner and link target (not contents, not times), then /etc/group and /etc/gshadow
   * verbatim. The package database (/var/lib/dpkg, /var/lib/apt) is compared as the list of
   * installed packages instead (see packages()); ld.so.cache only changes content.
   */
  snapshot(): string {
    return this.ok(`find /etc /usr /var/lib \\( -path /var/lib/apt -o -path /var/lib/dpkg \\) -prune -o -printf '%p %M %u:%g %l\\n' | LC_ALL=C sort
      echo '--- /etc/group'; cat /etc/group; echo '--- /etc/gshadow'; cat /etc/gshadow`, { net: false });
  }

  /** The installed Debian packages, one per line. */
  packages(): string {
    return this.ok(`dpkg-query -W -f '\${db:Status-Abbrev} \${Package}\\n' | awk '$1 == "ii" { print $2 }' | LC_ALL=C sort`, { net: false });
  }

  /** Removes this run's layer; throws if a mount of ours is visible in the host's namespace. */
  dispose(): void {
    const leaked = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(this.work));
    for (const line of leaked) spawnSync('umount', ['-l', line.split(' ')[1] ?? '']);
    rmSync(this.work, { recursive: true, force: true });
    if (leaked.length > 0) throw new Error(`mounts leaked into the host namespace (now unmounted):\n${leaked.join('\n')}`);
  }
}
