#!/usr/bin/env bash
# The Debian packages, built from the debug binaries and checked as an
# administrator would meet them:
# - both build, with the control fields, conffiles, maintainer scripts and
#   files where Debian expects them;
# - the systemd unit passes `systemd-analyze verify`, and its sandboxing
#   keeps `systemd-analyze security` at 2.0 or below;
# - the desktop entry passes `desktop-file-validate`;
# - installed into a throwaway root (dpkg-deb -x), the server starts with
#   the shipped config (pointed at a temporary data folder and free ports),
#   serves vehicles and the console, logs for the journal when stderr is
#   the journal, and stops on SIGTERM; the vehicle's `kordon` runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE=packaging
ART=target/packaging
WORK=$(mktemp -d)
T=$WORK
. tests/lib/processes.sh
artifacts() { cp "$T"/*.log "$T"/*.out "$ART"/ 2>/dev/null || true; }
install_traps
fail() { die "$*"; }

log "building the packages (debug binaries)"
bash packaging/build-debs.sh --debug --no-build --out "$T/pkgs"
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
ARCH=$(dpkg --print-architecture)
SRV_DEB="$T/pkgs/kordon-server_${VERSION}_${ARCH}.deb"
APP_DEB="$T/pkgs/kordon_${VERSION}_${ARCH}.deb"

log "control fields and contents"
for deb in "$SRV_DEB" "$APP_DEB"; do
  dpkg-deb --info "$deb" > "$T/info"
  for field in Package Version Architecture Maintainer Depends Description; do
    grep -q "^ $field: " "$T/info" || fail "$(basename "$deb") has no $field"
  done
  grep -q "^ Depends: libc6 (>= 2\.[0-9]*)" "$T/info" || fail "$(basename "$deb"): no libc6 version in Depends"
done
dpkg-deb --field "$APP_DEB" Depends > "$T/app-depends"
grep -q "libwebkit2gtk-4.1-0" "$T/app-depends" || fail "the app does not depend on WebKitGTK"
dpkg-deb --field "$SRV_DEB" Depends > "$T/srv-depends"
grep -q "adduser" "$T/srv-depends" || fail "the server does not depend on adduser"
dpkg-deb --contents "$SRV_DEB" > "$T/srv-files"
for f in ./usr/bin/kordon-server ./lib/systemd/system/kordon-server.service \
         ./etc/kordon/server.toml ./usr/share/doc/kordon-server/operations.md \
         ./usr/share/doc/kordon-server/copyright; do
  grep -q " $f\$" "$T/srv-files" || fail "kordon-server lacks $f"
done
grep -q "^-rwxr-xr-x root/root .* ./usr/bin/kordon-server$" "$T/srv-files" || fail "kordon-server binary: owner or mode"
grep -q "^-rw-r----- root/root .* ./etc/kordon/server.toml$" "$T/srv-files" || fail "server.toml: mode"
dpkg-deb --contents "$APP_DEB" > "$T/app-files"
for f in ./usr/bin/kordon-app ./usr/bin/kordon ./usr/share/applications/org.kordon.crew.desktop \
         ./usr/share/icons/hicolor/128x128/apps/kordon.png ./usr/share/icons/hicolor/scalable/apps/kordon.svg; do
  grep -q " $f\$" "$T/app-files" || fail "kordon lacks $f"
done
mkdir -p "$T/control"
dpkg-deb --control "$SRV_DEB" "$T/control"
[ "$(cat "$T/control/conffiles")" = /etc/kordon/server.toml ] || fail "conffiles"
for s in postinst prerm postrm; do
  [ -x "$T/control/$s" ] || fail "no executable $s"
  sh -n "$T/control/$s" || fail "$s does not parse"
done

log "into a throwaway root"
ROOT="$T/root"
dpkg-deb -x "$SRV_DEB" "$ROOT"
dpkg-deb -x "$APP_DEB" "$ROOT"

log "systemd-analyze verify"
# The unit as installed, with its binary at the throwaway root's path.
sed "s|/usr/bin/kordon-server|$ROOT/usr/bin/kordon-server|" \
  "$ROOT/lib/systemd/system/kordon-server.service" > "$T/kordon-server.service"
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$T/kordon-server.service" 2> "$T/verify.log" || {
  cat "$T/verify.log" >&2; fail "systemd-analyze verify"; }
# Complaints about the unit itself (not about the host's other units).
if grep "kordon-server.service" "$T/verify.log"; then fail "systemd-analyze verify warned about the unit"; fi
# Its sandboxing: systemd's exposure score stays at 2.0 or below ("OK").
systemd-analyze security --offline=true --threshold=20 "$T/kordon-server.service" > "$T/security.log" 2>&1 || {
  tail -3 "$T/security.log" >&2; fail "the unit's exposure rose above 2.0"; }

log "desktop-file-validate"
desktop-file-validate "$ROOT/usr/share/applications/org.kordon.crew.desktop"

log "the vehicle's kordon runs"
"$ROOT/usr/bin/kordon" --version > "$T/version"
grep -q "^kordon $VERSION" "$T/version" || fail "kordon --version: $(cat "$T/version")"

log "the server starts with the shipped config"
DATA="$T/data"
QUIC=$(free_port udp)
HTTP=$(free_port tcp)
"$ROOT/usr/bin/kordon-server" init --data "$DATA" --public-addr "127.0.0.1:$QUIC" > /dev/null
# The shipped file, pointed at the test's folder and ports.
sed -e "s|^data = .*|data = \"$DATA\"|" \
    -e "s|^#listen = .*|listen = \"127.0.0.1:$QUIC\"|" \
    -e "s|^#http = .*|http = \"127.0.0.1:$HTTP\"|" \
    "$ROOT/etc/kordon/server.toml" > "$T/server.toml"
grep -q "^listen = \"127.0.0.1:$QUIC\"" "$T/server.toml" || fail "the shipped config has no #listen line"
# stderr is a file whose device and inode stand in for the journal's stream.
: > "$T/server.log"
JOURNAL_STREAM="$(stat -c '%d:%i' "$T/server.log")" \
  "$ROOT/usr/bin/kordon-server" run --config "$T/server.toml" > "$T/server.out" 2>> "$T/server.log" &
SERVER_PID=$!
PIDS+=("$SERVER_PID:packaged kordon-server")
wait_until "the packaged server to listen" 30 grep -qs "listening on 127.0.0.1:$QUIC" "$T/server.out"
wait_until "the console to answer" 30 python3 -c \
  "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:$HTTP/', timeout=2).status != 200)"
# Journal lines: a syslog priority first, no timestamp of their own.
head -1 "$T/server.log" | grep -Eq '^<[0-7]>' || { head -3 "$T/server.log" >&2; fail "log lines carry no priority"; }
if grep -Eq '^<[0-7]>[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$T/server.log"; then fail "log lines carry a timestamp"; fi
# A vehicle enrolls and syncs against it.
V="$T/vehicle"
TOKEN=$("$ROOT/usr/bin/kordon-server" enroll --data "$DATA" --name PKG-1 2>/dev/null)
"$ROOT/usr/bin/kordon" --data "$V" enroll "$TOKEN" > /dev/null
"$ROOT/usr/bin/kordon" --data "$V" inspection new --plate AA1234BC --officer OF-1 > /dev/null
"$ROOT/usr/bin/kordon" --data "$V" sync > /dev/null || fail "the vehicle could not sync with the packaged server"
kill -TERM "$SERVER_PID"
wait_until "the server to stop on SIGTERM" 20 bash -c "! kill -0 $SERVER_PID 2>/dev/null"
"$ROOT/usr/bin/kordon-server" inspections --data "$DATA" > "$T/inspections"
grep -q "AA1234BC" "$T/inspections" || fail "the record is not on the server"

log "a bad setting is refused by name"
sed -i '1i lisen = "127.0.0.1:1"' "$T/server.toml"
if "$ROOT/usr/bin/kordon-server" run --config "$T/server.toml" 2> "$T/bad.log"; then fail "a typo in the config was accepted"; fi
grep -q '"lisen"' "$T/bad.log" || { cat "$T/bad.log" >&2; fail "the error does not name the key"; }

