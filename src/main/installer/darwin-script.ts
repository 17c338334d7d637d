/**
 * The macOS install and uninstall scripts (pure; golden-tested — no macOS to run them here, so
 * they use only what macOS 12+ ships: bash 3.2, BSD install/stat, ditto, dscl, dseditgroup,
 * launchctl). The same steps as the Linux installer: preflight, copy the service to LIB, copy the
 * app bundle there (root-owned: a root daemon must not run a binary its user can rewrite),
 * create group cloudroof with the desktop user, write the LaunchDaemon (build/
 * com.cloudroof.cloudroofd.plist, EnvironmentVariables ELECTRON_RUN_AS_NODE=1), record it all in
 * the manifest, `launchctl bootstrap system`, wait for the socket. Uninstall: `launchctl bootout`,
 * then what the manifest lists.
 */
import type { InstallSpec, UninstallSpec } from './install-spec';
import {
  checkPath, checkUser, checkVersion, copyServiceLines, MANIFEST_FUNCTIONS, REMOVE_RECORDED, REMOVE_STALE, RUN_MAIN,
  scriptHeader, ScriptInputError, SERVICE_GROUP, shq, uninstallMain, WAIT_FOR_SOCKET,
} from './script-common';

/** Where the app installs the service on macOS. */
export const DARWIN_LIB = '/Library/Application Support/Cloudroof';
/** The launchd job's label. */
export const DARWIN_LABEL = 'com.cloudroof.cloudroofd';
/** The LaunchDaemon plist. */
export const DARWIN_PLIST = `/Library/LaunchDaemons/${DARWIN_LABEL}.plist`;
/** The control socket (macOS has no /run). */
export const DARWIN_SOCKET = '/var/run/cloudroof/cloudroofd.sock';
/** The service's state directory. */
export const DARWIN_STATE_DIR = '/var/db/cloudroof';
/** The service's log. */
export const DARWIN_LOG = `${DARWIN_LIB}/cloudroofd.log`;

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The runtime's path once installed. */
export function darwinRuntimePath(spec: InstallSpec): string {
  if (spec.runtime.kind === 'executable') return checkPath('the app executable', spec.runtime.path);
  if (spec.runtime.kind === 'app-bundle') return `${DARWIN_LIB}/Cloudroof.app/${checkPath('the executable', `/${spec.runtime.executable}`).slice(1)}`;
  throw new ScriptInputError('an AppImage cannot run the macOS service');
}

/** The plist: the template with its placeholders filled in and its comment replaced by a marker. */
export function renderPlist(template: string, runtime: string): string {
  const values: Record<string, string> = {
    '@RUNTIME@': runtime, '@SERVICE@': `${DARWIN_LIB}/cloudroofd.mjs`, '@SOCKET@': DARWIN_SOCKET,
    '@STATE_DIR@': DARWIN_STATE_DIR, '@LOG@': DARWIN_LOG,
  };
  let out = template.replace(/<!--[\s\S]*?-->\n?/, '<!-- Installed by the Cloudroof desktop app; its uninstaller removes it. -->\n');
  for (const [k, v] of Object.entries(values)) {
    if (!out.includes(k)) throw new ScriptInputError(`the plist template has no ${k}`);
    out = out.split(k).join(xml(v));
  }
  return out;
}

const CHECK_RUNTIME = String.raw`check_runtime() {
  [ -e "$RUNTIME_SRC" ] || die "the app is missing: $RUNTIME_SRC"
  [ "$RUNTIME_KIND" = executable ] || return 0
  local path owner mode
  for path in "$RUNTIME_SRC" "$(dirname "$RUNTIME_SRC")"; do
    read -r owner mode < <(stat -L -f '%u %Lp' "$path")
    if [ "$owner" != 0 ] || [ $((8#$mode & 8#022)) -ne 0 ]; then die "$path must be owned by root and writable by root only"; fi
  done
}
setup_runtime() {
  [ "$RUNTIME_KIND" = app-bundle ] || return 0
  rm -rf -- "$LIB/Cloudroof.app.new"
  ditto "$RUNTIME_SRC" "$LIB/Cloudroof.app.new"
  chown -R root:wheel "$LIB/Cloudroof.app.new"
  chmod -R go-w "$LIB/Cloudroof.app.new"
  rm -rf -- "$LIB/Cloudroof.app"
  mv "$LIB/Cloudroof.app.new" "$LIB/Cloudroof.app"
  record tree "$LIB/Cloudroof.app"
}
`;

const GROUP_FUNCTIONS = String.raw`group_exists() { dscl . -read "/Groups/$GROUP" >/dev/null 2>&1; }
is_member() { dseditgroup -o checkmember -m "$1" "$GROUP" >/dev/null 2>&1; }
ensure_group() {
  if group_exists; then
    if [ -n "$(previous group)" ]; then record group "$GROUP"; fi
  else
    dseditgroup -o create -r 'Cloudroof service' "$GROUP"; record group "$GROUP"
  fi
  local m
  while IFS= read -r m; do if [ -n "$m" ] && is_member "$m"; then record member "$m"; fi; done < <(previous member)
  if is_member "$MEMBER"; then return 0; fi
  dseditgroup -o edit -a "$MEMBER" -t user "$GROUP"
  recorded member "$MEMBER" || record member "$MEMBER"
  say "added $MEMBER to group $GROUP (takes effect at the next login)"
}
remove_group() {
  group_exists || return 0
  if [ -n "$(previous group)" ]; then say "removing group $GROUP"; dseditgroup -o delete "$GROUP"; return 0; fi
  local m
  while IFS= read -r m; do [ -n "$m" ] && { dseditgroup -o edit -d "$m" -t user "$GROUP" || true; }; done < <(previous member)
}
`;

function constants(extra: Record<string, string>): Record<string, string> {
  return {
    LIB: shq(DARWIN_LIB), MANIFEST: shq(`${DARWIN_LIB}/MANIFEST`), UNIT: shq(DARWIN_PLIST), LABEL: shq(DARWIN_LABEL),
    GROUP: SERVICE_GROUP, ...extra,
  };
}

/** The install script for `spec`. */
export function darwinInstallScript(spec: InstallSpec): string {
  const runtime = darwinRuntimePath(spec);
  const header = scriptHeader('Cloudroof desktop: install cloudroofd as a LaunchDaemon', constants({
    SOCKET: shq(DARWIN_SOCKET), MEMBER: shq(checkUser(spec.user)), VERSION: shq(checkVersion(spec.version)),
    SERVICE_SRC: shq(checkPath('the service bundle', spec.resources.service)), RUNTIME_SRC: shq(checkPath('the runtime', spec.runtime.path)),
    RUNTIME_KIND: spec.runtime.kind, WAIT_SECONDS: String(spec.waitSeconds ?? 30),
  }));
  const main = `main() {
  [ "$(id -u)" -eq 0 ] || die 'must run as root'
  [ -f "$SERVICE_SRC" ] || die "the app's service bundle is missing: $SERVICE_SRC"
  id "$MEMBER" >/dev/null 2>&1 || die "user $MEMBER does not exist"
  check_runtime
  say "installing cloudroofd $VERSION to $LIB"
  ensure_dir "$LIB"
  ${copyServiceLines(spec.resources).join('\n  ')}
  setup_runtime
  remove_stale
  ensure_group
  launchctl bootout "system/$LABEL" 2>/dev/null || true
  cat > "$UNIT.tmp" <<'CLOUDROOF_PLIST'
${renderPlist(spec.template, runtime)}CLOUDROOF_PLIST
  chown root:wheel "$UNIT.tmp"
  chmod 0644 "$UNIT.tmp"
  mv -f "$UNIT.tmp" "$UNIT"
  record unit "$UNIT"
  record file "$LIB/cloudroofd.log"
  record version "$VERSION"
  write_manifest
  launchctl bootstrap system "$UNIT"
  wait_for_socket || die "cloudroofd did not open $SOCKET within $WAIT_SECONDS s; see $LIB/cloudroofd.log"
  say "cloudroofd is running"
}
`;
  return [header, MANIFEST_FUNCTIONS, REMOVE_STALE, WAIT_FOR_SOCKET, CHECK_RUNTIME, GROUP_FUNCTIONS, main, RUN_MAIN].join('\n');
}

/** The uninstall script (the app asks the service to leave first). */
export function darwinUninstallScript(spec: UninstallSpec): string {
  const header = scriptHeader('Cloudroof desktop: remove cloudroofd and everything its installer added', constants({
    STATE_DIR: shq(DARWIN_STATE_DIR), RUN_DIR: shq('/var/run/cloudroof'), PURGE: spec.purge ? '1' : '0',
  }));
  const main = uninstallMain(['launchctl bootout "system/$LABEL" 2>/dev/null || true', 'remove_recorded', 'remove_group', 'remove_manifest_and_dirs']);
  return [header, MANIFEST_FUNCTIONS, REMOVE_RECORDED, GROUP_FUNCTIONS, main, RUN_MAIN].join('\n');
}
