#!/usr/bin/env bash
# The console API against its own description: schemathesis (from PyPI, in
# a virtual environment under target/) generates requests for every
# operation in docs/api/openapi.json, valid and invalid, and checks each
# answer against the document (status codes, content types, headers and
# bodies as documented; no 5xx; invalid input refused). Runs against the
# real kordon-server, signed in as a supervisor, with one synced
# inspection and scan so that the documented 200s are reachable too.
#
# Kept short for `make test`: a fixed seed and a bounded number of
# examples per operation. Builds nothing: run `cargo build --bins` first.
#
# Environment:
#   KORDON_BIN_DIR                the binaries (default: target/debug)
#   KORDON_API_SCHEMA_ARTIFACTS   reports and logs (default: target/api-schema)
#   KORDON_API_SCHEMA_EXAMPLES    examples per operation (default: 25)
#   KORDON_API_SCHEMA_KEEP=1      keep the temporary folder

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${KORDON_BIN_DIR:-$ROOT/target/debug}"
ART="${KORDON_API_SCHEMA_ARTIFACTS:-$ROOT/target/api-schema}"
EXAMPLES="${KORDON_API_SCHEMA_EXAMPLES:-25}"
VENV="$ROOT/target/schemathesis-venv"
SCHEMATHESIS_VERSION="4.32.5"

SUITE=api-schema
# shellcheck source=../lib/processes.sh
source "$HERE/../lib/processes.sh"

missing=()
for b in kordon kordon-server; do
  [ -x "$BIN/$b" ] || missing+=("$BIN/$b (cargo build --bins)")
done
command -v python3 >/dev/null || missing+=("python3 (apt: python3 python3-venv)")
need_missing

# ---- schemathesis, pinned, in its own environment -------------------------
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing python3-venv (apt-get)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || die "pip install schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kordon-api-schema.XXXXXX")"
artifacts() {
  [ -f "$WORK/server.log" ] && cp "$WORK/server.log" "$ART/server.log"
  return 0
}
install_traps
rm -rf "$ART"
mkdir -p "$ART"

K="$BIN/kordon"
S="$BIN/kordon-server"
SRV="$WORK/server"
VEH="$WORK/vehicle"
PASSWORD="schema-check-$RANDOM$RANDOM"

# ---- a server with a supervisor, and a vehicle's inspection with a scan ----
"$S" init --data "$SRV" --public-addr 127.0.0.1:1 >"$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; die "kordon-server init"; }
KORDON_PASSWORD="$PASSWORD" "$S" user add --data "$SRV" sup.schema --role supervisor >/dev/null || die "kordon-server user add"
KORDON_PASSWORD="$PASSWORD" "$S" user add --data "$SRV" adm.schema --role administrator >/dev/null || die "kordon-server user add"
"$S" run --data "$SRV" --listen 127.0.0.1:0 --http 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID:kordon-server")
server_ready() { alive "$SERVER_PID" kordon-server; grep -qs "console at " "$WORK/server.log" && grep -qs "listening on" "$WORK/server.log"; }
wait_until "kordon-server to listen" 30 server_ready
URL="$(grep -o 'console at http://[^ ]*' "$WORK/server.log" | head -1 | sed 's/^console at //; s#/$##')"
QUIC="$(grep -o 'listening on [^ ]*' "$WORK/server.log" | head -1 | sed 's/^listening on //')"
log "server: console $URL, QUIC $QUIC"

TOKEN="$("$S" enroll --data "$SRV" --name MOBILE-SCHEMA --addr "$QUIC" 2>"$WORK/enroll.log")" || { cat "$WORK/enroll.log" >&2; die "kordon-server enroll"; }
"$K" --data "$VEH" enroll "$TOKEN" >/dev/null || die "kordon enroll"
"$K" --data "$VEH" signin OF-1742 >/dev/null || die "kordon signin"
ID="$("$K" --data "$VEH" inspection new --plate "АА 1234 ВС" --container CSQU3054383)" || die "kordon inspection new"
"$K" scan synth --out "$WORK/drop" --name TRK --width 600 --height 300 --seed 2 >/dev/null || die "kordon scan synth"
"$K" --data "$VEH" scan add "$ID" "$WORK/drop/TRK_high.tif" >/dev/null || die "kordon scan add"
"$K" --data "$VEH" decide "$ID" --outcome release --note "schema check" >/dev/null || die "kordon decide"
synced() { "$K" --data "$VEH" sync >>"$WORK/sync.log" 2>&1; }
wait_until "the vehicle's sync" 60 synced

# ---- sign in; the session and its CSRF token go with every request ---------
# sign_in NAME: prints "cookie csrf scan-id".
sign_in() {
  URL="$URL" PASSWORD="$PASSWORD" ID="$ID" NAME="$1" python3 - <<'EOF'
import json, os, urllib.request
url, pw, ident, name = os.environ["URL"], os.environ["PASSWORD"], os.environ["ID"], os.environ["NAME"]
req = urllib.request.Request(url + "/api/login", method="POST",
    data=json.dumps({"name": name, "password": pw}).encode(),
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req) as r:
    cookie = r.headers["Set-Cookie"].split(";")[0]
    csrf = json.load(r)["csrf"]
scan = "-"
if name.startswith("sup."):
    req = urllib.request.Request(url + "/api/inspections/" + ident, headers={"Cookie": cookie})
    with urllib.request.urlopen(req) as r:
        scan = json.load(r)["view"]["scans"][0]["id"]
print(cookie, csrf, scan)
EOF
}
read -r COOKIE CSRF SCAN < <(sign_in sup.schema) || die "signing in as sup.schema"
read -r ADMIN_COOKIE ADMIN_CSRF _ < <(sign_in adm.schema) || die "signing in as adm.schema"
[ -n "${SCAN:-}" ] && [ "$SCAN" != - ] || die "no scan id for the synced inspection"
log "signed in; inspection $ID, scan $SCAN"

# Half the generated ids are the real inspection's and scan's, so the
# documented 200 answers are reached and checked against their schemas.
cat >"$WORK/schemathesis.toml" <<EOF
[dictionaries.inspection]
values = ["$ID"]
[dictionaries.scan]
values = ["$SCAN"]
[parameters]
"path.id" = { dictionary = "inspection", probability = 0.5 }
"path.scan" = { dictionary = "scan", probability = 0.5 }
EOF
st_run() { # cookie csrf extra-st-arguments...
  local cookie=$1 csrf=$2
  shift 2
  # From the work folder: schemathesis keeps a cache where it runs.
  cd "$WORK"
  "$VENV/bin/st" --config-file "$WORK/schemathesis.toml" run "$ROOT/docs/api/openapi.json" \
    --url "$URL" \
    -H "Cookie: $cookie" -H "X-Kordon-CSRF: $csrf" \
    --checks all \
    --exclude-checks positive_data_acceptance,use_after_free,ensure_resource_availability,ignored_auth \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --seed 20261203 --no-shrink \
    --request-timeout 30 \
    --suppress-health-check all \
    --report junit --report-dir "$ART" \
    "$@"
}

# Every operation but logout as a supervisor; the accounts operations as
# an administrator (a supervisor only gets 403 there); then logout alone
# (it ends the session the others run in).
log "schemathesis: every operation but logout, as a supervisor ($EXAMPLES examples each)"
st_run "$COOKIE" "$CSRF" --exclude-operation-id logout --report-junit-path "$ART/operations.xml" >"$ART/operations.txt" 2>&1 \
  || { tail -80 "$ART/operations.txt" >&2; die "schemathesis found answers that differ from docs/api/openapi.json (see $ART/operations.txt)"; }
tail -15 "$ART/operations.txt"
log "schemathesis: accounts, as an administrator"
st_run "$ADMIN_COOKIE" "$ADMIN_CSRF" --include-tag accounts --report-junit-path "$ART/accounts.xml" >"$ART/accounts.txt" 2>&1 \
  || { tail -60 "$ART/accounts.txt" >&2; die "schemathesis: the accounts operations differ from docs/api/openapi.json (see $ART/accounts.txt)"; }
tail -5 "$ART/accounts.txt"
log "schemathesis: logout"
st_run "$COOKIE" "$CSRF" --include-operation-id logout --report-junit-path "$ART/logout.xml" >"$ART/logout.txt" 2>&1 \
  || { tail -60 "$ART/logout.txt" >&2; die "schemathesis: logout differs from docs/api/openapi.json (see $ART/logout.txt)"; }
tail -5 "$ART/logout.txt"

# Every documented operation was exercised.
DOCUMENTED="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(v) for v in d["paths"].values()))' "$ROOT/docs/api/openapi.json")"
TESTED="$(python3 - "$ART/operations.xml" "$ART/accounts.xml" "$ART/logout.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
names = set()
for f in sys.argv[1:]:
    for case in ET.parse(f).iter("testcase"):
        names.add(case.get("name"))
print(len(names))
EOF
)"
log "operations documented: $DOCUMENTED, exercised: $TESTED"
[ "$TESTED" = "$DOCUMENTED" ] || die "schemathesis exercised $TESTED of $DOCUMENTED documented operations"
