#!/usr/bin/env bash
# End-to-end test of the supervisor console in a real browser: Debian's
# chromium driven by playwright-core (no browser is ever downloaded), over
# the real kordon-server (HTTP API and the console it serves) and a real
# vehicle (the kordon CLI). Builds nothing: run `cd ui && npm ci && npx vite
# build` and `cargo build --bins` first (a debug kordon-server reads ui/dist
# at run time).
#
# Sets up, in a temporary folder: a server with a supervisor, an auditor, an
# administrator and a trainer account, a vehicle enrolled with a token, two
# inspections (one with a synthetic dual-energy scan), the crew's decisions,
# a training exercise built from synthetic scans and taken twice by the
# crew's officer (answers written from the exercise's truth), a second
# vehicle of another unit with one inspection (synced by the test's fleet
# step), the server, and a sync that delivers records and scan; two more
# vehicles whose seeded history on past days the statistics step has
# kordon-statgen make (and count); then runs tests/console-e2e/run.mjs.
# Every process started here is stopped on exit.
#
# Environment:
#   KORDON_BIN_DIR               the binaries (default: target/debug)
#   KORDON_CONSOLE_E2E_ARTIFACTS screenshots and logs (default: target/console-e2e)
#   KORDON_CONSOLE_E2E_KEEP=1    keep the temporary folder (its path is printed)
#   KORDON_CONSOLE_E2E_SCRIPT    the script to run instead of run.mjs (bench-console.mjs)
#   KORDON_CONSOLE_E2E_SYNTHETIC N: also N synthetic inspections in the vehicle
#   CHROMIUM                     the browser (default: /usr/bin/chromium; installed
#                                with apt-get when missing)

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${KORDON_BIN_DIR:-$ROOT/target/debug}"
ART="${KORDON_CONSOLE_E2E_ARTIFACTS:-$ROOT/target/console-e2e}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

SUITE=console-e2e
# shellcheck source=../lib/processes.sh
source "$HERE/../lib/processes.sh"

# ---- what must already be there (the browser and npm packages are installed) --
missing=()
for b in kordon kordon-server kordon-statgen; do
  [ -x "$BIN/$b" ] || missing+=("$BIN/$b (cargo build --bins)")
done
[ -f "$ROOT/ui/dist/index.html" ] || missing+=("ui/dist (cd ui && npm ci && npx vite build)")
for tool in node npm; do
  command -v "$tool" >/dev/null || missing+=("$tool (Node.js 20.19 or newer, with npm)")
done
need_missing

if [ ! -x "$CHROMIUM" ]; then
  # As the Makefile does for its system packages: apt-get, as root.
  log "installing chromium (apt-get; $CHROMIUM is missing)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
  [ -x "$CHROMIUM" ] || die "apt-get installed chromium, but $CHROMIUM is not there (set CHROMIUM)"
fi

if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  # playwright-core only: it downloads no browser.
  log "npm ci in tests/console-e2e (playwright-core)"
  (cd "$HERE" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci in $HERE"
fi

# ---- processes and clean-up -----------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kordon-console-e2e.XXXXXX")"
artifacts() {
  local f
  for f in server.log sync.log; do
    [ -f "$WORK/$f" ] && cp "$WORK/$f" "$ART/$f"
  done
  return 0
}
install_traps


mkdir -p "$ART"
rm -f "$ART"/*.png "$ART"/*.log # only what an earlier run left
log "work folder $WORK, artifacts $ART"

K="$BIN/kordon"
S="$BIN/kordon-server"
SRV="$WORK/server"
VEH="$WORK/vehicle"
DROP="$WORK/drop"
SUP_NAME="sup.kovalenko"
SUP_PASSWORD="e2e-supervisor-$RANDOM$RANDOM"
AUD_NAME="aud.shevchenko"
AUD_PASSWORD="e2e-auditor-$RANDOM$RANDOM"
ADM_NAME="adm.bondar"
ADM_PASSWORD="e2e-admin-$RANDOM$RANDOM"
TRN_NAME="trn.melnyk"
TRN_PASSWORD="e2e-trainer-$RANDOM$RANDOM"
TRAINEE="OF-1742"
EXERCISE="$WORK/exercise"
VEH2="$WORK/vehicle2"

# ---- server: key, accounts, a vehicle's token ---------------------------------
PORT="$(free_port udp)"
log "server (QUIC on UDP 127.0.0.1:$PORT)"
"$S" init --data "$SRV" --public-addr "127.0.0.1:$PORT" >"$WORK/init.log" 2>&1 \
  || { cat "$WORK/init.log" >&2; die "kordon-server init"; }
SERVER_KEY="$(awk '$1 == "public" && $2 == "key" {print $3}' "$WORK/init.log")"
[[ "$SERVER_KEY" =~ ^[0-9a-f]{64}$ ]] || { cat "$WORK/init.log" >&2; die "kordon-server init printed no public key"; }
KORDON_PASSWORD="$SUP_PASSWORD" "$S" user add --data "$SRV" "$SUP_NAME" --role supervisor >/dev/null || die "kordon-server user add (supervisor)"
KORDON_PASSWORD="$AUD_PASSWORD" "$S" user add --data "$SRV" "$AUD_NAME" --role auditor >/dev/null || die "kordon-server user add (auditor)"
TOKEN="$("$S" enroll --data "$SRV" --name MOBILE-E2E 2>"$WORK/enroll.log")" \
  || { cat "$WORK/enroll.log" >&2; die "kordon-server enroll"; }
[ -n "$TOKEN" ] || die "kordon-server enroll printed no token"
KORDON_PASSWORD="$ADM_PASSWORD" "$S" user add --data "$SRV" "$ADM_NAME" --role administrator >/dev/null || die "kordon-server user add (administrator)"
KORDON_PASSWORD="$TRN_PASSWORD" "$S" user add --data "$SRV" "$TRN_NAME" --role trainer >/dev/null || die "kordon-server user add (trainer)"
TOKEN2="$("$S" enroll --data "$SRV" --name MOBILE-E2E-2 2>>"$WORK/enroll.log")" \
  || { cat "$WORK/enroll.log" >&2; die "kordon-server enroll (second vehicle)"; }
# Two vehicles for the statistics' seeded history (on past days of their own).
for unit in STATS-NORTH STATS-SOUTH; do
  t="$("$S" enroll --data "$SRV" --name "$unit" 2>>"$WORK/enroll.log")" \
    || { cat "$WORK/enroll.log" >&2; die "kordon-server enroll ($unit)"; }
  "$K" --data "$WORK/$unit" enroll "$t" >/dev/null || die "kordon enroll ($unit)"
  "$K" --data "$WORK/$unit" signin "$unit-OF-1" >/dev/null || die "kordon signin ($unit)"
done

# ---- a second vehicle, of another unit: one inspection, decided (it first
# syncs in the fleet step, so the queue steps see the first vehicle's two) ----
"$K" --data "$VEH2" enroll "$TOKEN2" >/dev/null || die "kordon enroll (second vehicle)"
"$K" --data "$VEH2" signin OF-2210 >/dev/null || die "kordon signin (second vehicle)"
ID3="$("$K" --data "$VEH2" inspection new --plate "BC 7001 KA")" || die "kordon inspection new (second vehicle)"
"$K" --data "$VEH2" decide "$ID3" --outcome release --reason DENSITY_ANOMALY --note "e2e: empty trailer" >/dev/null \
  || die "kordon decide (second vehicle)"

# ---- vehicle: two inspections, a dual-energy scan, decisions -------------------
log "vehicle: enroll, sign in, two inspections, a scan, decisions"
"$K" --data "$VEH" enroll "$TOKEN" >/dev/null || die "kordon enroll"
"$K" --data "$VEH" signin OF-1742 >/dev/null || die "kordon signin"
ID1="$("$K" --data "$VEH" inspection new --plate "АА 1234 ВС" --container CSQU3054383 --declaration "UA209160/2026/004211")" \
  || die "kordon inspection new (1)"
ID2="$("$K" --data "$VEH" inspection new --plate "KA 0001 AA" --container MSKU9070323)" \
  || die "kordon inspection new (2)"
"$K" scan synth --out "$DROP" --name TRK --width 2000 --height 800 --seed 1 >/dev/null || die "kordon scan synth"
[ -f "$DROP/TRK_high.tif" ] && [ -f "$DROP/TRK_low.tif" ] || die "kordon scan synth did not write TRK_high.tif and TRK_low.tif"
"$K" --data "$VEH" scan add "$ID1" "$DROP/TRK_high.tif" --low "$DROP/TRK_low.tif" >/dev/null || die "kordon scan add"
"$K" --data "$VEH" decide "$ID1" --outcome release --reason DENSITY_ANOMALY --note "e2e: uniform load, released" >/dev/null \
  || die "kordon decide (1)"
"$K" --data "$VEH" decide "$ID2" --outcome detain --reason DENSITY_ANOMALY --note "e2e: dense block, detained" >/dev/null \
  || die "kordon decide (2)"
log "inspections $ID1 (with the scan) and $ID2"

# ---- training: an exercise of four images (two with an item) built from
# synthetic scans; the officer takes it twice with kordon training take,
# answers written from its truth: first a hit, a miss, a false alarm and a
# correct rejection (H 0.5, F 0.5, d' 0), then every image right (H 1, F 0,
# d' z(2.5/3) - z(0.5/3)); both attempts go with the first sync. The
# training step checks what the console shows against the CLI's --json. ----
log "vehicle: a training exercise, taken twice by $TRAINEE"
for n in 1 2 3 4; do
  "$K" scan synth --out "$DROP/tip" --name "S$n" --seed "$((10 + n))" --width 1200 --height 400 >/dev/null \
    || die "kordon scan synth (training, S$n)"
done
"$K" training build --scan "$DROP/tip/S1_high.tif" --scan "$DROP/tip/S2_high.tif" --scan "$DROP/tip/S3_high.tif" \
  --scan "$DROP/tip/S4_high.tif" --images 4 --signal-share 0.5 --seed 3 --out "$EXERCISE" >/dev/null \
  || die "kordon training build"
node - "$EXERCISE/exercise.json" "$TRAINEE" "$WORK/answers-1.json" "$WORK/answers-2.json" <<'EOF' || die "writing the trainee's answers from exercise.json"
const fs = require("node:fs");
const [truthFile, trainee, first, second] = process.argv.slice(2);
const images = JSON.parse(fs.readFileSync(truthFile, "utf8")).images;
const signal = images.filter((i) => i.item !== null);
const noise = images.filter((i) => i.item === null);
if (signal.length !== 2 || noise.length !== 2) throw new Error(`expected 2 images with an item and 2 without, not ${signal.length} and ${noise.length}`);
const [s1, s2] = signal;
const [n1, n2] = noise;
const answer = (image, decision, marks, time_ms) => ({ name: image.name, decision, marks, time_ms });
const write = (file, answers) => fs.writeFileSync(file, JSON.stringify({ format: "kordon-tip-responses/1", trainee, images: answers }, null, 1));
// A hit (the item's box marked), a miss (called clear), a false alarm (marked), a correct rejection.
write(first, [answer(s1, "suspect", [s1.item.bbox], 14200), answer(s2, "clear", [], 9800), answer(n1, "suspect", [[40, 40, 60, 60]], 12000), answer(n2, "clear", [], 8000)]);
// Every image right.
write(second, [answer(s1, "suspect", [s1.item.bbox], 10000), answer(s2, "suspect", [s2.item.bbox], 9000), answer(n1, "clear", [], 8000), answer(n2, "clear", [], 7000)]);
EOF
for n in 1 2; do
  "$K" --data "$VEH" --officer "$TRAINEE" training take --exercise "$EXERCISE" --answers "$WORK/answers-$n.json" \
    --name "E2E exercise, attempt $n" --json >"$WORK/attempt-$n.json" 2>"$WORK/training-take.log" \
    || { cat "$WORK/training-take.log" >&2; die "kordon training take (attempt $n)"; }
done
log "training attempts taken: $WORK/attempt-1.json, $WORK/attempt-2.json"
if [ "${KORDON_CONSOLE_E2E_SYNTHETIC:-0}" -gt 0 ]; then
  "$K" --data "$VEH" generate --count "$KORDON_CONSOLE_E2E_SYNTHETIC" >/dev/null || die "kordon generate"
  log "and $KORDON_CONSOLE_E2E_SYNTHETIC synthetic inspections"
fi

# ---- the server, and the first sync (records, then the scan) -------------------
# --http on port 0: the server says where it listens ("console at ...").
"$S" run --data "$SRV" --listen "127.0.0.1:$PORT" --http 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID:kordon-server")
server_ready() { alive "$SERVER_PID" kordon-server; grep -qs "listening on" "$WORK/server.log" && grep -qs "console at " "$WORK/server.log"; }
wait_until "kordon-server to listen" 30 server_ready
CONSOLE_URL="$(grep -o 'console at http://[^ ]*' "$WORK/server.log" | head -1 | sed 's/^console at //')"
[ -n "$CONSOLE_URL" ] || die "no console address in the server's log"
log "server running (pid $SERVER_PID), console at $CONSOLE_URL"

synced() { "$K" --data "$VEH" sync >>"$WORK/sync.log" 2>&1; }
wait_until "kordon sync to deliver everything (exit 0)" 120 synced
log "vehicle synced (records and scan)"

# ---- the statistics' history: the test's statistics step has kordon-statgen
# make it through the real protocol (after the queue steps, which count the
# first vehicle's inspections), and count the figures it must give ----------------
STATS_FROM=2026-03-02
STATS_TO=2026-03-05
"$K" scan synth --out "$DROP" --name STATS-A --width 320 --height 120 --seed 2 --single >/dev/null || die "kordon scan synth (statistics)"
"$K" scan synth --out "$DROP" --name STATS-B --width 320 --height 120 --seed 3 --single >/dev/null || die "kordon scan synth (statistics)"

# ---- the test ------------------------------------------------------------------
mkdir -p "$WORK/tmp"
# TMPDIR: the browser's fresh profile (--user-data-dir, made by playwright-core) lives in the work folder.
TMPDIR="$WORK/tmp" \
KORDON_E2E_CHROMIUM="$CHROMIUM" \
KORDON_E2E_URL="$CONSOLE_URL" \
KORDON_E2E_CLI="$K" \
KORDON_E2E_SERVER_CLI="$S" \
KORDON_E2E_SERVER_DATA="$SRV" \
KORDON_E2E_SERVER_KEY="$SERVER_KEY" \
KORDON_E2E_VEHICLE="$VEH" \
KORDON_E2E_VEHICLE2="$VEH2" \
KORDON_E2E_ID1="$ID1" \
KORDON_E2E_ID2="$ID2" \
KORDON_E2E_SUP_NAME="$SUP_NAME" \
KORDON_E2E_SUP_PASSWORD="$SUP_PASSWORD" \
KORDON_E2E_AUD_NAME="$AUD_NAME" \
KORDON_E2E_AUD_PASSWORD="$AUD_PASSWORD" \
KORDON_E2E_ADM_NAME="$ADM_NAME" \
KORDON_E2E_ADM_PASSWORD="$ADM_PASSWORD" \
KORDON_E2E_TRN_NAME="$TRN_NAME" \
KORDON_E2E_TRN_PASSWORD="$TRN_PASSWORD" \
KORDON_E2E_TRAINEE="$TRAINEE" \
KORDON_E2E_ATTEMPTS="$WORK/attempt-1.json:$WORK/attempt-2.json" \
KORDON_E2E_STATS_FROM="$STATS_FROM" \
KORDON_E2E_STATS_TO="$STATS_TO" \
KORDON_E2E_STATGEN="$BIN/kordon-statgen" \
KORDON_E2E_STATS_SCANS="$DROP/STATS-A.tif:$DROP/STATS-B.tif" \
KORDON_E2E_WORK="$WORK" \
KORDON_E2E_ARTIFACTS="$ART" \
  node "$HERE/${KORDON_CONSOLE_E2E_SCRIPT:-run.mjs}" &
TEST_PID=$!
PIDS+=("$TEST_PID:node ${KORDON_CONSOLE_E2E_SCRIPT:-run.mjs}")
# In the background and waited for, so that TERM or Ctrl-C stops everything at once.
wait "$TEST_PID"
