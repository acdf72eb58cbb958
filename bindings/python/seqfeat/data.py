"""Reading TFRecord files of tf.train.SequenceExample / tf.train.Example without TensorFlow.

    import seqfeat as sf
    columns = [sf.embedding_column(sf.sequence_categorical_column_with_identity('ids', 1000), 16)]
    layer = sf.SequenceFeatures(columns)
    for sequence_features, context_features in sf.data.SequenceExampleReader(
            ['train-0.tfrecord', 'train-1.tfrecord'], columns, batch_size=256):
        x, lengths = layer(sequence_features)

The library reads the files (framing, masked CRC32C, optional GZIP/ZLIB) and decodes the
protobuf wire format on several threads straight into ragged columns of the requested keys; the
batches are numpy views of that memory (strings become bytes objects only when read).

What a batch holds, per key (B records):
  context FixedLenFeature           numpy array [B, *shape] (missing: default_value, else error)
  context VarLenFeature             RaggedTensor [B, (values)]
  sequence features of SequenceExample records (VarLenFeature or FixedLenSequenceFeature):
                                    RaggedTensor [B, (steps), (values)]; .to_sparse() gives the
                                    SparseTensor TF's parse_sequence_example returns for a
                                    VarLenFeature, .to_tensor(default) its dense output
  sequence features of Example records: RaggedTensor [B, (values)] (one value per step)
int64_list values are int64, float_list float32, bytes_list bytes (numpy object arrays).
"""

import collections
import ctypes as C
import os
import weakref
from typing import Any, Callable, Dict, Iterable, Optional, Tuple, Union

import numpy as np

from . import _capi
from ._capi import lib
from ._columns import FeatureColumn, NumericColumn
from ._dtypes import as_dtype
from ._errors import CALL, CONSTRUCTION, check
from ._tensors import OffsetStrings, RaggedTensor

__all__ = [
    "DataLossError", "FixedLenFeature", "FixedLenSequenceFeature", "OffsetStrings",
    "SequenceExampleReader",
    "TFRecordWriter", "VarLenFeature", "example", "make_parse_example_spec", "sequence_example",
    "torch_dataset",
]


class DataLossError(OSError):
    """A TFRecord file is corrupt or truncated (TF's tf.errors.DataLossError). The message names
    the file and the record index."""

    def __init__(self, message: str, code: int = _capi.ERR_IO) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _check_io(status, when=CALL):
    if status == _capi.ERR_NOT_FOUND:
        raise FileNotFoundError(_capi.last_error_message())
    if status == _capi.ERR_IO:
        raise DataLossError(_capi.last_error_message())
    check(status, when)


# ----------------------------------------------------------------------------------------------
# Parse specs (TF's tf.io.FixedLenFeature, VarLenFeature, FixedLenSequenceFeature)
# ----------------------------------------------------------------------------------------------

class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """tf.io.VarLenFeature: any number of values per record (per step in a feature list)."""


class FixedLenFeature(collections.namedtuple(
        "FixedLenFeature", ["shape", "dtype", "default_value"])):
    """tf.io.FixedLenFeature: exactly prod(shape) values per record; default_value (one value or
    prod(shape) values) when the record lacks the feature, else the feature is required."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, tuple(int(d) for d in shape), dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """tf.io.FixedLenSequenceFeature: prod(shape) values per step of a feature list;
    allow_missing=True reads a missing list as empty."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, tuple(int(d) for d in shape), dtype, bool(allow_missing),
                               default_value)


_KIND = {VarLenFeature: _capi.FEATURE_VAR_LEN, FixedLenFeature: _capi.FEATURE_FIXED_LEN,
         FixedLenSequenceFeature: _capi.FEATURE_FIXED_LEN_SEQUENCE}
_PARSE_DTYPES = {"int64": _capi.DTYPE_INT64, "float32": _capi.DTYPE_FLOAT32,
                 "string": _capi.DTYPE_STRING}
_CODE_NAMES = {v: k for k, v in _PARSE_DTYPES.items()}


def _dtype_code(dtype, key):
    name = as_dtype(dtype).name
    if name not in _PARSE_DTYPES:
        raise ValueError(f"Feature {key}: dtype {name} cannot be parsed; Example lists hold "
                         "int64, float32 or string.")
    return _PARSE_DTYPES[name]


class _Spec:
    """A seqfeat_parse_spec handle."""

    def __init__(self, handle):
        self.handle = handle
        self._finalizer = weakref.finalize(self, lib.parse_spec_free, handle)

    @classmethod
    def from_columns(cls, columns):
        columns = list(columns)
        for c in columns:
            if not isinstance(c, FeatureColumn):
                raise ValueError(f"All feature_columns must be FeatureColumn instances. "
                                 f"Given: {c}")
        handles = (C.c_void_p * len(columns))(*(c._handle.value for c in columns))
        out = C.c_void_p()
        check(lib.parse_spec_from_columns(handles, len(columns), C.byref(out)), CONSTRUCTION)
        spec = cls(out)
        # numeric_column(default_value=...) is a parsing default: the Python column keeps it.
        defaults = {c.key: c.default_value for c in columns
                    if isinstance(c, NumericColumn) and c.default_value is not None}
        if defaults:
            rebuilt = cls.empty()
            for key, feature, sequence in spec.features():
                if isinstance(feature, FixedLenFeature) and key in defaults:
                    feature = feature._replace(default_value=defaults[key])
                rebuilt.add(key, feature, sequence)
            spec = rebuilt
        return spec

    @classmethod
    def empty(cls):
        out = C.c_void_p()
        check(lib.parse_spec_create(C.byref(out)), CONSTRUCTION)
        return cls(out)

    def add(self, key, feature, sequence):
        if type(feature) not in _KIND:
            raise ValueError(f"Feature {key}: expected a VarLenFeature, FixedLenFeature or "
                             f"FixedLenSequenceFeature, got {feature!r}")
        f = _capi.FeatureSpec()
        lib.feature_spec_default(C.byref(f))
        keep = []
        f.key = key.encode("utf-8")
        f.kind = _KIND[type(feature)]
        f.dtype = _dtype_code(feature.dtype, key)
        f.sequence = 1 if sequence else 0
        if not isinstance(feature, VarLenFeature):
            shape = np.asarray(feature.shape, dtype=np.int64)
            keep.append(shape)
            f.shape = shape.ctypes.data_as(_capi.i64p)
            f.shape_rank = shape.shape[0]
        if isinstance(feature, FixedLenSequenceFeature):
            f.allow_missing = 1 if feature.allow_missing else 0
        if isinstance(feature, FixedLenFeature) and feature.default_value is not None:
            f.has_default = 1
            if f.dtype == _capi.DTYPE_STRING:
                items = np.asarray(feature.default_value, dtype=object).reshape(-1).tolist()
                items = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in items]
                offsets = np.zeros(len(items) + 1, dtype=np.int64)
                np.cumsum([len(s) for s in items], out=offsets[1:])
                data = b"".join(items)
                keep += [offsets, data]
                f.default_offsets = offsets.ctypes.data_as(_capi.i64p)
                f.default_bytes = C.cast(C.c_char_p(data), C.c_void_p)
                f.default_count = len(items)
            else:
                dt = np.int64 if f.dtype == _capi.DTYPE_INT64 else np.float32
                values = np.ascontiguousarray(np.asarray(feature.default_value, dtype=dt)
                                              .reshape(-1))
                keep.append(values)
                f.default_values = values.ctypes.data
                f.default_count = values.shape[0]
        check(lib.parse_spec_add(self.handle, C.byref(f)), CONSTRUCTION)

    def features(self):
        """[(key, feature, sequence)] in spec order (context, then sequence features)."""
        out = []
        for i in range(int(lib.parse_spec_num_features(self.handle))):
            f = _capi.FeatureSpec()
            f.struct_size = C.sizeof(_capi.FeatureSpec)
            check(lib.parse_spec_feature(self.handle, i, C.byref(f)), CONSTRUCTION)
            key = f.key.decode("utf-8")
            dtype = as_dtype(_CODE_NAMES[f.dtype])
            shape = tuple(int(f.shape[d]) for d in range(f.shape_rank))
            if f.kind == _capi.FEATURE_VAR_LEN:
                feature = VarLenFeature(dtype)
            elif f.kind == _capi.FEATURE_FIXED_LEN:
                default = None
                if f.has_default:
                    if f.dtype == _capi.DTYPE_STRING:
                        o = [f.default_offsets[j] for j in range(f.default_count + 1)]
                        raw = C.string_at(f.default_bytes, o[-1]) if o[-1] else b""
                        default = [raw[o[j]:o[j + 1]] for j in range(f.default_count)]
                    else:
                        ct = C.c_int64 if f.dtype == _capi.DTYPE_INT64 else C.c_float
                        arr = C.cast(f.default_values, C.POINTER(ct))
                        default = [arr[j] for j in range(f.default_count)]
                    if len(default) == 1:
                        default = default[0]
                feature = FixedLenFeature(shape, dtype, default)
            else:
                feature = FixedLenSequenceFeature(shape, dtype, bool(f.allow_missing))
            out.append((key, feature, bool(f.sequence)))
        return out


def make_parse_example_spec(
        feature_columns: Union[FeatureColumn, Iterable[FeatureColumn]]) -> Dict[str, Any]:
    """tf.feature_column.make_parse_example_spec: {feature key: VarLenFeature /
    FixedLenFeature} for the columns (sequence columns: VarLenFeature of their dtype, numeric
    columns: FixedLenFeature(shape, dtype, default_value), categorical columns: VarLenFeature;
    embedding and indicator columns what their categorical column reads, weighted columns also
    the weight key). Raises ValueError if two columns read one key differently."""
    if isinstance(feature_columns, FeatureColumn):
        feature_columns = [feature_columns]
    feature_columns = list(feature_columns)
    spec = _Spec.from_columns(feature_columns)
    # TF puts the numeric column's own default_value (nested tuples of its shape) in the spec.
    defaults = {c.key: c.default_value for c in feature_columns if isinstance(c, NumericColumn)}
    return {key: feature._replace(default_value=defaults[key])
            if isinstance(feature, FixedLenFeature) and key in defaults else feature
            for key, feature, _ in spec.features()}


def _build_spec(features, context_features, sequence_features, record_type):
    """A _Spec from columns, a {key: feature} dict, or context/sequence dicts."""
    if features is not None and (context_features is not None or sequence_features is not None):
        raise ValueError("Give either `features` (columns or a spec dict) or "
                         "context_features/sequence_features, not both.")
    if features is None:
        spec = _Spec.empty()
        for key, f in (context_features or {}).items():
            spec.add(key, f, False)
        for key, f in (sequence_features or {}).items():
            spec.add(key, f, True)
        return spec
    if isinstance(features, FeatureColumn):
        features = [features]
    if isinstance(features, dict):
        # One dict (e.g. make_parse_example_spec's): FixedLenSequenceFeatures are feature lists.
        spec = _Spec.empty()
        for key, f in features.items():
            spec.add(key, f, isinstance(f, FixedLenSequenceFeature))
        return spec
    return _Spec.from_columns(features)


# ----------------------------------------------------------------------------------------------
# Batches: numpy views of the library's decoded data, and a fast path into the layers
# ----------------------------------------------------------------------------------------------

class _Owner:
    """Owns one seqfeat_batch filled by the reader: the numpy views of its data keep it alive."""

    def __init__(self):
        handle = C.c_void_p()
        check(lib.batch_create(C.byref(handle)), CALL)
        self.handle = handle
        self._finalizer = weakref.finalize(self, lib.batch_free, handle)


def _view(owner, address, count, dtype):
    dtype = np.dtype(dtype)
    if count == 0 or not address:
        return np.zeros(0, dtype=dtype)
    buf = (C.c_char * (count * dtype.itemsize)).from_address(address)
    buf._owner = owner  # the batch lives while any array viewing it does
    return np.frombuffer(buf, dtype=dtype)


def _ragged(values, row_splits):
    """A RaggedTensor over the reader's memory (string values become an array on first read)."""
    return RaggedTensor(values, row_splits, _internal=True)


class RecordFeatures(dict):
    """A dict of one batch's features, as the reader yields it (numpy views of the library's
    decoded data, kept alive by the arrays)."""


def _features_of(owner, spec_features, count):
    """(sequence_features, context_features) dicts of numpy views over the owner's batch."""
    sequence = RecordFeatures()
    context = RecordFeatures()
    view = _capi.FeatureView()
    for key, feature, is_sequence in spec_features:
        view.struct_size = C.sizeof(_capi.FeatureView)
        check(lib.batch_get(owner.handle, key.encode("utf-8"), C.byref(view)), CALL)
        if view.dtype == _capi.DTYPE_STRING:
            offsets = _view(owner, C.cast(view.string_offsets, C.c_void_p).value,
                            view.num_values + 1, np.int64)
            nbytes = int(offsets[-1]) if offsets.shape[0] else 0
            values = OffsetStrings(offsets, _view(owner, view.string_bytes, nbytes, np.uint8))
        else:
            dt = np.int64 if view.dtype == _capi.DTYPE_INT64 else np.float32
            values = _view(owner, view.values, view.num_values, dt)
        if view.form == _capi.FORM_DENSE:
            if isinstance(values, OffsetStrings):
                values = values.array()
            value = values.reshape((count,) + tuple(feature.shape))
        else:
            row_splits = _view(owner, C.cast(view.row_splits, C.c_void_p).value, count + 1,
                               np.int64)
            if view.step_splits:
                step_splits = _view(owner, C.cast(view.step_splits, C.c_void_p).value,
                                    view.num_steps + 1, np.int64)
                value = _ragged(_ragged(values, step_splits), row_splits)
            else:
                value = _ragged(values, row_splits)
        (sequence if is_sequence else context)[key] = value
    return sequence, context


# ----------------------------------------------------------------------------------------------
# The reader
# ----------------------------------------------------------------------------------------------

_COMPRESSION = {None: _capi.COMPRESSION_NONE, "": _capi.COMPRESSION_NONE,
                "GZIP": _capi.COMPRESSION_GZIP, "ZLIB": _capi.COMPRESSION_ZLIB}
_RECORD_TYPES = {"SequenceExample": _capi.RECORD_SEQUENCE_EXAMPLE,
                 "Example": _capi.RECORD_EXAMPLE}


def _compression_code(compression_type):
    if compression_type not in _COMPRESSION:
        raise ValueError(f"compression_type must be None, '', 'GZIP' or 'ZLIB'; got "
                         f"{compression_type!r}.")
    return _COMPRESSION[compression_type]


def _file_list(files):
    if isinstance(files, (str, bytes, os.PathLike)):
        files = [files]
    out = [os.fsdecode(f) for f in files]
    if not out:
        raise ValueError("files must name at least one TFRecord file.")
    return out


class SequenceExampleReader:
    """Iterates (sequence_features, context_features) batches of up to batch_size records from
    TFRecord files, read in the given order (each record once; the last batch may be smaller
    unless drop_remainder=True).

    features: the layers' feature columns (their make_parse_example_spec, sequence columns
    read from feature lists), or a {key: VarLenFeature | FixedLenFeature |
    FixedLenSequenceFeature} dict (FixedLenSequenceFeatures are feature lists, the rest
    context), or None with context_features= / sequence_features= dicts as in TF's
    tf.io.parse_sequence_example.

    record_type 'SequenceExample' (default) or 'Example' (tf.train.Example: every key is read
    from its features; sequence features get one value per step). compression_type None/'',
    'GZIP' or 'ZLIB' (TF's names). num_threads: decoding threads (0: the machine's cores);
    records come out in file order whatever the value. skip_corrupt=True skips corrupt records
    (counted in `skipped`) instead of raising DataLossError / InvalidArgumentError.
    progress=True shows a tqdm bar over the files' bytes; a callable is called after each batch
    as progress(records, bytes_read, bytes_total).

    Iterating reads the files once; iterate a new reader for another epoch.
    """

    def __init__(self, files: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]],
                 features: Union[None, Iterable[FeatureColumn], Dict[str, Any]] = None,
                 batch_size: int = 1, *,
                 context_features: Optional[Dict[str, Any]] = None,
                 sequence_features: Optional[Dict[str, Any]] = None,
                 record_type: str = "SequenceExample", compression_type: Optional[str] = None,
                 num_threads: int = 0, skip_corrupt: bool = False, drop_remainder: bool = False,
                 progress: Union[None, bool, Callable[[int, int, int], Any]] = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
        if record_type not in _RECORD_TYPES:
            raise ValueError(f"record_type must be 'SequenceExample' or 'Example'; got "
                             f"{record_type!r}.")
        if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) \
                or num_threads < 0:
            raise ValueError(f"num_threads must be an integer >= 0; got {num_threads!r}.")
        if progress is not None and progress is not True and progress is not False \
                and not callable(progress):
            raise ValueError("progress must be True, False, None or a callable.")
        self.files = _file_list(files)
        self.batch_size = int(batch_size)
        self.drop_remainder = bool(drop_remainder)
        self._progress = progress
        self._spec = _build_spec(features, context_features, sequence_features, record_type)
        self._spec_features = self._spec.features()
        opts = _capi.ReaderOptions()
        lib.reader_options_default(C.byref(opts))
        opts.record_type = _RECORD_TYPES[record_type]
        opts.compression = _compression_code(compression_type)
        opts.num_threads = int(num_threads)
        opts.skip_corrupt = 1 if skip_corrupt else 0
        paths = (C.c_char_p * len(self.files))(*(f.encode("utf-8") for f in self.files))
        out = C.c_void_p()
        _check_io(lib.record_reader_open(paths, len(self.files), self._spec.handle,
                                         C.byref(opts), C.byref(out)), CONSTRUCTION)
        self._handle = out
        self._finalizer = weakref.finalize(self, lib.record_reader_free, out)
        self._started = False

    @property
    def context_spec(self) -> Dict[str, Any]:
        """{key: feature} read from the context (Example features)."""
        return {k: f for k, f, s in self._spec_features if not s}

    @property
    def sequence_spec(self) -> Dict[str, Any]:
        """{key: feature} read from the feature lists."""
        return {k: f for k, f, s in self._spec_features if s}

    def _stat(self, stat):
        v = C.c_int64()
        check(lib.record_reader_stat(self._handle, stat, C.byref(v)), CALL)
        return int(v.value)

    @property
    def records(self) -> int:
        """Records delivered so far."""
        return self._stat(_capi.READER_RECORDS)

    @property
    def skipped(self) -> int:
        """Corrupt records skipped (skip_corrupt=True); a broken frame counts once and skips
        the rest of its file."""
        return self._stat(_capi.READER_SKIPPED)

    def read_batch(self) -> Optional[Tuple[RecordFeatures, RecordFeatures]]:
        """The next (sequence_features, context_features), or None at the end."""
        owner = _Owner()
        count = C.c_size_t()
        _check_io(lib.record_reader_next(self._handle, self.batch_size, owner.handle,
                                         C.byref(count)))
        n = int(count.value)
        if n == 0 or (self.drop_remainder and n < self.batch_size):
            return None
        return _features_of(owner, self._spec_features, n)

    def __iter__(self):
        if self._started:
            raise RuntimeError("A SequenceExampleReader reads its files once; create a new "
                               "reader for another pass.")
        self._started = True
        bar = None
        if self._progress is True:
            from tqdm import tqdm
            bar = tqdm(total=self._stat(_capi.READER_BYTES_TOTAL), unit="B", unit_scale=True,
                       desc="records")
        done = 0
        try:
            while True:
                batch = self.read_batch()
                if self._progress:
                    read = self._stat(_capi.READER_BYTES_READ)
                    if bar is not None:
                        bar.update(read - done)
                        bar.set_postfix(records=self.records, refresh=False)
                    else:
                        self._progress(self.records, read, self._stat(_capi.READER_BYTES_TOTAL))
                    done = read
                if batch is None:
                    return
                yield batch
        finally:
            if bar is not None:
                bar.close()


def torch_dataset(files: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]],
                  features: Union[None, Iterable[FeatureColumn], Dict[str, Any]] = None,
                  batch_size: int = 1,
                  transform: Optional[Callable[[RecordFeatures, RecordFeatures], Any]] = None,
                  **reader_kwargs: Any) -> Any:
    """A torch.utils.data.IterableDataset over SequenceExampleReader batches (use it with
    DataLoader(dataset, batch_size=None)). With DataLoader workers, worker i reads files i,
    i + n, ... so every record is read once. transform(sequence_features, context_features),
    if given, maps each batch (e.g. to a layer's packed tensors). Imports torch."""
    import torch.utils.data

    files = _file_list(files)

    class SequenceExampleDataset(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            mine = files if info is None else files[info.id::info.num_workers]
            if not mine:
                return
            reader = SequenceExampleReader(mine, features, batch_size, **reader_kwargs)
            for seq, ctx in reader:
                yield transform(seq, ctx) if transform is not None else (seq, ctx)

    return SequenceExampleDataset()


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------

def _varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def _field(number, payload):
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _feature(values):
    """A serialized tf.train.Feature: bytes_list for str/bytes, float_list for floats,
    int64_list for integers; an empty list is a Feature with no kind."""
    arr = values if isinstance(values, np.ndarray) else None
    items = list(values.reshape(-1).tolist() if arr is not None else values)
    if not items:
        return b""
    if isinstance(items[0], (str, bytes)):
        raw = b"".join(_field(1, v.encode("utf-8") if isinstance(v, str) else bytes(v))
                       for v in items)
        return _field(1, raw)
    if (arr is not None and arr.dtype.kind == "f") or any(isinstance(v, float) for v in items):
        return _field(2, _field(1, np.asarray(items, dtype="<f4").tobytes()))
    return _field(3, _field(1, b"".join(_varint(int(v)) for v in items)))


def _features(mapping):
    return b"".join(_field(1, _field(1, k.encode("utf-8")) + _field(2, _feature(v)))
                    for k, v in mapping.items())


def example(features: Dict[str, Any]) -> bytes:
    """A serialized tf.train.Example from {key: list of values} (str/bytes -> bytes_list,
    float -> float_list, int -> int64_list), for writing test data without TensorFlow."""
    return _field(1, _features(features))


def sequence_example(context: Optional[Dict[str, Any]] = None,
                     feature_lists: Optional[Dict[str, Any]] = None) -> bytes:
    """A serialized tf.train.SequenceExample: context {key: list of values} as in example(),
    feature_lists {key: list of steps, each a list of values}."""
    lists = b"".join(
        _field(1, _field(1, k.encode("utf-8")) +
               _field(2, b"".join(_field(1, _feature(step)) for step in steps)))
        for k, steps in (feature_lists or {}).items())
    return _field(1, _features(context or {})) + _field(2, lists)


class TFRecordWriter:
    """tf.io.TFRecordWriter: writes serialized records (bytes) to a TFRecord file, optionally
    GZIP or ZLIB compressed. Use as a context manager or call close()."""

    def __init__(self, path: Union[str, os.PathLike],
                 compression_type: Optional[str] = None) -> None:
        out = C.c_void_p()
        _check_io(lib.record_writer_open(os.fsencode(path), _compression_code(compression_type),
                                         C.byref(out)), CONSTRUCTION)
        self._handle = out
        self._finalizer = weakref.finalize(self, lib.record_writer_free, out)

    def write(self, record: bytes) -> None:
        """Appends one serialized record (bytes) to the file."""
        data = bytes(record)
        _check_io(lib.record_writer_write(self._handle, data, len(data)))

    def close(self) -> None:
        """Flushes and closes the file (once; later calls do nothing)."""
        if self._finalizer.alive:
            try:
                _check_io(lib.record_writer_close(self._handle))
            finally:
                self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
