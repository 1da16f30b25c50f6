#!/usr/bin/env bash
# The crew's app as an AppImage, built from the debug binary and checked as
# a crew's PC would meet it:
# - the file is an AppImage of type 2 (magic bytes, the runtime's offset),
#   and what it holds extracts: AppRun, a desktop entry that passes
#   `desktop-file-validate`, the icon, the app, WebKit's helper processes;
# - WebKitGTK's copy inside looks for its helpers inside the image only;
# - with the image's libraries first, every library the app and the
#   helpers load is the image's own or one of the host libraries the image
#   lists as expected of the host (usr/share/kordon/host-libraries);
# - started through FUSE, as a double click starts it, under Xvfb and
#   WebDriver (appimage.mjs), with the host's WebKitGTK and GTK hidden
#   (when run as root): the sign-in screen shows, the app and its web
#   process run from the image, an officer signs in, and a relative --data
#   is taken from the folder it was launched in.
# Needs the debug kordon-app (cargo build --bins, after the console's files:
# make ui-dist), mksquashfs, libfuse2, Xvfb, WebKitWebDriver, tauri-driver.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE=appimage
ART=target/packaging
WORK=$(mktemp -d)
TAURI_DRIVER="${TAURI_DRIVER:-$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")}"
. tests/lib/processes.sh
artifacts() { cp "$WORK"/*.log "$ART"/ 2>/dev/null || true; }
install_traps
mkdir -p "$ART"

missing=()
[ -x target/debug/kordon-app ] || missing+=("target/debug/kordon-app (make ui-dist && cargo build --bins)")
[ -x "$TAURI_DRIVER" ] || missing+=("tauri-driver (cargo install tauri-driver --version ^2 --locked, or set TAURI_DRIVER)")
for tool in mksquashfs node Xvfb WebKitWebDriver desktop-file-validate; do
  command -v "$tool" >/dev/null || missing+=("$tool (make deps)")
done
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } > "$WORK/ldconfig.txt"; grep -q 'libfuse\.so\.2 ' "$WORK/ldconfig.txt" || missing+=("libfuse2 (make deps)")
need_missing

log "building the AppImage (debug binary)"
bash packaging/build-appimage.sh --debug --no-build --out "$WORK/out" > "$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; die "packaging/build-appimage.sh"; }
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
IMAGE="$WORK/out/Kordon-$VERSION-x86_64.AppImage"
[ -x "$IMAGE" ] || die "no executable $IMAGE"

log "an AppImage of type 2"
[ "$(head -c 4 "$IMAGE" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || die "the image does not start with an ELF header"
[ "$(dd if="$IMAGE" bs=1 skip=8 count=3 status=none | od -An -tx1 | tr -d ' ')" = 414902 ] || die "no AppImage type 2 magic at offset 8"
OFFSET=$("$IMAGE" --appimage-offset)
[ "$(dd if="$IMAGE" bs=1 skip="$OFFSET" count=4 status=none)" = hsqs ] || die "no SquashFS at the runtime's offset $OFFSET"

log "what it holds"
(cd "$WORK" && "$IMAGE" --appimage-extract > /dev/null)
X="$WORK/squashfs-root"
for f in AppRun org.kordon.crew.desktop kordon.png .DirIcon usr/bin/kordon-app \
         usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0 \
         usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebProcess \
         usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitNetworkProcess \
         usr/lib/x86_64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache \
         usr/share/glib-2.0/schemas/gschemas.compiled usr/share/kordon/host-libraries \
         usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstaudioconvert.so \
         usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstautodetect.so \
         usr/lib/x86_64-linux-gnu/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner; do
  [ -e "$X/$f" ] || die "the image lacks $f"
done
[ -x "$X/AppRun" ] && [ -x "$X/usr/bin/kordon-app" ] || die "AppRun or the app is not executable"
desktop-file-validate "$X/org.kordon.crew.desktop"
if grep -q "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1" "$X/usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0"; then
  die "the image's WebKitGTK still starts its helpers from the host's folder"
fi

log "every library from the image, or one the image expects of the host"
LIBDIR="$X/usr/lib/x86_64-linux-gnu"
LD_LIBRARY_PATH="$LIBDIR" ldd "$X/usr/bin/kordon-app" "$LIBDIR"/webkit2gtk-4.1/WebKit*Process \
  "$LIBDIR"/gstreamer-1.0/*.so > "$WORK/ldd.log" 2>&1 || true
if grep "not found" "$WORK/ldd.log"; then die "a library the image needs is missing"; fi
outside=$(awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' "$WORK/ldd.log" | sort -u | grep -v " $X/" || true)
[ -n "$outside" ] || die "nothing comes from the host: the check read no ldd output"
unexpected=$(echo "$outside" | awk '{print $1}' | grep -vxF -f "$X/usr/share/kordon/host-libraries" || true)
[ -z "$unexpected" ] || die "host libraries the image does not list: $unexpected"
inside=$(awk '$2 == "=>" {print $3}' "$WORK/ldd.log" | grep -c "^$X/" || true)
log "  $inside loads from the image, $(echo "$outside" | wc -l) from the host"

log "started through FUSE under Xvfb and WebDriver"
start_xvfb
driver_ports
app_environment
# The app is launched from this folder (the driver's working folder).
LAUNCH="$WORK/launch"
mkdir -p "$LAUNCH"
# The host's WebKitGTK, JavaScriptCore and GTK, and WebKit's helper
# processes, are hidden from the driver and what it starts (a mount
# namespace of its own: empty files and an empty folder bound over them),
# so the app can only run on what the image brings.
HIDE=""
for l in libwebkit2gtk-4.1.so.0 libjavascriptcoregtk-4.1.so.0 libgtk-3.so.0 libgdk-3.so.0; do
  f=$(readlink -f "/usr/lib/x86_64-linux-gnu/$l")
  HIDE="$HIDE mount --bind /dev/null $f && [ ! -s $f ] &&"
done
HIDE="$HIDE mount -t tmpfs none /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1 &&"
if [ "$(id -u)" = 0 ]; then
  unshare --mount --propagation private bash -c "$HIDE cd '$LAUNCH' && exec '$TAURI_DRIVER' --port $WD_PORT --native-port $WD_NATIVE_PORT" \
    >"$WORK/tauri-driver.log" 2>&1 &
else
  log "not root: the host's WebKitGTK stays visible to the app (run as root to hide it)"
  (cd "$LAUNCH" && exec "$TAURI_DRIVER" --port "$WD_PORT" --native-port "$WD_NATIVE_PORT") >"$WORK/tauri-driver.log" 2>&1 &
fi
DRIVER_PID=$!
wait_for_driver

KORDON_APPIMAGE_WEBDRIVER="http://127.0.0.1:$WD_PORT" \
KORDON_APPIMAGE="$IMAGE" \
KORDON_APPIMAGE_LAUNCH_DIR="$LAUNCH" \
KORDON_APPIMAGE_ARTIFACTS="$ART" \
  node tests/packaging/appimage.mjs
# The app gone, its mount goes with it.
wait_until "the image's mount to go once the app has closed" 30 bash -c "! grep -q '/\.mount_Kordon' /proc/$DRIVER_PID/mounts"
