#!/usr/bin/env bash
# Installs a libseqfeat build tree into a temporary prefix and builds two consumers against the
# installed files only: one with CMake's find_package(Seqfeat) + seqfeat::seqfeat (C and C++),
# one with `cc $(pkg-config --cflags --libs seqfeat)`. Runs them and checks their output.
#
#   tests/packaging/run.sh [BUILD_DIR]      (BUILD_DIR defaults to build/)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

expected="version ok
shape: [1, 2, 2]
2.0 3.0
6.0 7.0
sequence_length: [2]"

check_output() {  # check_output <name> <command...>
  local name="$1"
  shift
  local got
  got="$("$@")"
  if [[ "$got" != "$expected" ]]; then
    echo "FAIL $name printed:"
    echo "$got"
    exit 1
  fi
  echo "ok   $name"
}

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir="$(dirname "$(find "$prefix" -name 'libseqfeat.so' | head -n1)")"
for installed in include/seqfeat/seqfeat.h include/seqfeat/seqfeat_version.h \
                 include/seqfeat/seqfeat.hpp; do
  [[ -f "$prefix/$installed" ]] || { echo "FAIL $installed is not installed"; exit 1; }
done

# 1. CMake package: find_package(Seqfeat) and the imported target seqfeat::seqfeat.
cmake -S "$here/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake-build" >/dev/null
check_output "find_package(Seqfeat) C consumer" "$work/cmake-build/consumer_c"
check_output "find_package(Seqfeat) C++ consumer" "$work/cmake-build/consumer_cpp"

# 2. pkg-config: seqfeat.pc from the same prefix only.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pc_libdir="$(pkg-config --variable=libdir seqfeat)"
if [[ "$(cd "$pc_libdir" 2>/dev/null && pwd)" != "$libdir" ]]; then
  echo "FAIL seqfeat.pc points to libdir=$pc_libdir, not to the prefix it was installed in"
  echo "     ($libdir): the .pc file must be relocatable (e.g. prefix=\${pcfiledir}/../..)"
  exit 1
fi
# shellcheck disable=SC2046 # word splitting of the flags is intended
cc -std=c99 -pedantic -Wall -Wextra -Werror "$here/consumer/consumer.c" \
  $(pkg-config --cflags --libs seqfeat) -o "$work/consumer_pc"
check_output "pkg-config C consumer" env LD_LIBRARY_PATH="$libdir" "$work/consumer_pc"
version="$(pkg-config --modversion seqfeat)"
header_version="$(sed -n 's/^#define SEQFEAT_VERSION_STRING "\(.*\)"$/\1/p' \
  "$prefix/include/seqfeat/seqfeat_version.h")"
if [[ "$version" != "$header_version" ]]; then
  echo "FAIL seqfeat.pc says version $version, the installed header $header_version"
  exit 1
fi
echo "ok   seqfeat.pc version $version"
