#!/usr/bin/env bash
# The shared library exports exactly the functions the public header declares: every defined
# dynamic symbol is seqfeat_* (besides the linker's own _init, _fini, _edata, _end, __bss_start
# and the SEQFEAT_* version node), and every SEQFEAT_API function of seqfeat.h is exported.
#
#   tests/abi/check_exports.sh [BUILD_DIR | path/to/libseqfeat.so]   (default: build/)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:-$root/build}"
lib="$target"
[[ -d "$target" ]] && lib="$target/libseqfeat.so"
[[ -f "$lib" ]] || { echo "FAIL no library at $lib"; exit 1; }

exported="$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)"
unexpected="$(grep -v -E '^(seqfeat_[A-Za-z0-9_]+|_init|_fini|_edata|_end|__bss_start|SEQFEAT_[0-9_]+)$' \
  <<<"$exported" || true)"
if [[ -n "$unexpected" ]]; then
  echo "FAIL symbols exported besides seqfeat_*:"
  echo "$unexpected"
  exit 1
fi

declared="$(grep -h -E '^SEQFEAT_API' "$root/include/seqfeat/seqfeat.h" |
  grep -o -E 'seqfeat_[A-Za-z0-9_]+\(' | tr -d '(' | sort -u)"
functions="$(grep -E '^seqfeat_' <<<"$exported")"
missing="$(comm -23 <(echo "$declared") <(echo "$functions"))"
undeclared="$(comm -13 <(echo "$declared") <(echo "$functions"))"
if [[ -n "$missing" ]]; then
  echo "FAIL declared in seqfeat.h but not exported:"
  echo "$missing"
  exit 1
fi
if [[ -n "$undeclared" ]]; then
  echo "FAIL exported but not declared in seqfeat.h:"
  echo "$undeclared"
  exit 1
fi
echo "ok   $(wc -l <<<"$functions") exported functions, all seqfeat_* and all declared in seqfeat.h"
