#!/usr/bin/env bash
# Compares the ABI of the library with the committed baseline abi/libseqfeat.abi (abidiff from
# Debian's abigail-tools). Within one major version only additions are allowed: the check fails
# when a function or variable is removed or changed, including through the types it uses
# (struct layouts, enum values, signatures).
#
#   tests/abi/check_abi.sh [BUILD_DIR]            check (default: build/)
#   tests/abi/check_abi.sh --update [BUILD_DIR]   rewrite the baseline (see abi/README.md)
#
# Types need debug information: if BUILD_DIR's library has none, a RelWithDebInfo copy of the
# library is built in BUILD_DIR/abi-debug first.
set -euo pipefail
update=0
if [[ "${1:-}" == "--update" ]]; then
  update=1
  shift
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
baseline="$root/abi/libseqfeat.abi"

has_debug_info() { readelf -S "$1" 2>/dev/null | grep -q '\.debug_info'; }

lib="$build/libseqfeat.so"
if ! has_debug_info "$lib"; then
  debug="$build/abi-debug"
  if ! { cmake -S "$root" -B "$debug" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
           -DSEQFEAT_BUILD_TESTS=OFF -DSEQFEAT_BUILD_BENCH=OFF &&
         cmake --build "$debug" --target seqfeat -j"${JOBS:-2}"; } >"$debug.log" 2>&1; then
    echo "FAIL building the library with debug information:"
    tail -n 50 "$debug.log"
    exit 1
  fi
  lib="$debug/libseqfeat.so"
  build="$debug"
fi
lib="$(readlink -f "$lib")"
# The baseline and the library under test are both read by abidw with the same options, keeping
# only the public headers' types and no machine paths, and then compared as two ABI files.
abi_of() {  # abi_of <library> <output>
  abidw --no-corpus-path --no-comp-dir-path --short-locs --drop-undefined-syms \
    --suppressions "$root/abi/public-types.suppr" --out-file "$2" "$1"
}

if ((update)); then
  abi_of "$lib" "$baseline"
  echo "wrote abi/libseqfeat.abi from $(basename "$lib")"
  exit 0
fi

[[ -f "$baseline" ]] || { echo "FAIL no baseline abi/libseqfeat.abi"; exit 1; }
soname() { readelf -d "$1" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p'; }
baseline_soname="$(grep -o "soname='[^']*'" "$baseline" | head -n1 | cut -d"'" -f2)"
if [[ "$baseline_soname" != "$(soname "$lib")" ]]; then
  echo "skip new major version ($(soname "$lib"), baseline $baseline_soname): regenerate the baseline"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
current="$work/current.abi"
report="$work/report.txt"
abi_of "$lib" "$current"
set +e
abidiff "$baseline" "$current" >"$report" 2>&1
rc=$?
set -e
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change, 8 incompatible.
if ((rc & 3 || rc >= 16)); then
  echo "FAIL abidiff could not compare (status $rc):"
  cat "$report"
  exit 1
fi
summary="$(grep -E 'Functions changes summary|Variables changes summary' "$report" || true)"
removed_or_changed="$(grep -E -o '[1-9][0-9]* (Removed|Changed)' <<<"$summary" || true)"
if ((rc & 8)) || [[ -n "$removed_or_changed" ]]; then
  echo "FAIL the ABI changed incompatibly against abi/libseqfeat.abi (abidiff status $rc):"
  cat "$report"
  exit 1
fi
added="$(grep -E -o '[1-9][0-9]* Added' <<<"$summary" | head -n1 || true)"
echo "ok   ABI compatible with abi/libseqfeat.abi${added:+ ($added functions since the baseline)}"
