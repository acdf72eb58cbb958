"""Locates and loads libseqfeat.so.

Search order: the SEQFEAT_LIBRARY environment variable (a path to the shared library), the
build tree next to this package (<repo>/build/libseqfeat.so), then the system loader
(ctypes.util.find_library("seqfeat"), then "libseqfeat.so.0").
"""

import ctypes
import ctypes.util
import os

_ENV = "SEQFEAT_LIBRARY"


def _candidates():
    path = os.environ.get(_ENV)
    if path:
        yield path
        return
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, os.pardir, os.pardir, os.pardir))
    build = os.path.join(repo, "build", "libseqfeat.so")
    if os.path.exists(build):
        yield build
    found = ctypes.util.find_library("seqfeat")
    if found:
        yield found
    yield "libseqfeat.so.0"


def load_library():
    """Returns the loaded ctypes.CDLL; raises OSError listing every place that was tried."""
    errors = []
    for candidate in _candidates():
        try:
            return ctypes.CDLL(candidate)
        except OSError as e:
            errors.append(f"{candidate}: {e}")
    raise OSError(
        "libseqfeat could not be loaded. Set SEQFEAT_LIBRARY to the path of libseqfeat.so. "
        "Tried: " + "; ".join(errors))
