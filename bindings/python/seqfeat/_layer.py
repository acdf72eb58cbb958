"""SequenceFeatures, DenseFeatures, sequence_input_layer and concatenate_context_input."""

from __future__ import annotations

import collections.abc
import ctypes as C
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple, Union, cast

import numpy as np

from . import _capi
from ._capi import lib
from ._call import CallState, DenseCallState
from ._columns import DenseColumn, FeatureColumn, FeatureReader, SequenceDenseColumn
from ._dlpack import DLPackTensor
from ._dtypes import describe
from ._errors import CALL, CONSTRUCTION, InvalidArgumentError, check
from ._types import ArrayLike, Features
from . import _serialization

if TYPE_CHECKING:
    from ._plan import Plan
    from .optimizers import Optimizer

#: What a SequenceFeatures call returns: (dense, sequence_length[, mask]) as numpy arrays, or
#: as DLPackTensors with output='dlpack'.
PackResult = Union[Tuple[np.ndarray, ...], Tuple[DLPackTensor, ...]]
Columns = Union[FeatureColumn, Iterable[FeatureColumn]]

_STAT_NAMES = (
    ("dropped_invalid", _capi.STAT_DROPPED_INVALID),
    ("oov_hits", _capi.STAT_OOV_HITS),
    ("steps_truncated", _capi.STAT_STEPS_TRUNCATED),
    ("empty_examples", _capi.STAT_EMPTY_EXAMPLES),
)

_SEQUENCE_TYPE_MESSAGE = ("Items of feature_columns must be a {}. You can wrap a categorical "
                          "column with an embedding_column or indicator_column. Given: {}")
_CONTRIB_TYPE_MESSAGE = ("All feature_columns must be of type _SequenceDenseColumn. You can wrap "
                         "a sequence_categorical_column with an embedding_column or "
                         "indicator_column. Given (type {}): {}")


_CALL_OPTIONS = ("max_length", "padding", "truncating", "strict", "return_mask", "output",
                 "num_threads", "training", "cols_to_output_tensors")


def _reject_unknown_keywords(layer, kwargs):
    """Keras raises TypeError for a constructor keyword it does not understand; so do we,
    pointing at the call when the keyword is a call option."""
    if not kwargs:
        return
    key = next(iter(kwargs))
    hint = f" {key} is an option of the call: layer(features, {key}=...)." \
        if key in _CALL_OPTIONS else ""
    raise TypeError(f"Keyword argument not understood: {key!r} ({layer} takes feature_columns, "
                    f"trainable and name).{hint}")


def _normalize_feature_columns(feature_columns):
    """TF's checks and order: a single column is wrapped, dicts and non-columns are rejected,
    the list must not be empty nor repeat a name; sorted by name."""
    if isinstance(feature_columns, FeatureColumn):
        feature_columns = [feature_columns]
    if isinstance(feature_columns, collections.abc.Iterator):
        feature_columns = list(feature_columns)
    if isinstance(feature_columns, dict):
        raise ValueError("Expected feature_columns to be iterable, found dict.")
    for column in feature_columns:
        if not isinstance(column, FeatureColumn):
            raise ValueError(f"Items of feature_columns must be a FeatureColumn. Given "
                             f"(type {type(column)}): {column}.")
    if not feature_columns:
        raise ValueError("feature_columns must not be empty.")
    by_name = {}
    for column in feature_columns:
        if column.name in by_name:
            raise ValueError(
                f"Duplicate feature column name found for columns: {column} and "
                f"{by_name[column.name]}. This usually means that these columns refer to same "
                "base feature. Either one must be discarded or a duplicated but renamed item "
                "must be inserted in features dict.")
        by_name[column.name] = column
    return sorted(feature_columns, key=lambda c: c.name)


class SequenceFeatures:
    """tf.keras.experimental.SequenceFeatures: turns a dict of sequence features into the
    packed [B, T, ΣD] float32 input of a sequence model, plus sequence_length [B] int64.

    Columns are sorted by name; each fills its slice of the last axis. After each call,
    `last_stats` holds the library's per-column statistics of that call:
    {column name: {'dropped_invalid', 'oov_hits', 'steps_truncated', 'empty_examples'}}.
    """

    def __init__(self, feature_columns: Columns, trainable: bool = True,
                 name: Optional[str] = None, **kwargs: Any) -> None:
        _reject_unknown_keywords("SequenceFeatures", kwargs)
        self._init(feature_columns, trainable, name, contrib=False)

    def _init(self, feature_columns, trainable, name, contrib):
        columns = _normalize_feature_columns(feature_columns)
        for column in columns:
            if not isinstance(column, SequenceDenseColumn):
                if contrib:
                    raise ValueError(_CONTRIB_TYPE_MESSAGE.format(type(column), column))
                raise ValueError(_SEQUENCE_TYPE_MESSAGE.format(SequenceDenseColumn, column))
        handles = (C.c_void_p * len(columns))(*(c._handle.value for c in columns))
        out = C.c_void_p()
        check(lib.features_create(handles, len(columns), C.byref(out)), CONSTRUCTION)
        # The library sorts by name too (byte order of UTF-8 = code point order).
        self._adopt(out, columns, name or ("sequence_input_layer" if contrib else
                                           "sequence_features"), trainable)

    def _adopt(self, handle, columns, name, trainable):
        """Takes ownership of a library layer handle whose columns (layer order) are
        `columns`, with fresh call state."""
        self._handle = handle
        self._finalizer = weakref.finalize(self, lib.features_free, handle)
        self._feature_columns = list(columns)
        self.trainable = trainable
        self.name = name
        self._reader = None
        self._idle_states = []
        self._last_state = None
        self._stats = None
        self.call_defaults = _default_call_options()

    @classmethod
    def _from_handle(cls, handle, columns, name, trainable):
        """A layer around an owned library handle whose columns (layer order) are `columns`."""
        layer = cls.__new__(cls)
        layer._adopt(handle, columns, name, trainable)
        return layer

    def get_config(self) -> Dict[str, Any]:
        """Keras-style configuration: name, trainable, call_defaults and the serialized
        feature_columns (shared-embedding columns of one table stay shared in from_config)."""
        return _serialization.layer_config(self)

    @classmethod
    def from_config(cls, config: Dict[str, Any],
                    custom_objects: Optional[Dict[str, Any]] = None) -> "SequenceFeatures":
        """The layer of get_config(): columns rebuilt by the library (tables from their seeds,
        array or callable initializers re-applied), shared tables shared again."""
        return _serialization.layer_from_config(cls, config, custom_objects)

    def save(self, directory: Union[str, "os.PathLike[str]"],
             optimizer: Optional["Optimizer"] = None) -> None:
        """Writes pipeline.json and tables.safetensors into `directory` (created if missing):
        seqfeat.load(directory) here, seqfeat_features_load in C or SequenceFeatures::load in
        Rust rebuild the layer, giving bit-identical outputs. call_defaults are saved too.
        With an optimizer (seqfeat.optimizers) its kind, hyper-parameters and state go into
        optimizer.safetensors; seqfeat.load_optimizer(directory, layer) brings it back to
        resume training. Without one, an optimizer.safetensors left there is removed."""
        _serialization.save(self, directory, optimizer)

    def __reduce__(self) -> Tuple[Any, ...]:
        return _serialization.layer_reduce(self)

    @property
    def feature_columns(self) -> List[FeatureColumn]:
        """The columns in layer (name) order."""
        return list(self._feature_columns)

    @property
    def output_depth(self) -> int:
        """ΣD: size of the last output axis."""
        return int(lib.features_depth(self._handle))

    @property
    def column_slices(self) -> Dict[str, Tuple[int, int]]:
        """{column name: (offset, width)} in the last output axis."""
        out = {}
        for i, column in enumerate(self._feature_columns):
            offset = C.c_int64()
            width = C.c_int64()
            check(lib.features_column_slice(self._handle, i, C.byref(offset), C.byref(width)),
                  CONSTRUCTION)
            out[column.name] = (int(offset.value), int(width.value))
        return out

    def compute_output_shape(self, input_shape: Tuple[Any, ...]) -> Tuple[Any, Any, int]:
        """(batch, steps, ΣD) for an input of shape (batch, steps, ...), as Keras."""
        return (input_shape[0], input_shape[1], self.output_depth)

    def __call__(self, features: Features, training: Optional[bool] = None, *,
                 max_length: Optional[int] = None, padding: Optional[str] = None,
                 truncating: Optional[str] = None, strict: Optional[bool] = None,
                 return_mask: bool = False, output: str = "numpy",
                 num_threads: Optional[int] = None,
                 out: Optional[Any] = None) -> PackResult:
        """Returns (sequence_input [B, T, ΣD] float32, sequence_length [B] int64), or with
        return_mask=True also mask [B, T] uint8 (1 inside the sequence).

        Extensions (TF-compatible defaults): max_length fixes T (padding / truncating 'pre' or
        'post', as Keras pad_sequences); strict=True turns silently dropped ids, OOV values
        without OOV buckets and truncated steps into InvalidArgumentError; num_threads (0: the
        machine's cores) bounds the threads of the pack. output='dlpack' returns library-owned
        tensors implementing __dlpack__ / __dlpack_device__, for numpy.from_dlpack or
        torch.from_dlpack without a copy (each can be consumed once).

        The numpy results live in memory the layer reuses once every array viewing them is
        gone, so repeated calls neither allocate nor fault pages in. out= packs into caller
        buffers instead: a writable C-contiguous float32 array (the dense output), or a tuple
        (dense, sequence_length int64[, mask uint8]), each with at least as many elements as
        the batch needs; the results are views of their first elements (the arrays themselves
        when their shapes match). Options left None take the layer's
        `call_defaults` (TF's: max_length None, 'post', 'post', strict False, num_threads 0,
        unless set or loaded with the layer)."""
        max_length, padding, truncating, strict, num_threads = self._call_options(
            max_length, padding, truncating, strict, num_threads)
        if output not in ("numpy", "dlpack"):
            raise ValueError(f"output must be 'numpy' or 'dlpack'; got {output!r}.")
        if not isinstance(features, dict):
            raise ValueError(f"We expected a dictionary here. Instead we got: {features!r}")
        if out is not None and output != "numpy":
            raise ValueError("out= needs output='numpy'.")
        for column in self._feature_columns:
            column._check_call()
        state = self._idle_states.pop() if self._idle_states else self._new_state()
        try:
            opts = state.pack_options(max_length, padding, truncating, strict, num_threads)
            if out is None and not return_mask and output == "numpy":
                result = state.call_pooled(features, opts)
                self._last_state = state
                self._stats = None
                return result
            state.fill(features)
            if output == "dlpack":
                return self._pack_dlpack(state.batch, opts, return_mask)
            result = state.pack(opts, return_mask, out)
            self._last_state = state
            self._stats = None
            return result
        finally:
            state.reset()
            self._idle_states.append(state)

    def _call_options(self, max_length: Optional[int], padding: Optional[str],
                      truncating: Optional[str], strict: Optional[bool],
                      num_threads: Optional[int]) -> Tuple[Any, ...]:
        """The call options with those left None taken from call_defaults."""
        defaults = self.call_defaults
        if max_length is None:
            max_length = defaults.get("max_length")
        if padding is None:
            padding = defaults.get("padding", "post")
        if truncating is None:
            truncating = defaults.get("truncating", "post")
        if strict is None:
            strict = defaults.get("strict", False)
        if num_threads is None:
            num_threads = defaults.get("num_threads", 0)
        return max_length, padding, truncating, strict, num_threads

    def _new_state(self):
        if self._reader is None:
            self._reader = FeatureReader(self._feature_columns)
        return CallState(self._handle, self._reader)

    @property
    def last_stats(self) -> Optional[Dict[str, Dict[str, int]]]:
        """{column name: {statistic: value}} of the last call (None before the first)."""
        if self._stats is None and self._last_state is not None:
            self._stats = self._last_state.read_stats()
        return self._stats

    @last_stats.setter
    def last_stats(self, value: Optional[Dict[str, Dict[str, int]]]) -> None:
        self._stats = value
        self._last_state = None

    def plan(self, features: Features, *, max_length: Optional[int] = None,
             padding: Optional[str] = None, truncating: Optional[str] = None,
             strict: Optional[bool] = None, num_threads: Optional[int] = None) -> "Plan":
        """The plan / pack split, for tables that live elsewhere: validates the batch as a call
        with these options would (None: call_defaults, as a call) and returns a Plan holding the
        sorted unique ids each embedding table needs (plan.ids); plan.pack(rows) then packs
        from the caller's rows, bit-identical to this layer's call on tables holding them, and
        plan.backward(grad, rows) returns the gradient rows in the same order."""
        from ._plan import Plan
        handle = C.c_void_p()
        options = self._call_options(max_length, padding, truncating, strict, num_threads)
        self._with_batch(features, options, lambda batch, opts: check(
            lib.features_plan(self._handle, batch.handle, opts, C.byref(handle)), CALL))
        return Plan(self, handle)

    def _pack_dlpack(self, batch, opts, return_mask):
        """seqfeat_features_pack into library-owned tensors, wrapped for DLPack hand-off."""
        dense = C.c_void_p()
        lengths = C.c_void_p()
        mask = C.c_void_p()
        stats = C.c_void_p()
        check(lib.stats_create(C.byref(stats)), CALL)
        try:
            check(lib.features_pack(self._handle, batch.handle, opts, C.byref(dense),
                                    C.byref(lengths), C.byref(mask) if return_mask else None,
                                    stats), CALL)
            self.last_stats = _read_stats(stats)
        finally:
            lib.stats_free(stats)
        out = (DLPackTensor(dense.value), DLPackTensor(lengths.value))
        if return_mask:
            out += (DLPackTensor(mask.value),)
        return out


    # ------------------------------------------------------------------------------ training

    def trainable_tables(self) -> Dict[str, Any]:
        """{table name: the first column (layer order) of each trainable embedding table}.
        Shared tables appear once. Empty when the layer was built with trainable=False."""
        out: Dict[str, Any] = {}
        if not self.trainable:
            return out
        for column in self._feature_columns:
            if getattr(column, "trainable", False) and hasattr(column, "_table_view"):
                out.setdefault(column.table_name, column)
        return out

    def _check_grad(self, grad: Any) -> np.ndarray:
        if hasattr(grad, "detach") and hasattr(grad, "numpy"):  # a torch tensor
            grad = grad.detach().contiguous().numpy()
        grad = np.asarray(grad)
        if grad.dtype != np.float32:
            raise TypeError(f"grad must be float32 like the layer's output; got "
                            f"{describe(grad.dtype)}.")
        return np.ascontiguousarray(grad)

    def backward(self, features: Features, grad: ArrayLike, *, max_length: Optional[int] = None,
                 padding: Optional[str] = None, truncating: Optional[str] = None,
                 strict: Optional[bool] = None,
                 num_threads: Optional[int] = None) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
        """Gradient of every trainable embedding table given grad = d loss / d sequence_input
        ([B, T, ΣD] float32, exactly the shape of the output of the call with these features
        and options; options left None come from call_defaults, as in a call):
        {table name: (ids int64 [U] sorted unique, rows float32 [U, D])}, with duplicate ids
        summed. A table no id of the batch reaches has U = 0."""
        grad = self._check_grad(grad)
        gradients = self._gradients_handle()
        shape = (C.c_int64 * max(grad.ndim, 1))(*grad.shape)
        options = self._call_options(max_length, padding, truncating, strict, num_threads)
        self._with_batch(features, options,
                         lambda batch, opts: check(lib.features_backward(
                             self._handle, batch.handle, opts, grad.ctypes.data_as(_capi.f32p),
                             shape, grad.ndim, gradients), CALL))
        out = {}
        trainable = self.trainable_tables()
        for i in range(lib.gradients_num_tables(gradients)):
            name = C.c_char_p()
            ids = _capi.i64p()
            rows = _capi.f32p()
            count = C.c_int64()
            dim = C.c_int64()
            check(lib.gradients_table(gradients, i, C.byref(name), C.byref(ids), C.byref(rows),
                                      C.byref(count), C.byref(dim)), CALL)
            table = (name.value or b"").decode("utf-8")
            if table not in trainable:
                continue
            n, d = int(count.value), int(dim.value)
            if n:
                out_ids = np.ctypeslib.as_array(ids, shape=(n,)).copy()
                out_rows = np.ctypeslib.as_array(rows, shape=(n, d)).copy()
            else:
                out_ids = np.empty((0,), dtype=np.int64)
                out_rows = np.empty((0, d), dtype=np.float32)
            out[table] = (out_ids, out_rows)
        return out

    def backward_apply(self, features: Features, grad: ArrayLike, optimizer: Any, *,
                       max_length: Optional[int] = None, padding: Optional[str] = None,
                       truncating: Optional[str] = None, strict: Optional[bool] = None,
                       num_threads: Optional[int] = None) -> None:
        """backward() and optimizer.apply() in one library call that never materialises the
        gradient (each id's row goes straight into the update); options left None come from
        call_defaults, as in a call."""
        from .optimizers import Optimizer
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be a seqfeat.optimizers optimizer; got "
                            f"{type(optimizer).__name__}.")
        grad = self._check_grad(grad)
        if not self.trainable:
            return
        shape = (C.c_int64 * max(grad.ndim, 1))(*grad.shape)
        options = self._call_options(max_length, padding, truncating, strict, num_threads)
        self._with_batch(features, options,
                         lambda batch, opts: check(lib.features_backward_apply(
                             self._handle, batch.handle, opts, grad.ctypes.data_as(_capi.f32p),
                             shape, grad.ndim, optimizer._handle), CALL))

    def _with_batch(self, features: Features, call: Tuple[Any, ...], fn: Any) -> Any:
        """Runs fn(batch, pack options) on the features read into a pooled call state, with the
        checks of a call (the backward passes take exactly the forward's inputs)."""
        if not isinstance(features, dict):
            raise ValueError(f"We expected a dictionary here. Instead we got: {features!r}")
        for column in self._feature_columns:
            column._check_call()
        state = self._idle_states.pop() if self._idle_states else self._new_state()
        try:
            opts = state.pack_options(*call)
            state.fill(features)
            return fn(state.batch, opts)
        finally:
            state.reset()
            self._idle_states.append(state)

    def _gradients_handle(self) -> C.c_void_p:
        """This thread's reusable gradient buffers (a warm backward allocates nothing in C)."""
        handle = getattr(_THREAD, "gradients", None)
        if handle is None:
            handle = C.c_void_p()
            check(lib.gradients_create(C.byref(handle)), CALL)
            _THREAD.gradients = handle
            _THREAD.finalizer = weakref.finalize(_THREAD, lib.gradients_free, handle)
        return handle


# Per-thread state shared by every layer: the gradient buffers of backward().
_THREAD = threading.local()


def _default_call_options():
    return {"max_length": None, "padding": "post", "truncating": "post", "strict": False,
            "num_threads": 0}


def _read_stats(stats):
    out = {}
    value = C.c_int64()
    for i in range(lib.stats_num_columns(stats)):
        name = lib.stats_column_name(stats, i).decode("utf-8")
        entry = {}
        for key, stat in _STAT_NAMES:
            check(lib.stats_get(stats, i, stat, C.byref(value)), CALL)
            entry[key] = int(value.value)
        out[name] = entry
    return out


class DenseFeatures:
    """tf.keras.layers.DenseFeatures for context (non-sequence) columns: numeric_column and
    embedding / indicator columns over non-sequence categorical columns -> [B, ΣD] float32.
    Columns are sorted by name. Embeddings can share a table with sequence columns."""

    def __init__(self, feature_columns: Columns, trainable: bool = True,
                 name: Optional[str] = None, **kwargs: Any) -> None:
        _reject_unknown_keywords("DenseFeatures", kwargs)
        columns = _normalize_feature_columns(feature_columns)
        for column in columns:
            if not isinstance(column, DenseColumn):
                raise ValueError(_SEQUENCE_TYPE_MESSAGE.format(DenseColumn, column))
        handles = (C.c_void_p * len(columns))(*(c._handle.value for c in columns))
        out = C.c_void_p()
        check(lib.dense_features_create(handles, len(columns), C.byref(out)), CONSTRUCTION)
        self._adopt(out, columns, name or "dense_features", trainable)

    def _adopt(self, handle, columns, name, trainable):
        """Takes ownership of a library layer handle whose columns (layer order) are
        `columns`, with fresh call state."""
        self._handle = handle
        self._finalizer = weakref.finalize(self, lib.dense_features_free, handle)
        self._feature_columns = list(columns)
        self.trainable = trainable
        self.name = name
        self._reader: Optional[FeatureReader] = None
        self._idle_states: List[DenseCallState] = []

    @classmethod
    def _from_handle(cls, handle, columns, name, trainable):
        """A layer around an owned library handle whose columns (layer order) are `columns`."""
        layer = cls.__new__(cls)
        layer._adopt(handle, columns, name, trainable)
        return layer

    def get_config(self) -> Dict[str, Any]:
        """Keras-style configuration: name, trainable and the serialized feature_columns."""
        return _serialization.layer_config(self)

    @classmethod
    def from_config(cls, config: Dict[str, Any],
                    custom_objects: Optional[Dict[str, Any]] = None) -> "DenseFeatures":
        """The layer of get_config(), its columns rebuilt by the library."""
        return _serialization.layer_from_config(cls, config, custom_objects)

    def save(self, directory: Union[str, "os.PathLike[str]"]) -> None:
        """Writes pipeline.json and tables.safetensors into `directory` (seqfeat.load reads
        them back, as seqfeat_dense_features_load does in C)."""
        _serialization.save(self, directory)

    def __reduce__(self) -> Tuple[Any, ...]:
        return _serialization.layer_reduce(self)

    @property
    def feature_columns(self) -> List[FeatureColumn]:
        """The columns in layer (name) order."""
        return list(self._feature_columns)

    @property
    def output_depth(self) -> int:
        """ΣD: size of the output's last axis."""
        return int(lib.dense_features_depth(self._handle))

    def compute_output_shape(self, input_shape: Tuple[Any, ...]) -> Tuple[Any, int]:
        """(batch, ΣD), as Keras."""
        return (input_shape[0], self.output_depth)

    def __call__(self, features: Features,
                 cols_to_output_tensors: Optional[Dict[FeatureColumn, np.ndarray]] = None,
                 training: Optional[bool] = None) -> np.ndarray:
        """[B, ΣD] float32. If cols_to_output_tensors is a dict, it receives {column: its
        [B, D] slice of the output}."""
        if not isinstance(features, dict):
            raise ValueError(f"We expected a dictionary here. Instead we got: {features!r}")
        for column in self._feature_columns:
            column._check_call()
        # A pooled call state (popped, so concurrent or re-entrant calls never share one).
        if self._idle_states:
            state = self._idle_states.pop()
        else:
            if self._reader is None:
                self._reader = FeatureReader(self._feature_columns)
            state = DenseCallState(self._handle, self._reader)
        try:
            state.fill(features)
            out = state.pack()
        finally:
            state.reset()
            self._idle_states.append(state)
        if cols_to_output_tensors is not None:
            offset = 0
            for column in self._feature_columns:
                width = int(np.prod(column.variable_shape))
                cols_to_output_tensors[column] = out[:, offset:offset + width]
                offset += width
        return out


def sequence_input_layer(features: Features, feature_columns: Columns,
                         weight_collections: Any = None,
                         trainable: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """tf.contrib.feature_column.sequence_input_layer: (input_layer, sequence_length)."""
    layer = SequenceFeatures.__new__(SequenceFeatures)
    layer._init(feature_columns, trainable, None, contrib=True)
    return cast(Tuple[np.ndarray, np.ndarray], layer(features))


def concatenate_context_input(context_input: ArrayLike, sequence_input: ArrayLike) -> np.ndarray:
    """out[b, t] = concat(sequence_input[b, t, :], context_input[b, :]) -> [B, T, d0 + d1]."""
    sequence_input = np.asarray(sequence_input)
    context_input = np.asarray(context_input)
    if sequence_input.ndim != 3:
        raise ValueError("sequence_input must have rank 3")
    if sequence_input.dtype != np.float32:
        raise TypeError(f"sequence_input must have dtype float32; got "
                        f"{describe(sequence_input.dtype)}.")
    if context_input.ndim != 2:
        raise ValueError("context_input must have rank 2")
    if context_input.dtype != np.float32:
        raise TypeError(f"context_input must have dtype float32; got "
                        f"{describe(context_input.dtype)}.")
    batch, steps, seq_depth = sequence_input.shape
    if context_input.shape[0] != batch:
        raise InvalidArgumentError(
            f"concatenate_context_input: context_input has batch size {context_input.shape[0]} "
            f"but sequence_input has {batch}.")
    ctx_depth = context_input.shape[1]
    seq = np.ascontiguousarray(sequence_input)
    ctx = np.ascontiguousarray(context_input)
    out = np.empty((batch, steps, seq_depth + ctx_depth), dtype=np.float32)
    check(lib.concatenate_context_input(ctx.ctypes.data_as(_capi.f32p), ctx_depth,
                                        seq.ctypes.data_as(_capi.f32p), batch, steps, seq_depth,
                                        out.ctypes.data_as(_capi.f32p), out.size), CALL)
    return out
