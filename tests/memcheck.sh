#!/usr/bin/env bash
# valgrind memcheck over the C ABI tests (make memcheck): any invalid access, use of an
# uninitialised value or definite/indirect leak fails the run.
#
#   tests/memcheck.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
log="$build/memcheck.log"
# The worker pool's threads live until exit (still reachable, not a leak).
if valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
     --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
     --track-origins=no --log-file="$log" \
     "$build/tests/test_capi" --gtest_brief=1; then
  grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$log" | tail -3
  echo "memcheck: clean ($log)"
else
  status=$?
  grep -E "ERROR SUMMARY|Invalid|uninitialised|definitely lost|indirectly lost" "$log" | head -40
  echo "memcheck: FAILED (exit $status, see $log)"
  exit 1
fi
