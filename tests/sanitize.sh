#!/usr/bin/env bash
# Runs the tests of a sanitizer build tree (make sanitize).
#
#   tests/sanitize.sh asan BUILD_DIR [PYTHON]   core, C ABI and C++-header tests under ASan +
#                                               UBSan (leaks included), then the Python tests
#                                               with the ASan runtime preloaded
#   tests/sanitize.sh tsan BUILD_DIR            the concurrency stress test under TSan
#
# Any report fails the run (halt_on_error).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="$1"
build="$(cd "$2" && pwd)"
python="${3:-/usr/bin/python3}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
case "$mode" in
  asan)
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1"
    for t in test_core test_capi test_hpp; do
      echo "== $t (ASan + UBSan)"
      "$build/tests/$t" --gtest_brief=1
    done
    # The interpreter is not instrumented: the runtimes come first in the process, leaks of
    # the interpreter itself are not reported, and the library's own errors still halt.
    echo "== Python tests (ASan + UBSan runtime preloaded)"
    preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
    ASAN_OPTIONS="detect_leaks=0:halt_on_error=1" LD_PRELOAD="$preload" \
      SEQFEAT_LIBRARY="$build/libseqfeat.so" PYTHONPATH="$root/bindings/python" \
      "$python" -m pytest -q -p no:cacheprovider "$root/tests/python"
    ;;
  tsan)
    echo "== concurrency stress test (TSan)"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
      "$build/tests/test_capi" --gtest_brief=1 --gtest_filter='CapiStress*'
    ;;
  *)
    echo "usage: tests/sanitize.sh asan|tsan BUILD_DIR [PYTHON]" >&2
    exit 2
    ;;
esac
