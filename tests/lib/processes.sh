# Shell helpers shared by the end-to-end scripts (sourced, not run).
#
# The sourcing script sets SUITE (its name in log lines), ART (its
# artifacts folder) and WORK (its temporary folder), appends "pid:name" to
# PIDS for every process it starts, and defines `artifacts` (what to copy
# into $ART on exit; may be empty). `finish` is installed as the EXIT trap:
# it stops every process (and what each one started), copies the
# artifacts, removes $WORK unless ${SUITE}_KEEP is set, and says how it
# went.

PIDS=()

log() { printf '[%s %s] %s\n' "$SUITE" "$(date +%H:%M:%S)" "$*"; }
die() { printf '[%s] FAILED: %s\n' "$SUITE" "$*" >&2; exit 1; }

stop_pid() { # pid name: TERM, wait up to 5 s, then KILL
  local pid=$1 name=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name ($pid) did not stop on TERM: killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

children() { # pids whose parent is $PARENT (from /proc: no procps needed)
  local stat rest f
  for f in /proc/[0-9]*/stat; do
    { read -r stat <"$f"; } 2>/dev/null || continue
    rest="${stat##*) }" # after "pid (comm) ": state ppid ...
    set -- $rest
    [ "${2:-}" = "$PARENT" ] && { f="${f#/proc/}"; echo "${f%/stat}"; }
  done
  return 0
}

descendants() { # every process below pid, deepest first
  local child
  for child in $(PARENT="$1" children); do
    descendants "$child"
    echo "$child"
  done
}

# Stops every started process, newest first, and whatever each started
# (a browser under node, the app under its driver) if a test stopped
# half-way.
stop_all() {
  local i pid kid kids
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]%%:*}"
    kids="$(descendants "$pid")"
    stop_pid "$pid" "${PIDS[$i]#*:}"
    for kid in $kids; do stop_pid "$kid" "$(cat "/proc/$kid/comm" 2>/dev/null || echo process) under ${PIDS[$i]#*:}"; done
  done
  wait 2>/dev/null || true
}

finish() {
  local rc=$? keep
  trap - EXIT INT TERM
  stop_all
  mkdir -p "$ART"
  artifacts || true
  keep="KORDON_${SUITE//-/_}_KEEP"
  keep="${keep^^}"
  if [ "${!keep:-0}" = 1 ]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  if [ $rc -eq 0 ]; then log "PASSED in ${SECONDS}s (artifacts in $ART)"; else log "FAILED with exit code $rc after ${SECONDS}s (artifacts and logs in $ART)"; fi
  exit $rc
}

install_traps() {
  trap finish EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# wait_until "what" seconds command...: polls the command every 0.2 s.
wait_until() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}

alive() { kill -0 "$1" 2>/dev/null || die "$2 exited early (see its log in $ART)"; }

free_port() { # udp|tcp: a port nobody listens on right now
  node -e '
    const kind = process.argv[1];
    if (kind === "udp") {
      const s = require("node:dgram").createSocket("udp4");
      s.bind(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
    } else {
      const s = require("node:net").createServer();
      s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
    }' "$1"
}

need_missing() { # prints the list and exits 2 when "${missing[@]}" is not empty
  if [ ${#missing[@]} -gt 0 ]; then
    printf '[%s] missing:\n' "$SUITE" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 2
  fi
}

# ---- the crew's app under Xvfb and WebDriver --------------------------------

# start_xvfb: an X server on a display it picks (-displayfd: it writes the
# number once it accepts clients); exports DISPLAY. Its log: $WORK/xvfb.log.
start_xvfb() {
  Xvfb -displayfd 3 -screen 0 1440x900x24 -nolisten tcp 3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
  XVFB_PID=$!
  PIDS+=("$XVFB_PID:Xvfb")
  wait_until "Xvfb to start" 30 xvfb_ready
  export DISPLAY=":$(tr -d '[:space:]' <"$WORK/display")"
  log "Xvfb on $DISPLAY"
}
xvfb_ready() { alive "$XVFB_PID" Xvfb; [ -s "$WORK/display" ]; }

# app_environment: what the app inherits (through WebKitWebDriver): its web
# storage (the UI's preferences) under $WORK, so every run starts as a new
# device; no GPU buffers on Xvfb; keys not bound to this machine's TPM or
# keyring.
app_environment() {
  export XDG_DATA_HOME="$WORK/xdg/data" XDG_CONFIG_HOME="$WORK/xdg/config" XDG_CACHE_HOME="$WORK/xdg/cache"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  export WEBKIT_DISABLE_DMABUF_RENDERER=1 KORDON_TPM=off KORDON_KEYRING=off
}

# driver_ports: two distinct free TCP ports, WD_PORT (tauri-driver) and
# WD_NATIVE_PORT (the WebKitWebDriver it starts).
driver_ports() {
  WD_PORT="$(free_port tcp)"
  WD_NATIVE_PORT="$(free_port tcp)"
  while [ "$WD_NATIVE_PORT" = "$WD_PORT" ]; do WD_NATIVE_PORT="$(free_port tcp)"; done
}

# wait_for_driver: until tauri-driver ($DRIVER_PID) answers on $WD_PORT.
wait_for_driver() {
  PIDS+=("$DRIVER_PID:tauri-driver")
  wait_until "tauri-driver to answer on port $WD_PORT" 30 driver_ready
  log "tauri-driver on port $WD_PORT (WebKitWebDriver on $WD_NATIVE_PORT)"
}
driver_ready() {
  alive "$DRIVER_PID" tauri-driver
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$WD_PORT/status"
}
