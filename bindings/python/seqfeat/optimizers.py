"""Sparse optimizers for the embedding tables, with Keras' names, defaults and TF's sparse
semantics: only the rows in a gradient change, duplicate ids are summed first.

    grads = layer.backward(features, d_loss_d_output)
    seqfeat.optimizers.Adagrad().apply(layer, grads)

SGD:      table[id] -= learning_rate * g
Adagrad:  acc[id] += g * g;  table[id] -= learning_rate * g / (sqrt(acc[id]) + epsilon)
          (acc: one value per table element, initial_accumulator_value until first updated)

Tables are updated in place: a pack running at the same time in another thread on the same
table may see some rows from before and some from after the update (serialise them if that
matters; see docs/training.md).
"""

from __future__ import annotations

import ctypes as C
import numbers
import weakref
from typing import TYPE_CHECKING, Any, Dict, Tuple

import numpy as np

from . import _capi
from ._capi import lib
from ._errors import CALL, CONSTRUCTION, check
from ._types import ArrayLike

if TYPE_CHECKING:
    from ._layer import SequenceFeatures


def _hyper(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r}.")
    return float(value)


class Optimizer:
    """Base class: the library optimizer and its state (Adagrad's accumulators)."""

    def __init__(self, handle: C.c_void_p) -> None:
        self._handle = handle
        self._finalizer = weakref.finalize(self, lib.optimizer_free, handle)

    @property
    def learning_rate(self) -> float:
        """The learning rate; assigning it changes the next updates (schedules)."""
        return float(lib.optimizer_learning_rate(self._handle))

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        check(lib.optimizer_set_learning_rate(self._handle, _hyper(value, "learning_rate")),
              CONSTRUCTION)

    def apply(self, layer: SequenceFeatures,
              grads: Dict[str, Tuple[ArrayLike, ArrayLike]]) -> None:
        """Applies {table name: (ids [U], rows [U, D])} (as returned by layer.backward) to the
        layer's tables. Ids may repeat (summed first) and come in any order. Everything is
        checked before the first table changes: unknown or non-trainable table names, ids
        outside [0, num_buckets), rows that are not [U, D]."""
        if not isinstance(grads, dict):
            raise TypeError(f"grads must be a dict {{table name: (ids, rows)}}; got "
                            f"{type(grads).__name__}.")
        tables = layer.trainable_tables()
        work = []
        for name, pair in grads.items():
            if name not in tables:
                raise ValueError(f"{name!r} is not a trainable table of this layer; its trainable "
                                 f"tables are {sorted(tables)}.")
            column = tables[name]
            ids, rows = _as_gradient(name, pair, column.table_shape)
            work.append((column, ids, rows))
        for column, ids, rows in work:
            check(lib.optimizer_apply_rows(self._handle, column._handle,
                                           ids.ctypes.data_as(_capi.i64p), ids.size,
                                           rows.ctypes.data_as(_capi.f32p), rows.shape[1]), CALL)

    def get_state(self, column: Any) -> np.ndarray:
        """The accumulator of column's table as a float32 array [num_buckets, dimension]
        (Adagrad only; initial_accumulator_value everywhere before the first update)."""
        out = np.empty(column.table_shape, dtype=np.float32)
        check(lib.optimizer_state_get(self._handle, column._handle,
                                      out.ctypes.data_as(_capi.f32p), out.size), CONSTRUCTION)
        return out

    def set_state(self, column: Any, values: ArrayLike) -> None:
        """Overwrites the accumulator of column's table (values >= 0, the table's shape)."""
        values = np.ascontiguousarray(np.asarray(values, dtype=np.float32))
        if values.shape != tuple(column.table_shape):
            raise ValueError(f"The state of table {column.table_name} has shape "
                             f"{tuple(column.table_shape)}; got {values.shape}.")
        check(lib.optimizer_state_set(self._handle, column._handle,
                                      values.ctypes.data_as(_capi.f32p), values.size),
              CONSTRUCTION)


def _as_gradient(name: str, pair: Any,
                 table_shape: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    try:
        ids, rows = pair
    except (TypeError, ValueError):
        raise TypeError(f"The gradient of {name!r} must be a pair (ids, rows).") from None
    ids = np.asarray(ids)
    rows = np.asarray(rows)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise TypeError(f"The ids of the gradient of {name!r} must be a 1-D integer array; got "
                        f"shape {ids.shape}, dtype {ids.dtype}.")
    if rows.dtype.kind != "f":
        raise TypeError(f"The rows of the gradient of {name!r} must be floats; got {rows.dtype}.")
    rows_n, dim = table_shape
    if rows.ndim != 2 or rows.shape != (ids.size, dim):
        raise ValueError(f"The rows of the gradient of {name!r} must have shape "
                         f"[{ids.size}, {dim}] (one row of the table's width per id); got "
                         f"{list(rows.shape)}.")
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    bad = np.flatnonzero((ids < 0) | (ids >= rows_n))
    if bad.size:
        raise ValueError(f"The gradient of {name!r} has id {int(ids[bad[0]])} at position "
                         f"{int(bad[0])}, not in [0, {rows_n}).")
    return ids, np.ascontiguousarray(rows, dtype=np.float32)


class SGD(Optimizer):
    """Keras' SGD without momentum: table[id] -= learning_rate * g."""

    def __init__(self, learning_rate: float = 0.01, name: str = "SGD") -> None:
        handle = C.c_void_p()
        check(lib.sgd_optimizer_create(_hyper(learning_rate, "learning_rate"), C.byref(handle)),
              CONSTRUCTION)
        super().__init__(handle)
        self.name = name


class Adagrad(Optimizer):
    """Keras' Adagrad (learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)."""

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: str = "Adagrad") -> None:
        handle = C.c_void_p()
        check(lib.adagrad_optimizer_create(_hyper(learning_rate, "learning_rate"),
                                           _hyper(initial_accumulator_value,
                                                  "initial_accumulator_value"),
                                           _hyper(epsilon, "epsilon"), C.byref(handle)),
              CONSTRUCTION)
        super().__init__(handle)
        self.name = name
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)


def _adopt(handle: C.c_void_p) -> Optimizer:
    """The Python optimizer around an owned library handle (one loaded from a directory)."""
    optimizer: Optimizer
    lr, init, eps = C.c_float(), C.c_float(), C.c_float()
    check(lib.optimizer_hyper_parameters(handle, C.byref(lr), C.byref(init), C.byref(eps)),
          CONSTRUCTION)
    if lib.optimizer_kind(handle) == _capi.OPTIMIZER_ADAGRAD:
        adagrad = Adagrad.__new__(Adagrad)
        Optimizer.__init__(adagrad, handle)
        adagrad.name = "Adagrad"
        adagrad.initial_accumulator_value = float(init.value)
        adagrad.epsilon = float(eps.value)
        optimizer = adagrad
    else:
        sgd = SGD.__new__(SGD)
        Optimizer.__init__(sgd, handle)
        sgd.name = "SGD"
        optimizer = sgd
    return optimizer


__all__ = ["Adagrad", "Optimizer", "SGD"]
