#!/usr/bin/env bash
# The study-visit demo, headless: a server, one mobile scanner vehicle that
# works through a link cut, and the sync that follows when the link returns.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=target/debug
K="$BIN/kordon"
S="$BIN/kordon-server"
DEMO=demo-data
PORT=${KORDON_DEMO_PORT:-4433}
ADDR="127.0.0.1:$PORT"
HTTP="127.0.0.1:${KORDON_DEMO_HTTP_PORT:-8080}"
SUP_NAME="sup.demo"
SUP_PASSWORD="kordon-demo-2026"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$DEMO"
mkdir -p "$DEMO"
V="$DEMO/vehicle-mobile-1"
SRV="$DEMO/server"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

step "Central server: create its key, certificate and database"
"$S" init --data "$SRV" --public-addr "$ADDR"
KORDON_PASSWORD="$SUP_PASSWORD" "$S" user add --data "$SRV" "$SUP_NAME" --role supervisor

step "Supervisor enrolls vehicle MOBILE-1 (one-time token carries the address and pinned certificate)"
TOKEN=$("$S" enroll --data "$SRV" --name MOBILE-1 2>/dev/null)
echo "${TOKEN:0:48}..."
"$K" --data "$V" enroll "$TOKEN"
"$K" --data "$V" signin "OF-1742"

step "The link is down (no server reachable). The crew keeps working."
ID=$("$K" --data "$V" inspection new --plate "АА 1234 ВС" --trailer "AI 5678 XT" \
      --container "CSQU3054383" --declaration "UA209160/2026/004211" --place "Rava-Ruska")
echo "inspection $ID: tractor АА 1234 ВС (Cyrillic, stored canonically as AA1234BC)"
step "The gantry scans the truck: a dual-energy pair (synthetic, 6000 × 2000, 16-bit) lands in the scanner's drop folder"
DROP="$DEMO/scanner-drop"
"$K" --data "$V" scan synth --out "$DROP" --name "TRK_0001" --seed 2026 --concealed > /dev/null
ls -l "$DROP"
echo "the watch folder imports the pair as one scan, into the open inspection:"
"$K" --data "$V" watch "$DROP" --settle 0.5 --once
SCAN=$("$K" --data "$V" scan list "$ID" | awk 'NR==1 {print $1}')
"$K" --data "$V" scan list "$ID"
echo "tiles render from the 16-bit data (window/level, materials, edges):"
"$K" --data "$V" scan thumbnail "$SCAN" --size 512 --out "$DEMO/scan-grey.png"
"$K" --data "$V" scan thumbnail "$SCAN" --size 512 --materials --out "$DEMO/scan-materials.png"
"$K" --data "$V" scan render "$SCAN" --level 12 --x 8 --y 3 --edge 1 --out "$DEMO/scan-tile-12-8-3.png"
"$K" --data "$V" decide "$ID" --outcome physical_inspection --reason DENSITY_ANOMALY \
      --note "Dense mass behind the front wall of the container"
echo "bad container code is refused on the spot:"
"$K" --data "$V" inspection new --plate "KA0001AA" --container "CSQU3054384" || true
"$K" --data "$V" generate --count 40 --seed 2026
echo "sync attempt while the link is down:"
"$K" --data "$V" sync --connect-timeout 2 || echo "(exit $? — server unreachable, nothing lost)"
"$K" --data "$V" status

step "The link comes back: server starts"
"$S" run --data "$SRV" --listen "$ADDR" --http "$HTTP" > "$DEMO/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$DEMO/server.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if ! grep "listening on" "$DEMO/server.log"; then
  echo "the server did not start:" >&2
  tail -5 "$DEMO/server.log" >&2
  echo "(if UDP port $PORT or TCP port ${HTTP##*:} is taken, run: KORDON_DEMO_PORT=14433 KORDON_DEMO_HTTP_PORT=18080 make demo)" >&2
  exit 1
fi


step "Vehicle syncs: records first, then the scan's blobs in verified 1 MiB pieces"
"$K" --data "$V" sync
"$S" blobs --data "$SRV"


step "Server lists what arrived (first 5)"
"$S" inspections --data "$SRV" | head -5
echo "... $("$S" inspections --data "$SRV" --json | grep -c '"created_ms"') inspections in total"

step "Supervisor reviews the physical-inspection call; the review flows back down"
"$S" review --data "$SRV" "$ID" --verdict agree --comment "Agree: open the container" --supervisor "$SUP_NAME"
"$K" --data "$V" sync
"$K" --data "$V" inspection show "$ID" | grep -A4 '"reviews"'

step "Evidence: export the inspection and verify it offline, as a court expert would (pinned server key, every record proven in the server's log)"
"$K" --data "$V" export "$ID" --out "$DEMO/inspection-$ID.json"
SERVER_KEY=$("$S" log checkpoint --data "$SRV" | head -1 | sed 's|^kordon/||')
"$K" verify --server-key "$SERVER_KEY" --evidence "$DEMO/inspection-$ID.json"
python3 tools/verify_export.py --server-key "$SERVER_KEY" --evidence "$DEMO/inspection-$ID.json"

step "The centre's evidence bundle: the signed records, the original scan files, overviews with the marks, a README; checked by both tools, scan files included"
"$S" bundle --data "$SRV" "$ID" --out "$DEMO/evidence-$ID.zip"
"$K" verify --server-key "$SERVER_KEY" --evidence "$DEMO/evidence-$ID.zip"
python3 tools/verify_export.py --server-key "$SERVER_KEY" --evidence "$DEMO/evidence-$ID.zip"

step "Vehicle status"
"$K" --data "$V" status

echo
echo "Demo data is in $DEMO/ (server log: $DEMO/server.log)."
CONSOLE=$(grep -o 'console at [^ ]*' "$DEMO/server.log" | head -1 | cut -d' ' -f3)
echo "The supervisor console: $CONSOLE  (sign in as $SUP_NAME, password $SUP_PASSWORD)."
echo "Its statistics for the last 30 days: ${CONSOLE%/}/statistics"
if [ -t 0 ] && [ -z "${CI:-}" ]; then
  echo "The server keeps running for the console; press Enter to stop it."
  read -r _
fi
