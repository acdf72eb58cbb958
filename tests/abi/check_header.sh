#!/usr/bin/env bash
# The public headers compile on their own: seqfeat.h as strict C99 and as C++11, seqfeat.hpp as
# C++17, all with warnings as errors.
#
#   tests/abi/check_header.sh [BUILD_DIR]   (default: build/, for the generated seqfeat_version.h)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
includes=(-I"$root/include" -I"$build/include")
warnings=(-pedantic -Werror -Wall -Wextra)

printf '#include <seqfeat/seqfeat.h>\n' |
  cc -std=c99 "${warnings[@]}" -Wstrict-prototypes -Wmissing-prototypes "${includes[@]}" \
    -fsyntax-only -x c -
echo "ok   seqfeat.h as C99"
printf '#include <seqfeat/seqfeat.h>\n' |
  c++ -std=c++11 "${warnings[@]}" "${includes[@]}" -fsyntax-only -x c++ -
echo "ok   seqfeat.h as C++11"
printf '#include <seqfeat/seqfeat.hpp>\n' |
  c++ -std=c++17 "${warnings[@]}" -Wshadow -Wconversion "${includes[@]}" -fsyntax-only -x c++ -
echo "ok   seqfeat.hpp as C++17"
