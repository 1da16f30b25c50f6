#!/usr/bin/env bash
# End-to-end test of the real crew's app (kordon-app) under Xvfb, driven
# through WebDriver (tauri-driver over WebKitWebDriver). Builds nothing:
# run `cd ui && npm ci && npx vite build` and `cargo build --bins` first.
#
# Sets up a server and an enrolled vehicle in a temporary folder, two
# synthetic dual-energy scans (the second for projection in live work), a
# training exercise built from four more, a
# trainer's console account, the server, an X server, tauri-driver; then
# runs tests/app-e2e/run.mjs. Every process started here is stopped on exit.
#
# Environment:
#   KORDON_BIN_DIR           the binaries (default: target/debug)
#   KORDON_APP_E2E_ARTIFACTS screenshots and logs (default: target/app-e2e)
#   TAURI_DRIVER             tauri-driver (default: on PATH, else ~/.cargo/bin)
#   KORDON_APP_E2E_KEEP=1    keep the temporary folder (its path is printed)
#   KORDON_APP_E2E_SCRIPT    the script to run instead of run.mjs
#                            (bench-viewer.mjs: the viewer's figures)

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${KORDON_BIN_DIR:-$ROOT/target/debug}"
ART="${KORDON_APP_E2E_ARTIFACTS:-$ROOT/target/app-e2e}"
TAURI_DRIVER="${TAURI_DRIVER:-$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")}"

SUITE=app-e2e
# shellcheck source=../lib/processes.sh
source "$HERE/../lib/processes.sh"

# ---- what must already be there -------------------------------------------
missing=()
for b in kordon kordon-server kordon-app kordon-link; do
  [ -x "$BIN/$b" ] || missing+=("$BIN/$b (cargo build --bins; the app needs ui/dist first: cd ui && npm ci && npx vite build)")
done
[ -x "$TAURI_DRIVER" ] || missing+=("tauri-driver (cargo install tauri-driver --version ^2 --locked, or set TAURI_DRIVER)")
for tool in node Xvfb WebKitWebDriver; do
  command -v "$tool" >/dev/null || missing+=("$tool (apt: nodejs / xvfb / webkit2gtk-driver)")
done
need_missing

# ---- processes and clean-up -----------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kordon-app-e2e.XXXXXX")"
artifacts() {
  local f
  for f in server.log tauri-driver.log xvfb.log link.log; do
    [ -f "$WORK/$f" ] && cp "$WORK/$f" "$ART/$f"
  done
  return 0
}
install_traps


mkdir -p "$ART"
rm -f "$ART"/*.png "$ART"/*.log # only what an earlier run left
log "work folder $WORK, artifacts $ART"

# ---- server, vehicle, scan --------------------------------------------------
PORT="$(free_port udp)"
SRV="$WORK/server"
VEH="$WORK/vehicle"
DROP="$WORK/drop"
log "server on UDP 127.0.0.1:$PORT"
"$BIN/kordon-server" init --data "$SRV" --public-addr "127.0.0.1:$PORT" >"$WORK/init.log" 2>&1 \
  || { cat "$WORK/init.log" >&2; die "kordon-server init"; }
# The vehicle reaches the server through the link emulator (kordon-link),
# which the test cuts and restores (a file's presence is the cut).
"$BIN/kordon-link" --server "127.0.0.1:$PORT" --addr-file "$WORK/link.addr" --cut-file "$WORK/link.cut" \
  --delay-ms 25 >"$WORK/link.log" 2>&1 &
LINK_PID=$!
PIDS+=("$LINK_PID:kordon-link")
link_ready() { alive "$LINK_PID" kordon-link; [ -s "$WORK/link.addr" ]; }
wait_until "kordon-link to start" 30 link_ready
log "link emulator at $(cat "$WORK/link.addr")"
TOKEN="$("$BIN/kordon-server" enroll --data "$SRV" --name MOBILE-E2E --addr "$(cat "$WORK/link.addr")" 2>"$WORK/enroll.log")" \
  || { cat "$WORK/enroll.log" >&2; die "kordon-server enroll"; }
[ -n "$TOKEN" ] || die "kordon-server enroll printed no token"
# A second token, as a QR code the app reads in Settings (never used to enroll).
QR_TOKEN="$("$BIN/kordon-server" enroll --data "$SRV" --name MOBILE-QR --qr "$WORK/enroll-qr.svg" 2>>"$WORK/enroll.log")" \
  || { cat "$WORK/enroll.log" >&2; die "kordon-server enroll --qr"; }
"$BIN/kordon" --data "$VEH" enroll "$TOKEN" >/dev/null || die "kordon enroll"

log "synthetic dual-energy scan"
"$BIN/kordon" --data "$VEH" scan synth --out "$DROP" --name T1 --seed 7 --width 4000 --height 1600 --concealed >/dev/null \
  || die "kordon scan synth"
[ -f "$DROP/T1_high.tif" ] && [ -f "$DROP/T1_low.tif" ] || die "kordon scan synth did not write T1_high.tif and T1_low.tif in $DROP"
# A second one, for a second inspection: a training item is projected into
# it as the crew opens it (the rate set to 1 just before, back to 0 after).
"$BIN/kordon" --data "$VEH" scan synth --out "$DROP" --name T2 --seed 8 --width 4000 --height 1600 --concealed >/dev/null \
  || die "kordon scan synth (T2)"
[ -f "$DROP/T2_high.tif" ] && [ -f "$DROP/T2_low.tif" ] || die "kordon scan synth did not write T2_high.tif and T2_low.tif in $DROP"

# A training exercise as a trainer builds it: four scans, about half with a
# threat item projected; exercise.json is the truth the test judges by.
log "training exercise: four synthetic scans, kordon training build"
TIP_SCANS="$WORK/tip-scans"
EXERCISE="$WORK/exercise"
for i in 1 2 3 4; do
  "$BIN/kordon" --data "$VEH" scan synth --out "$TIP_SCANS" --name "S$i" --seed $((10 + i)) --width 1200 --height 400 >/dev/null \
    || die "kordon scan synth (S$i)"
done
"$BIN/kordon" --data "$VEH" training build \
  --scan "$TIP_SCANS/S1_high.tif" --scan "$TIP_SCANS/S2_high.tif" --scan "$TIP_SCANS/S3_high.tif" --scan "$TIP_SCANS/S4_high.tif" \
  --images 4 --signal-share 0.5 --seed 3 --out "$EXERCISE" >"$WORK/training-build.log" 2>&1 \
  || { cat "$WORK/training-build.log" >&2; die "kordon training build"; }
[ -f "$EXERCISE/exercise.json" ] || die "kordon training build wrote no exercise.json in $EXERCISE"

# A trainer's console account: the test reads the attempt back from the
# server's API (GET /api/training) once the app has synced it.
TRAINER=e2e-trainer
TRAINER_PASSWORD="e2e-trainer-$RANDOM$RANDOM"
KORDON_PASSWORD="$TRAINER_PASSWORD" "$BIN/kordon-server" user add --data "$SRV" "$TRAINER" --role trainer >"$WORK/user.log" 2>&1 \
  || { cat "$WORK/user.log" >&2; die "kordon-server user add (trainer)"; }

"$BIN/kordon-server" run --data "$SRV" --listen "127.0.0.1:$PORT" --http 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID:kordon-server")
# --http on port 0: the server says where it listens ("console at ...").
server_ready() { alive "$SERVER_PID" kordon-server; grep -qs "listening on" "$WORK/server.log" && grep -qs "console at " "$WORK/server.log"; }
wait_until "kordon-server to listen" 30 server_ready
CONSOLE_URL="$(grep -o 'console at http://[^ ]*' "$WORK/server.log" | head -1 | sed 's/^console at //')"
[ -n "$CONSOLE_URL" ] || die "no console address in the server's log"
log "server running (pid $SERVER_PID), console at $CONSOLE_URL"
# A hotlist entry made on the server: the app receives it with its sync,
# and a camera's read of that plate must raise the alert.
"$BIN/kordon-server" hotlist add --data "$SRV" "BC 7777 AA" --list wanted \
  --reason "e2e: stolen tractor" --priority high >"$WORK/hotlist.log" 2>&1 \
  || { cat "$WORK/hotlist.log" >&2; die "kordon-server hotlist add"; }

# ---- X server and WebDriver -------------------------------------------------
start_xvfb
driver_ports
app_environment
# The app's ANPR ingest, where the test pushes as a camera would.
ANPR_PORT="$(free_port tcp)"
while [ "$ANPR_PORT" = "$WD_PORT" ] || [ "$ANPR_PORT" = "$WD_NATIVE_PORT" ]; do ANPR_PORT="$(free_port tcp)"; done
export KORDON_ANPR_LISTEN="127.0.0.1:$ANPR_PORT"
"$TAURI_DRIVER" --port "$WD_PORT" --native-port "$WD_NATIVE_PORT" >"$WORK/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
wait_for_driver

# ---- the test ---------------------------------------------------------------
KORDON_E2E_WEBDRIVER="http://127.0.0.1:$WD_PORT" \
KORDON_E2E_APP="$BIN/kordon-app" \
KORDON_E2E_CLI="$BIN/kordon" \
KORDON_E2E_VEHICLE="$VEH" \
KORDON_E2E_SCAN_HIGH="$DROP/T1_high.tif" \
KORDON_E2E_SCAN_LOW="$DROP/T1_low.tif" \
KORDON_E2E_LIVE_SCAN_HIGH="$DROP/T2_high.tif" \
KORDON_E2E_LIVE_SCAN_LOW="$DROP/T2_low.tif" \
KORDON_E2E_SERVER_PID="$SERVER_PID" \
KORDON_E2E_LINK_CUT="$WORK/link.cut" \
KORDON_E2E_WORK="$WORK" \
KORDON_E2E_QR_SVG="$WORK/enroll-qr.svg" \
KORDON_E2E_QR_TOKEN="$QR_TOKEN" \
KORDON_E2E_ARTIFACTS="$ART" \
KORDON_E2E_ANPR="127.0.0.1:$ANPR_PORT" \
KORDON_E2E_EXERCISE="$EXERCISE" \
KORDON_E2E_CONSOLE_URL="$CONSOLE_URL" \
KORDON_E2E_TRAINER="$TRAINER" \
KORDON_E2E_TRAINER_PASSWORD="$TRAINER_PASSWORD" \
  node "$HERE/${KORDON_APP_E2E_SCRIPT:-run.mjs}" &
TEST_PID=$!
PIDS+=("$TEST_PID:node run.mjs")
# In the background and waited for, so that TERM or Ctrl-C stops everything at once.
wait "$TEST_PID"
