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
        arr = np.empty(len(values), dtype=object)
        arr[:] = list(values)
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
    (`where(flat index)`, if given)."""
    flat = np.asarray(arr).reshape(-1)
    if flat.dtype.kind == "S":
        items = flat.tolist()
    elif flat.dtype.kind == "U":
        items = [s.encode("utf-8") for s in flat.tolist()]
    else:
        items = []
        for i, s in enumerate(flat.tolist()):
            if isinstance(s, str):
                items.append(s.encode("utf-8"))
            elif isinstance(s, (bytes, bytearray, memoryview)):
                items.append(bytes(s))
            else:
                got = "None" if s is None else f"{type(s).__name__} {s!r}"
                raise TypeError(f"{where(i) if where else f'Value {i}'}: expected a string (str "
                                f"or bytes), got {got}.")
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    if items:
        np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)), out=offsets[1:])
    return offsets, b"".join(items)


_VIEW_DTYPE = np.dtype([("data", np.uintp), ("size", np.uintp)])
assert _VIEW_DTYPE.itemsize == C.sizeof(_capi.StringView)


def string_views(arr: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(flat array, seqfeat_string_view[n]) for a fixed-width bytes ('S') array: each view
    points into the flat array's buffer, its length without numpy's trailing NUL padding."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    views = np.empty(flat.shape[0], dtype=_VIEW_DTYPE)
    itemsize = flat.dtype.itemsize
    views["data"] = flat.ctypes.data + np.arange(flat.shape[0], dtype=np.uintp) * itemsize
    views["size"] = np.char.str_len(flat) if flat.shape[0] else 0
    return flat, views


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


class RaggedTensor:
    """Ragged tensor in row-splits form (TF RaggedTensor, Arrow List<T>): row i holds
    values[row_splits[i]:row_splits[i + 1]]. `values` may itself be a RaggedTensor (one more
    level: examples -> steps -> values, for multi-valued steps)."""

    def __init__(self, values: Union[np.ndarray, RaggedTensor], row_splits: np.ndarray,
                 _internal: bool = False) -> None:
        if not _internal:
            raise TypeError("Use RaggedTensor.from_row_splits(values, row_splits).")
        self.values = values
        self.row_splits = row_splits

    @classmethod
    def from_row_splits(cls, values: Union[ArrayLike, RaggedTensor], row_splits: ArrayLike,
                        validate: bool = True) -> RaggedTensor:
        """Row i holds values[row_splits[i]:row_splits[i + 1]]; values may be a RaggedTensor
        (multi-valued steps). With validate, row_splits must start at 0, not decrease and end at
        the number of values (ValueError otherwise)."""
        row_splits = _int64_array(row_splits, "row_splits")
        if row_splits.ndim != 1 or row_splits.shape[0] < 1:
            raise ValueError("row_splits must be a non-empty vector.")
        if not isinstance(values, RaggedTensor):
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


class Batch:
    """One call's input: a seqfeat_batch of views on numpy arrays. The arrays are kept alive
    here until the batch is closed (the library reads them zero-copy)."""

    def __init__(self):
        handle = C.c_void_p()
        check(lib.batch_create(C.byref(handle)), CALL)
        self.handle = handle
        self._keep = []
        self._key = None
        self._dtype = None
        self._finalizer = weakref.finalize(self, lib.batch_free, handle)

    def close(self):
        self._finalizer()
        self._keep = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def add(self, key, value, normalizer=None, dtype=None):
        """Adds features[key]. `normalizer` (numpy float32 array -> same-shape array) is
        applied to the present values only. `dtype` is the type the reading column expects:
        it is the type of an input without values, and Python lists are checked against it."""
        kb = key.encode("utf-8")
        self._key = key
        self._dtype = dtype
        if isinstance(value, SparseTensor):
            self._add_sparse(kb, value, normalizer, key)
        elif isinstance(value, RaggedTensor):
            self._add_ragged(kb, value, normalizer)
        elif isinstance(value, np.ndarray):
            self._add_dense(kb, value, normalizer, key)
        elif _is_sparse_like(value):
            st = SparseTensor(np.asarray(value.indices), np.asarray(value.values),
                              np.asarray(value.dense_shape))
            self._add_sparse(kb, st, normalizer, key)
        elif _is_ragged_like(value) and not hasattr(value, "__array__"):
            self._add_ragged(kb, _convert_ragged(value), normalizer)
        elif isinstance(value, (list, tuple)) and any(
                isinstance(v, _LIST_TYPES) for v in value):
            self._add_ragged(kb, _ragged_from_lists(value, dtype, _Where(key), exact=False),
                             normalizer)
        elif isinstance(value, (list, tuple)):
            self._add_dense(kb, list_values(list(value), dtype, _Where(key), exact=False),
                            normalizer, key)
        else:
            arr = np.asarray(value)
            if arr.ndim == 0:
                raise _rank0_error(key, value)
            self._add_dense(kb, as_values(arr), normalizer, key)

    def _values(self, values, normalizer, position):
        """(kind, a, b): ('numeric', dtype code, array), ('offsets', offsets, bytes) or
        ('views', views, None). Fixed-width bytes arrays are passed as (pointer, length) views
        into the numpy buffer (no copy); other strings are encoded once into offsets + bytes.
        position(i) gives the indices (example, step, ...) of value i, for messages."""
        if values.size == 0 and self._dtype is not None:
            # Nothing to convert: the column's dtype, whatever the empty container's.
            values = np.zeros(values.shape, dtype=self._dtype.as_numpy_dtype)
        if normalizer is not None:
            values = _normalize(values, normalizer)
        if is_string_array(values):
            if values.dtype.kind == "S":
                flat, views = string_views(values)
                self._keep.extend((flat, views))
                return "views", views, None
            where = _Where(self._key)
            offsets, data = encode_strings(values, lambda i: where(*position(i)))
            self._keep.extend((offsets, data))
            return "offsets", offsets, data
        values = np.ascontiguousarray(values)
        self._keep.append(values)
        return "numeric", _NUMERIC_CODES[values.dtype], values

    def _add_sparse(self, kb, st, normalizer, key):
        rank = st.dense_shape.shape[0]
        if rank == 0:
            raise _rank0_error(key, st)
        self._keep.extend((st.indices, st.dense_shape))
        kind, a, b = self._values(st.values, normalizer,
                                  lambda i: tuple(st.indices[i].tolist()))
        n = st.indices.shape[0]
        common = (self.handle, kb, _i64p(st.indices), n, rank, _i64p(st.dense_shape))
        if kind == "numeric":
            status = lib.batch_add_sparse(*common, a, b.ctypes.data)
        elif kind == "views":
            status = lib.batch_add_sparse_string_views(*common, a.ctypes.data)
        else:
            status = lib.batch_add_sparse_strings(*common, _i64p(a), b)
        check(status, CALL)

    def _add_ragged(self, kb, rt, normalizer):
        if isinstance(rt.values, RaggedTensor):
            if isinstance(rt.values.values, RaggedTensor):
                raise ValueError("Ragged features may have at most two ragged levels (examples -> "
                                 "steps -> values).")
            step_splits = rt.values.row_splits
            num_steps = step_splits.shape[0] - 1
            flat = rt.values.values
            self._keep.append(step_splits)
            step_ptr = _i64p(step_splits)
        else:
            num_steps = 0
            step_ptr = None
            flat = rt.values
        self._keep.append(rt.row_splits)
        kind, a, b = self._values(flat, normalizer, lambda i: _ragged_position(rt, i))
        nvals = flat.shape[0]
        common = (self.handle, kb, rt.nrows(), _i64p(rt.row_splits), num_steps, step_ptr)
        if kind == "numeric":
            status = lib.batch_add_ragged(*common, a, b.ctypes.data, nvals)
        elif kind == "views":
            status = lib.batch_add_ragged_string_views(*common, a.ctypes.data, nvals)
        else:
            status = lib.batch_add_ragged_strings(*common, _i64p(a), b, nvals)
        check(status, CALL)

    def _add_dense(self, kb, arr, normalizer, key):
        arr = as_values(arr)
        if arr.ndim == 0:
            raise _rank0_error(key, arr)
        shape = np.asarray(arr.shape, dtype=np.int64)
        self._keep.append(shape)
        kind, a, b = self._values(arr, normalizer,
                                  lambda i: tuple(int(d) for d in np.unravel_index(i, arr.shape)))
        common = (self.handle, kb, _i64p(shape), arr.ndim)
        if kind == "numeric":
            status = lib.batch_add_dense(*common, a, b.ctypes.data)
        elif kind == "views":
            status = lib.batch_add_dense_string_views(*common, a.ctypes.data)
        else:
            status = lib.batch_add_dense_strings(*common, _i64p(a), b)
        check(status, CALL)


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
