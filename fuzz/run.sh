#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a fixed time each and prints, per target, the
# executions, the corpus size and whether it found anything.
#
#   fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET
#
# Seeds are read from fuzz/corpus/<target>/ (committed); inputs found during the run are kept in
# BUILD_DIR/fuzz-corpus/<target>/ and reused by the next run; crashing inputs are written to
# BUILD_DIR/fuzz-artifacts/ and make the script fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
seconds="$2"
list="$build/fuzzers.txt"
[[ -f "$list" ]] || { echo "fuzz/run.sh: no $list (configure with -DSEQFEAT_BUILD_FUZZ=ON)" >&2; exit 1; }
mkdir -p "$build/fuzz-artifacts"
status=0
while read -r target; do
  [[ -n "$target" ]] || continue
  work="$build/fuzz-corpus/$target"
  seeds="$root/fuzz/corpus/$target"
  mkdir -p "$work" "$seeds"
  log="$build/fuzz-$target.log"
  # -rss_limit_mb: the library refuses outputs above its allocation limit (set by each target),
  # so a run needing more memory than this is itself a finding.
  if ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
     UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
     "$build/fuzz/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
       -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target-" \
       "$work" "$seeds" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  corpus="$(find "$work" -type f | wc -l)"
  printf '%-20s %-6s %10s executions in %ss, corpus %s inputs (+%s seeds)\n' "$target" "$result" \
    "$execs" "$seconds" "$corpus" "$(find "$seeds" -type f | wc -l)"
  if [[ $result != ok ]]; then
    grep -E 'ERROR|SUMMARY|runtime error|deadly signal|Test unit written' "$log" | head -20
  fi
done <"$list"
exit $status
