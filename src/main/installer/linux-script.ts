/**
 * The Linux install and uninstall scripts the app runs as root (pure; golden-tested, and run
 * for real in a Debian root by test/install/desktop-installer.test.ts). Install: refuse what
 * cannot work before changing anything (no systemd, a runtime the service cannot or must not
 * run, a unit from scripts/install.sh), copy the bundled service to LIB, set up the runtime,
 * create group cloudroof and add the desktop user, write the systemd unit (build/cloudroofd.service
 * with the app's runtime and ELECTRON_RUN_AS_NODE=1), record everything in LIB/MANIFEST, then
 * daemon-reload, enable, (re)start and wait for the socket. Uninstall: stop and disable the
 * unit, then remove exactly what the manifest lists; `purge` also removes the state directory.
 */
import type { InstallSpec, UninstallSpec } from './install-spec';
import {
  checkInterface, checkPath, checkUser, checkVersion, copyServiceLines, MANIFEST_FUNCTIONS, REMOVE_RECORDED, REMOVE_STALE,
  RUN_MAIN, scriptHeader, ScriptInputError, SERVICE_GROUP, shq, uninstallMain, WAIT_FOR_SOCKET,
} from './script-common';

/** Where the app installs the service on Linux. */
export const LINUX_LIB = '/usr/local/lib/cloudroof-desktop';
/** The systemd unit. */
export const LINUX_UNIT = '/etc/systemd/system/cloudroofd.service';
/** The control socket (as build/cloudroofd.service and the CLI). */
export const LINUX_SOCKET = '/run/cloudroof/cloudroofd.sock';
/** The service's state directory. */
export const LINUX_STATE_DIR = '/var/lib/cloudroof';
/** First line of a unit the app installed (how a unit from scripts/install.sh is told apart). */
export const UNIT_MARKER = '# Installed by the Cloudroof desktop app';

/** Quotes one ExecStart argument for systemd. */
function systemdArg(arg: string): string {
  return /^[A-Za-z0-9/._+@=-]+$/.test(arg) ? arg : `"${arg.replace(/["\\]/g, '\\$&')}"`;
}

/** The runtime's path once installed. */
export function linuxRuntimePath(spec: InstallSpec): string {
  if (spec.runtime.kind === 'executable') return checkPath('the app executable', spec.runtime.path);
  if (spec.runtime.kind === 'appimage') return `${LINUX_LIB}/runtime/${spec.runtime.executable}`;
  throw new ScriptInputError('a macOS app bundle cannot run the Linux service');
}

/**
 * The unit: the template (build/cloudroofd.service) without its comments, with ExecStart running
 * the app's runtime on the installed service and ELECTRON_RUN_AS_NODE=1 before it.
 */
export function renderUnit(template: string, runtime: string): string {
  const lines = template.split('\n').filter((l) => !l.startsWith('#'));
  const at = lines.findIndex((l) => l.startsWith('ExecStart='));
  if (at < 0) throw new ScriptInputError('the unit template has no ExecStart line');
  const args = [runtime, `${LINUX_LIB}/cloudroofd.mjs`, '--socket', LINUX_SOCKET, '--state-dir', LINUX_STATE_DIR];
  lines.splice(at, 1, 'Environment=ELECTRON_RUN_AS_NODE=1', `ExecStart=${args.map(systemdArg).join(' ')}`);
  return [`${UNIT_MARKER} from build/cloudroofd.service; its uninstaller removes it.`, ...lines].join('\n').replace(/\n*$/, '\n');
}

const PREFLIGHT = String.raw`preflight() {
  [ "$(id -u)" -eq 0 ] || die 'must run as root'
  command -v systemctl >/dev/null 2>&1 || die 'this installer needs systemd (systemctl was not found)'
  [ -f "$SERVICE_SRC" ] || die "the app's service bundle is missing: $SERVICE_SRC"
  id "$MEMBER" >/dev/null 2>&1 || die "user $MEMBER does not exist"
  if [ -f "$UNIT" ] && ! head -n 1 "$UNIT" | grep -qF "$UNIT_MARKER"; then
    die "$UNIT was installed by something else (scripts/install.sh?). Remove that installation first (sudo /usr/local/lib/cloudroof/install.sh --uninstall), then try again"
  fi
  check_runtime
}
`;

const CHECK_EXECUTABLE = String.raw`check_runtime() {
  case "$RUNTIME_SRC" in
    /home/*|/root/*|/run/user/*|/tmp/*|/var/tmp/*) die "the app runs from $RUNTIME_SRC, which a system service cannot use: install the app system-wide (the .deb or .rpm package) or run it as an AppImage" ;;
  esac
  [ -x "$RUNTIME_SRC" ] || die "$RUNTIME_SRC is not an executable"
  local path owner mode
  # The binary and its directory (Electron loads its libraries and snapshots from there).
  for path in "$RUNTIME_SRC" "$(dirname "$RUNTIME_SRC")"; do
    read -r owner mode < <(stat -L -c '%u %a' "$path")
    if [ "$owner" != 0 ] || [ $((8#$mode & 8#022)) -ne 0 ]; then
      die "$path must be owned by root and writable by root only, since the service runs the app's runtime as root"
    fi
  done
}
setup_runtime() { :; }
`;

const SETUP_APPIMAGE = String.raw`check_runtime() { [ -f "$RUNTIME_SRC" ] || die "the AppImage $RUNTIME_SRC is missing"; }
setup_runtime() {
  # A copy the user cannot change, unpacked once: the service then needs neither FUSE nor the
  # user's file (which may live in a home directory the service cannot read, or be moved).
  rm -rf -- "$LIB/runtime.new" "$LIB/squashfs-root"
  install -m 0700 "$RUNTIME_SRC" "$LIB/runtime.AppImage"
  (cd "$LIB" && ./runtime.AppImage --appimage-extract >/dev/null)
  rm -f -- "$LIB/runtime.AppImage"
  [ -x "$LIB/squashfs-root/$RUNTIME_EXE" ] || die "the AppImage has no $RUNTIME_EXE"
  mv "$LIB/squashfs-root" "$LIB/runtime.new"
  chown -R root:root "$LIB/runtime.new"
  chmod -R go-w "$LIB/runtime.new"
  rm -rf -- "$LIB/runtime"
  mv "$LIB/runtime.new" "$LIB/runtime"
  record tree "$LIB/runtime"
}
`;

const ENSURE_GROUP = String.raw`ensure_group() {
  if getent group "$GROUP" >/dev/null; then
    if [ -n "$(previous group)" ]; then record group "$GROUP"; fi
  else
    groupadd --system "$GROUP"; record group "$GROUP"
  fi
  local m
  while IFS= read -r m; do
    if [ -n "$m" ] && getent group "$GROUP" | cut -d: -f4 | tr ',' '\n' | grep -qx -- "$m"; then record member "$m"; fi
  done < <(previous member)
  if id -nG "$MEMBER" | tr ' ' '\n' | grep -qx "$GROUP"; then return 0; fi
  usermod -a -G "$GROUP" "$MEMBER"
  recorded member "$MEMBER" || record member "$MEMBER"
  say "added $MEMBER to group $GROUP (takes effect at the next login)"
}
`;

/** The install script for `spec`. */
export function linuxInstallScript(spec: InstallSpec): string {
  const runtime = linuxRuntimePath(spec);
  const { service, renderer } = spec.resources;
  const header = scriptHeader('Cloudroof desktop: install cloudroofd as a systemd service', {
    LIB: shq(LINUX_LIB), MANIFEST: shq(`${LINUX_LIB}/MANIFEST`), UNIT: shq(LINUX_UNIT), UNIT_MARKER: shq(UNIT_MARKER),
    SOCKET: shq(LINUX_SOCKET), GROUP: SERVICE_GROUP, MEMBER: shq(checkUser(spec.user)), VERSION: shq(checkVersion(spec.version)),
    SERVICE_SRC: shq(checkPath('the service bundle', service)), RUNTIME_SRC: shq(checkPath('the runtime', spec.runtime.path)),
    RUNTIME_EXE: shq(spec.runtime.kind === 'appimage' ? spec.runtime.executable.replace(/[^A-Za-z0-9._-]/g, '') : ''),
    WAIT_SECONDS: String(spec.waitSeconds ?? 30),
  });
  const copies = [
    ...copyServiceLines(spec.resources),
    ...(renderer ? [`rm -rf -- "$LIB/renderer"; cp -R ${shq(checkPath('the renderer', renderer))} "$LIB/renderer"; chmod -R go-w,a+rX "$LIB/renderer"; record tree "$LIB/renderer"`] : []),
  ];
  const main = `main() {
  preflight
  say "installing cloudroofd $VERSION to $LIB"
  ensure_dir /usr/local/lib
  ensure_dir "$LIB"
  ${copies.join('\n  ')}
  setup_runtime
  remove_stale
  ensure_group
  ensure_dir /etc/systemd/system
  cat > "$UNIT.tmp" <<'CLOUDROOF_UNIT'
${renderUnit(spec.template, runtime)}CLOUDROOF_UNIT
  chmod 0644 "$UNIT.tmp"
  mv -f "$UNIT.tmp" "$UNIT"
  record unit "$UNIT"
  record version "$VERSION"
  write_manifest
  systemctl daemon-reload
  systemctl enable cloudroofd
  systemctl restart cloudroofd
  wait_for_socket || die "cloudroofd did not open $SOCKET within $WAIT_SECONDS s; see: journalctl -u cloudroofd"
  say "cloudroofd is running"
}
`;
  const runtimeFns = spec.runtime.kind === 'appimage' ? SETUP_APPIMAGE : CHECK_EXECUTABLE;
  return [header, MANIFEST_FUNCTIONS, REMOVE_STALE, WAIT_FOR_SOCKET, runtimeFns, PREFLIGHT, ENSURE_GROUP, main, RUN_MAIN].join('\n');
}

/** The uninstall script (the app asks the service to leave first, so this only removes files). */
export function linuxUninstallScript(spec: UninstallSpec): string {
  const header = scriptHeader('Cloudroof desktop: remove cloudroofd and everything its installer added', {
    LIB: shq(LINUX_LIB), MANIFEST: shq(`${LINUX_LIB}/MANIFEST`), UNIT: shq(LINUX_UNIT), GROUP: SERVICE_GROUP,
    STATE_DIR: shq(LINUX_STATE_DIR), RUN_DIR: shq('/run/cloudroof'), IFACE: shq(checkInterface(spec.interfaceName ?? 'cloudroof0')),
    PURGE: spec.purge ? '1' : '0',
  });
  const functions = String.raw`remove_leftovers() {
  if command -v nft >/dev/null 2>&1; then
    local t
    for t in cloudroof cloudroof_origin; do
      if nft list table inet "$t" >/dev/null 2>&1; then say "removing leftover nftables table inet $t"; nft delete table inet "$t"; fi
    done
  fi
  if command -v ip >/dev/null 2>&1 && ip link show "$IFACE" >/dev/null 2>&1; then say "removing leftover interface $IFACE"; ip link delete "$IFACE"; fi
}
remove_group() {
  getent group "$GROUP" >/dev/null || return 0
  if [ -n "$(previous group)" ]; then say "removing group $GROUP"; groupdel "$GROUP"; return 0; fi
  local m
  while IFS= read -r m; do [ -n "$m" ] && { gpasswd -d "$m" "$GROUP" >/dev/null || true; }; done < <(previous member)
}
`;
  const main = uninstallMain([
    'if [ -n "$(previous unit)" ] && command -v systemctl >/dev/null 2>&1; then systemctl disable --now cloudroofd || true; fi',
    'remove_leftovers', 'remove_recorded',
    'if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi',
    'remove_group', 'remove_manifest_and_dirs',
  ]);
  return [header, MANIFEST_FUNCTIONS, REMOVE_RECORDED, functions, main, RUN_MAIN].join('\n');
}
