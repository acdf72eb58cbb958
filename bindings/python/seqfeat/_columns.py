"""Feature columns: TF's constructors (names, argument order, defaults and Python-side checks)
over the library's column handles."""

from __future__ import annotations

import ctypes as C
import numbers
import os
import weakref
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _capi
from ._capi import lib
from ._dtypes import DType, as_dtype, describe, float32, int64, numpy_kind, string
from ._errors import CALL, CONSTRUCTION, check
from ._tensors import Batch, IdWeightPair, SparseTensor, encode_strings, tensor_to_numpy
from ._types import ArrayLike, DTypeLike, Features, Shape, ShapeLike

#: normalizer_fn: a callable on a float32 numpy array, or a seqfeat.normalizers normalizer.
NormalizerFn = Callable[[np.ndarray], ArrayLike]
#: initializer: TF's callable initializer(shape, dtype) or an array of the table's shape.
Initializer = Union[Callable[..., ArrayLike], ArrayLike]

_COMBINERS = {"sum": _capi.COMBINER_SUM, "mean": _capi.COMBINER_MEAN,
              "sqrtn": _capi.COMBINER_SQRTN}


# ----------------------------------------------------------------------------------------------
# Base classes (TF's hierarchy: FeatureColumn > DenseColumn > SequenceDenseColumn, and
# FeatureColumn > CategoricalColumn)
# ----------------------------------------------------------------------------------------------

class FeatureColumn:
    """A library column handle. Columns are immutable and may be shared between layers and
    threads."""

    def __init__(self, handle, children=()):
        self._handle = handle
        self._children = tuple(children)
        self._finalizer = weakref.finalize(self, lib.column_free, handle)
        self._name = lib.column_name(handle).decode("utf-8")

    @property
    def name(self) -> str:
        """The column's name (TF's: the key, <key>_embedding, <key>_indicator, ...)."""
        return self._name

    @property
    def is_sequence(self) -> bool:
        """True for sequence columns (sequence_*; for embedding/indicator: over a sequence
        categorical column)."""
        return bool(lib.column_is_sequence(self._handle))

    def _feature_keys(self):
        """Feature keys this column reads, in order."""
        keys = []
        for child in self._children:
            for k in child._feature_keys():
                if k not in keys:
                    keys.append(k)
        return keys

    def _python_normalizers(self):
        """{key: callable} of numeric columns whose normalizer runs in Python."""
        out = {}
        for child in self._children:
            out.update(child._python_normalizers())
        return out

    def _input_dtypes(self):
        """{key: DType} this column expects for each feature it reads."""
        out = {}
        for child in self._children:
            out.update(child._input_dtypes())
        return out

    def _check_call(self):
        """Checks TF does when the column is used (not when built)."""
        for child in self._children:
            child._check_call()

    def _batch(self, features):
        return make_batch([self], features)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def get_config(self) -> Dict[str, Any]:
        """Keras-style configuration (a dict): every parameter, vocabularies inline, the table
        by name and seed; see seqfeat.serialize_feature_column / deserialize_feature_column."""
        from . import _serialization
        return _serialization.column_config(self)

    def __reduce__(self) -> Tuple[Any, ...]:
        # Pickled as configuration + table (ctypes handles cannot be pickled).
        from . import _serialization
        return _serialization.column_reduce(self)


class DenseColumn(FeatureColumn):
    """A column producing dense values per example (DenseFeatures)."""

    @property
    def variable_shape(self) -> Shape:
        """The shape of one example's value (TF's variable_shape)."""
        return _c_variable_shape(self._handle)


class SequenceDenseColumn(FeatureColumn):
    """A column producing dense values per step (SequenceFeatures): sequence numeric, embedding,
    shared embedding and indicator columns."""

    @property
    def variable_shape(self) -> Shape:
        """The shape of one step's value (TF's variable_shape)."""
        return _c_variable_shape(self._handle)

    def get_sequence_dense_tensor(self, features: Features) -> Tuple[np.ndarray, np.ndarray]:
        """(dense, sequence_length) for this column alone: dense [B, T] + variable_shape
        (embedding [B, T, dimension], indicator [B, T, num_buckets]), float32;
        sequence_length int64 [B]."""
        if not isinstance(features, dict):
            raise ValueError(f"We expected a dictionary here. Instead we got: {features!r}")
        self._check_call()
        batch = self._batch(features)
        try:
            dense = C.c_void_p()
            lengths = C.c_void_p()
            check(lib.column_get_sequence_dense_tensor(self._handle, batch.handle,
                                                       C.byref(dense), C.byref(lengths)), CALL)
        finally:
            batch.close()
        dense_arr = tensor_to_numpy(dense)
        lengths_arr = tensor_to_numpy(lengths)
        shape = _c_variable_shape(self._handle)
        return dense_arr.reshape(dense_arr.shape[:2] + tuple(shape)), lengths_arr


class CategoricalColumn(FeatureColumn):
    """A column producing ids (and optionally weights)."""

    @property
    def num_buckets(self) -> int:
        """The number of ids the column produces: ids are in [0, num_buckets)."""
        out = C.c_int64()
        check(lib.column_num_buckets(self._handle, C.byref(out)), CONSTRUCTION)
        return int(out.value)

    def get_sparse_tensors(self, features: Features) -> IdWeightPair:
        """The id stage: IdWeightPair(id_tensor, weight_tensor) of SparseTensors. Sequence
        columns give rank-3 [B, T, K] ids ([B, T] input becomes [B, T, 1]); weight_tensor is
        None unless the column is weighted."""
        if not isinstance(features, dict):
            raise ValueError(f"We expected a dictionary here. Instead we got: {features!r}")
        self._check_call()
        batch = self._batch(features)
        try:
            out = [C.c_void_p() for _ in range(4)]
            check(lib.column_get_sparse_tensors(self._handle, batch.handle,
                                                *(C.byref(o) for o in out)), CALL)
        finally:
            batch.close()
        indices, ids, dense_shape, weights = (tensor_to_numpy(o) for o in out)
        id_tensor = SparseTensor(indices, ids, dense_shape)
        weight_tensor = None if weights is None else SparseTensor(indices, weights, dense_shape)
        return IdWeightPair(id_tensor, weight_tensor)


def _c_variable_shape(handle):
    capacity = 8
    while True:
        dims = (C.c_int64 * capacity)()
        rank = C.c_size_t()
        check(lib.column_variable_shape(handle, dims, capacity, C.byref(rank)), CONSTRUCTION)
        if rank.value <= capacity:
            return tuple(int(dims[i]) for i in range(rank.value))
        capacity = rank.value


def _adopt(handle):
    if not handle:
        raise RuntimeError("libseqfeat returned no column")
    return handle


def _new_handle():
    return C.c_void_p()


# ----------------------------------------------------------------------------------------------
# Python-side validation (what TF checks in Python)
# ----------------------------------------------------------------------------------------------

def _assert_key_is_string(key):
    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Got: type {type(key)}. Given key: {key}")


def _as_int(value, what):
    if isinstance(value, numbers.Integral):
        return int(value)
    raise TypeError(f"{what} must be an integer; got {value!r}.")


def _check_shape(shape, key):
    if shape is None:
        raise ValueError(f"shape must not be None. key: {key}")
    if isinstance(shape, numbers.Integral):
        shape = [shape]
    shape = tuple(shape)
    for dim in shape:
        if not isinstance(dim, numbers.Integral):
            raise TypeError(f"shape dimensions must be integer. shape: {shape}, key: {key}")
        if dim < 1:
            raise ValueError(f"shape dimensions must be greater than 0. shape: {shape}, key: {key}")
    return tuple(int(d) for d in shape)


def _assert_string_or_int(dtype, prefix):
    if dtype != string and not dtype.is_integer:
        raise ValueError(f"{prefix} dtype must be string or integer. dtype: {dtype}.")


def _check_ckpt(ckpt_to_load_from, tensor_name_in_ckpt):
    if (ckpt_to_load_from is None) != (tensor_name_in_ckpt is None):
        raise ValueError("Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt` or "
                         "none of them.")
    if ckpt_to_load_from is not None:
        raise ValueError("Loading TF checkpoints (ckpt_to_load_from, tensor_name_in_ckpt) is not "
                         "supported: leave both None and load the table with set_table(array) "
                         "or pass it as initializer=array.")


def _check_dimension(dimension):
    if dimension is None or isinstance(dimension, bool) or \
            not isinstance(dimension, numbers.Integral) or dimension < 1:
        raise ValueError(f"Invalid dimension {dimension}.")
    return int(dimension)


def _is_array_like(value):
    if isinstance(value, (str, bytes)):
        return False
    return isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "__array__")


def _check_initializer(initializer, suffix):
    if initializer is None or callable(initializer) or _is_array_like(initializer):
        return
    raise ValueError(f"initializer must be callable if specified. {suffix}".rstrip())


def _initial_table(initializer, num_buckets, dimension):
    """float32 [num_buckets, dimension] from a callable initializer(shape, dtype) or an
    array-like, or None for the library's default initializer."""
    if initializer is None:
        return None
    shape = (num_buckets, dimension)
    if callable(initializer):
        value = initializer(shape, dtype=float32)
    else:
        value = initializer
    table = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
    if table.shape != shape:
        raise ValueError(f"initializer gave a table of shape {table.shape}; the embedding table "
                         f"has shape {shape} (num_buckets, dimension).")
    return table


def _embedding_options(dimension, combiner, max_norm, trainable, table, seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or \
            not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64); got {seed!r}.")
    opts = _capi.new_embedding_options()
    opts.dimension = dimension
    opts.seed = int(seed)
    opts.combiner = _COMBINERS.get("mean" if combiner is None else combiner, _capi.COMBINER_MEAN)
    if max_norm is not None:
        opts.has_max_norm = 1
        opts.max_norm = float(max_norm)
    opts.trainable = 1 if trainable else 0
    if table is not None:
        opts.initial_table = table.ctypes.data_as(_capi.f32p)
        opts.initial_table_count = table.size
    return opts


def _check_combiner(combiner):
    if combiner is not None and combiner not in _COMBINERS:
        raise ValueError("combiner must be one of 'mean', 'sqrtn' or 'sum'")


# ----------------------------------------------------------------------------------------------
# Numeric
# ----------------------------------------------------------------------------------------------

class _NumericBase(FeatureColumn):
    def __init__(self, handle, key, shape, default_value, dtype, normalizer_fn):
        super().__init__(handle)
        self.key = key
        self.shape = shape
        self.default_value = default_value
        self.dtype = dtype
        self.normalizer_fn = normalizer_fn

    def _feature_keys(self):
        return [self.key]

    def _input_dtypes(self):
        return {self.key: self.dtype}

    def _python_normalizers(self):
        from .normalizers import Normalizer
        if self.normalizer_fn is None or isinstance(self.normalizer_fn, Normalizer):
            return {}
        return {self.key: self.normalizer_fn}

    @property
    def variable_shape(self) -> Shape:
        """The column's shape."""
        return self.shape


class SequenceNumericColumn(_NumericBase, SequenceDenseColumn):
    """sequence_numeric_column."""


class NumericColumn(_NumericBase, DenseColumn):
    """numeric_column (non-sequence, for context features)."""


def _context_default(shape, default_value, dtype, key):
    """numeric_column's default_value by TF's rules (feature_column utils.check_default_value):
    None; an int, or a float for a floating dtype, repeated over shape; or nested lists of
    exactly that shape holding ints, or numbers with a float among them for a floating dtype.
    Returned as TF returns it: nested tuples of the shape, or None."""
    if default_value is None:
        return None
    if callable(getattr(default_value, "tolist", None)):  # numpy arrays and scalars
        default_value = default_value.tolist()

    def filled(dims, value):
        return tuple(filled(dims[1:], value) for _ in range(dims[0])) if dims else value

    def nested(value):
        return isinstance(value, (list, tuple))

    def fits(value, dims):
        if nested(value) != bool(dims):
            return False
        return not dims or (len(value) == dims[0] and all(fits(v, dims[1:]) for v in value))

    def flat(value):
        return [x for v in value for x in flat(v)] if nested(value) else [value]

    def is_int(v):
        return isinstance(v, int)

    def as_tuple(value):
        return tuple(as_tuple(v) for v in value) if nested(value) else value

    shape = tuple(shape)
    if is_int(default_value) or (isinstance(default_value, float) and dtype.is_floating):
        return filled(shape, default_value)
    if nested(default_value):
        if not fits(default_value, shape):
            raise ValueError("The shape of default_value must be equal to given shape. "
                             f"default_value: {default_value}, shape: {shape}, key: {key}")
        values = flat(default_value)
        numbers_only = all(is_int(v) or isinstance(v, float) for v in values)
        if all(is_int(v) for v in values) or (numbers_only and dtype.is_floating):
            return as_tuple(default_value)
    raise TypeError("default_value must be compatible with dtype. "
                    f"default_value: {default_value}, dtype: {dtype}, key: {key}")


def _numeric(key, shape, default_value, dtype, normalizer_fn, sequence):
    shape = _check_shape(shape, key)
    dtype = as_dtype(dtype)
    if not (dtype.is_integer or dtype.is_floating):
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype}, key: {key}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    _assert_key_is_string(key)
    if not sequence:
        # A context column's default only fills missing values when examples are parsed, which
        # this library does not do: it is checked and kept as TF keeps it, not passed on.
        default_value = _context_default(shape, default_value, dtype, key)
        default = 0.0
    elif default_value is None:
        default = 0.0
    elif isinstance(default_value, numbers.Real):
        default = float(default_value)
    else:
        raise ValueError(f"default_value must be a number; got {default_value!r} (key: {key}).")
    opts = _capi.new_numeric_options()
    dims = np.asarray(shape, dtype=np.int64)
    opts.shape = dims.ctypes.data_as(_capi.i64p)
    opts.shape_rank = len(shape)
    opts.default_value = default
    opts.dtype = dtype.code
    from .normalizers import Normalizer
    if isinstance(normalizer_fn, Normalizer):
        opts.normalizer = normalizer_fn.kind
        opts.normalizer_a = normalizer_fn.a
        opts.normalizer_b = normalizer_fn.b
    out = _new_handle()
    check(lib.numeric_column_create(key.encode("utf-8"), 1 if sequence else 0, C.byref(opts),
                                    C.byref(out)), CONSTRUCTION)
    cls = SequenceNumericColumn if sequence else NumericColumn
    return cls(_adopt(out), key, shape, default_value, dtype, normalizer_fn)


def sequence_numeric_column(key: str, shape: ShapeLike = (1,), default_value: float = 0.,
                            dtype: DTypeLike = float32,
                            normalizer_fn: Optional[NormalizerFn] = None) -> SequenceNumericColumn:
    """A sequence of numbers per example: [B, T] + shape float32.

    normalizer_fn is applied to the float32 numpy array of present values (never padding) and
    must return an array of the same shape; it may also be one of seqfeat.normalizers (run in
    the library). TF's normalizer receives a SparseTensor instead."""
    return _numeric(key, shape, default_value, dtype, normalizer_fn, True)


def numeric_column(key: str, shape: ShapeLike = (1,), default_value: Any = None,
                   dtype: DTypeLike = float32,
                   normalizer_fn: Optional[NormalizerFn] = None) -> NumericColumn:
    """Non-sequence numeric column (context features)."""
    return _numeric(key, shape, default_value, dtype, normalizer_fn, False)


# ----------------------------------------------------------------------------------------------
# Categorical
# ----------------------------------------------------------------------------------------------

class _KeyedCategorical(CategoricalColumn):
    def __init__(self, handle, key, **config):
        super().__init__(handle)
        self.key = key
        for k, v in config.items():
            setattr(self, k, v)

    def _feature_keys(self):
        return [self.key]

    def _input_dtypes(self):
        return {self.key: getattr(self, "dtype", int64)}


class IdentityCategoricalColumn(_KeyedCategorical):
    """categorical_column_with_identity / sequence_categorical_column_with_identity."""


class HashedCategoricalColumn(_KeyedCategorical):
    """categorical_column_with_hash_bucket / sequence_categorical_column_with_hash_bucket."""


class VocabularyListCategoricalColumn(_KeyedCategorical):
    """categorical_column_with_vocabulary_list / sequence_..."""


class VocabularyFileCategoricalColumn(_KeyedCategorical):
    """categorical_column_with_vocabulary_file / sequence_..."""


def _identity(key, num_buckets, default_value, sequence):
    if num_buckets is None or num_buckets < 1:
        raise ValueError(f"num_buckets {num_buckets} < 1, column_name {key}")
    if default_value is not None and (default_value < 0 or default_value >= num_buckets):
        raise ValueError(f"default_value {default_value} not in range [0, {num_buckets}), "
                         f"column_name {key}")
    _assert_key_is_string(key)
    num_buckets = _as_int(num_buckets, "num_buckets")
    default = _capi.NO_DEFAULT if default_value is None else _as_int(default_value,
                                                                     "default_value")
    out = _new_handle()
    check(lib.identity_column_create(key.encode("utf-8"), int(sequence), num_buckets, default,
                                     C.byref(out)), CONSTRUCTION)
    return IdentityCategoricalColumn(_adopt(out), key, default_value=default_value)


def _hash_bucket(key, hash_bucket_size, dtype, sequence):
    if hash_bucket_size is None:
        raise ValueError(f"hash_bucket_size must be set. key: {key}")
    if hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be at least 1. hash_bucket_size: "
                         f"{hash_bucket_size}, key: {key}")
    _assert_key_is_string(key)
    dtype = as_dtype(dtype)
    _assert_string_or_int(dtype, f"column_name: {key}")
    size = _as_int(hash_bucket_size, "hash_bucket_size")
    if size > 2**63 - 1:
        raise ValueError(f"hash_bucket_size must be at most 2^63 - 1. hash_bucket_size: {size}, "
                         f"key: {key}")
    out = _new_handle()
    check(lib.hash_bucket_column_create(key.encode("utf-8"), int(sequence), size, dtype.code,
                                        C.byref(out)), CONSTRUCTION)
    return HashedCategoricalColumn(_adopt(out), key, hash_bucket_size=size, dtype=dtype)


def _vocabulary_list(key, vocabulary_list, dtype, default_value, num_oov_buckets, sequence):
    if vocabulary_list is None or len(vocabulary_list) < 1:
        raise ValueError(f"vocabulary_list {vocabulary_list} must be non-empty, column_name: {key}")
    if len(set(vocabulary_list)) != len(vocabulary_list):
        raise ValueError(f"Duplicate keys in vocabulary_list {vocabulary_list}, column_name: {key}")
    vocab = np.array(vocabulary_list)
    vocab_kind = numpy_kind(vocab.dtype)
    vocab_dtype_text = describe(vocab.dtype)
    if num_oov_buckets:
        if default_value != -1:
            raise ValueError(f"Can't specify both num_oov_buckets and default_value in {key}.")
        if num_oov_buckets < 0:
            raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in {key}.")
    if vocab_kind not in ("string", "integer"):
        raise ValueError(f"column_name: {key} vocabulary dtype must be string or integer. "
                         f"dtype: {vocab_dtype_text}.")
    if dtype is None:
        dtype = as_dtype(vocab.dtype)
    else:
        dtype = as_dtype(dtype)
        if dtype.is_integer != (vocab_kind == "integer"):
            raise ValueError(f"dtype {dtype} and vocabulary dtype {vocab_dtype_text} do not match, "
                             f"column_name: {key}")
    _assert_string_or_int(dtype, f"column_name: {key}")
    _assert_key_is_string(key)
    oov = 0 if num_oov_buckets is None else _as_int(num_oov_buckets, "num_oov_buckets")
    default = _as_int(default_value, "default_value")
    out = _new_handle()
    kb = key.encode("utf-8")
    if dtype == string:
        offsets, data = encode_strings(vocab)
        check(lib.vocabulary_list_column_create_strings(
            kb, int(sequence), offsets.ctypes.data_as(_capi.i64p), data, len(vocab), default, oov,
            C.byref(out)), CONSTRUCTION)
    else:
        values = np.ascontiguousarray(vocab, dtype=np.int64)
        check(lib.vocabulary_list_column_create_ints(
            kb, int(sequence), values.ctypes.data_as(_capi.i64p), len(vocab), dtype.code, default,
            oov, C.byref(out)), CONSTRUCTION)
    return VocabularyListCategoricalColumn(
        _adopt(out), key, vocabulary_list=tuple(vocab.tolist()), dtype=dtype,
        default_value=default_value, num_oov_buckets=oov)


def _count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def _vocabulary_file(key, vocabulary_file, vocabulary_size, num_oov_buckets, default_value,
                     dtype, sequence):
    if not vocabulary_file:
        raise ValueError(f"Missing vocabulary_file in {key}.")
    vocabulary_file = os.fspath(vocabulary_file)
    if vocabulary_size is None:
        if not os.path.exists(vocabulary_file):
            raise ValueError(f"vocabulary_file in {key} does not exist.")
        vocabulary_size = _count_lines(vocabulary_file)
    if vocabulary_size < 1:
        raise ValueError(f"Invalid vocabulary_size in {key}.")
    if num_oov_buckets:
        if default_value is not None:
            raise ValueError(f"Can't specify both num_oov_buckets and default_value in {key}.")
        if num_oov_buckets < 0:
            raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in {key}.")
    dtype = as_dtype(dtype)
    _assert_string_or_int(dtype, f"column_name: {key}")
    _assert_key_is_string(key)
    size = _as_int(vocabulary_size, "vocabulary_size")
    oov = 0 if num_oov_buckets is None else _as_int(num_oov_buckets, "num_oov_buckets")
    default = _capi.NO_DEFAULT if default_value is None else _as_int(default_value,
                                                                     "default_value")
    out = _new_handle()
    check(lib.vocabulary_file_column_create(
        key.encode("utf-8"), int(sequence), vocabulary_file.encode("utf-8"), size, oov, default,
        dtype.code, C.byref(out)), CONSTRUCTION)
    return VocabularyFileCategoricalColumn(
        _adopt(out), key, vocabulary_file=vocabulary_file, vocabulary_size=size,
        num_oov_buckets=oov, default_value=default_value, dtype=dtype)


def sequence_categorical_column_with_identity(key: str, num_buckets: int,
                                              default_value: Optional[int] = None
                                              ) -> IdentityCategoricalColumn:
    """Integer ids in [0, num_buckets), one or more per step."""
    return _identity(key, num_buckets, default_value, True)


def sequence_categorical_column_with_hash_bucket(key: str, hash_bucket_size: int,
                                                 dtype: DTypeLike = string
                                                 ) -> HashedCategoricalColumn:
    """Strings or integers hashed into hash_bucket_size buckets (TF's Fingerprint64)."""
    return _hash_bucket(key, hash_bucket_size, dtype, True)


def sequence_categorical_column_with_vocabulary_list(key: str, vocabulary_list: Sequence[Any],
                                                     dtype: Optional[DTypeLike] = None,
                                                     default_value: int = -1,
                                                     num_oov_buckets: int = 0
                                                     ) -> VocabularyListCategoricalColumn:
    """Ids from an in-memory vocabulary."""
    return _vocabulary_list(key, vocabulary_list, dtype, default_value, num_oov_buckets, True)


def sequence_categorical_column_with_vocabulary_file(key: str,
                                                     vocabulary_file: Union[str, os.PathLike],
                                                     vocabulary_size: Optional[int] = None,
                                                     num_oov_buckets: int = 0,
                                                     default_value: Optional[int] = None,
                                                     dtype: DTypeLike = string
                                                     ) -> VocabularyFileCategoricalColumn:
    """Ids from a vocabulary file (one entry per line), read now."""
    return _vocabulary_file(key, vocabulary_file, vocabulary_size, num_oov_buckets,
                            default_value, dtype, True)


def categorical_column_with_identity(key: str, num_buckets: int,
                                     default_value: Optional[int] = None
                                     ) -> IdentityCategoricalColumn:
    """Non-sequence identity column (context features): the integer value is the id, in
    [0, num_buckets); out-of-range values become default_value if given."""
    return _identity(key, num_buckets, default_value, False)


def categorical_column_with_hash_bucket(key: str, hash_bucket_size: int,
                                        dtype: DTypeLike = string) -> HashedCategoricalColumn:
    """Non-sequence hash column (context features): strings or integers hashed into
    hash_bucket_size buckets with TF's Fingerprint64."""
    return _hash_bucket(key, hash_bucket_size, dtype, False)


def categorical_column_with_vocabulary_list(key: str, vocabulary_list: Sequence[Any],
                                            dtype: Optional[DTypeLike] = None,
                                            default_value: int = -1, num_oov_buckets: int = 0
                                            ) -> VocabularyListCategoricalColumn:
    """Non-sequence vocabulary-list column (context features): value i of the list has id i;
    misses get default_value or one of num_oov_buckets hashed buckets."""
    return _vocabulary_list(key, vocabulary_list, dtype, default_value, num_oov_buckets, False)


def categorical_column_with_vocabulary_file(key: str, vocabulary_file: Union[str, os.PathLike],
                                            vocabulary_size: Optional[int] = None,
                                            num_oov_buckets: int = 0,
                                            default_value: Optional[int] = None,
                                            dtype: DTypeLike = string
                                            ) -> VocabularyFileCategoricalColumn:
    """Non-sequence vocabulary-file column (context features): line i of the file has id i
    (the file is read now; see sequence_categorical_column_with_vocabulary_file)."""
    return _vocabulary_file(key, vocabulary_file, vocabulary_size, num_oov_buckets,
                            default_value, dtype, False)


# ----------------------------------------------------------------------------------------------
# Weighted
# ----------------------------------------------------------------------------------------------

class WeightedCategoricalColumn(CategoricalColumn):
    """weighted_categorical_column: ids from the wrapped column, weights from
    weight_feature_key, paired by position."""

    def __init__(self, handle, categorical_column, weight_feature_key, dtype):
        super().__init__(handle, (categorical_column,))
        self.categorical_column = categorical_column
        self.weight_feature_key = weight_feature_key
        self.dtype = dtype

    def _feature_keys(self):
        keys = super()._feature_keys()
        if self.weight_feature_key not in keys:
            keys.append(self.weight_feature_key)
        return keys

    def _input_dtypes(self):
        out = super()._input_dtypes()
        out.setdefault(self.weight_feature_key, self.dtype)
        return out


def weighted_categorical_column(categorical_column: CategoricalColumn, weight_feature_key: str,
                                dtype: DTypeLike = float32) -> WeightedCategoricalColumn:
    """Pairs the ids of categorical_column with the weights in features[weight_feature_key],
    by position; embeddings weight their combiner with them, indicators sum them."""
    if dtype is not None:
        dtype = as_dtype(dtype)
    if dtype is None or not (dtype.is_integer or dtype.is_floating):
        raise ValueError(f"dtype {dtype} is not convertible to float.")
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError(f"categorical_column must be a CategoricalColumn. Given: "
                         f"{categorical_column!r}")
    if not isinstance(weight_feature_key, str):
        raise ValueError(f"weight_feature_key must be a string. Given: {weight_feature_key!r}")
    out = _new_handle()
    check(lib.weighted_column_create(categorical_column._handle,
                                     weight_feature_key.encode("utf-8"), dtype.code,
                                     C.byref(out)), CONSTRUCTION)
    return WeightedCategoricalColumn(_adopt(out), categorical_column, weight_feature_key, dtype)


# ----------------------------------------------------------------------------------------------
# Embeddings and indicators
# ----------------------------------------------------------------------------------------------

class _TableMixin(FeatureColumn):
    """Access to the embedding table ([num_buckets, dimension] float32)."""

    @property
    def table_shape(self) -> Tuple[int, int]:
        """(num_buckets, dimension) of the embedding table."""
        rows = C.c_int64()
        dim = C.c_int64()
        check(lib.column_table_shape(self._handle, C.byref(rows), C.byref(dim)), CONSTRUCTION)
        return int(rows.value), int(dim.value)

    @property
    def table_name(self) -> str:
        """The variable name of the table, e.g. 'aaa_bbb_shared_embedding'."""
        out = C.c_char_p()
        check(lib.column_table_name(self._handle, C.byref(out)), CONSTRUCTION)
        return (out.value or b"").decode("utf-8")

    def get_table(self) -> np.ndarray:
        """A copy of the table as a float32 numpy array [num_buckets, dimension]."""
        table = np.empty(self.table_shape, dtype=np.float32)
        check(lib.column_table_get(self._handle, table.ctypes.data_as(_capi.f32p), table.size),
              CONSTRUCTION)
        return table

    def set_table(self, values: ArrayLike) -> None:
        """Overwrites the table (seen by every column sharing it). Not safe while another thread
        transforms a batch through this table."""
        shape = self.table_shape
        table = np.ascontiguousarray(np.asarray(values, dtype=np.float32))
        if table.shape != shape:
            raise ValueError(f"The table of {self.name} has shape {shape}; got {table.shape}.")
        check(lib.column_table_set(self._handle, table.ctypes.data_as(_capi.f32p), table.size),
              CONSTRUCTION)

    @property
    def table_writable(self) -> bool:
        """False for a table memory-mapped read-only by seqfeat.load(..., mmap=True)."""
        from . import _serialization
        return _serialization.table_writable(self)

    @property
    def embedding_weights(self) -> np.ndarray:
        """Alias of get_table() (TF's variable name)."""
        return self.get_table()

    def _table_view(self):
        """The table's own memory as a writable float32 numpy array [num_buckets, dimension]
        (no copy): writes change the table, packs see them. The array keeps the column (and so
        the table) alive."""
        data = _capi.f32p()
        check(lib.column_table_data(self._handle, C.byref(data)), CONSTRUCTION)
        rows, dim = self.table_shape
        buffer = (C.c_float * (rows * dim)).from_address(C.addressof(data.contents))
        buffer._column = self
        return np.frombuffer(buffer, dtype=np.float32).reshape(rows, dim)

    def _check_call(self):
        super()._check_call()
        _check_combiner(self.combiner)


class EmbeddingColumn(_TableMixin, DenseColumn, SequenceDenseColumn):
    """embedding_column: [B, T, dimension] from the ids of a sequence categorical column."""

    def __init__(self, handle, categorical_column, dimension, combiner, initializer, max_norm,
                 trainable, use_safe_embedding_lookup):
        super().__init__(handle, (categorical_column,))
        self.categorical_column = categorical_column
        self.dimension = dimension
        self.combiner = combiner
        self.initializer = initializer
        self.ckpt_to_load_from = None
        self.tensor_name_in_ckpt = None
        self.max_norm = max_norm
        self.trainable = trainable
        self.use_safe_embedding_lookup = use_safe_embedding_lookup


class SharedEmbeddingColumn(_TableMixin, DenseColumn, SequenceDenseColumn):
    """One of the columns made by shared_embeddings; the table is shared."""

    def __init__(self, handle, categorical_column, dimension, combiner, initializer, max_norm,
                 trainable, use_safe_embedding_lookup, shared_embedding_collection_name):
        super().__init__(handle, (categorical_column,))
        self.categorical_column = categorical_column
        self.dimension = dimension
        self.combiner = combiner
        self.initializer = initializer
        self.ckpt_to_load_from = None
        self.tensor_name_in_ckpt = None
        self.max_norm = max_norm
        self.trainable = trainable
        self.use_safe_embedding_lookup = use_safe_embedding_lookup
        self.shared_embedding_collection_name = shared_embedding_collection_name


class IndicatorColumn(DenseColumn, SequenceDenseColumn):
    """indicator_column: multi-hot counts [B, T, num_buckets]."""

    def __init__(self, handle, categorical_column):
        super().__init__(handle, (categorical_column,))
        self.categorical_column = categorical_column

    @property
    def variable_shape(self) -> Shape:
        """(1, num_buckets), as TF's IndicatorColumn.variable_shape."""
        return (1, self.categorical_column.num_buckets)


def embedding_column(categorical_column: CategoricalColumn, dimension: int,
                     combiner: str = 'mean', initializer: Optional[Initializer] = None,
                     ckpt_to_load_from: Optional[str] = None,
                     tensor_name_in_ckpt: Optional[str] = None, max_norm: Optional[float] = None,
                     trainable: bool = True, use_safe_embedding_lookup: bool = True, *,
                     seed: int = 0) -> EmbeddingColumn:
    """Embeds the ids of categorical_column into `dimension` floats per step.

    initializer: TF's callable initializer(shape, dtype) returning an array, or an array-like
    of shape (num_buckets, dimension); None: truncated normal (stddev 1/sqrt(dimension)),
    reproducible for a given `seed` (an extension, mixed with the table name). combiner is
    checked when the column is used, as in TF."""
    dimension = _check_dimension(dimension)
    _check_ckpt(ckpt_to_load_from, tensor_name_in_ckpt)
    name = getattr(categorical_column, "name", categorical_column)
    _check_initializer(initializer, f"Embedding of column_name: {name}")
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError(f"categorical_column must be a CategoricalColumn. Given: "
                         f"{categorical_column!r}")
    table = _initial_table(initializer, categorical_column.num_buckets, dimension)
    opts = _embedding_options(dimension, combiner, max_norm, trainable, table, seed)
    out = _new_handle()
    check(lib.embedding_column_create(categorical_column._handle, C.byref(opts), C.byref(out)),
          CONSTRUCTION)
    return EmbeddingColumn(_adopt(out), categorical_column, dimension, combiner, initializer,
                           max_norm, trainable, use_safe_embedding_lookup)


def shared_embeddings(categorical_columns: Iterable[CategoricalColumn], dimension: int,
                      combiner: str = 'mean', initializer: Optional[Initializer] = None,
                      shared_embedding_collection_name: Optional[str] = None,
                      ckpt_to_load_from: Optional[str] = None,
                      tensor_name_in_ckpt: Optional[str] = None, max_norm: Optional[float] = None,
                      trainable: bool = True, use_safe_embedding_lookup: bool = True, *,
                      seed: int = 0) -> List[SharedEmbeddingColumn]:
    """One embedding table shared by several categorical columns (same type, same
    num_buckets). Returns one column per input column, in input order, each named
    <categorical name>_shared_embedding."""
    dimension = _check_dimension(dimension)
    _check_ckpt(ckpt_to_load_from, tensor_name_in_ckpt)
    _check_initializer(initializer, "")
    columns = list(categorical_columns)
    if not columns:
        raise ValueError("categorical_columns must not be empty.")
    for c in sorted(columns, key=lambda c: getattr(c, "name", "")):
        if not isinstance(c, CategoricalColumn):
            raise ValueError(f"All categorical_columns must be subclasses of CategoricalColumn. "
                             f"Given: {c}, of type: {type(c)}")
    if shared_embedding_collection_name is not None and \
            not isinstance(shared_embedding_collection_name, str):
        raise ValueError("shared_embedding_collection_name must be a string.")
    num_buckets = min(c.num_buckets for c in columns)
    table = None
    if initializer is not None and all(c.num_buckets == num_buckets for c in columns):
        table = _initial_table(initializer, num_buckets, dimension)
    opts = _embedding_options(dimension, combiner, max_norm, trainable, table, seed)
    handles = (C.c_void_p * len(columns))(*(c._handle.value for c in columns))
    outs = (C.c_void_p * len(columns))()
    name = None if shared_embedding_collection_name is None else \
        shared_embedding_collection_name.encode("utf-8")
    check(lib.shared_embeddings_create(handles, len(columns), C.byref(opts), name, outs),
          CONSTRUCTION)
    return [SharedEmbeddingColumn(_adopt(C.c_void_p(h)), c, dimension, combiner, initializer,
                                  max_norm, trainable, use_safe_embedding_lookup,
                                  shared_embedding_collection_name)
            for h, c in zip(outs, columns)]


def indicator_column(categorical_column: CategoricalColumn) -> IndicatorColumn:
    """Multi-hot (count) representation of a categorical column: num_buckets per step."""
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError(f"Unsupported input type. Input must be a CategoricalColumn. Given: "
                         f"{categorical_column}")
    out = _new_handle()
    check(lib.indicator_column_create(categorical_column._handle, C.byref(out)), CONSTRUCTION)
    return IndicatorColumn(_adopt(out), categorical_column)


# ----------------------------------------------------------------------------------------------
# Building a batch for a set of columns
# ----------------------------------------------------------------------------------------------

class FeatureReader:
    """What a list of columns reads from a features dict, worked out once: the keys in column
    order (with their UTF-8 bytes) and the Python normalizers. fill() describes one call's
    features into a Batch."""

    def __init__(self, columns):
        keys = []
        for column in columns:
            for k in column._feature_keys():
                if k not in keys:
                    keys.append(k)
        normalizers = {}
        for column in columns:
            for k, fn in column._python_normalizers().items():
                readers = [c.name for c in columns if k in c._feature_keys()]
                if len(readers) > 1 or k in normalizers:
                    raise ValueError(
                        f"Feature {k} has a Python normalizer_fn and is read by several columns "
                        f"({', '.join(readers)}); give the normalized values their own feature "
                        "key or use a seqfeat.normalizers normalizer.")
                normalizers[k] = fn
        dtypes = {}
        for column in columns:
            for k, dtype in column._input_dtypes().items():
                dtypes.setdefault(k, dtype)
        self.keys = [(k, k.encode("utf-8"), normalizers.get(k), dtypes.get(k)) for k in keys]

    def fill(self, batch, features):
        """Raises TF's ValueError for a missing key; commits the batch."""
        for k, _, _, _ in self.keys:
            if k not in features:
                raise ValueError(f"Feature {k} is not in features dictionary.")
        batch.reset()
        for k, kb, normalizer, dtype in self.keys:
            batch.add(k, features[k], normalizer, dtype, kb)
        batch.commit()


def make_batch(columns, features):
    """A Batch with every feature the columns read, in column order. Raises TF's ValueError for
    a missing key; applies Python normalizers of numeric columns to their key's values."""
    reader = FeatureReader(columns)
    batch = Batch()
    try:
        reader.fill(batch, features)
    except BaseException:
        batch.close()
        raise
    return batch


__all__ = [
    "FeatureColumn", "DenseColumn", "SequenceDenseColumn", "CategoricalColumn",
    "SequenceNumericColumn", "NumericColumn", "IdentityCategoricalColumn",
    "HashedCategoricalColumn", "VocabularyListCategoricalColumn",
    "VocabularyFileCategoricalColumn", "WeightedCategoricalColumn", "EmbeddingColumn",
    "SharedEmbeddingColumn", "IndicatorColumn", "DType",
]
