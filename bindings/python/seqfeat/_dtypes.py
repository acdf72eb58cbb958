"""dtypes: module constants, TF-style names and numpy dtypes, all accepted wherever a dtype is."""

from __future__ import annotations

from typing import cast

import numpy as np

from . import _capi
from ._types import DTypeLike


class DType:
    """A value type, named as TF names it. Usable where numpy expects a dtype (`np.zeros(shape,
    sf.float32)`), and equal to its TF name and to the matching numpy dtype."""

    __slots__ = ("name", "code", "as_numpy_dtype", "is_integer", "is_floating")

    def __init__(self, name: str, code: int, numpy_type: type, is_integer: bool,
                 is_floating: bool) -> None:
        self.name = name
        self.code = code
        self.as_numpy_dtype = numpy_type
        self.is_integer = is_integer
        self.is_floating = is_floating

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype (lets numpy accept a DType wherever it takes a dtype)."""
        return np.dtype(self.as_numpy_dtype)

    @property
    def is_string(self) -> bool:
        """True for the string dtype."""
        return self.code == _capi.DTYPE_STRING

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self.name == other.name
        try:
            return self.name == as_dtype(cast(DTypeLike, other)).name
        except TypeError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"seqfeat.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"


string = DType("string", _capi.DTYPE_STRING, np.object_, False, False)
int64 = DType("int64", _capi.DTYPE_INT64, np.int64, True, False)
int32 = DType("int32", _capi.DTYPE_INT32, np.int32, True, False)
float32 = DType("float32", _capi.DTYPE_FLOAT32, np.float32, False, True)
float64 = DType("float64", _capi.DTYPE_FLOAT64, np.float64, False, True)

_BY_NAME = {
    "string": string, "str": string, "bytes": string,
    "int64": int64, "int32": int32,
    "float32": float32, "float": float32,
    "float64": float64, "double": float64,
}


def as_dtype(value: DTypeLike) -> DType:
    """DType for a DType, a TF-style name ('int64', 'string', ...) or a numpy dtype/type."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is str or value is bytes:
        return string
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a seqfeat dtype.") from None
    if np_dtype.kind in "USO":
        return string
    for candidate in (int64, int32, float32, float64):
        if np_dtype == np.dtype(candidate.as_numpy_dtype):
            return candidate
    raise TypeError(f"Cannot convert {value!r} to a seqfeat dtype: supported dtypes are "
                    "string, int64, int32, float32 and float64.")


def describe(np_dtype: DTypeLike) -> str:
    """TF-style text for any numpy dtype, for error messages ("<dtype: 'float64'>")."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in "USO":
        return str(string)
    return f"<dtype: '{np_dtype.name}'>"


def numpy_kind(np_dtype: DTypeLike) -> str:
    """'string', 'integer', 'floating' or 'other' for a numpy dtype."""
    kind = np.dtype(np_dtype).kind
    if kind in "USO":
        return "string"
    if kind in "iu":
        return "integer"
    if kind == "f":
        return "floating"
    return "other"
