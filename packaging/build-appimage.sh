#!/usr/bin/env bash
# Builds the crew's app as an AppImage into target/packages/:
#   Kordon-VERSION-x86_64.AppImage   one file that runs on a vehicle's PC
#                                    without installing anything: the app,
#                                    WebKitGTK and GTK with their helper
#                                    processes and modules, and every
#                                    library they load but the host's own
#                                    C library, graphics, X and font stack
#
# Usage: packaging/build-appimage.sh [--debug] [--no-build] [--out DIR]
#   --debug     package the debug build (quick, large; for tests)
#   --no-build  package what target/ already holds
# The release build needs the console's files first (make ui-dist); `make
# packages` does both.
#
# How it is made (the AppImage type 2 format: an ELF runtime followed by a
# SquashFS image of an AppDir):
# - the runtime is the `appimage` crate's, pinned by packaging/appimage/
#   (Cargo.lock and the SHA-256 below); cargo fetches it from the registry;
# - the AppDir holds usr/bin/kordon-app, the libraries `ldd` lists for it
#   and for WebKit's helper processes, GTK's image loaders and GIO modules,
#   GStreamer's plugins for sound and the camera,
#   the compiled GSettings schemas, the desktop entry and icon, and AppRun;
# - WebKitGTK starts its helper processes (WebKitWebProcess, ...) from a
#   path fixed at its build; the bundled library's copy of that path is
#   rewritten to one of the same length relative to the working folder
#   (/usr/lib/... becomes ././/lib/...), and AppRun runs the app from the
#   image's usr/ folder (a relative --data is taken from where it was
#   launched: KORDON_LAUNCH_DIR).
# Running it needs FUSE 2 (libfuse2), or `--appimage-extract-and-run`.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$0")/.."

HELP=2,30p
. packaging/options.sh

# The runtime packaging/appimage pins (x86_64 only).
RUNTIME_SHA256=328e0d745c5c6817048c27bc3e8314871703f8f47ffa81a37cb06cd95a94b323
[ "$(uname -m)" = x86_64 ] || { echo "the pinned AppImage runtime is for x86_64 only" >&2; exit 1; }
for tool in mksquashfs ldd python3 pkg-config; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (make deps installs it)" >&2; exit 1; }
done

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
BIN=target/$PROFILE
if [ "$BUILD" = 1 ]; then
  [ "$PROFILE" = release ] && FLAGS=(--release) || FLAGS=()
  cargo build --locked "${FLAGS[@]}" -p kordon-app
fi
[ -x "$BIN/kordon-app" ] || { echo "$BIN/kordon-app is missing (build it, or leave out --no-build)" >&2; exit 1; }

echo "the AppImage runtime"
RT_MANIFEST=packaging/appimage/Cargo.toml
cargo fetch --locked --quiet --manifest-path "$RT_MANIFEST" --target x86_64-unknown-linux-gnu
RT_CRATE=$(cargo metadata --locked --offline --format-version 1 --filter-platform x86_64-unknown-linux-gnu \
  --manifest-path "$RT_MANIFEST" | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
print(next(os.path.dirname(p["manifest_path"]) for p in meta["packages"] if p["name"] == "appimage"))')
RUNTIME="$RT_CRATE/assets/runtime-x86_64"
echo "$RUNTIME_SHA256  $RUNTIME" | sha256sum --check --quiet - \
  || { echo "the AppImage runtime at $RUNTIME is not the pinned one" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
A="$WORK/Kordon.AppDir"
SYSLIB=$(pkg-config --variable=libdir webkit2gtk-4.1)   # /usr/lib/<multiarch>
case "$SYSLIB" in /usr/lib/*) ;; *) echo "WebKitGTK is not under /usr/lib ($SYSLIB)" >&2; exit 1 ;; esac
LIB="$A/usr/${SYSLIB#/usr/}"
WEBKIT_EXEC="$SYSLIB/webkit2gtk-4.1"
PIXBUF="$SYSLIB/gdk-pixbuf-2.0/2.10.0"
mkdir -p "$A/usr/bin" "$LIB"

echo "the app and WebKit's helper processes"
install -m 0755 "$BIN/kordon-app" "$A/usr/bin/kordon-app"
# Debug information makes a debug build ten times its size: dropped.
if [ "$PROFILE" = release ]; then strip --strip-unneeded "$A/usr/bin/kordon-app"; else strip --strip-debug "$A/usr/bin/kordon-app"; fi
mkdir -p "$LIB/webkit2gtk-4.1/injected-bundle"
for helper in WebKitWebProcess WebKitNetworkProcess WebKitGPUProcess; do
  if [ -x "$WEBKIT_EXEC/$helper" ]; then install -m 0755 "$WEBKIT_EXEC/$helper" "$LIB/webkit2gtk-4.1/$helper"; fi
done
[ -x "$LIB/webkit2gtk-4.1/WebKitWebProcess" ] || { echo "no WebKitWebProcess in $WEBKIT_EXEC" >&2; exit 1; }
cp -L "$WEBKIT_EXEC"/injected-bundle/*.so "$LIB/webkit2gtk-4.1/injected-bundle/"

echo "GTK's image loaders, GIO's modules, GSettings' schemas"
mkdir -p "$LIB/gdk-pixbuf-2.0/2.10.0/loaders" "$LIB/gio/modules" "$A/usr/share/glib-2.0/schemas"
cp -L "$PIXBUF"/loaders/*.so "$LIB/gdk-pixbuf-2.0/2.10.0/loaders/"
# The loaders' cache names each loader by a path relative to usr/, where
# AppRun runs the app.
"$SYSLIB/gdk-pixbuf-2.0/gdk-pixbuf-query-loaders" "$LIB"/gdk-pixbuf-2.0/2.10.0/loaders/*.so \
  | sed "s|\"$A/usr/|\"|" > "$LIB/gdk-pixbuf-2.0/2.10.0/loaders.cache"
grep -q '^"lib/' "$LIB/gdk-pixbuf-2.0/2.10.0/loaders.cache" || { echo "no loader in the loaders' cache" >&2; exit 1; }
for m in libdconfsettings.so libgiognutls.so; do
  if [ -f "$SYSLIB/gio/modules/$m" ]; then cp -L "$SYSLIB/gio/modules/$m" "$LIB/gio/modules/"; fi
done
cp /usr/share/glib-2.0/schemas/gschemas.compiled "$A/usr/share/glib-2.0/schemas/"

echo "GStreamer's plugins for sound and the camera"
# WebKitGTK plays Web Audio (the hotlist alarm) and reads a camera (the
# enrollment QR code) through GStreamer: the plugins for that, and the
# scanner that loads them, from the same GStreamer as the bundled one.
GST="$SYSLIB/gstreamer-1.0"
mkdir -p "$LIB/gstreamer-1.0" "$LIB/gstreamer1.0/gstreamer-1.0"
for p in coreelements app audioconvert audioresample autodetect pulseaudio alsa volume interleave \
         playback typefindfunctions videoconvertscale videorate video4linux2 pipewire; do
  if [ -f "$GST/libgst$p.so" ]; then cp -L "$GST/libgst$p.so" "$LIB/gstreamer-1.0/"; fi
done
for p in coreelements app audioconvert audioresample autodetect; do
  [ -f "$LIB/gstreamer-1.0/libgst$p.so" ] || { echo "GStreamer's $p plugin is missing (apt: gstreamer1.0-plugins-base, -good)" >&2; exit 1; }
done
install -m 0755 "$SYSLIB/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner" "$LIB/gstreamer1.0/gstreamer-1.0/"

# Libraries the host keeps: the C library, and what must match the host's
# graphics driver, X server and font setup (after AppImage's exclude list).
HOST_LIBS='^(ld-linux[^/]*|lib(c|m|dl|pthread|rt|resolv|util|nsl|anl|mvec|BrokenLocale|thread_db|stdc\+\+|gcc_s)|lib(GL|GLX|GLdispatch|EGL|OpenGL|GLESv1_CM|GLESv2|gbm|drm|glapi)|lib(X11|X11-xcb|xcb|xcb-[a-z0-9-]+|Xau|Xdmcp)|lib(wayland-client|wayland-server|wayland-egl)|lib(fontconfig|freetype|harfbuzz|expat|z|asound|ICE|SM|uuid|com_err|gpg-error))\.so'

echo "the libraries they load"
ROOTS=("$A/usr/bin/kordon-app" "$LIB"/webkit2gtk-4.1/Web* "$LIB"/webkit2gtk-4.1/injected-bundle/*.so
       "$LIB"/gdk-pixbuf-2.0/2.10.0/loaders/*.so "$LIB"/gio/modules/*.so
       "$LIB"/gstreamer-1.0/*.so "$LIB"/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner)
ldd "${ROOTS[@]}" > "$WORK/ldd.txt" 2>&1 || true
if grep -q "not found" "$WORK/ldd.txt"; then grep "not found" "$WORK/ldd.txt" >&2; echo "a library is missing on this machine" >&2; exit 1; fi
awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' "$WORK/ldd.txt" | sort -u > "$WORK/libs.txt"
bundled=0
while read -r soname path; do
  if echo "$soname" | grep -Eq "$HOST_LIBS"; then echo "$soname" >> "$WORK/host-libraries"; continue; fi
  [ -f "$LIB/$soname" ] && continue
  cp -L "$path" "$LIB/$soname"
  chmod 0644 "$LIB/$soname"
  bundled=$((bundled + 1))
done < "$WORK/libs.txt"
[ -f "$LIB/libwebkit2gtk-4.1.so.0" ] || { echo "WebKitGTK was not bundled" >&2; exit 1; }
# What the image expects of the host, by name, for administrators and the
# package test.
mkdir -p "$A/usr/share/kordon"
sort -u "$WORK/host-libraries" > "$A/usr/share/kordon/host-libraries"
if [ "$PROFILE" = release ]; then strip --strip-unneeded "$LIB"/*.so* 2>/dev/null || true; fi

echo "WebKit's helper processes, found from the image"
python3 - "$LIB/libwebkit2gtk-4.1.so.0" "$WEBKIT_EXEC" <<'EOF'
import sys
lib, fixed = sys.argv[1], sys.argv[2].encode()
relative = b"././" + fixed[len(b"/usr"):]          # same length: offsets stay
assert fixed.startswith(b"/usr/") and len(relative) == len(fixed)
data = open(lib, "rb").read()
# Only whole paths (the exec folder, or a path under it), NUL-terminated.
count = data.count(fixed + b"\0") + data.count(fixed + b"/")
if count == 0:
    sys.exit(f"{fixed.decode()} is not in {lib}: this WebKitGTK finds its helpers elsewhere")
data = data.replace(fixed + b"\0", relative + b"\0").replace(fixed + b"/", relative + b"/")
open(lib, "wb").write(data)
print(f"  {count} path(s) rewritten")
EOF

echo "the desktop entry, icon and AppRun"
install -m 0644 packaging/org.kordon.crew.desktop "$A/org.kordon.crew.desktop"
install -D -m 0644 src-tauri/icons/icon.png "$A/kordon.png"
install -D -m 0644 src-tauri/icons/icon.png "$A/usr/share/icons/hicolor/128x128/apps/kordon.png"
install -D -m 0644 packaging/kordon.svg "$A/usr/share/icons/hicolor/scalable/apps/kordon.svg"
ln -s kordon.png "$A/.DirIcon"
MULTIARCH_LIB="${SYSLIB#/usr/}"
cat > "$A/AppRun" <<EOF
#!/bin/sh
# Kordon's AppImage: runs the crew's app on the libraries, WebKit helper
# processes and GTK modules inside the image.
set -e
APPDIR="\${APPDIR:-\$(dirname "\$(readlink -f "\$0")")}"
lib="\$APPDIR/usr/$MULTIARCH_LIB"
export LD_LIBRARY_PATH="\$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export WEBKIT_INJECTED_BUNDLE_PATH="\$lib/webkit2gtk-4.1/injected-bundle"
export GDK_PIXBUF_MODULE_FILE="\$lib/gdk-pixbuf-2.0/2.10.0/loaders.cache"
export GIO_MODULE_DIR="\$lib/gio/modules"
export GSETTINGS_SCHEMA_DIR="\$APPDIR/usr/share/glib-2.0/schemas"
export GST_PLUGIN_SYSTEM_PATH_1_0="\$lib/gstreamer-1.0"
export GST_PLUGIN_SCANNER_1_0="\$lib/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner"
# Its own plugin registry: the host's GStreamer keeps another.
export GST_REGISTRY_1_0="\${XDG_CACHE_HOME:-\$HOME/.cache}/kordon-appimage/gstreamer-registry.bin"
export XDG_DATA_DIRS="\$APPDIR/usr/share:\${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
# WebKit starts its helpers from lib/... relative to the working folder.
export KORDON_LAUNCH_DIR="\${KORDON_LAUNCH_DIR:-\$PWD}"
cd "\$APPDIR/usr"
exec "\$APPDIR/usr/bin/kordon-app" "\$@"
EOF
chmod 0755 "$A/AppRun"

echo "the image"
IMAGE="$OUT/Kordon-$VERSION-x86_64.AppImage"
# Debug builds are only for tests: the quickest compression.
[ "$PROFILE" = release ] && COMP=(-comp gzip -b 1M) || COMP=(-comp gzip -Xcompression-level 1)
mksquashfs "$A" "$WORK/image.squashfs" -root-owned -noappend -no-progress -quiet "${COMP[@]}" > /dev/null
cat "$RUNTIME" "$WORK/image.squashfs" > "$IMAGE.part"
chmod 0755 "$IMAGE.part"
mv "$IMAGE.part" "$IMAGE"
echo "$IMAGE: $(du -h "$IMAGE" | cut -f1), $bundled libraries bundled"
