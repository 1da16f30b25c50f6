#!/usr/bin/env bash
# The study-visit demo, headless: the centre's server, one mobile scanner
# vehicle at a crossing, trucks arriving (ANPR camera reads, one on a
# hotlist; synthetic dual-energy scans, some hiding goods), the crew marking
# and deciding, the link to the centre cut while work goes on, the sync when
# it returns, a supervisor's review flowing back, and evidence checked
# offline; a trainee takes a threat image projection exercise, which the
# centre scores. Ends with a summary read from both stores.
#
# Usage: scripts/demo.sh [--fast]
#   --fast   four trucks, smaller scans, a clean link, no waiting at the end
#            (what the end-to-end test runs)
# Environment: KORDON_DEMO_DIR (default demo-data), KORDON_DEMO_PORT (QUIC,
# 4433), KORDON_DEMO_HTTP_PORT (console, 8080), KORDON_DEMO_ANPR_PORT (the
# camera push endpoint, 8091), KORDON_BIN (default target/debug).
set -euo pipefail
cd "$(dirname "$0")/.."

FAST=${KORDON_DEMO_FAST:-0}
for arg in "$@"; do
  case "$arg" in
    --fast) FAST=1 ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

BIN=${KORDON_BIN:-target/debug}
K="$BIN/kordon"
S="$BIN/kordon-server"
LINK="$BIN/kordon-link"
for b in "$K" "$S" "$LINK"; do
  [ -x "$b" ] || { echo "$b is missing: run 'make demo' (it builds it)" >&2; exit 1; }
done
DEMO=${KORDON_DEMO_DIR:-demo-data}
PORT=${KORDON_DEMO_PORT:-4433}
HTTP="127.0.0.1:${KORDON_DEMO_HTTP_PORT:-8080}"
ANPR="127.0.0.1:${KORDON_DEMO_ANPR_PORT:-8091}"
SUP_NAME="sup.demo"
SUP_PASSWORD="kordon-demo-2026"
SEED=2038
if [ "$FAST" = 1 ]; then
  TRUCKS=4; WIDTH=2400; HEIGHT=800; LINK_OPTS=()
else
  # A mobile data link: 40 Mbit/s, 300 ms round trip, 1 % loss.
  TRUCKS=6; WIDTH=6000; HEIGHT=2000; LINK_OPTS=(--delay-ms 150 --loss 0.01 --rate-mbit 40)
fi
HIT=2    # the truck whose tractor is on the centre's hotlist
CUT_AFTER=2   # the link drops after this truck

START=${EPOCHREALTIME/./}
LAST=$START
step() {
  local now=${EPOCHREALTIME/./}
  printf '\n\033[1m[%4d s] == %s\033[0m\n' $(( (now - START) / 1000000 )) "$*"
  LAST=$now
}
# Waits until "$@" succeeds, for at most $1 seconds.
wait_until() {
  local secs=$1; shift
  local end=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
  until "$@" >/dev/null 2>&1; do
    [ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
    sleep 0.1
  done
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

rm -rf "$DEMO"
mkdir -p "$DEMO"
V="$DEMO/vehicle-mobile-1"
SRV="$DEMO/server"
DROP="$DEMO/scanner-drop"
CUT="$DEMO/link-cut"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

step "The link between the vehicle and the centre (a relay this demo can cut)"
"$LINK" --server "127.0.0.1:$PORT" --addr-file "$DEMO/link-addr" --cut-file "$CUT" \
  "${LINK_OPTS[@]}" 2> "$DEMO/link.log" &
PIDS+=($!)
wait_until 10 test -s "$DEMO/link-addr" || { echo "the link did not start" >&2; exit 1; }
VIA=$(cat "$DEMO/link-addr")
echo "vehicles reach the centre through $VIA${LINK_OPTS[*]:+ (${LINK_OPTS[*]})}"

step "Centre: the server's key, certificate and database; a supervisor; a hotlist"
"$S" init --data "$SRV" --public-addr "$VIA"
KORDON_PASSWORD="$SUP_PASSWORD" "$S" user add --data "$SRV" "$SUP_NAME" --role supervisor
"$K" trucks --count "$TRUCKS" --seed "$SEED" --json > "$DEMO/trucks.json"
echo "today's traffic (synthetic, seed $SEED):"
"$K" trucks --count "$TRUCKS" --seed "$SEED"
WANTED=$(json "d[$HIT-1]['tractor_plate']" < "$DEMO/trucks.json")
# The centre types the plate in Cyrillic, as it came in a police report.
WANTED_CYR=$(python3 -c "import sys; print(sys.argv[1].translate(str.maketrans('ABCEHIKMOPTX','АВСЕНІКМОРТХ')))" "$WANTED")
"$S" hotlist add --data "$SRV" "$WANTED_CYR" --list "wanted" --priority high \
  --reason "Police report: tractor used to smuggle cigarettes"
"$S" run --data "$SRV" --listen "127.0.0.1:$PORT" --http "$HTTP" > "$DEMO/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=($SERVER_PID)
if ! wait_until 20 grep -q "listening on" "$DEMO/server.log"; then
  echo "the server did not start:" >&2
  tail -5 "$DEMO/server.log" >&2
  echo "(if UDP port $PORT or TCP port ${HTTP##*:} is taken, run: KORDON_DEMO_PORT=14433 KORDON_DEMO_HTTP_PORT=18080 make demo)" >&2
  exit 1
fi
grep "listening on" "$DEMO/server.log" | head -2

step "The supervisor enrolls vehicle MOBILE-1; its first sync brings the hotlists down"
TOKEN=$("$S" enroll --data "$SRV" --name MOBILE-1 2>/dev/null)
echo "one-time token (address and pinned certificate inside): ${TOKEN:0:48}..."
"$K" --data "$V" enroll "$TOKEN"
"$K" --data "$V" sync
"$K" --data "$V" hotlists
"$K" --data "$V" signin "OF-1742"

step "The crew starts the camera ingest and the scanner's watch folder"
mkdir -p "$DROP"
"$K" --data "$V" anpr serve --listen "$ANPR" --window 120 > "$DEMO/anpr.log" 2>&1 &
PIDS+=($!)
wait_until 10 python3 -c "import urllib.request; urllib.request.urlopen('http://$ANPR/', timeout=1)" \
  || { echo "the camera endpoint did not start:" >&2; tail -5 "$DEMO/anpr.log" >&2; exit 1; }
echo "cameras push to http://$ANPR/ ; the scanner drops its images into $DROP"

# A sync, with what the app's status bar shows meanwhile (read from the
# vehicle's store every second).
sync_showing_progress() {
  "$K" --data "$V" sync "$@" > "$DEMO/sync.out" &
  local pid=$! polls=0 line
  while kill -0 "$pid" 2>/dev/null; do
    line=$("$K" --data "$V" status --json 2>/dev/null | json "'  ... records waiting: %d; scan files waiting: %d (%.1f MB still to send)' % (d['pending'], d['blobs']['pending'], d['blobs']['bytes_pending'] / 1e6)") || true
    # One line redrawn on a terminal; every fifth second in a log.
    if [ -t 1 ]; then printf '\r%s\033[K' "$line"
    elif [ $(( polls % 5 )) = 0 ]; then echo "$line"; fi
    polls=$(( polls + 1 ))
    sleep 1
  done
  [ -t 1 ] && [ "$polls" -gt 0 ] && echo
  local rc=0
  wait "$pid" || rc=$?
  cat "$DEMO/sync.out"
  return "$rc"
}
reads_of() { "$K" --data "$V" inspection show "$1" | json "len(d.get('reads', []))"; }
has_reads() { [ "$(reads_of "$1")" -ge "$2" ]; }
REVIEW_ID=""
for n in $(seq 1 "$TRUCKS"); do
  IFS='|' read -r COUNTRY TRACTOR TRAILER CONTAINER DECL GOODS KIND CONCEALED SCAN_SEED LOAD UNDECLARED < <(
    json "'|'.join(str(x) for x in [d[$n-1]['country'], d[$n-1]['tractor_plate'], d[$n-1]['trailer_plate'] or '', (d[$n-1]['containers'] or [''])[0], d[$n-1]['declaration'], d[$n-1]['declared_goods'], d[$n-1]['kind'], int(d[$n-1]['concealed']), d[$n-1]['scan_seed'] % 1000000, d[$n-1]['load'], int(d[$n-1]['undeclared'])])" < "$DEMO/trucks.json")
  step "Truck $n of $TRUCKS ($COUNTRY, $KIND, declared: $GOODS; loaded: ${LOAD//_/ })"
  ARGS=(--plate "$TRACTOR" --declaration "$DECL" --place "Rava-Ruska")
  [ -n "$TRAILER" ] && ARGS+=(--trailer "$TRAILER")
  [ -n "$CONTAINER" ] && ARGS+=(--container "$CONTAINER")
  if [ "$n" = 1 ] && [ -n "$CONTAINER" ]; then
    # A typo in the container code: its check digit refuses it on the spot.
    TYPO="${CONTAINER:0:10}$(( (${CONTAINER:10:1} + 1) % 10 ))"
    echo "the officer mistypes the container as $TYPO:"
    "$K" --data "$V" inspection new --plate "$TRACTOR" --container "$TYPO" || true
  fi
  ID=$("$K" --data "$V" inspection new "${ARGS[@]}")
  echo "papers checked, inspection $ID opened"
  PLATES=("$TRACTOR")
  [ -n "$TRAILER" ] && PLATES+=("$TRAILER")
  python3 scripts/demo-camera.py "http://$ANPR/ISAPI/Event/notification" 1 "${PLATES[@]}"
  wait_until 30 has_reads "$ID" "${#PLATES[@]}" \
    || { echo "the camera's reads did not reach inspection $ID:" >&2; tail -5 "$DEMO/anpr.log" >&2; exit 1; }
  echo "the reads are on the inspection"
  ALERTS=$("$K" --data "$V" alert list --json | json "' '.join(a['alert']['id'] for a in d if a['inspection']=='$ID')")
  if [ -n "$ALERTS" ]; then
    echo "HOTLIST ALERT on this truck (the typed plate and the camera's read both match):"
    "$K" --data "$V" alert list
    for ALERT in $ALERTS; do
      "$K" --data "$V" alert respond "$ID" "$ALERT" confirmed --note "Driver and tractor held at the booth"
    done
  fi
  "$K" --data "$V" scan synth --out "$DEMO/scanner-out" --name "TRK_$(printf %04d "$n")" \
    --seed "$SCAN_SEED" --kind "$KIND" --load "$LOAD" --width "$WIDTH" --height "$HEIGHT" \
    $([ "$CONCEALED" = 1 ] && echo --concealed) --json > "$DEMO/truth-$n.json"
  # The scanner writes its files elsewhere and moves them in whole.
  mv "$DEMO/scanner-out/"*.tif "$DROP/"
  "$K" --data "$V" watch "$DROP" --settle 0.3 --once
  SCAN=$("$K" --data "$V" scan list "$ID" --json | json "d[-1]['id']")
  if [ "$CONCEALED" = 1 ]; then
    read -r MARK_KIND RECT LABEL < <(json "(lambda o: ' '.join([{'false_wall_compartment':'double_wall','false_floor_compartment':'density_anomaly','tyre_cache':'density_anomaly','dense_organic_block':'density_anomaly','metal_cylinder':'density_anomaly'}[o['kind']], ','.join(str(v) for v in o['bbox']), o['kind']]))(d['concealed'][0])" < "$DEMO/truth-$n.json")
    "$K" --data "$V" scan mark "$ID" "$SCAN" --kind "$MARK_KIND" --rect "$RECT" --label "$LABEL"
    if [ ! -e "$DEMO/scan-materials.png" ]; then
      echo "what the crew sees (rendered from the 16-bit data): grey, and material colours"
      "$K" --data "$V" scan thumbnail "$SCAN" --size 1024 --out "$DEMO/scan-grey.png"
      "$K" --data "$V" scan thumbnail "$SCAN" --size 1024 --materials --out "$DEMO/scan-materials.png"
    fi
    "$K" --data "$V" decide "$ID" --outcome physical_inspection --reason DENSITY_ANOMALY \
      --note "Dense mass where the load should be uniform; open it"
    REVIEW_ID=${REVIEW_ID:-$ID}
  elif [ "$UNDECLARED" = 1 ]; then
    "$K" --data "$V" decide "$ID" --outcome refer --reason DECLARATION_MISMATCH \
      --note "The load does not look like the declared $GOODS"
  elif [ -n "$ALERTS" ]; then
    "$K" --data "$V" decide "$ID" --outcome detain --reason HOTLIST --note "Hotlist hit confirmed"
    REVIEW_ID=${REVIEW_ID:-$ID}
  else
    "$K" --data "$V" decide "$ID" --outcome release
  fi
  if [ "$n" = "$CUT_AFTER" ]; then
    step "A sync while the link is up: records first, then the scans"
    sync_showing_progress
    step "The link drops (no coverage, or the generator is off). Work goes on."
    touch "$CUT"
  fi
done

step "A sync attempt while the link is down: nothing is lost, everything waits"
"$K" --data "$V" sync --connect-timeout 2 || echo "(exit $?: the centre is unreachable)"
"$K" --data "$V" status

step "The link returns: everything syncs, records first, scans in verified pieces"
rm -f "$CUT"
sync_showing_progress --retry-for 120
"$S" blobs --data "$SRV"

step "The centre lists what arrived"
"$S" inspections --data "$SRV"

step "The supervisor reviews the call on ${REVIEW_ID:0:8}; the review flows back to the vehicle"
"$S" review --data "$SRV" "$REVIEW_ID" --verdict agree --comment "Agree: open it" --supervisor "$SUP_NAME"
"$K" --data "$V" sync
"$K" --data "$V" inspection show "$REVIEW_ID" | json "json.dumps(d['reviews'], indent=1, ensure_ascii=False)"

step "Evidence: export the inspection and verify it offline, as a court expert would"
"$K" --data "$V" export "$REVIEW_ID" --out "$DEMO/inspection-$REVIEW_ID.json"
SERVER_KEY=$("$S" log checkpoint --data "$SRV" | head -1 | sed 's|^kordon/||')
"$K" verify --server-key "$SERVER_KEY" --evidence "$DEMO/inspection-$REVIEW_ID.json"
python3 tools/verify_export.py --server-key "$SERVER_KEY" --evidence "$DEMO/inspection-$REVIEW_ID.json"
"$S" bundle --data "$SRV" "$REVIEW_ID" --out "$DEMO/evidence-$REVIEW_ID.zip"
"$K" verify --server-key "$SERVER_KEY" --evidence "$DEMO/evidence-$REVIEW_ID.zip"

step "Training: a trainee takes an exercise built from scans, with threat items projected into some; the centre scores it"
TRAIN="$DEMO/training"
for i in 1 2 3 4; do
  "$K" scan synth --out "$TRAIN/scans" --name "S$i" --seed "$((SEED + i))" --width 1200 --height 400 > /dev/null
done
"$K" training build --images 4 --signal-share 0.5 --seed "$SEED" --pixel-mm 4 --out "$TRAIN/exercise" \
  --scan "$TRAIN/scans/S1_high.tif" --scan "$TRAIN/scans/S2_high.tif" \
  --scan "$TRAIN/scans/S3_high.tif" --scan "$TRAIN/scans/S4_high.tif"
# A scripted trainee: finds the first item, calls the second image with an
# item clear, and the images without one clear.
python3 - "$TRAIN/exercise/exercise.json" > "$TRAIN/answers.json" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
answers, found = [], False
for i, image in enumerate(truth["images"]):
    a = {"name": image["name"], "decision": "clear", "marks": [], "time_ms": 6000 + 1500 * i}
    if image["item"] and not found:
        a.update(decision="suspect", marks=[image["item"]["bbox"]])
        found = True
    answers.append(a)
print(json.dumps({"format": "kordon-tip-responses/1", "trainee": "OF-3301", "images": answers}))
PY
"$K" --data "$V" --officer OF-3301 training take --exercise "$TRAIN/exercise" --answers "$TRAIN/answers.json" --name "Study visit"
"$K" --data "$V" sync

step "Summary (read from the two stores)"
"$K" --data "$V" status --json > "$DEMO/vehicle-status.json"
"$S" inspections --data "$SRV" --json > "$DEMO/server-inspections.json"
"$S" blobs --data "$SRV" --json > "$DEMO/server-blobs.json"
python3 - "$DEMO" <<'EOF'
import json, sys
demo = sys.argv[1]
status = json.load(open(f"{demo}/vehicle-status.json"))
rows = sorted(json.load(open(f"{demo}/server-inspections.json")), key=lambda r: r["created_ms"])
stored = {b["blob"] for b in json.load(open(f"{demo}/server-blobs.json"))}
print("  at the centre, per truck:")
print(f"  {'plate':<10} {'reads':>5} {'alerts':>6} {'scans':>5} {'files':>5} {'marks':>5}  {'decision':<20} reviews")
for r in rows:
    images = [i["blob"] for s in r["scans"] for i in s["images"]]
    alerts = r.get("alerts", [])
    answered = sum(1 for a in alerts if a.get("response"))
    print(f"  {r['tractor_plate']['canonical']:<10} {len(r.get('reads', [])):>5} "
          f"{f'{answered}/{len(alerts)}':>6} {len(r['scans']):>5} "
          f"{f'{sum(1 for i in images if i in stored)}/{len(images)}':>5} {len(r['annotations']):>5}  "
          f"{(r['decisions'][-1]['outcome'] if r['decisions'] else 'undecided'):<20} {len(r['reviews'])}")
print(f"  the vehicle: {status['acknowledged']} records acknowledged, {status['pending']} waiting; "
      f"{status['blobs']['delivered']} scan files delivered ({status['blobs']['bytes_done'] / 1e6:.1f} MB), "
      f"{status['blobs']['pending']} waiting")
EOF

# The trainers' view, through the console's API as a supervisor sees it.
python3 - "$HTTP" "$SUP_NAME" "$SUP_PASSWORD" <<'PY'
import http.cookiejar, json, sys, urllib.request
addr, name, password = sys.argv[1:4]
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
login = urllib.request.Request(f"http://{addr}/api/login", json.dumps({"name": name, "password": password}).encode(),
                               {"Content-Type": "application/json", "Origin": f"http://{addr}"})
web.open(login, timeout=10)
for t in json.load(web.open(f"http://{addr}/api/training", timeout=10)):
    for a in t["attempts"]:
        s = a["score"] or {}
        d = s.get("d_prime")
        print(f"  training, at the centre: {t['trainee']} ({', '.join(t['units'])}), {a['name']}: "
              f"{a['answered']}/{a['total']} answered, {s.get('hits', 0)} hits, {s.get('misses', 0)} misses, "
              f"{s.get('false_alarms', 0)} false alarms, d′ {'-' if d is None else f'{d:.2f}'}")
PY

ELAPSED=$(( (${EPOCHREALTIME/./} - START) / 1000000 ))
echo
echo "Demo done in $ELAPSED s. Its data is in $DEMO/ (server log: $DEMO/server.log)."
CONSOLE=$(grep -o 'console at [^ ]*' "$DEMO/server.log" | head -1 | cut -d' ' -f3)
echo "The supervisor console: $CONSOLE  (sign in as $SUP_NAME, password $SUP_PASSWORD)."
echo "Its statistics for the last 30 days: ${CONSOLE%/}/statistics; the trainee's exercise: ${CONSOLE%/}/training"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$FAST" != 1 ] && [ -z "${CI:-}" ]; then
  if [ -x "$BIN/kordon-app" ]; then
    echo "The crew's app opens on this vehicle's data."
    "$BIN/kordon-app" --data "$V" > "$DEMO/app.log" 2>&1 &
  else
    echo "The crew's app on this vehicle: make app (builds it first)"
  fi
fi
if [ "$FAST" != 1 ] && [ -t 0 ] && [ -z "${CI:-}" ]; then
  echo "The server keeps running for the console; press Enter to stop it."
  read -r _
fi
