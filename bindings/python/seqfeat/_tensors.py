"""Input and output tensors: SparseTensor, RaggedTensor, the per-call input batch (a set of
zero-copy views handed to the library) and library-owned output tensors as numpy arrays."""

import collections
import ctypes as C
import weakref

import numpy as np

from . import _capi
from ._capi import lib
from ._errors import CALL, check


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


def as_values(values):
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


def is_string_array(arr):
    return arr.dtype.kind in "USO"


def encode_strings(arr):
    """Arrow-style (offsets int64[n + 1], bytes) for an array of strings; str is encoded as
    UTF-8, bytes are used as given."""
    flat = np.asarray(arr).reshape(-1)
    if flat.dtype.kind == "S":
        items = flat.tolist()
    elif flat.dtype.kind == "U":
        items = [s.encode("utf-8") for s in flat.tolist()]
    else:
        items = []
        for s in flat.tolist():
            if isinstance(s, str):
                items.append(s.encode("utf-8"))
            elif isinstance(s, (bytes, bytearray, memoryview)):
                items.append(bytes(s))
            else:
                raise TypeError(f"Expected str or bytes in a string array, got {type(s).__name__}: "
                                f"{s!r}.")
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    if items:
        np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)), out=offsets[1:])
    return offsets, b"".join(items)


_VIEW_DTYPE = np.dtype([("data", np.uintp), ("size", np.uintp)])
assert _VIEW_DTYPE.itemsize == C.sizeof(_capi.StringView)


def string_views(arr):
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

    def __init__(self, indices, values, dense_shape):
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
    def shape(self):
        return tuple(int(d) for d in self.dense_shape)

    @property
    def dtype(self):
        from ._dtypes import as_dtype
        return as_dtype(self.values.dtype)

    def to_dense(self, default_value=0):
        """Dense numpy array (repeated indices: the last one wins)."""
        dtype = object if is_string_array(self.values) else self.values.dtype
        out = np.full(self.shape, default_value, dtype=dtype)
        if self.indices.shape[0]:
            out[tuple(self.indices.T)] = self.values
        return out

    def __repr__(self):
        return (f"SparseTensor(indices={self.indices.tolist()}, values={self.values.tolist()}, "
                f"dense_shape={self.dense_shape.tolist()})")


class RaggedTensor:
    """Ragged tensor in row-splits form (TF RaggedTensor, Arrow List<T>): row i holds
    values[row_splits[i]:row_splits[i + 1]]. `values` may itself be a RaggedTensor (one more
    level: examples -> steps -> values, for multi-valued steps)."""

    def __init__(self, values, row_splits, _internal=False):
        if not _internal:
            raise TypeError("Use RaggedTensor.from_row_splits(values, row_splits).")
        self.values = values
        self.row_splits = row_splits

    @classmethod
    def from_row_splits(cls, values, row_splits, validate=True):
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
    def from_nested_list(cls, pylist):
        """From a list of examples, each a list of steps; a step is one value, or a list of
        values (multi-valued step). Equivalent to tf.ragged.constant for these two shapes."""
        rows = [list(r) for r in pylist]
        nested = None
        for row in rows:
            for step in row:
                nested = isinstance(step, (list, tuple, np.ndarray))
                break
            if nested is not None:
                break
        row_splits = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=row_splits[1:])
        if not nested:
            flat = [v for r in rows for v in r]
            if any(isinstance(v, (list, tuple, np.ndarray)) for v in flat):
                raise ValueError("Inconsistent nesting: every step must be a value or every step "
                                 "a list of values.")
            return cls.from_row_splits(_list_values(flat), row_splits)
        steps = [s for r in rows for s in r]
        if not all(isinstance(s, (list, tuple, np.ndarray)) for s in steps):
            raise ValueError("Inconsistent nesting: every step must be a value or every step a "
                             "list of values.")
        step_splits = np.zeros(len(steps) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in steps], out=step_splits[1:])
        flat = [v for s in steps for v in s]
        inner = cls.from_row_splits(_list_values(flat), step_splits)
        return cls.from_row_splits(inner, row_splits)

    def nrows(self):
        return int(self.row_splits.shape[0] - 1)

    @property
    def ragged_rank(self):
        return 1 + (self.values.ragged_rank if isinstance(self.values, RaggedTensor) else 0)

    @property
    def flat_values(self):
        v = self.values
        while isinstance(v, RaggedTensor):
            v = v.values
        return v

    def to_list(self):
        inner = self.values.to_list() if isinstance(self.values, RaggedTensor) \
            else self.values.tolist()
        s = self.row_splits
        return [inner[s[i]:s[i + 1]] for i in range(self.nrows())]

    def __repr__(self):
        return f"RaggedTensor({self.to_list()!r})"


def _list_values(flat):
    if not flat:
        # No value to infer a type from: int64 suits numeric and integer-id columns.
        return np.zeros(0, dtype=np.int64)
    return as_values(flat)


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
        self._finalizer = weakref.finalize(self, lib.batch_free, handle)

    def close(self):
        self._finalizer()
        self._keep = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def add(self, key, value, normalizer=None):
        """Adds features[key]. `normalizer` (numpy float32 array -> same-shape array) is
        applied to the present values only."""
        kb = key.encode("utf-8")
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
                isinstance(v, (list, tuple, np.ndarray)) for v in value):
            self._add_ragged(kb, RaggedTensor.from_nested_list(value), normalizer)
        elif isinstance(value, (list, tuple)):
            self._add_dense(kb, as_values(value), normalizer, key)
        else:
            arr = np.asarray(value)
            if arr.ndim == 0:
                raise _rank0_error(key, value)
            self._add_dense(kb, as_values(arr), normalizer, key)

    def _values(self, values, normalizer):
        """(kind, a, b): ('numeric', dtype code, array), ('offsets', offsets, bytes) or
        ('views', views, None). Fixed-width bytes arrays are passed as (pointer, length) views
        into the numpy buffer (no copy); other strings are encoded once into offsets + bytes."""
        if normalizer is not None:
            values = _normalize(values, normalizer)
        if is_string_array(values):
            if values.dtype.kind == "S":
                flat, views = string_views(values)
                self._keep.extend((flat, views))
                return "views", views, None
            offsets, data = encode_strings(values)
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
        kind, a, b = self._values(st.values, normalizer)
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
        kind, a, b = self._values(flat, normalizer)
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
        kind, a, b = self._values(arr, normalizer)
        common = (self.handle, kb, _i64p(shape), arr.ndim)
        if kind == "numeric":
            status = lib.batch_add_dense(*common, a, b.ctypes.data)
        elif kind == "views":
            status = lib.batch_add_dense_string_views(*common, a.ctypes.data)
        else:
            status = lib.batch_add_dense_strings(*common, _i64p(a), b)
        check(status, CALL)


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
