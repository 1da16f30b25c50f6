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
