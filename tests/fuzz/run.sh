#!/usr/bin/env bash
# Every fuzz target, briefly, with libFuzzer (what `make test` runs as
# `fuzz-brief`). Each target starts from its regression corpus
# (fuzz/regressions/<target>/) and a working corpus kept in
# target/fuzz-brief/corpus/<target>/ (so local runs build on each other;
# CI starts from the seeds), for FUZZ_SECONDS (default 20) each.
#
# The long run is the same script with a count instead of a time (and
# AddressSanitizer, if wanted):
#   FUZZ_RUNS=10000000 [FUZZ_SANITIZER=address] tests/fuzz/run.sh [TARGET ...]
#
# A crash, a timeout (FUZZ_TIMEOUT seconds on one input, default 10) or an
# input taking more than FUZZ_RSS_MB of memory (default 2048) fails the run;
# the input is kept in target/fuzz-brief/artifacts/<target>/ and the run
# says how to keep it as a regression.
#
# cargo-fuzz is installed from crates.io if missing. The targets build on
# the stable toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its flags)
# without a sanitizer by default: the project's code forbids `unsafe`, and a
# brief run is worth more executions than ASan's extra checks.
#
# Usage: tests/fuzz/run.sh [TARGET ...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE=fuzz-brief
SECONDS_EACH=${FUZZ_SECONDS:-20}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
OUT=$PWD/target/fuzz-brief
RUNS=${FUZZ_RUNS:-}
SANITIZER=${FUZZ_SANITIZER:-none}
CARGO_FUZZ_VERSION=0.13.2

log() { printf '[%s %s] %s\n' "$SUITE" "$(date +%H:%M:%S)" "$*"; }
die() { printf '[%s] FAILED: %s\n' "$SUITE" "$*" >&2; exit 1; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

export RUSTC_BOOTSTRAP=1
FUZZ_FLAGS=(--sanitizer "$SANITIZER" -O --debug-assertions)
if [ -n "$RUNS" ]; then LIMIT=(-runs="$RUNS"); SPAN="$RUNS executions"; else LIMIT=(-max_total_time="$SECONDS_EACH"); SPAN="$SECONDS_EACH s"; fi
cd fuzz
mapfile -t ALL < <(cargo fuzz list)
[ "${#ALL[@]}" -gt 0 ] || die "cargo fuzz list found no targets"
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=("${ALL[@]}")

log "building ${#ALL[@]} targets"
t=$(date +%s)
cargo fuzz build "${FUZZ_FLAGS[@]}"
log "built in $(( $(date +%s) - t )) s"

summary=()
for target in "${TARGETS[@]}"; do
  known=no
  for t in "${ALL[@]}"; do [ "$t" = "$target" ] && known=yes; done
  [ "$known" = yes ] || die "no fuzz target named $target (targets: ${ALL[*]})"
  corpus=$OUT/corpus/$target
  artifacts=$OUT/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  [ -d "regressions/$target" ] && seeds=("regressions/$target")
  log "$target: $SPAN (sanitizer: $SANITIZER)"
  logf=$OUT/$target.log
  if ! cargo fuzz run "${FUZZ_FLAGS[@]}" "$target" "$corpus" "${seeds[@]}" -- \
      "${LIMIT[@]}" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
      -artifact_prefix="$artifacts/" -print_final_stats=1 > "$logf" 2>&1; then
    tail -n 60 "$logf" >&2
    found=$(ls -t "$artifacts" 2>/dev/null | head -1)
    die "$target failed${found:+ on target/fuzz-brief/artifacts/$target/$found}: reproduce with
  cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer $SANITIZER -O -a $target ../target/fuzz-brief/artifacts/$target/${found:-INPUT}
then fix it and keep the input as a regression: cp it into fuzz/regressions/$target/"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -1)
  [ -n "$runs" ] && [ "$runs" -gt 0 ] || { tail -n 30 "$logf" >&2; die "$target: libFuzzer reported no executions"; }
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$logf" | tail -1)
  summary+=("$target: $runs executions${secs:+ in $secs s}, no crash")
done
for line in "${summary[@]}"; do log "$line"; done
log "passed"
