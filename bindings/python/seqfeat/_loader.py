"""Locates and loads libseqfeat.so.

Search order:
1. the SEQFEAT_LIBRARY environment variable (a path to the shared library; nothing else is tried);
2. the build tree next to this package (<repo>/build/libseqfeat.so), when the package is used
   from the source tree;
3. the lib directory of the Python prefix (sys.prefix/lib, lib64, lib/<multiarch>): where
   `cmake --install build --prefix "$VIRTUAL_ENV"` puts the library for a virtual environment;
4. the system loader (ctypes.util.find_library("seqfeat"), then "libseqfeat.so.0"): a prefix such
   as /usr/local after `cmake --install` and `ldconfig`, or a directory in LD_LIBRARY_PATH.
"""

import ctypes
import ctypes.util
import os
import sys
import sysconfig
from typing import Iterator

_ENV = "SEQFEAT_LIBRARY"
_SONAME = "libseqfeat.so.0"


def _prefix_candidates() -> Iterator[str]:
    multiarch = sysconfig.get_config_var("MULTIARCH")
    subdirs = ["lib", "lib64"] + ([os.path.join("lib", multiarch)] if multiarch else [])
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        for subdir in subdirs:
            path = os.path.join(prefix, subdir, _SONAME)
            if os.path.exists(path):
                yield path


def _candidates() -> Iterator[str]:
    path = os.environ.get(_ENV)
    if path:
        yield path
        return
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, os.pardir, os.pardir, os.pardir))
    build = os.path.join(repo, "build", "libseqfeat.so")
    if os.path.exists(build):
        yield build
    yield from _prefix_candidates()
    found = ctypes.util.find_library("seqfeat")
    if found:
        yield found
    yield _SONAME


def load_library() -> ctypes.CDLL:
    """Returns the loaded ctypes.CDLL; raises OSError listing every place that was tried."""
    errors = []
    for candidate in _candidates():
        try:
            return ctypes.CDLL(candidate)
        except OSError as e:
            errors.append(f"{candidate}: {e}")
    raise OSError(
        "libseqfeat could not be loaded. Set SEQFEAT_LIBRARY to the path of libseqfeat.so, or "
        "install the library with `cmake --install` into this Python's prefix or a system "
        "prefix (then run ldconfig). Tried: " + "; ".join(errors))
