#!/usr/bin/env bash
# Installs cloudroofd and the cloudroof CLI on a Debian or Ubuntu server, or removes them again.
#
#   sudo bash scripts/install.sh [--edge] [--dry-run]            from a built checkout or a release tarball
#   sudo bash /usr/local/lib/cloudroof/install.sh --uninstall [--purge] [--remove-deps]
#
# What it does (in this order; every step is skipped when already done, so running it twice is
# fine): checks that a Node.js >= 20.19 is present (it never installs an older one), installs the
# Debian packages the service needs, copies the bundles and wrappers to PREFIX/lib/cloudroof with
# links in PREFIX/bin, creates group `cloudroof` (members may use the CLI without sudo), installs
# /etc/systemd/system/cloudroofd.service, and starts it when systemd runs. Everything it created
# is recorded in PREFIX/lib/cloudroof/MANIFEST, and --uninstall removes exactly that.
set -euo pipefail

readonly STATE_DIR=/var/lib/cloudroof
readonly RUN_DIR=/run/cloudroof
readonly SOCKET=$RUN_DIR/cloudroofd.sock
readonly UNIT=/etc/systemd/system/cloudroofd.service
readonly GROUP=cloudroof
readonly MIN_NODE=20.19
readonly NGINX_INCLUDE=/etc/nginx/conf.d/cloudroof-edge.conf

usage() {
  cat <<'EOF'
Usage: sudo bash scripts/install.sh [options]                 install or update
       sudo bash scripts/install.sh --uninstall [options]     remove what the installer added

Install options:
  --edge           also install nginx (for `cloudroof edge enable`)
  --prefix DIR     install under DIR/lib/cloudroof and DIR/bin (default /usr/local)
  --node PATH      the Node.js (>= 20.19) to run with (default: node on PATH, /usr/bin/node,
                   /usr/local/bin/node, else apt's nodejs if the archive has >= 20.19)
  --user NAME      add NAME to group cloudroof (default: $SUDO_USER)
  --no-start       install and enable the unit, but do not start it
Uninstall options:
  --uninstall      leave the mesh, stop and disable the service, remove the unit, the files,
                   the links and the group (if the installer created it)
  --purge          also remove /var/lib/cloudroof (identity, mesh secret, preferences)
  --remove-deps    also purge the Debian packages the installer installed (default: keep them)
Both:
  --dry-run        print what would be done and change nothing
  -h, --help
EOF
}

say() { printf 'cloudroof-install: %s\n' "$*"; }
die() { printf 'cloudroof-install: error: %s\n' "$*" >&2; exit 1; }

# Runs a command that changes the system, or only prints it with --dry-run.
run() {
  if [ "$DRY_RUN" = 1 ]; then printf '  would run: %s\n' "$*"; return 0; fi
  printf '  + %s\n' "$*"
  "$@"
}

# --- options -----------------------------------------------------------------------------------

MODE=install DRY_RUN=0 EDGE=0 PREFIX=/usr/local NODE_ARG='' MEMBER=${SUDO_USER:-} START=1
PURGE=0 REMOVE_DEPS=0

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --uninstall) MODE=uninstall ;;
      --dry-run) DRY_RUN=1 ;;
      --edge) EDGE=1 ;;
      --prefix) [ $# -ge 2 ] || die '--prefix needs a directory'; PREFIX=$2; shift ;;
      --prefix=*) PREFIX=${1#*=} ;;
      --node) [ $# -ge 2 ] || die '--node needs a path'; NODE_ARG=$2; shift ;;
      --node=*) NODE_ARG=${1#*=} ;;
      --user) [ $# -ge 2 ] || die '--user needs a name'; MEMBER=$2; shift ;;
      --user=*) MEMBER=${1#*=} ;;
      --no-start) START=0 ;;
      --purge) PURGE=1 ;;
      --remove-deps) REMOVE_DEPS=1 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
  done
  case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path (got $PREFIX)" ;; esac
  PREFIX=${PREFIX%/}
  [ "$MEMBER" != root ] || MEMBER=''
  if [ "$MODE" = install ] && { [ "$PURGE" = 1 ] || [ "$REMOVE_DEPS" = 1 ]; }; then
    die '--purge and --remove-deps go with --uninstall'
  fi
  LIB=$PREFIX/lib/cloudroof
  BIN=$PREFIX/bin
  MANIFEST=$LIB/MANIFEST
}

# --- facts about the system --------------------------------------------------------------------

# systemd is the init system now (sd_booted(3)), not merely installed.
systemd_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

# The kernel has WireGuard (loaded, built in, or a module on disk); otherwise wireguard-go is needed.
kernel_has_wireguard() {
  [ -d /sys/module/wireguard ] && return 0
  command -v modinfo >/dev/null 2>&1 && modinfo wireguard >/dev/null 2>&1 && return 0
  [ -d "/lib/modules/$(uname -r)" ] && [ -n "$(find "/lib/modules/$(uname -r)" -name 'wireguard.ko*' -print -quit 2>/dev/null)" ]
}

pkg_installed() { [ "$(dpkg-query -W -f '${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }
installed_packages() { dpkg-query -W -f '${Status} ${Package}\n' 2>/dev/null | awk '$1 == "install" && $3 == "installed" { print $4 }' | sort; }

# Succeeds when version $1 >= $2 (dotted numbers; Debian epochs and suffixes stripped).
version_at_least() {
  local a=${1#*:} b=$2
  a=${a%%[-+~]*}
  [ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1)" = "$b" ]
}

node_version() { "$1" -e 'process.stdout.write(process.versions.node)' 2>/dev/null; }

# Sets NODE to an absolute path of a Node.js >= MIN_NODE, or NODE_SEEN to what was found instead.
find_node() {
  NODE='' NODE_SEEN=''
  local candidates=() c v
  if [ -n "$NODE_ARG" ]; then candidates=("$NODE_ARG")
  else
    for c in node nodejs; do if command -v "$c" >/dev/null 2>&1; then candidates+=("$(command -v "$c")"); fi; done
    candidates+=(/usr/bin/node /usr/local/bin/node)
  fi
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || continue
    v=$(node_version "$c") || continue
    if version_at_least "$v" "$MIN_NODE"; then NODE=$(readlink -f "$c"); return 0; fi
    NODE_SEEN="$NODE_SEEN $c (v$v)"
  done
  [ -z "$NODE_ARG" ] || die "--node $NODE_ARG is not a Node.js >= $MIN_NODE${NODE_SEEN:+ (found$NODE_SEEN)}"
}

apt_candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'; }

refuse_without_node() {
  local offered=${1:-none} refreshed=''
  if [ "$APT_UPDATED" = 1 ]; then refreshed=" (apt's package lists were refreshed)"; fi
  cat >&2 <<EOF
cloudroof-install: error: no Node.js >= $MIN_NODE found${NODE_SEEN:+ (found:$NODE_SEEN)}, and this system's
  apt sources offer nodejs ${offered}. Debian 12 and Ubuntu 22.04/24.04 ship an older Node.js.
  Install Node.js $MIN_NODE or later first, then run this installer again:
    - Debian 13 / Ubuntu 24.10 or later: sudo apt-get install nodejs
    - NodeSource's apt repository for Node.js 20 or 22 (then apt-get install nodejs), or
    - an official Node.js build unpacked under /usr/local or /opt, then pass --node /path/to/bin/node
  Nothing was installed or changed$refreshed.
EOF
  exit 1
}

# --- the manifest ------------------------------------------------------------------------------
# One record per line, "kind<TAB>value": file, link, dir (created by us), unit, group (created by
# us), member (a user we added to the group), package (installed by us), node, version.

MANIFEST_LINES=()
record() { MANIFEST_LINES+=("$1"$'\t'"$2"); }
previous() { if [ -f "$MANIFEST" ]; then awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$MANIFEST"; fi; }

write_manifest() {
  if [ "$DRY_RUN" = 1 ]; then say "would record ${#MANIFEST_LINES[@]} entries in $MANIFEST"; return; fi
  { printf '# cloudroof install manifest: what scripts/install.sh added; --uninstall removes exactly this\n'
    printf '%s\n' "${MANIFEST_LINES[@]}"; } > "$MANIFEST.tmp"
  chmod 0644 "$MANIFEST.tmp"
  mv -f "$MANIFEST.tmp" "$MANIFEST"
}

# --- install -----------------------------------------------------------------------------------

ensure_dir() {
  local d=$1 was
  was=$(previous dir | grep -Fx -- "$d" || true)
  if [ ! -d "$d" ]; then run install -d -m 0755 "$d"; record dir "$d"
  elif [ -n "$was" ]; then record dir "$d"; fi
}

copy_file() { # src dst mode
  if [ "$DRY_RUN" = 1 ] || ! cmp -s "$1" "$2" || [ "$(stat -c %a "$2")" != "${3#0}" ]; then run install -m "$3" "$1" "$2"; CHANGED=1; fi
  record file "$2"
}

make_link() { # target link
  if [ "$(readlink "$2" 2>/dev/null || true)" != "$1" ]; then
    if [ -e "$2" ] && [ ! -L "$2" ]; then die "$2 exists and is not a link; remove it or choose another --prefix"; fi
    run ln -sfn "$1" "$2"; CHANGED=1
  fi
  record link "$2"
}

install_packages() {
  local wanted=(iproute2 wireguard-tools nftables) missing=() p before after
  kernel_has_wireguard || wanted+=(wireguard-go)
  [ "$EDGE" = 0 ] || wanted+=(nginx)
  [ "$NEED_NODEJS" = 0 ] || wanted+=(nodejs)
  for p in "${wanted[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  for p in $(previous package); do if pkg_installed "$p"; then record package "$p"; fi; done
  if [ "${#missing[@]}" -eq 0 ]; then say "Debian packages present: ${wanted[*]}"; return; fi
  say "installing Debian packages: ${missing[*]}"
  before=$(installed_packages)
  [ "$APT_UPDATED" = 1 ] || run apt-get update -qq
  # (Debian's nginx package starts nginx with its default site; `cloudroof edge enable` adds ours.)
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ "$DRY_RUN" = 0 ] || return 0
  after=$(installed_packages)
  for p in $(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after")); do
    printf '%s\n' "${MANIFEST_LINES[@]}" | grep -qFx "package"$'\t'"$p" || record package "$p"
  done
}

ensure_group() {
  if getent group "$GROUP" >/dev/null; then
    [ -z "$(previous group)" ] || record group "$GROUP"
  else
    run groupadd --system "$GROUP"; record group "$GROUP"
  fi
  local m
  for m in $(previous member); do
    if getent group "$GROUP" | cut -d: -f4 | tr ',' '\n' | grep -qx -- "$m"; then record member "$m"; fi
  done
  [ -n "$MEMBER" ] || return 0
  id "$MEMBER" >/dev/null 2>&1 || die "user $MEMBER does not exist (from --user or \$SUDO_USER)"
  if id -nG "$MEMBER" | tr ' ' '\n' | grep -qx "$GROUP"; then return 0; fi
  run usermod -a -G "$GROUP" "$MEMBER"
  record member "$MEMBER"
  say "$MEMBER may use cloudroof without sudo after logging in again (group $GROUP)"
}

install_unit() {
  local tmp
  tmp=$(mktemp)
  { echo "# Installed by cloudroof's scripts/install.sh from build/cloudroofd.service; removed by --uninstall."
    sed -e '/^#/d' -e "s|@BIN@|$LIB/bin|g" "$SRC/build/cloudroofd.service"; } > "$tmp"
  if [ "$DRY_RUN" = 1 ] || ! cmp -s "$tmp" "$UNIT"; then
    ensure_dir /etc/systemd/system
    run install -m 0644 "$tmp" "$UNIT"; CHANGED=1 UNIT_CHANGED=1
  fi
  rm -f "$tmp"
  record unit "$UNIT"
}

start_service() {
  if systemd_running; then
    if [ "$UNIT_CHANGED" = 1 ]; then run systemctl daemon-reload; fi
    systemctl is-enabled --quiet cloudroofd 2>/dev/null || run systemctl enable cloudroofd
    if [ "$START" = 0 ]; then say 'enabled, not started (--no-start): sudo systemctl start cloudroofd'; return; fi
    if ! systemctl is-active --quiet cloudroofd; then run systemctl start cloudroofd
    elif [ "$CHANGED" = 1 ]; then run systemctl restart cloudroofd; fi
    say 'cloudroofd is running: cloudroof status'
    return
  fi
  if command -v systemctl >/dev/null 2>&1; then run systemctl enable cloudroofd >/dev/null 2>&1 || true; fi
  local pids
  pids=$(service_pids)
  if [ -n "$pids" ]; then say "a cloudroofd started by hand is running (pid ${pids//$'\n'/ }): restart it to run this version"; return; fi
  say "systemd is not running here (PID 1 is $(cat /proc/1/comm 2>/dev/null || echo unknown)), so the service cannot be started by the installer."
  say "  The unit is installed and starts at boot on a systemd host. To start the service by hand:"
  say "    sudo $BIN/cloudroofd &    (foreground; stop it with SIGTERM)"
}

do_install() {
  SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local f
  for f in dist/cloudroof.js dist/cloudroofd.js bin/cloudroof bin/cloudroofd build/cloudroofd.service scripts/install.sh; do
    [ -f "$SRC/$f" ] || die "$SRC/$f is missing: build first (npm ci && npm run build), or unpack a release tarball made by npm run package"
  done
  local version
  version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$SRC/package.json" 2>/dev/null | head -n1)
  if [ "$DRY_RUN" = 1 ]; then say 'dry run: nothing will be changed'; fi
  say "installing cloudroof ${version:-?} from $SRC to $LIB"

  # Preflight: everything that can refuse does so before anything changes.
  { command -v apt-get && command -v dpkg-query; } >/dev/null 2>&1 || die 'this installer needs a Debian or Ubuntu system (apt-get, dpkg)'
  NEED_NODEJS=0 APT_UPDATED=0 CHANGED=0 UNIT_CHANGED=0
  find_node
  if [ -z "$NODE" ]; then
    if [ "$DRY_RUN" = 0 ]; then run apt-get update -qq; APT_UPDATED=1; fi
    local offered; offered=$(apt_candidate nodejs)
    if [ -n "$offered" ] && [ "$offered" != '(none)' ] && version_at_least "$offered" "$MIN_NODE"; then NEED_NODEJS=1
    else refuse_without_node "$offered"; fi
  else
    case "$NODE" in
      /home/*|/root/*|/run/user/*) die "$NODE is under a home directory, which the service cannot read (ProtectHome=true in the unit). Put a Node.js >= $MIN_NODE under /usr/local or /opt and pass --node" ;;
    esac
    say "using Node.js v$(node_version "$NODE") at $NODE"
  fi

  install_packages
  if [ "$NEED_NODEJS" = 1 ]; then NODE=/usr/bin/node; say "using Debian's nodejs ($NODE)"; fi

  ensure_dir "$PREFIX"; ensure_dir "$BIN"; ensure_dir "$PREFIX/lib"; ensure_dir "$LIB"; ensure_dir "$LIB/bin"; ensure_dir "$LIB/dist"
  for f in cloudroof cloudroofd; do
    copy_file "$SRC/dist/$f.js" "$LIB/dist/$f.js" 0644
    [ ! -f "$SRC/dist/$f.js.map" ] || copy_file "$SRC/dist/$f.js.map" "$LIB/dist/$f.js.map" 0644
    copy_file "$SRC/bin/$f" "$LIB/bin/$f" 0755
  done
  copy_file "$SRC/scripts/install.sh" "$LIB/install.sh" 0755
  # The wrappers run $LIB/node when it exists, so the CLI under sudo and the unit use this Node.
  make_link "$NODE" "$LIB/node"
  make_link "$LIB/bin/cloudroof" "$BIN/cloudroof"
  make_link "$LIB/bin/cloudroofd" "$BIN/cloudroofd"
  record node "$NODE"
  record version "${version:-unknown}"

  # Files an earlier version installed that this one no longer ships.
  local old
  for old in $(previous file) $(previous link); do
    printf '%s\n' "${MANIFEST_LINES[@]}" | cut -f2 | grep -qFx -- "$old" || run rm -f -- "$old"
  done

  ensure_group
  install_unit
  write_manifest
  start_service
  say "done. Uninstall with: sudo $LIB/install.sh --uninstall [--purge] [--remove-deps]"
}

# --- uninstall ---------------------------------------------------------------------------------

# PIDs of cloudroofd processes run from this installation and in this root (not in containers).
service_pids() {
  local p root_id arg
  root_id=$(stat -L -c '%d:%i' /)
  for p in /proc/[0-9]*; do
    [ "$(stat -L -c '%d:%i' "$p/root" 2>/dev/null)" = "$root_id" ] || continue
    # The wrapper runs node with LIB/bin/../dist/cloudroofd.js: compare resolved paths.
    while IFS= read -r -d '' arg; do
      case "$arg" in
        */dist/cloudroofd.js) if [ "$(readlink -f "$arg")" = "$LIB/dist/cloudroofd.js" ]; then echo "${p#/proc/}"; break; fi ;;
      esac
    done 2>/dev/null < "$p/cmdline" || true
  done
  return 0
}

stop_service() {
  if [ -S "$SOCKET" ] && [ -x "$BIN/cloudroof" ]; then
    say 'leaving the mesh (removes the interface, routes, nftables tables and the edge nginx config)'
    if [ "$DRY_RUN" = 1 ]; then printf '  would run: %s leave\n' "$BIN/cloudroof"
    elif ! timeout 30 "$BIN/cloudroof" leave; then say '  (nothing left: see above; stopping the service anyway)'; fi
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -f "$UNIT" ]; then
    if systemd_running; then run systemctl disable --now cloudroofd || true
    else run systemctl disable cloudroofd >/dev/null 2>&1 || true; fi
  fi
  local pids _
  mapfile -t pids < <(service_pids)
  [ "${#pids[@]}" -gt 0 ] || return 0
  say "stopping cloudroofd (pid ${pids[*]})"
  run kill -TERM "${pids[@]}" || true
  [ "$DRY_RUN" = 0 ] || return 0
  for _ in $(seq 1 150); do [ -n "$(service_pids)" ] || return 0; sleep 0.1; done
  mapfile -t pids < <(service_pids)
  if [ "${#pids[@]}" -gt 0 ]; then run kill -KILL "${pids[@]}" || true; fi
}

# What `leave` and the service's own shutdown remove; checked again in case the service was
# killed or never got to it.
remove_leftovers() {
  if command -v nft >/dev/null 2>&1; then
    local t
    for t in cloudroof cloudroof_origin; do
      if nft list table inet "$t" >/dev/null 2>&1; then say "removing leftover nftables table inet $t"; run nft delete table inet "$t"; fi
    done
  fi
  if command -v ip >/dev/null 2>&1 && ip link show cloudroof0 >/dev/null 2>&1; then
    say 'removing leftover interface cloudroof0'; run ip link delete cloudroof0
  fi
  if [ -f "$NGINX_INCLUDE" ]; then
    say "removing leftover $NGINX_INCLUDE"; run rm -f "$NGINX_INCLUDE"
    if command -v nginx >/dev/null 2>&1 && nginx -t >/dev/null 2>&1; then
      if systemd_running; then run systemctl reload nginx || true
      else run nginx -s reload 2>/dev/null || true; fi
    fi
  fi
}

remove_packages() {
  local pkgs=() p extra
  for p in $(previous package); do if pkg_installed "$p"; then pkgs+=("$p"); fi; done
  if [ "${#pkgs[@]}" -eq 0 ]; then say 'no Debian packages to remove'; return; fi
  # Purge only when nothing else would go with them (something installed later may need them).
  extra=$(apt-get -s purge "${pkgs[@]}" 2>/dev/null | awk '/^Purg / { print $2 }' | grep -vxF -f <(printf '%s\n' "${pkgs[@]}") || true)
  if [ -n "$extra" ]; then
    say "keeping the Debian packages ${pkgs[*]}: removing them would also remove ${extra//$'\n'/ }"
    return
  fi
  say "purging the Debian packages the installer installed: ${pkgs[*]}"
  run env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${pkgs[@]}"
}

remove_state() {
  local d
  for d in "$STATE_DIR" "$RUN_DIR"; do
    if [ -e "$d" ]; then say "removing $d"; run rm -rf -- "$d"; fi
  done
}

do_uninstall() {
  if [ "$DRY_RUN" = 1 ]; then say 'dry run: nothing will be changed'; fi
  # Run from an installed copy: its own directory holds the manifest.
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if [ -f "$here/MANIFEST" ] && [ "$here" != "$LIB" ] && [ ! -f "$MANIFEST" ]; then
    LIB=$here MANIFEST=$here/MANIFEST PREFIX=$(dirname "$(dirname "$here")") BIN=$(dirname "$(dirname "$here")")/bin
  fi
  if [ ! -f "$MANIFEST" ]; then
    say "cloudroof is not installed under $PREFIX (no $MANIFEST)"
    [ "$PURGE" = 0 ] || remove_state
    return 0
  fi
  say "uninstalling cloudroof $(previous version) from $LIB"
  stop_service
  remove_leftovers
  local f
  for f in $(previous unit); do
    if [ -e "$f" ]; then run rm -f -- "$f"; fi
  done
  if systemd_running; then run systemctl daemon-reload; fi
  for f in $(previous link); do if [ -L "$f" ]; then run rm -f -- "$f"; fi; done
  for f in $(previous file); do if [ -e "$f" ]; then run rm -f -- "$f"; fi; done
  if getent group "$GROUP" >/dev/null; then
    if [ -n "$(previous group)" ]; then run groupdel "$GROUP"
    else for f in $(previous member); do run gpasswd -d "$f" "$GROUP" || true; done; fi
  fi
  [ "$REMOVE_DEPS" = 0 ] || remove_packages
  if [ "$REMOVE_DEPS" = 0 ] && [ -n "$(previous package)" ]; then
    say "kept the Debian packages it installed ($(previous package | tr '\n' ' ' | sed 's/ $//')); --remove-deps purges them"
  fi
  [ "$PURGE" = 0 ] || remove_state
  if [ "$PURGE" = 0 ] && [ -d "$STATE_DIR" ]; then say "kept $STATE_DIR (identity and mesh secret); --purge removes it"; fi
  if [ "$PURGE" = 0 ] && [ -d "$RUN_DIR" ]; then run rmdir --ignore-fail-on-non-empty "$RUN_DIR"; fi
  # The manifest goes last, then the directories we created (deepest first, only when empty).
  local dirs
  dirs=$(previous dir | sort -r)
  run rm -f -- "$MANIFEST"
  for f in $dirs; do if [ -d "$f" ]; then run rmdir --ignore-fail-on-non-empty -- "$f"; fi; done
  say 'uninstalled'
}

main() {
  parse_args "$@"
  if [ "$(id -u)" -ne 0 ] && [ "$DRY_RUN" = 0 ]; then die 'run as root: sudo bash scripts/install.sh ...'; fi
  if [ "$(uname -s)" != Linux ]; then die 'this installer is for Debian and Ubuntu (Linux)'; fi
  if [ "$MODE" = install ]; then do_install; else do_uninstall; fi
}

main "$@"
