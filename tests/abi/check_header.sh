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

# Every exported function is documented: a /** */ comment right above it with an @param for each
# parameter and an @return unless it returns void.
python3_bin="${PYTHON:-/usr/bin/python3}"
"$python3_bin" - "$root/include/seqfeat/seqfeat.h" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
problems = []
for m in re.finditer(r"SEQFEAT_API\s+([^;{]*?)\b(seqfeat_\w+)\s*\(([^)]*)\)\s*;", text):
    returns, name, params = m.group(1), m.group(2), m.group(3)
    before = text[:m.start()].rstrip()
    if not before.endswith("*/") or before.rfind("/**") < before.rfind("*/", 0, len(before) - 2):
        problems.append(f"{name}: no /** */ comment right above it")
        continue
    doc = before[before.rfind("/**"):]
    names = [re.findall(r"(\w+)\s*$", p.strip())[0] for p in params.split(",")
             if p.strip() and p.strip() != "void"]
    for p in names:
        if not re.search(r"@param\s+" + p + r"\b", doc):
            problems.append(f"{name}: no @param {p}")
    if "void" != returns.replace("SEQFEAT_NODISCARD", "").strip() and "@return" not in doc:
        problems.append(f"{name}: no @return")
for p in problems:
    print("FAIL seqfeat.h", p)
sys.exit(1 if problems else 0)
PY
echo "ok   every seqfeat.h function has @param / @return"
