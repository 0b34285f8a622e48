#!/usr/bin/env bash
# Installs VolSpike on a Debian/Ubuntu host from this checkout. Run as root from the checkout the units
# will run (normally /opt/volspike):
#
#   sudo deploy/install.sh [--legacy-env FILE] [--shadow] [--start] [--skip-build] [--root DIR]
#
#   --legacy-env FILE  the legacy scripts' env file (default /home/trader/.volspike.env): every variable
#                      is carried over to /etc/volspike/volspike.env; the ones that cannot be are listed
#   --shadow           also write /etc/volspike/shadow.env (SHADOW=true, funding API on :8889, binance-proxy
#                      on :3003) for running beside the legacy scripts (docs/cutover.md); never overwritten
#   --start            start (or restart) the enabled units afterwards, in dependency order
#   --skip-build       do not run `npm run build` (the dist/ bundles must exist)
#   --root DIR         install into DIR as if it were / (tests): no useradd, chown or systemctl side effects
#                      on this host; unit symlinks are made with `systemctl --root` when it exists
#
# Idempotent: every file is written only when its content differs, so a second run changes nothing.
# What it does: checks Node >= 20.19, creates the `volspike` system user and its directories, builds,
# writes /etc/volspike/volspike.env (mode 0600) from .env.example without overwriting a value, installs
# the systemd units with this checkout's path and this Node, and enables them in dependency order.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT=""
LEGACY_ENV="/home/trader/.volspike.env"
SHADOW=0
START=0
BUILD=1
SERVICE_USER=volspike
# Dependency order: the backend first (every daemon delivers to it), then what others read (funding's mark
# prices, the proxy's exchangeInfo, the universe), then the daemons, then the health timer and the target.
UNITS=(
  volspike-backend@3001.service
  volspike-backend@3101.service
  volspike-funding.service
  volspike-binance-proxy.service
  volspike-universe-job.service
  volspike-oi-poller.service
  volspike-volume-alerts.service
  volspike-user-alerts.service
  volspike-telegram-poller.service
  volspike-funding-health.timer
)
LEGACY_UNITS=(binance-funding-ws.service binance-funding-api.service funding-health-check.timer
  oi-liquid-universe.timer oi-liquid-universe.service user-alert-checker.service telegram-channel-poller.service)

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "$*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --legacy-env) LEGACY_ENV="${2:?--legacy-env needs a file}"; shift 2 ;;
    --shadow) SHADOW=1; shift ;;
    --start) START=1; shift ;;
    --skip-build) BUILD=0; shift ;;
    --root) ROOT="$(mkdir -p "${2:?--root needs a directory}" && cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then die "run as root (sudo $0 $*)"; fi
os="$( (. /etc/os-release 2>/dev/null && echo "${ID:-} ${ID_LIKE:-} (${PRETTY_NAME:-unknown})") || echo unknown)"
case "$os" in
  *debian*|*ubuntu*) ;;
  *) say "warning: tested on Debian and Ubuntu only (this is $os)" ;;
esac

# --- Node -----------------------------------------------------------------------------------------------
NODE="$(command -v node || true)"
NODE_HOW="install Node 20 LTS: curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs"
[ -n "$NODE" ] || die "node not found; $NODE_HOW"
[ "$BUILD" -eq 0 ] || command -v npm >/dev/null 2>&1 || die "npm not found (the build needs it); $NODE_HOW"
NODE_VERSION="$("$NODE" -p 'process.versions.node' 2>/dev/null || true)"
IFS=. read -r NODE_MAJOR NODE_MINOR _ <<<"${NODE_VERSION:-0.0.0}"
if [ "${NODE_MAJOR:-0}" -lt 20 ] || { [ "$NODE_MAJOR" -eq 20 ] && [ "${NODE_MINOR:-0}" -lt 19 ]; }; then
  die "Node >= 20.19 is required, found ${NODE_VERSION:-none} at $NODE; $NODE_HOW"
fi
NODE="$(readlink -f "$NODE")"
say "node $NODE_VERSION ($NODE), checkout $REPO${ROOT:+, root $ROOT}"
# The units hide /home and /root (ProtectHome=true): the checkout they run must live elsewhere.
case "$REPO/" in
  /home/*|/root/*) die "the units cannot read $REPO (ProtectHome=true): clone it to /opt/volspike and run install.sh from there" ;;
esac
command -v curl >/dev/null 2>&1 || say "warning: curl is missing (volspike-funding-health uses it): apt-get install -y curl"

# --- user and directories ---------------------------------------------------------------------------------
if [ -n "$ROOT" ]; then
  say "user $SERVICE_USER: not created (--root)"
elif id -u "$SERVICE_USER" >/dev/null 2>&1; then
  say "user $SERVICE_USER: exists"
else
  useradd --system --user-group --home-dir /var/lib/volspike --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
  say "user $SERVICE_USER: created"
fi

# dir MODE OWNER PATH: create or fix, say what changed.
dir() {
  local mode="$1" owner="$2" path="$ROOT$3" what="unchanged"
  if [ ! -d "$path" ]; then install -d -m "$mode" "$path"; what="created"; fi
  if [ "$(stat -c %a "$path")" != "${mode#0}" ]; then chmod "$mode" "$path"; what="${what/unchanged/mode fixed}"; fi
  if [ -z "$ROOT" ] && [ "$(stat -c %U:%G "$path")" != "$owner" ]; then chown "$owner" "$path"; what="${what/unchanged/owner fixed}"; fi
  say "dir $3 ($mode $owner): $what"
}
dir 0755 root:root /etc/volspike
dir 0750 "$SERVICE_USER:$SERVICE_USER" /var/lib/volspike
dir 0700 "$SERVICE_USER:$SERVICE_USER" /var/lib/volspike/shadow
dir 0755 root:root /etc/systemd/system

# --- build ------------------------------------------------------------------------------------------------
if [ "$BUILD" -eq 1 ]; then
  # As development: under NODE_ENV=production pnpm would skip the build tools.
  (cd "$REPO" && env -u NODE_ENV npm run build) || die "npm run build failed in $REPO"
  say "build: dist/ is up to date"
else
  say "build: skipped (--skip-build)"
fi
for f in "$REPO"/deploy/systemd/volspike-*.service; do
  app="$(sed -n 's#^ExecStart=.*/usr/bin/node dist/\(.*\)\.mjs$#\1#p' "$f")"
  if [ -n "$app" ] && [ ! -f "$REPO/dist/$app.mjs" ]; then die "$REPO/dist/$app.mjs is missing: run npm run build"; fi
done

# --- /etc/volspike/volspike.env ---------------------------------------------------------------------------
env_args=(--example "$REPO/.env.example" --target "$ROOT/etc/volspike/volspike.env" --legacy "$ROOT$LEGACY_ENV")
[ "$SHADOW" -eq 1 ] && env_args+=(--shadow-target "$ROOT/etc/volspike/shadow.env")
"$NODE" "$REPO/deploy/lib/env-file.mjs" "${env_args[@]}"

# --- units ------------------------------------------------------------------------------------------------
UNIT_DIR="$ROOT/etc/systemd/system"
# put SRC DEST: this checkout's path and this Node in place of /opt/volspike and /usr/bin/node.
put() {
  local src="$1" dest="$2" tmp
  tmp="$(mktemp)"
  sed -e "s#/opt/volspike#$REPO#g" -e "s#^\(ExecStart=.*\)/usr/bin/node #\1$NODE #" "$src" >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"; say "unit ${dest#"$UNIT_DIR"/}: unchanged"
  else
    local what=created; [ -f "$dest" ] && what=updated
    install -m 0644 "$tmp" "$dest"; rm -f "$tmp"; say "unit ${dest#"$UNIT_DIR"/}: $what"
  fi
}
for f in "$REPO"/deploy/systemd/volspike*.service "$REPO"/deploy/systemd/volspike*.timer "$REPO"/deploy/systemd/volspike.target; do
  put "$f" "$UNIT_DIR/$(basename "$f")"
done
# binance-funding-api: the legacy name, only once the legacy unit of that name is gone.
ENABLE=("${UNITS[@]}")
legacy_api="$UNIT_DIR/binance-funding-api.service"
if [ -f "$legacy_api" ] && ! grep -q 'served by volspike-funding.service' "$legacy_api"; then
  say "unit binance-funding-api.service: left alone (the legacy unit; rerun after retiring it, docs/cutover.md)"
else
  put "$REPO/deploy/systemd/binance-funding-api.service" "$legacy_api"
  [ -d "$UNIT_DIR/volspike-funding.service.d" ] || install -d -m 0755 "$UNIT_DIR/volspike-funding.service.d"
  put "$REPO/deploy/systemd/volspike-funding.service.d/legacy-name.conf" "$UNIT_DIR/volspike-funding.service.d/legacy-name.conf"
  ENABLE+=(binance-funding-api.service)
fi
ENABLE+=(volspike.target)
found=()
for u in "${LEGACY_UNITS[@]}"; do
  f="$UNIT_DIR/$u"
  if [ -f "$f" ] && ! grep -q 'volspike-funding.service' "$f"; then found+=("$u"); fi
done
if [ "${#found[@]}" -gt 0 ]; then
  say "legacy units still installed: ${found[*]} (ours run beside them; switch one at a time: docs/cutover.md)"
fi

# --- enable (and start) -----------------------------------------------------------------------------------
if [ -n "$ROOT" ]; then
  if command -v systemctl >/dev/null 2>&1; then
    out="$(systemctl --root="$ROOT" --quiet enable "${ENABLE[@]}" 2>&1)" || die "systemctl --root enable failed: $out"
    say "enabled (in $ROOT): ${ENABLE[*]}"
  else
    say "not enabled: systemctl is not installed (--root)"
  fi
  if [ "$START" -eq 1 ]; then say "not started (--root)"; fi
else
  systemctl daemon-reload
  systemctl --quiet enable "${ENABLE[@]}"
  say "enabled: ${ENABLE[*]}"
  if [ "$START" -eq 1 ]; then
    for u in "${UNITS[@]}"; do systemctl restart "$u"; say "started $u"; done
  else
    say "next: check /etc/volspike/volspike.env, then: systemctl start volspike.target (docs/cutover.md)"
  fi
fi
