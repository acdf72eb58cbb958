"""The plan / pack split, for embedding tables that live elsewhere (row-sharded over processes,
a parameter server, a cache):

    plan = layer.plan(features)                 # validates the batch, nothing is packed
    plan.ids                                    # {table name: sorted unique ids int64 [U]}
    rows = {name: fetch(name, ids) for name, ids in plan.ids.items()}   # [U, D] float32 each
    sequence_input, sequence_length = plan.pack(rows)
    grads = plan.backward(grad, rows)           # {table name: float32 [U, D]}, same order

The output is bit-identical to layer(features) on tables holding those rows, and grads[name][u]
to the row of id ids[name][u] in layer.backward(features, grad) (zero where it has no row).
"""

from __future__ import annotations

import ctypes as C
import weakref
from typing import Any, Dict, Mapping, Tuple

import numpy as np

from . import _capi
from ._capi import lib
from ._errors import CALL, check
from ._types import ArrayLike


class _Rows(C.Structure):
    """seqfeat_rows and seqfeat_gradient_rows (the same layout; only the data's constness
    differs)."""
    _fields_ = [("data", _capi.f32p), ("count", C.c_int64), ("dimension", C.c_int64)]


class Plan:
    """One planned batch. Made by SequenceFeatures.plan(); holds no reference to the features
    it was planned from. Any number of threads may pack from one plan (and run its backward)
    at once."""

    def __init__(self, layer: Any, handle: C.c_void_p) -> None:
        self._layer = layer
        self._handle = handle
        self._finalizer = weakref.finalize(self, lib.plan_free, handle)
        ids: Dict[str, np.ndarray] = {}
        dims: Dict[str, int] = {}
        for i in range(lib.plan_num_tables(handle)):
            name = C.c_char_p()
            ptr = _capi.i64p()
            count = C.c_int64()
            dim = C.c_int64()
            check(lib.plan_table(handle, i, C.byref(name), C.byref(ptr), C.byref(count),
                                 C.byref(dim)), CALL)
            key = (name.value or b"").decode("utf-8")
            n = int(count.value)
            ids[key] = np.empty((n,), dtype=np.int64)
            if n:
                ids[key][:] = np.ctypeslib.as_array(ptr, shape=(n,))
            dims[key] = int(dim.value)
        self._ids = ids
        self._dimensions = dims

    @property
    def ids(self) -> Dict[str, np.ndarray]:
        """{table name: the sorted unique ids int64 [U] the pack reads from it}, in the layer's
        order of first use; shared tables appear once."""
        return {name: ids.copy() for name, ids in self._ids.items()}

    @property
    def dimensions(self) -> Dict[str, int]:
        """{table name: D}."""
        return dict(self._dimensions)

    @property
    def output_shape(self) -> Tuple[int, int, int]:
        """(B, T, ΣD) of the pack."""
        b, t, d = C.c_int64(), C.c_int64(), C.c_int64()
        check(lib.plan_output_shape(self._handle, C.byref(b), C.byref(t), C.byref(d)), CALL)
        return int(b.value), int(t.value), int(d.value)

    def _rows(self, rows: Mapping[str, ArrayLike]) -> Tuple[Any, list]:
        """The C array of seqfeat_rows for {table name: [U, D] float32}, and the arrays it
        points into (kept alive by the caller)."""
        if not isinstance(rows, Mapping):
            raise TypeError(f"rows must be a dict {{table name: [U, D] float32}}; got "
                            f"{type(rows).__name__}.")
        unknown = sorted(set(rows) - set(self._ids))
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a table of this plan; its tables are "
                             f"{list(self._ids)}.")
        missing = [name for name in self._ids if name not in rows]
        if missing:
            raise ValueError(f"rows has no entry for table {missing[0]!r} (the plan needs "
                             f"{self._ids[missing[0]].size} rows of it).")
        arrays = []
        out = (_Rows * max(len(self._ids), 1))()
        for t, name in enumerate(self._ids):
            array = np.asarray(rows[name])
            if array.ndim != 2:
                raise ValueError(f"The rows of table {name!r} must be 2-D [U, D]; got shape "
                                 f"{list(array.shape)}.")
            if array.dtype != np.float32:
                raise TypeError(f"The rows of table {name!r} must be float32; got "
                                f"{array.dtype}.")
            array = np.ascontiguousarray(array)
            arrays.append(array)
            out[t] = _Rows(array.ctypes.data_as(_capi.f32p), array.shape[0], array.shape[1])
        return out, arrays

    def pack(self, rows: Mapping[str, ArrayLike]) -> Tuple[np.ndarray, np.ndarray]:
        """(sequence_input [B, T, ΣD] float32, sequence_length [B] int64) from rows =
        {table name: float32 [U, D], row u holding the table's row ids[name][u]}."""
        table_rows, keep = self._rows(rows)
        B, T, D = self.output_shape
        dense = np.empty((B, T, D), dtype=np.float32)
        lengths = np.empty((B,), dtype=np.int64)
        check(lib.plan_pack_into(self._handle, table_rows, len(keep),
                                 dense.ctypes.data_as(_capi.f32p), dense.size,
                                 lengths.ctypes.data_as(_capi.i64p), lengths.size, None, 0,
                                 None), CALL)
        return dense, lengths

    def backward(self, grad: ArrayLike,
                 rows: Mapping[str, ArrayLike]) -> Dict[str, np.ndarray]:
        """The gradient of every trainable table in the plan's id order: {table name: float32
        [U, D]}, row u = d loss / d (the table's row ids[name][u]), given grad = d loss /
        d sequence_input [B, T, ΣD] float32 and the rows the plan was packed from (max_norm's
        clip is differentiated at them). Bit-identical to layer.backward's row of that id (same
        entries, same summation order), zero for planned ids the trainable columns do not
        read. Tables that are not trainable (or a layer built with trainable=False) are left
        out, as in layer.backward."""
        grad = self._layer._check_grad(grad)
        table_rows, keep = self._rows(rows)
        out = {name: np.empty((ids.size, self._dimensions[name]), dtype=np.float32)
               for name, ids in self._ids.items()}
        buffers = (_Rows * max(len(out), 1))()
        for t, array in enumerate(out.values()):
            buffers[t] = _Rows(array.ctypes.data_as(_capi.f32p), array.shape[0], array.shape[1])
        shape = (C.c_int64 * max(grad.ndim, 1))(*grad.shape)
        check(lib.plan_backward(self._handle, table_rows, len(keep),
                                grad.ctypes.data_as(_capi.f32p), shape, grad.ndim, buffers,
                                len(out)), CALL)
        trainable = self._layer.trainable_tables()
        return {name: array for name, array in out.items() if name in trainable}
