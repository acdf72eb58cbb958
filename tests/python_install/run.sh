#!/usr/bin/env bash
# Installs the Python package the way a user does and checks that it finds the library.
#
#   tests/python_install/run.sh BUILD_DIR VERSION
#
# In a temporary directory: `cmake --install` of BUILD_DIR into a prefix, a virtual environment
# on that prefix (--system-site-packages, for Debian's numpy), `pip install` of bindings/python
# offline (--no-index, --no-build-isolation: Debian's setuptools builds it). Then, from outside
# the repository, the installed package must load the installed library on its own, report
# VERSION (the CMake project version) as seqfeat.__version__ and as its pip metadata, ship
# py.typed, and compute a known result; with SEQFEAT_LIBRARY it must load that library instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "$1" && pwd)"
version="$2"
python="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Build from a copy so that setuptools' build files never land in the source tree; the copy keeps
# the layout setup.py reads the version from (CMakeLists.txt above bindings/python).
mkdir -p "$tmp/src/bindings"
cp -r "$root/bindings/python" "$tmp/src/bindings/python"
cp "$root/CMakeLists.txt" "$tmp/src/"
rm -rf "$tmp/src/bindings/python/build" "$tmp/src/bindings/python/"*.egg-info

prefix="$tmp/venv"
cmake --install "$build" --prefix "$prefix" >/dev/null
"$python" -m venv --system-site-packages "$prefix"
"$prefix/bin/python" -m pip install --quiet --no-index --no-build-isolation --no-cache-dir \
  --disable-pip-version-check --isolated "$tmp/src/bindings/python"

cd "$tmp"
check='
import importlib.metadata, os, sys
import numpy as np
import seqfeat as sf
want_library, version = sys.argv[1], sys.argv[2]
package = os.path.dirname(sf.__file__)
assert package.startswith(sys.prefix), f"imported {package}, not the installed package"
loaded = os.path.realpath(sf._lib.dll._name)
assert loaded == os.path.realpath(want_library), f"loaded {loaded}, expected {want_library}"
assert sf.__version__ == version, (sf.__version__, version)
assert importlib.metadata.version("seqfeat") == version
assert os.path.isfile(os.path.join(package, "py.typed"))
ids = sf.sequence_categorical_column_with_identity("ids", 3)
dense, length = sf.SequenceFeatures([sf.indicator_column(ids)])({"ids": [[2, 0], [1]]})
assert dense.tolist() == [[[0, 0, 1], [1, 0, 0]], [[0, 1, 0], [0, 0, 0]]], dense
assert length.tolist() == [2, 1], length
print("ok  ", loaded)
'
# The library installed next to the environment, found without any setting.
env -u SEQFEAT_LIBRARY -u PYTHONPATH -u LD_LIBRARY_PATH "$prefix/bin/python" -c "$check" \
  "$prefix/lib/libseqfeat.so.0" "$version"
# SEQFEAT_LIBRARY wins over every other place.
env -u PYTHONPATH SEQFEAT_LIBRARY="$build/libseqfeat.so" "$prefix/bin/python" -c "$check" \
  "$build/libseqfeat.so" "$version"
