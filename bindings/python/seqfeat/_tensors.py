"""Input and output tensors: SparseTensor, RaggedTensor, the per-call input batch (a set of
zero-copy views handed to the library) and library-owned output tensors as numpy arrays."""

from __future__ import annotations

import collections
import ctypes as C
import weakref
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple, Union

import numpy as np

from . import _capi
from ._capi import lib
from ._errors import CALL, check
from ._types import ArrayLike, DTypeLike, Shape

if TYPE_CHECKING:
    from ._dtypes import DType


# ----------------------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------------------

_NUMERIC_CODES = {
    np.dtype(np.float32): _capi.DTYPE_FLOAT32,
    np.dtype(np.float64): _capi.DTYPE_FLOAT64,
    np.dtype(np.int32): _capi.DTYPE_INT32,
    np.dtype(np.int64): _capi.DTYPE_INT64,
}
_INT64 = np.dtype(np.int64)
_CODE_TO_NUMPY = {
    _capi.DTYPE_FLOAT32: np.float32,
    _capi.DTYPE_FLOAT64: np.float64,
    _capi.DTYPE_INT32: np.int32,
    _capi.DTYPE_INT64: np.int64,
    _capi.DTYPE_UINT8: np.uint8,
}


def _is_string_item(x):
    return isinstance(x, (str, bytes, np.str_, np.bytes_))


def as_values(values: ArrayLike) -> np.ndarray:
    """A 1-D or N-D numpy array of values the library accepts: float32/float64/int32/int64, or
    strings (unicode, bytes or object arrays). Python lists of floats become float32 (as TF's
    tf.constant), other integer widths become int64, float16 becomes float32."""
    from_python = not isinstance(values, np.ndarray)
    if from_python and isinstance(values, (list, tuple)) and any(map(_is_string_item, values)):
        # One object per item (also for nested items), without numpy's shape discovery.
        arr = np.fromiter(values, dtype=object, count=len(values))
    else:
        arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind in "USO":
        return arr
    if kind == "f":
        if arr.dtype == np.float64 and from_python:
            return arr.astype(np.float32)
        if arr.dtype not in (np.float32, np.float64):
            return arr.astype(np.float32)
        return arr
    if kind in "iu":
        if arr.dtype not in (np.int32, np.int64):
            return arr.astype(np.int64)
        return arr
    raise TypeError(f"Unsupported value dtype {arr.dtype}: values must be numbers (int32, int64, "
                    "float32, float64) or strings.")


def is_string_array(arr: np.ndarray) -> bool:
    """True for arrays of strings (unicode, bytes or object)."""
    return arr.dtype.kind in "USO"


def encode_strings(arr: ArrayLike,
                   where: Optional[Callable[[int], str]] = None) -> Tuple[np.ndarray, bytes]:
    """Arrow-style (offsets int64[n + 1], bytes) for an array of strings; str is encoded as
    UTF-8, bytes are used as given. A non-string item raises TypeError naming its position
    (`where(flat index)`, if given). Strings are joined and encoded in one pass; their byte
    offsets come from the code point counts (ASCII) or from the UTF-8 lead bytes."""
    flat = np.asarray(arr).reshape(-1)
    items = flat.tolist()
    if flat.dtype.kind != "S":
        try:
            text = "".join(items)
        except TypeError:
            return _encode_mixed(items, where)
        data = text.encode("utf-8")
        offsets = _cumulative(map(len, items), len(items))
        if len(data) != offsets[-1]:
            # Not ASCII: code point c of the text starts at byte starts[c].
            lead = np.frombuffer(data, dtype=np.uint8)
            starts = np.flatnonzero((lead & 0xC0) != 0x80)
            offsets = np.append(starts, len(data))[offsets]
        return offsets, data
    return _cumulative(map(len, items), len(items)), b"".join(items)


def _cumulative(lengths, n):
    offsets = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum(np.fromiter(lengths, dtype=np.int64, count=n), out=offsets[1:])
    return offsets


def _encode_mixed(items: List[Any], where: Optional[Callable[[int], str]]
                  ) -> Tuple[np.ndarray, bytes]:
    """encode_strings for sequences mixing str and bytes (one encode per item)."""
    encoded = []
    for i, s in enumerate(items):
        if isinstance(s, str):
            encoded.append(s.encode("utf-8"))
        elif isinstance(s, (bytes, bytearray, memoryview)):
            encoded.append(bytes(s))
        else:
            got = "None" if s is None else f"{type(s).__name__} {s!r}"
            raise TypeError(f"{where(i) if where else f'Value {i}'}: expected a string (str "
                            f"or bytes), got {got}.")
    return _cumulative(map(len, encoded), len(encoded)), b"".join(encoded)


def _int64_array(x, name):
    arr = np.ascontiguousarray(x, dtype=np.int64)
    if arr.dtype != np.int64:
        raise TypeError(f"{name} must be int64")
    return arr


def _i64p(arr):
    return arr.ctypes.data_as(_capi.i64p)


# ----------------------------------------------------------------------------------------------
# SparseTensor / RaggedTensor
# ----------------------------------------------------------------------------------------------

class SparseTensor:
    """COO sparse tensor, as tf.SparseTensor: `indices` int64 [N, R], `values` [N],
    `dense_shape` int64 [R]. Indices must be in canonical row-major order (checked when used)."""

    def __init__(self, indices: ArrayLike, values: ArrayLike, dense_shape: ArrayLike) -> None:
        self.dense_shape = _int64_array(dense_shape, "dense_shape").reshape(-1)
        rank = self.dense_shape.shape[0]
        indices = _int64_array(indices, "indices")
        if indices.size == 0:
            indices = indices.reshape(0, rank)
        elif indices.ndim == 1 and rank == 1:
            indices = indices.reshape(-1, 1)
        if indices.ndim != 2:
            raise ValueError(f"indices must be a matrix [N, R]; got shape {indices.shape}.")
        if indices.shape[1] != rank:
            raise ValueError(f"indices have {indices.shape[1]} columns but dense_shape has rank "
                             f"{rank}.")
        self.indices = indices
        values = as_values(values)
        if values.ndim != 1:
            values = values.reshape(-1)
        if values.shape[0] != indices.shape[0]:
            raise ValueError(f"SparseTensor has {indices.shape[0]} indices but "
                             f"{values.shape[0]} values.")
        if not is_string_array(values):
            values = np.ascontiguousarray(values)
        self.values = values

    @property
    def shape(self) -> Shape:
        """dense_shape as a tuple of ints."""
        return tuple(int(d) for d in self.dense_shape)

    @property
    def dtype(self) -> DType:
        """The values' dtype (sf.string for strings)."""
        from ._dtypes import as_dtype
        return as_dtype(self.values.dtype)

    def to_dense(self, default_value: Any = 0) -> np.ndarray:
        """Dense numpy array (repeated indices: the last one wins)."""
        dtype = object if is_string_array(self.values) else self.values.dtype
        out = np.full(self.shape, default_value, dtype=dtype)
        if self.indices.shape[0]:
            out[tuple(self.indices.T)] = self.values
        return out

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices.tolist()}, values={self.values.tolist()}, "
                f"dense_shape={self.dense_shape.tolist()})")


class OffsetStrings:
    """Strings held as Arrow-style offsets (int64 [n + 1]) + bytes (uint8 [offsets[-1]]), such
    as records decoded into the library's memory: a layer packs them as they are, and an object
    array of bytes is built only when the values are read (array())."""

    __slots__ = ("offsets", "data", "_array")

    def __init__(self, offsets: np.ndarray, data: np.ndarray) -> None:
        self.offsets = offsets
        self.data = data
        self._array: Optional[np.ndarray] = None

    @property
    def shape(self) -> Tuple[int]:
        """(number of strings,), as for a numpy vector."""
        return (max(self.offsets.shape[0] - 1, 0),)

    def array(self) -> np.ndarray:
        """The strings as a numpy object array of bytes (built once)."""
        if self._array is None:
            o = self.offsets.tolist()
            raw = self.data.tobytes()
            out = np.empty(len(o) - 1, dtype=object)
            out[:] = [raw[o[i]:o[i + 1]] for i in range(len(o) - 1)]
            self._array = out
        return self._array


def separated_strings(items: List[Any]) -> Optional[bytes]:
    """The items (all str, or all bytes) as one buffer with one NUL byte between consecutive
    items, str encoded as UTF-8: one join and one encode, instead of an encode or a length per
    item. None when that buffer cannot hold them: no items, items mixing str and bytes or not
    strings, a str that has no UTF-8 encoding, or an item holding NUL itself (the caller then
    encodes item by item, which names a bad item and keeps NULs)."""
    try:
        data = "\0".join(items).encode("utf-8")
    except TypeError:
        try:
            data = b"\0".join(items)
        except TypeError:
            return None
    except UnicodeEncodeError:
        return None
    if np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 0) != len(items) - 1:
        return None
    return data


class ListStrings:
    """A Python list of strings kept as it was given, so that a layer hands it to the library
    as one NUL-separated buffer (separated_strings) without building an object array first;
    the object array is built only when the values are read (array())."""

    __slots__ = ("items", "_array")

    def __init__(self, items: List[Any]) -> None:
        self.items = items
        self._array: Optional[np.ndarray] = None

    @property
    def shape(self) -> Tuple[int]:
        """(number of strings,), as for a numpy vector."""
        return (len(self.items),)

    def array(self) -> np.ndarray:
        """The strings as a numpy object array (built once)."""
        if self._array is None:
            self._array = np.fromiter(self.items, dtype=object, count=len(self.items))
        return self._array


def _stored_values(rt: RaggedTensor) -> Any:
    """The values a ragged tensor holds, without materialising OffsetStrings or ListStrings."""
    return vars(rt)["values"]


class RaggedTensor:
    """Ragged tensor in row-splits form (TF RaggedTensor, Arrow List<T>): row i holds
    values[row_splits[i]:row_splits[i + 1]]. `values` may itself be a RaggedTensor (one more
    level: examples -> steps -> values, for multi-valued steps)."""

    def __init__(self, values: Union[np.ndarray, RaggedTensor, OffsetStrings, ListStrings],
                 row_splits: np.ndarray, _internal: bool = False) -> None:
        if not _internal:
            raise TypeError("Use RaggedTensor.from_row_splits(values, row_splits).")
        self.__dict__["values"] = values
        self.row_splits = row_splits

    @property
    def values(self) -> Union[np.ndarray, RaggedTensor]:
        """The values (a numpy vector) or the inner RaggedTensor. Strings held in the form they
        were handed over in (OffsetStrings, ListStrings) become a numpy array on first read."""
        v = self.__dict__["values"]
        if isinstance(v, (OffsetStrings, ListStrings)):
            v = v.array()
            self.__dict__["values"] = v
        return v

    @values.setter
    def values(self, v: Any) -> None:
        self.__dict__["values"] = v

    @classmethod
    def from_row_splits(cls, values: Union[ArrayLike, RaggedTensor, OffsetStrings],
                        row_splits: ArrayLike, validate: bool = True) -> RaggedTensor:
        """Row i holds values[row_splits[i]:row_splits[i + 1]]; values may be a RaggedTensor
        (multi-valued steps) or OffsetStrings (UTF-8 bytes + offsets, handed to a layer as they
        are). A Python list of strings is kept, not copied (copying would touch every string
        object once more): do not change the list while the tensor is in use. With validate,
        row_splits must start at 0, not decrease and end at the number of values (ValueError
        otherwise)."""
        if (not validate and type(values) is np.ndarray and type(row_splits) is np.ndarray
                and row_splits.dtype == _INT64 and row_splits.ndim == 1
                and row_splits.shape[0] >= 1 and row_splits.flags.c_contiguous
                and values.ndim == 1 and values.dtype in _NUMERIC_CODES
                and values.flags.c_contiguous):
            # Already what the conversions below would make of them (a layer's hot loop).
            return cls(values, row_splits, _internal=True)
        row_splits = _int64_array(row_splits, "row_splits")
        if row_splits.ndim != 1 or row_splits.shape[0] < 1:
            raise ValueError("row_splits must be a non-empty vector.")
        if isinstance(values, list) and values and any(map(_is_string_item, values)):
            values = ListStrings(values)
        elif not isinstance(values, (RaggedTensor, OffsetStrings, ListStrings)):
            values = as_values(values)
            if values.ndim != 1:
                values = values.reshape(-1)
            if not is_string_array(values):
                values = np.ascontiguousarray(values)
        if validate:
            nvals = values.nrows() if isinstance(values, RaggedTensor) else values.shape[0]
            if row_splits[0] != 0:
                raise ValueError("row_splits must start with 0.")
            if np.any(np.diff(row_splits) < 0):
                raise ValueError("row_splits must be non-decreasing.")
            if row_splits[-1] != nvals:
                raise ValueError(f"row_splits end at {row_splits[-1]} but there are {nvals} "
                                 "values.")
        return cls(values, row_splits, _internal=True)

    @classmethod
    def from_nested_list(cls, pylist: Any, dtype: Optional[DTypeLike] = None,
                         feature: Optional[str] = None) -> RaggedTensor:
        """From a list of examples, each a list of steps; a step is one value, or a list of
        values (multi-valued step). Equivalent to tf.ragged.constant for these two shapes.

        dtype (optional) is the value type; without it the values decide (str/bytes: string,
        Python ints: int64, floats: float32) and a list without any value is int64. A value that
        does not fit raises TypeError / ValueError naming the feature (if given), the example,
        the step and the value."""
        return _ragged_from_lists(pylist, None if dtype is None else _as_dtype(dtype),
                                  _Where(feature))

    def nrows(self) -> int:
        """The number of rows (examples)."""
        return int(self.row_splits.shape[0] - 1)

    @property
    def ragged_rank(self) -> int:
        """The number of ragged levels: 1 (one value per step) or 2 (several)."""
        return 1 + (self.values.ragged_rank if isinstance(self.values, RaggedTensor) else 0)

    @property
    def flat_values(self) -> np.ndarray:
        """The innermost values, without any splits."""
        v = self.values
        while isinstance(v, RaggedTensor):
            v = v.values
        return v

    def to_sparse(self) -> "SparseTensor":
        """The SparseTensor of the same values (tf.RaggedTensor.to_sparse): indices [N, R]
        with R = ragged_rank + 1, dense_shape the longest row at each level."""
        lengths = np.diff(self.row_splits)
        rows = np.repeat(np.arange(self.nrows(), dtype=np.int64), lengths)
        pos = np.arange(self.row_splits[-1], dtype=np.int64) - np.repeat(self.row_splits[:-1],
                                                                         lengths)
        width = int(lengths.max()) if lengths.size else 0
        if isinstance(self.values, RaggedTensor):
            inner = self.values.to_sparse()
            step = inner.indices[:, 0]
            indices = np.column_stack([rows[step], pos[step], inner.indices[:, 1:]])
            shape = [self.nrows(), width] + inner.dense_shape[1:].tolist()
            return SparseTensor(indices.reshape(-1, len(shape)), inner.values, shape)
        indices = np.column_stack([rows, pos]) if rows.size else np.zeros((0, 2), np.int64)
        return SparseTensor(indices, self.values, [self.nrows(), width])

    def to_tensor(self, default_value: Any = None) -> np.ndarray:
        """Dense numpy array padded with default_value (0 or b'' by default), as
        tf.RaggedTensor.to_tensor."""
        st = self.to_sparse()
        if default_value is None:
            default_value = b"" if is_string_array(st.values) else 0
        return st.to_dense(default_value)

    def to_list(self) -> List[Any]:
        """Nested Python lists, as tf.RaggedTensor.to_list."""
        inner = self.values.to_list() if isinstance(self.values, RaggedTensor) \
            else self.values.tolist()
        s = self.row_splits
        return [inner[s[i]:s[i + 1]] for i in range(self.nrows())]

    def __repr__(self) -> str:
        return f"RaggedTensor({self.to_list()!r})"


def _as_dtype(dtype):
    from ._dtypes import as_dtype
    return as_dtype(dtype)


class _Where:
    """Names a position of a Python-list input in error messages: the feature (if known), the
    example, the step and the value within a multi-valued step."""

    def __init__(self, feature):
        self.feature = feature

    def __call__(self, *position):
        parts = [f"{name} {i}" for name, i in zip(("example", "step", "value"), position)]
        text = ", ".join(parts)
        if self.feature is not None:
            return f"Feature {self.feature}, {text}" if text else f"Feature {self.feature}"
        return text[:1].upper() + text[1:] if text else "Value"


_STRING_TYPES = frozenset((str, bytes, np.str_, np.bytes_))
_LIST_TYPES = (list, tuple, np.ndarray)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _is_number_type(t):
    return issubclass(t, (int, float, np.integer, np.floating)) and \
        not issubclass(t, (bool, np.bool_))


def _expected_text(kind, dtype):
    if kind == "string":
        return "a string (str or bytes)"
    name = f" ({dtype.name})" if dtype is not None else ""
    return f"an integer{name}" if kind == "integer" else f"a number{name}"


def _value_kind(dtype, flat, exact):
    """'string', 'integer' or 'number': the kind of value the list must hold — the dtype's
    (only string or number unless `exact`), or else that of its first string or number."""
    if dtype is not None:
        if dtype.is_string:
            return "string"
        return "integer" if exact and dtype.is_integer else "number"
    for v in flat:
        if type(v) in _STRING_TYPES:
            return "string"
        if _is_number_type(type(v)):
            return "number"
    return "number"


def _fits(v, kind):
    t = type(v)
    if kind == "string":
        return t in _STRING_TYPES
    if not _is_number_type(t):
        return False
    if kind == "integer" and not issubclass(t, (int, np.integer)):
        return False
    return not isinstance(v, (int, np.integer)) or _INT64_MIN <= int(v) <= _INT64_MAX


def _misfit_error(v, kind, dtype, where):
    """TypeError (wrong kind of value) or ValueError (an integer outside int64) for v."""
    if kind != "string" and isinstance(v, (int, np.integer)) and not isinstance(v, bool) and \
            not _INT64_MIN <= int(v) <= _INT64_MAX:
        return ValueError(f"{where}: the integer {v} does not fit in int64 (ids and integer "
                          "values must be in [-2**63, 2**63 - 1]).")
    got = "None" if v is None else f"{type(v).__name__} {v!r}"
    return TypeError(f"{where}: expected {_expected_text(kind, dtype)}, got {got}.")


def list_values(flat, dtype=None, where=None, position=None, exact=True):
    """numpy array of a flat Python list of values (see RaggedTensor.from_nested_list for the
    types). With `exact`, the values must be of `dtype` and are converted to it; otherwise
    `dtype` (the column's) only decides between strings and numbers and the dtype of a list
    without values. `position(i)` gives the indices (example, step, ...) of flat[i] and
    `where(*indices)` the text naming them, for messages."""
    if not flat:
        # No value to infer a type from: the given dtype, else int64 (numbers and ids).
        return np.zeros(0, dtype=np.int64 if dtype is None else dtype.as_numpy_dtype)
    types = set(map(type, flat))
    kind = _value_kind(dtype, flat, exact)
    arr = None
    if kind == "string" and types <= _STRING_TYPES:
        arr = np.empty(len(flat), dtype=object)
        arr[:] = flat
    elif kind != "string" and all(map(_is_number_type, types)):
        arr = np.asarray(flat)
        integers = all(issubclass(t, (int, np.integer)) for t in types)
        if arr.dtype.kind in "uO" or ((integers or kind == "integer") and arr.dtype.kind != "i"):
            arr = None  # an int beyond int64 (numpy picked uint64, float64 or object), a float
        elif exact and dtype is not None:
            arr = arr.astype(dtype.as_numpy_dtype)
        else:  # TF's tf.constant: Python floats are float32, Python ints int64 here
            arr = arr.astype(np.float32 if arr.dtype.kind == "f" else np.int64)
    if arr is None:
        where = where or _Where(None)
        for i, v in enumerate(flat):
            if not _fits(v, kind):
                raise _misfit_error(v, kind, dtype, where(*(position(i) if position else (i,))))
        raise TypeError(f"{where()}: cannot convert the values to {kind}s.")
    return arr


def _ragged_from_lists(pylist, dtype, where, exact=True):
    """RaggedTensor of one or two ragged levels from nested Python lists (see
    RaggedTensor.from_nested_list); every malformed part is reported with its position."""
    if not isinstance(pylist, _LIST_TYPES):
        raise TypeError(f"{where()}: expected a list of examples, got {type(pylist).__name__} "
                        f"{pylist!r}.")
    rows = []
    for b, row in enumerate(pylist):
        if not isinstance(row, _LIST_TYPES):
            got = "None" if row is None else f"{type(row).__name__} {row!r}"
            raise TypeError(f"{where(b)}: expected a list of steps, got {got}.")
        rows.append(list(row))
    nested = None
    for row in rows:
        if row:
            nested = isinstance(row[0], _LIST_TYPES)
            break
    row_splits = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=row_splits[1:])

    def step_position(i):  # (example, step) of flat step i
        b = int(np.searchsorted(row_splits, i, side="right")) - 1
        return b, i - int(row_splits[b])

    steps = [s for r in rows for s in r]
    for i, s in enumerate(steps):
        if isinstance(s, _LIST_TYPES) != bool(nested):
            what = "a list of values" if nested else "one value"
            raise ValueError(f"{where(*step_position(i))}: inconsistent nesting: every step must "
                             f"be one value or every step a list of values; the first step is "
                             f"{what}, this one is {type(s).__name__} {s!r}.")
    if not nested:
        values = list_values(steps, dtype, where, step_position, exact)
        return RaggedTensor.from_row_splits(values, row_splits)
    step_splits = np.zeros(len(steps) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in steps], out=step_splits[1:])

    def value_position(i):  # (example, step, value) of flat value i
        s = int(np.searchsorted(step_splits, i, side="right")) - 1
        return step_position(s) + (i - int(step_splits[s]),)

    flat = [v for s in steps for v in s]
    inner = RaggedTensor.from_row_splits(list_values(flat, dtype, where, value_position, exact),
                                         step_splits)
    return RaggedTensor.from_row_splits(inner, row_splits)


IdWeightPair = collections.namedtuple("IdWeightPair", ["id_tensor", "weight_tensor"])


# ----------------------------------------------------------------------------------------------
# Input batches
# ----------------------------------------------------------------------------------------------

def _is_sparse_like(value):
    return all(hasattr(value, a) for a in ("indices", "values", "dense_shape"))


def _is_ragged_like(value):
    return hasattr(value, "row_splits") and hasattr(value, "values")


def _rank0_error(key, value):
    return ValueError(f"Feature (key: {key}) cannot have rank 0. Given: {value!r}")


_FEATURE_SIZE = C.sizeof(_capi.Feature)
_NO_FEATURES = (_capi.Feature * 0)()


class Batch:
    """One call's input: a seqfeat_batch of views on numpy arrays. Features are described with
    add() and handed to the library in one seqfeat_batch_set call by commit(); the arrays are
    kept alive here until the batch is refilled or closed (the library reads them zero-copy).
    reset() starts a new fill of the same batch, whose library-side storage is then reused."""

    def __init__(self):
        handle = C.c_void_p()
        check(lib.batch_create(C.byref(handle)), CALL)
        self.handle = handle
        self._keep = []
        self._key = None
        self._dtype = None
        self._descs = _NO_FEATURES
        self._count = 0
        self._finalizer = weakref.finalize(self, lib.batch_free, handle)

    def reset(self):
        self._count = 0
        self._keep.clear()

    def close(self):
        self._finalizer()
        self._keep = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def commit(self):
        check(lib.batch_set(self.handle, self._descs, self._count), CALL)

    def _slot(self, key_bytes):
        if self._count == len(self._descs):
            grown = (_capi.Feature * max(4, 2 * self._count))()
            C.memmove(grown, self._descs, self._count * _FEATURE_SIZE)
            self._descs = grown
        d = self._descs[self._count]
        self._count += 1
        C.memset(C.addressof(d), 0, _FEATURE_SIZE)
        d.struct_size = _FEATURE_SIZE
        d.key = key_bytes
        return d

    def add(self, key, value, normalizer=None, dtype=None, key_bytes=None):
        """Describes features[key]. `normalizer` (numpy float32 array -> same-shape array) is
        applied to the present values only. `dtype` is the type the reading column expects:
        it is the type of an input without values, and Python lists are checked against it."""
        d = self._slot(key_bytes if key_bytes is not None else key.encode("utf-8"))
        self._key = key
        self._dtype = dtype
        if isinstance(value, RaggedTensor):
            self._add_ragged(d, value, normalizer)
        elif isinstance(value, SparseTensor):
            self._add_sparse(d, value, normalizer, key)
        elif isinstance(value, np.ndarray):
            self._add_dense(d, value, normalizer, key)
        elif _is_sparse_like(value):
            st = SparseTensor(np.asarray(value.indices), np.asarray(value.values),
                              np.asarray(value.dense_shape))
            self._add_sparse(d, st, normalizer, key)
        elif _is_ragged_like(value) and not hasattr(value, "__array__"):
            self._add_ragged(d, _convert_ragged(value), normalizer)
        elif isinstance(value, (list, tuple)) and any(
                isinstance(v, _LIST_TYPES) for v in value):
            self._add_ragged(d, _ragged_from_lists(value, dtype, _Where(key), exact=False),
                             normalizer)
        elif isinstance(value, (list, tuple)):
            self._add_dense(d, list_values(list(value), dtype, _Where(key), exact=False),
                            normalizer, key)
        else:
            arr = np.asarray(value)
            if arr.ndim == 0:
                raise _rank0_error(key, value)
            self._add_dense(d, as_values(arr), normalizer, key)

    def _set_values(self, d, values, normalizer, position):
        """Points the descriptor at the values: numbers, fixed-width bytes ('S', zero-copy),
        UTF-32 ('U', zero-copy, converted to UTF-8 by the library) or other strings encoded
        once into offsets + bytes. position(i) gives the indices (example, step, ...) of value
        i, for messages."""
        if isinstance(values, OffsetStrings):
            # Already the library's layout (e.g. decoded records): no copy, no encoding.
            self._keep.append(values)
            d.dtype = _capi.DTYPE_STRING
            d.string_layout = _capi.STRINGS_OFFSETS
            d.string_offsets = values.offsets.ctypes.data
            d.values = values.data.ctypes.data
            return
        if isinstance(values, ListStrings):
            if normalizer is None and self._set_separated(d, values.items):
                return
            values = values.array()
        if values.size == 0 and self._dtype is not None:
            # Nothing to convert: the column's dtype, whatever the empty container's.
            values = np.zeros(values.shape, dtype=self._dtype.as_numpy_dtype)
        if normalizer is not None:
            values = _normalize(values, normalizer)
        dtype = values.dtype
        kind = dtype.kind
        if kind not in "USO":
            values = np.ascontiguousarray(values)
            self._keep.append(values)
            d.dtype = _NUMERIC_CODES[values.dtype]
            d.values = values.ctypes.data
            return
        d.dtype = _capi.DTYPE_STRING
        if kind == "S" and dtype.itemsize > 0:
            values = np.ascontiguousarray(values)
            d.string_layout = _capi.STRINGS_FIXED
        elif kind == "U" and dtype.itemsize > 0:
            # A byte-order conversion only when needed: asking numpy for '=U' on a native
            # array casts item by item.
            if not dtype.isnative:
                values = values.astype(dtype.newbyteorder("="))
            values = np.ascontiguousarray(values)
            d.string_layout = _capi.STRINGS_UTF32
        else:
            if self._set_separated(d, values.reshape(-1).tolist()):
                return
            where = _Where(self._key)
            offsets, data = encode_strings(values, lambda i: where(*position(i)))
            data = np.frombuffer(data, dtype=np.uint8)
            self._keep.extend((offsets, data))
            d.string_layout = _capi.STRINGS_OFFSETS
            d.string_offsets = offsets.ctypes.data
            d.values = data.ctypes.data
            return
        self._keep.append(values)
        d.values = values.ctypes.data
        d.string_itemsize = values.dtype.itemsize

    def _set_separated(self, d, items):
        """Points the descriptor at the items as one NUL-separated buffer; False if they do not
        fit that layout (see separated_strings)."""
        data = separated_strings(items)
        if data is None:
            return False
        self._keep.append(data)
        d.dtype = _capi.DTYPE_STRING
        d.string_layout = _capi.STRINGS_SEPARATED
        d.values = C.cast(C.c_char_p(data), C.c_void_p).value
        d.string_itemsize = len(data)
        return True

    def _add_sparse(self, d, st, normalizer, key):
        rank = st.dense_shape.shape[0]
        if rank == 0:
            raise _rank0_error(key, st)
        self._keep.extend((st.indices, st.dense_shape))
        d.form = _capi.FORM_SPARSE
        d.indices = st.indices.ctypes.data
        d.num_values = st.indices.shape[0]
        d.rank = rank
        d.shape = st.dense_shape.ctypes.data
        self._set_values(d, st.values, normalizer,
                         lambda i: tuple(st.indices[i].tolist()))

    def _add_ragged(self, d, rt, normalizer):
        flat = _stored_values(rt)
        if isinstance(flat, RaggedTensor):
            if isinstance(_stored_values(flat), RaggedTensor):
                raise ValueError("Ragged features may have at most two ragged levels (examples -> "
                                 "steps -> values).")
            step_splits = flat.row_splits
            self._keep.append(step_splits)
            d.step_splits = step_splits.ctypes.data
            d.num_steps = step_splits.shape[0] - 1
            flat = _stored_values(flat)
        row_splits = rt.row_splits
        self._keep.append(row_splits)
        d.form = _capi.FORM_RAGGED
        d.batch_size = row_splits.shape[0] - 1
        d.row_splits = row_splits.ctypes.data
        d.num_values = flat.shape[0]
        self._set_values(d, flat, normalizer, lambda i: _ragged_position(rt, i))

    def _add_dense(self, d, arr, normalizer, key):
        arr = as_values(arr)
        if arr.ndim == 0:
            raise _rank0_error(key, arr)
        shape = np.asarray(arr.shape, dtype=np.int64)
        self._keep.append(shape)
        d.form = _capi.FORM_DENSE
        d.shape = shape.ctypes.data
        d.rank = arr.ndim
        self._set_values(d, arr, normalizer,
                         lambda i: tuple(int(j) for j in np.unravel_index(i, arr.shape)))


def _ragged_position(rt, i):
    """(example, step[, value]) of flat value i of a ragged tensor of one or two levels."""
    if isinstance(rt.values, RaggedTensor):
        splits = rt.values.row_splits
        s = int(np.searchsorted(splits, i, side="right")) - 1
        b = int(np.searchsorted(rt.row_splits, s, side="right")) - 1
        return b, s - int(rt.row_splits[b]), i - int(splits[s])
    b = int(np.searchsorted(rt.row_splits, i, side="right")) - 1
    return b, i - int(rt.row_splits[b])


def _convert_ragged(value):
    inner = value.values
    if _is_ragged_like(inner) and not isinstance(inner, np.ndarray):
        inner = _convert_ragged(inner)
    else:
        inner = np.asarray(inner)
    return RaggedTensor.from_row_splits(inner, np.asarray(value.row_splits))


def _normalize(values, fn):
    if is_string_array(values):
        raise TypeError("normalizer_fn needs numeric values; got strings.")
    x = np.asarray(values, dtype=np.float32)
    y = np.asarray(fn(x), dtype=np.float32)
    if y.shape != x.shape:
        raise ValueError(f"normalizer_fn must return an array of the shape it was given: got "
                         f"{y.shape} for {x.shape}.")
    return y


# ----------------------------------------------------------------------------------------------
# Output tensors
# ----------------------------------------------------------------------------------------------

def tensor_to_numpy(handle):
    """numpy view of a library-owned seqfeat_tensor (takes ownership; no copy): the tensor is
    freed when the last array viewing it is gone."""
    if not handle:
        return None
    try:
        ndim = lib.tensor_ndim(handle)
        shape_ptr = lib.tensor_shape(handle)
        shape = tuple(int(shape_ptr[i]) for i in range(ndim))
        dtype = np.dtype(_CODE_TO_NUMPY[lib.tensor_dtype(handle)])
        size = int(lib.tensor_size(handle))
        data = lib.tensor_data(handle)
    except BaseException:
        lib.tensor_free(handle)
        raise
    if size == 0 or not data:
        lib.tensor_free(handle)
        return np.zeros(shape, dtype=dtype)
    buf = (C.c_char * (size * dtype.itemsize)).from_address(data)
    # The ctypes buffer owns the tensor: numpy keeps the buffer alive while any view exists.
    weakref.finalize(buf, lib.tensor_free, handle)
    return np.frombuffer(buf, dtype=dtype).reshape(shape)
