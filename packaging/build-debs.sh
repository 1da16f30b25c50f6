#!/usr/bin/env bash
# Builds Kordon's Debian packages into target/packages/:
#   kordon-server_VERSION_ARCH.deb  the central server: binary, systemd unit,
#                                   /etc/kordon/server.toml, docs; a system
#                                   user `kordon` and /var/lib/kordon
#   kordon_VERSION_ARCH.deb         the vehicle: the crew's app (desktop entry,
#                                   icons) and the headless `kordon`
#
# Usage: packaging/build-debs.sh [--debug] [--no-build] [--out DIR]
#   --debug     package the debug build (quick, large; for tests)
#   --no-build  package what target/ already holds
# The release build needs the console's files first (make ui-dist); `make
# packages` does both.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$0")/.."

HELP=2,13p
. packaging/options.sh

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
ARCH=$(dpkg --print-architecture)
BIN=target/$PROFILE
if [ "$BUILD" = 1 ]; then
  [ "$PROFILE" = release ] && FLAGS=(--release) || FLAGS=()
  cargo build --locked "${FLAGS[@]}" -p kordon-server -p kordon-cli -p kordon-app
fi
for b in kordon-server kordon kordon-app; do
  [ -x "$BIN/$b" ] || { echo "$BIN/$b is missing (build it, or leave out --no-build)" >&2; exit 1; }
done
# Debug builds are large and only for tests: no compression to wait on.
[ "$PROFILE" = release ] && COMPRESS=(-Zxz) || COMPRESS=(-Znone)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# The packages the binaries' own shared libraries (their NEEDED entries,
# not what those pull in) come from, as dpkg knows them, with the C library
# at the newest symbol version any of them uses. Fails rather than write a
# partial list.
depends_of() {
  local libs pkgs glibc l owner
  libs=$(for b in "$@"; do
    needed=$(objdump -p "$b" | awk '/NEEDED/ {print $2}')
    ldd "$b" | awk -v needed=" $(echo $needed) " '$2 == "=>" && index(needed, " " $1 " ") {print $3}'
  done | sort -u)
  [ -n "$libs" ] || { echo "ldd found no libraries in $*" >&2; return 1; }
  pkgs=""
  for l in $libs; do
    owner=$(dpkg -S "$(readlink -f "$l")" 2>/dev/null || dpkg -S "$l" 2>/dev/null) \
      || { echo "no package holds $l" >&2; return 1; }
    # "pkg-a, pkg-b: /path" or "pkg:arch: /path".
    pkgs="$pkgs $(echo "${owner%%: /*}" | tr ',' ' ' | sed 's/:[a-z0-9]*//g')"
  done
  glibc=$(for b in "$@"; do objdump -T "$b"; done | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
  [ -n "$glibc" ] || { echo "no glibc version in $*" >&2; return 1; }
  printf 'libc6 (>= %s)' "$glibc"
  for p in $(echo "$pkgs" | tr ' ' '\n' | sort -u | grep -v -e '^libc6$' -e '^$'); do printf ', %s' "$p"; done
}

# install_bin SRC DEST: a release binary is stripped of its symbols.
install_bin() {
  install -D -m 0755 "$1" "$2"
  # Debug information makes a debug build ten times its size: dropped too.
  if [ "$PROFILE" = release ]; then strip --strip-unneeded "$2"; else strip --strip-debug "$2"; fi
}

copyright() {
  cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Kordon
License: Apache-2.0

Files: *
Copyright: the Kordon authors
License: Apache-2.0
 On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.
EOF
}

# --- kordon-server ---
S="$WORK/kordon-server"
install_bin "$BIN/kordon-server" "$S/usr/bin/kordon-server"
install -D -m 0644 packaging/systemd/kordon-server.service "$S/lib/systemd/system/kordon-server.service"
install -D -m 0640 packaging/server.toml "$S/etc/kordon/server.toml"
install -D -m 0644 docs/operations.md "$S/usr/share/doc/kordon-server/operations.md"
install -D -m 0644 packaging/server.toml "$S/usr/share/doc/kordon-server/examples/server.toml"
copyright > "$S/usr/share/doc/kordon-server/copyright"
mkdir -p "$S/DEBIAN"
echo /etc/kordon/server.toml > "$S/DEBIAN/conffiles"
install -m 0755 packaging/deb/kordon-server.postinst "$S/DEBIAN/postinst"
install -m 0755 packaging/deb/kordon-server.prerm "$S/DEBIAN/prerm"
install -m 0755 packaging/deb/kordon-server.postrm "$S/DEBIAN/postrm"
SRV_DEPENDS=$(depends_of "$S/usr/bin/kordon-server")
cat > "$S/DEBIAN/control" <<EOF
Package: kordon-server
Version: $VERSION
Architecture: $ARCH
Maintainer: Kordon maintainers <maintainers@kordon.invalid>
Section: net
Priority: optional
Depends: $SRV_DEPENDS, adduser
Installed-Size: $(du -sk --exclude=DEBIAN "$S" | cut -f1)
Description: Kordon central server: vehicle sync and supervisors' console
 The centre of Kordon, the field kit of customs crews in mobile X-ray
 scanning vehicles: vehicles sync their signed inspection records and scans
 over QUIC; supervisors review them in a web console; an append-only,
 verifiable log keeps the evidence. Runs as the systemd service
 kordon-server, configured in /etc/kordon/server.toml.
EOF
dpkg-deb --root-owner-group "${COMPRESS[@]}" --build "$S" "$OUT/kordon-server_${VERSION}_${ARCH}.deb" >/dev/null

# --- kordon (the vehicle) ---
A="$WORK/kordon"
install_bin "$BIN/kordon-app" "$A/usr/bin/kordon-app"
install_bin "$BIN/kordon" "$A/usr/bin/kordon"
install -D -m 0644 packaging/org.kordon.crew.desktop "$A/usr/share/applications/org.kordon.crew.desktop"
install -D -m 0644 src-tauri/icons/icon.png "$A/usr/share/icons/hicolor/128x128/apps/kordon.png"
install -D -m 0644 packaging/kordon.svg "$A/usr/share/icons/hicolor/scalable/apps/kordon.svg"
mkdir -p "$A/usr/share/doc/kordon"
copyright > "$A/usr/share/doc/kordon/copyright"
mkdir -p "$A/DEBIAN"
APP_DEPENDS=$(depends_of "$A/usr/bin/kordon-app" "$A/usr/bin/kordon")
# The TSS loads its TPM transport at run time: the kernel's device.
APP_DEPENDS="$APP_DEPENDS, libtss2-tcti-device0"
cat > "$A/DEBIAN/control" <<EOF
Package: kordon
Version: $VERSION
Architecture: $ARCH
Maintainer: Kordon maintainers <maintainers@kordon.invalid>
Section: utils
Priority: optional
Depends: $APP_DEPENDS
Installed-Size: $(du -sk --exclude=DEBIAN "$A" | cut -f1)
Description: Kordon field kit for customs crews in mobile X-ray scanning vehicles
 Captures scans, ANPR plate reads and inspection decisions offline, signs
 every change and syncs to the centre when a link is there. The crew's app
 (kordon-app, in Ukrainian and English) and the headless kordon command
 (camera ingest, the scanner's watch folder, sync, export and verify).
EOF
dpkg-deb --root-owner-group "${COMPRESS[@]}" --build "$A" "$OUT/kordon_${VERSION}_${ARCH}.deb" >/dev/null

ls -l "$OUT"/*.deb
