"""Saving and loading layers, Keras-style configurations and pickling.

The library owns the format: a column's configuration is the JSON object the library writes
into pipeline.json (docs/formats.md), and a configuration is turned back into a column by the
library. Python adds only what the library cannot hold: a callable normalizer_fn, the
initializer argument and use_safe_embedding_lookup (keys listed in _PYTHON_ONLY); those stay in
the Python dict and are stripped before the library sees it.
"""

from __future__ import annotations

import ctypes as C
import json
import os
from typing import Any, Dict, Optional, Union

from . import _capi, normalizers
from ._capi import lib
from ._dtypes import as_dtype
from ._errors import CONSTRUCTION, check

FORMAT = "seqfeat.pipeline"
VERSION = 1
PIPELINE_FILE = "pipeline.json"
TABLES_FILE = "tables.safetensors"

_PYTHON_ONLY = ("normalizer_fn", "initializer", "use_safe_embedding_lookup")
_PADDING_NAMES = {_capi.PAD_POST: "post", _capi.PAD_PRE: "pre"}
_NORMALIZERS = {
    "scale_shift": lambda n: normalizers.scale_shift(n["a"], n["b"]),
    "zscore": lambda n: normalizers.zscore(n["a"], n["b"]),
    "log1p": lambda n: normalizers.log1p(),
    "clip": lambda n: normalizers.clip(n["a"], n["b"]),
}


def _check_io(status):
    """check(), with missing and unreadable files as the matching OSErrors."""
    if status == _capi.ERR_NOT_FOUND:
        raise FileNotFoundError(_capi.last_error_message())
    if status == _capi.ERR_IO:
        raise OSError(_capi.last_error_message())
    check(status, CONSTRUCTION)


def _text(to_json, handle):
    """The text a seqfeat_*_to_json function writes (size query, then the text)."""
    size = C.c_size_t()
    check(to_json(handle, None, 0, C.byref(size)), CONSTRUCTION)
    buf = C.create_string_buffer(size.value + 1)
    check(to_json(handle, buf, len(buf), C.byref(size)), CONSTRUCTION)
    return buf.raw[:size.value].decode("utf-8")


def _float(value):
    """JSON spells NaN and the infinities as strings."""
    return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(value, value)) \
        if isinstance(value, str) else float(value)


def _library_config(config):
    """A copy of a configuration without the Python-only keys, at every level."""
    if isinstance(config, dict):
        return {k: _library_config(v) for k, v in config.items() if k not in _PYTHON_ONLY}
    if isinstance(config, list):
        return [_library_config(v) for v in config]
    return config


# ----------------------------------------------------------------------------------------------
# Python column objects around library handles
# ----------------------------------------------------------------------------------------------

def _retain(handle):
    out = C.c_void_p()
    check(lib.column_retain(handle, C.byref(out)), CONSTRUCTION)
    return out


def _inner(handle):
    """A new handle to the categorical column a column wraps."""
    borrowed = C.c_void_p()
    check(lib.column_categorical(handle, C.byref(borrowed)), CONSTRUCTION)
    return _retain(borrowed)


def _wrap(handle, config):
    """The Python column for an owned library handle and its configuration (library keys plus
    any Python-only ones)."""
    from . import _columns as cols
    kind = config["type"]
    if kind == "numeric":
        fn = config.get("normalizer_fn")
        if fn is None and config["normalizer"] is not None:
            n = config["normalizer"]
            fn = _NORMALIZERS[n["kind"]]({k: _float(v) for k, v in n.items() if k != "kind"})
        cls = cols.SequenceNumericColumn if config["sequence"] else cols.NumericColumn
        return cls(handle, config["key"], tuple(config["shape"]), _float(config["default_value"]),
                   as_dtype(config["dtype"]), fn)
    if kind in ("embedding", "shared_embedding"):
        categorical = _wrap(_inner(handle), config["categorical"])
        args = (handle, categorical, config["dimension"], config["combiner"],
                config.get("initializer"),
                None if config["max_norm"] is None else _float(config["max_norm"]),
                config["trainable"], config.get("use_safe_embedding_lookup", True))
        if kind == "embedding":
            return cols.EmbeddingColumn(*args)
        return cols.SharedEmbeddingColumn(*args, config["table"]["name"])
    if kind == "indicator":
        return cols.IndicatorColumn(handle, _wrap(_inner(handle), config["categorical"]))
    if kind == "weighted":
        return cols.WeightedCategoricalColumn(handle, _wrap(_inner(handle), config["categorical"]),
                                              config["weight_feature_key"],
                                              as_dtype(config["dtype"]))
    if kind == "identity":
        return cols.IdentityCategoricalColumn(handle, config["key"],
                                              default_value=config["default_value"])
    if kind == "hash_bucket":
        return cols.HashedCategoricalColumn(handle, config["key"],
                                            hash_bucket_size=config["hash_bucket_size"],
                                            dtype=as_dtype(config["dtype"]))
    if kind == "vocabulary_list":
        return cols.VocabularyListCategoricalColumn(
            handle, config["key"], vocabulary_list=tuple(config["vocabulary"]),
            dtype=as_dtype(config["dtype"]), default_value=config["default_value"],
            num_oov_buckets=config["num_oov_buckets"])
    if kind == "vocabulary_file":
        return cols.VocabularyFileCategoricalColumn(
            handle, config["key"], vocabulary_file=config["vocabulary_file"],
            vocabulary_size=len(config["vocabulary"]), num_oov_buckets=config["num_oov_buckets"],
            default_value=config["default_value"], dtype=as_dtype(config["dtype"]))
    raise ValueError(f"unknown column type {kind!r} in a configuration")


def _apply_initializers(columns, configs):
    """Re-applies array or callable initializers given in the configurations (the library
    rebuilds tables from their seeds). A table shared by several columns is set once."""
    from ._columns import _initial_table
    done = set()
    for column, config in zip(columns, configs):
        initializer = config.get("initializer")
        if initializer is None or config["type"] not in ("embedding", "shared_embedding"):
            continue
        if column.table_name in done:
            continue
        done.add(column.table_name)
        column.set_table(_initial_table(initializer, *column.table_shape))


# ----------------------------------------------------------------------------------------------
# Columns
# ----------------------------------------------------------------------------------------------

def column_config(column):
    """column.get_config(): the library's JSON object for the column, plus Python-only keys."""
    config = json.loads(_text(lib.column_to_json, column._handle))
    _add_python_keys(column, config)
    return config


def _add_python_keys(column, config):
    from ._columns import EmbeddingColumn, SharedEmbeddingColumn, _NumericBase
    if isinstance(column, _NumericBase) and column.normalizer_fn is not None and \
            not isinstance(column.normalizer_fn, normalizers.Normalizer):
        config["normalizer_fn"] = column.normalizer_fn
    if isinstance(column, (EmbeddingColumn, SharedEmbeddingColumn)):
        config["initializer"] = column.initializer
        config["use_safe_embedding_lookup"] = column.use_safe_embedding_lookup


def column_from_config(config):
    text = json.dumps(_library_config(config)).encode("utf-8")
    out = C.c_void_p()
    check(lib.column_from_json(text, len(text), C.byref(out)), CONSTRUCTION)
    column = _wrap(out, config)
    _apply_initializers([column], [config])
    return column


def serialize_feature_column(column: Any) -> Dict[str, Any]:
    """{'class_name': the column's class, 'config': column.get_config()} (Keras's form)."""
    from ._columns import FeatureColumn
    if not isinstance(column, FeatureColumn):
        raise ValueError(f"serialize_feature_column needs a FeatureColumn; got {column!r}")
    return {"class_name": type(column).__name__, "config": column.get_config()}


def deserialize_feature_column(config: Dict[str, Any],
                               custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    """The column of serialize_feature_column(column) (or of column.get_config()). A
    shared-embedding column deserialized on its own gets a table of its own; within one
    SequenceFeatures/DenseFeatures configuration shared tables stay shared."""
    if isinstance(config, dict) and "config" in config and "class_name" in config:
        config = config["config"]
    if not isinstance(config, dict) or "type" not in config:
        raise ValueError(f"not a feature column configuration: {config!r}")
    return column_from_config(config)


def column_reduce(column):
    """Pickling a column: its configuration and, for embeddings, its table."""
    tables = {}
    if hasattr(column, "get_table"):
        tables[column.table_name] = column.get_table()
    return _column_from_state, (column.get_config(), tables)


def _column_from_state(config, tables):
    column = column_from_config(config)
    if tables:
        column.set_table(tables[column.table_name])
    return column


# ----------------------------------------------------------------------------------------------
# Layers
# ----------------------------------------------------------------------------------------------

def _layer_kind(layer):
    from ._layer import DenseFeatures
    return "DenseFeatures" if isinstance(layer, DenseFeatures) else "SequenceFeatures"


def call_defaults_dict(options):
    """The call_defaults entry of pipeline.json from a PackOptions struct."""
    return {"max_length": int(options.max_length),
            "padding": _PADDING_NAMES[options.padding],
            "truncating": _PADDING_NAMES[options.truncating],
            "strict": bool(options.strict), "num_threads": int(options.num_threads)}


def layer_config(layer):
    """SequenceFeatures/DenseFeatures.get_config()."""
    config = {"name": layer.name, "trainable": layer.trainable,
              "feature_columns": [serialize_feature_column(c) for c in layer.feature_columns]}
    if _layer_kind(layer) == "SequenceFeatures":
        config["call_defaults"] = dict(layer.call_defaults)
    return config


def layer_from_config(cls, config, custom_objects=None):
    """cls.from_config(config): every column rebuilt by the library in one pipeline, so that
    shared-embedding columns of one table share it again."""
    from ._layer import DenseFeatures
    kind = "DenseFeatures" if issubclass(cls, DenseFeatures) else "SequenceFeatures"
    columns = [c["config"] if "class_name" in c else c for c in config["feature_columns"]]
    name = config.get("name") or ("dense_features" if kind == "DenseFeatures"
                                  else "sequence_features")
    doc = {"format": FORMAT, "version": VERSION, "layer": kind, "name": name}
    if kind == "SequenceFeatures":
        doc["call_defaults"] = _call_defaults_entry(config.get("call_defaults"))
    doc["tables_file"] = TABLES_FILE
    # The library wants the columns in layer (name) order.
    order = sorted(range(len(columns)), key=lambda i: _name_of(columns[i]))
    doc["columns"] = [_library_config(columns[i]) for i in order]
    text = json.dumps(doc).encode("utf-8")
    out = C.c_void_p()
    from_json = lib.dense_features_from_json if kind == "DenseFeatures" else \
        lib.features_from_json
    check(from_json(text, len(text), C.byref(out)), CONSTRUCTION)
    layer = _adopt_layer(cls, out, [columns[i] for i in order], name,
                         config.get("trainable", True))
    _apply_initializers(layer.feature_columns, [columns[i] for i in order])
    return layer


def _name_of(config):
    """A column's name from its configuration (the library derives names the same way)."""
    kind = config["type"]
    if kind == "numeric":
        return config["key"]
    if kind == "weighted":
        return f"{_name_of(config['categorical'])}_weighted_by_{config['weight_feature_key']}"
    if kind in ("embedding", "indicator", "shared_embedding"):
        return f"{_name_of(config['categorical'])}_{kind}"
    return config["key"]


def _call_defaults_entry(defaults):
    entry = {"max_length": 0, "padding": "post", "truncating": "post", "strict": False,
             "num_threads": 0}
    if defaults:
        entry.update(defaults)
    if entry["max_length"] is None:
        entry["max_length"] = 0
    return entry


def _adopt_layer(cls, handle, configs, name, trainable):
    """A Python layer around an owned library layer handle whose columns (in layer order) are
    described by `configs`."""
    from ._layer import DenseFeatures
    dense = issubclass(cls, DenseFeatures)
    column_at = lib.dense_features_column if dense else lib.features_column
    columns = []
    for i, config in enumerate(configs):
        borrowed = column_at(handle, i)
        columns.append(_wrap(_retain(borrowed), config))
    layer = cls._from_handle(handle, columns, name, trainable)
    if not dense:
        options = _capi.new_pack_options()
        check(lib.features_call_defaults(handle, C.byref(options)), CONSTRUCTION)
        defaults = call_defaults_dict(options)
        defaults["max_length"] = defaults["max_length"] or None
        layer.call_defaults = defaults
    return layer


def _pack_options(defaults):
    """seqfeat_pack_options from a call_defaults dict (the library validates the values)."""
    names = {name: code for code, name in _PADDING_NAMES.items()}
    options = _capi.new_pack_options()
    options.max_length = int(defaults.get("max_length") or 0)
    for what in ("padding", "truncating"):
        value = defaults.get(what, "post")
        if value not in names:
            raise ValueError(f"call_defaults[{what!r}] must be 'pre' or 'post'; got {value!r}.")
        setattr(options, what, names[value])
    options.strict = 1 if defaults.get("strict", False) else 0
    options.num_threads = int(defaults.get("num_threads", 0))
    return options


def save(layer, directory, optimizer=None):
    """layer.save(directory, optimizer): pipeline.json + tables.safetensors, and with an
    optimizer optimizer.safetensors (docs/formats.md)."""
    from .optimizers import Optimizer
    if optimizer is not None:
        if _layer_kind(layer) == "DenseFeatures":
            raise TypeError("A DenseFeatures layer has no training; save it without optimizer.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be a seqfeat.optimizers optimizer; got "
                            f"{type(optimizer).__name__}.")
    for column in layer.feature_columns:
        if column._python_normalizers():
            raise ValueError(
                f"Column {column.name} has a Python normalizer_fn, which cannot be saved; use a "
                "seqfeat.normalizers normalizer (run by the library and saved with the column).")
    directory = os.fspath(directory)
    options = _capi.SaveOptions()
    lib.save_options_default(C.byref(options))
    options.name = layer.name.encode("utf-8")
    if _layer_kind(layer) == "DenseFeatures":
        _check_io(lib.dense_features_save(layer._handle, directory.encode("utf-8"),
                                          C.byref(options)))
        return
    pack = _pack_options(layer.call_defaults)
    options.call_defaults = C.pointer(pack)
    _check_io(lib.features_save(layer._handle, directory.encode("utf-8"), C.byref(options)))
    if optimizer is not None:
        _check_io(lib.optimizer_save(optimizer._handle, layer._handle, directory.encode("utf-8")))


def load(directory: Union[str, "os.PathLike[str]"], mmap: bool = False) -> Any:
    """seqfeat.load(directory): the SequenceFeatures or DenseFeatures layer saved there (by any
    language). mmap=True maps the tables read-only (serving: processes share the pages; the
    tables cannot be set or trained); otherwise they are copied and writable."""
    from ._layer import DenseFeatures, SequenceFeatures
    directory = os.fspath(directory)
    kind = "SequenceFeatures"
    try:
        with open(os.path.join(directory, PIPELINE_FILE), "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        kind = doc.get("layer", kind) if isinstance(doc, dict) else kind
    except (OSError, ValueError):
        doc = None  # the library reports what is wrong with the file
    options = _capi.LoadOptions()
    lib.load_options_default(C.byref(options))
    options.tables = _capi.TABLES_MMAP if mmap else _capi.TABLES_COPY
    out = C.c_void_p()
    cls: Any
    if kind == "DenseFeatures":
        cls, loader, name_of = DenseFeatures, lib.dense_features_load, lib.dense_features_name
    else:
        cls, loader, name_of = SequenceFeatures, lib.features_load, lib.features_name
    _check_io(loader(directory.encode("utf-8"), C.byref(options), C.byref(out)))
    # The library validated the file: its columns (layer order) describe the layer's columns.
    name = name_of(out).decode("utf-8")
    return _adopt_layer(cls, out, doc["columns"], name, True)


def load_optimizer(directory: Union[str, "os.PathLike[str]"], layer: Any) -> Any:
    """The optimizer saved by layer.save(directory, optimizer=...), for `layer` (the layer
    seqfeat.load(directory) returned, or one with the same trainable tables): the same kind
    and hyper-parameters, and Adagrad's accumulators restored, so that training continues
    exactly as if it had not stopped. Raises FileNotFoundError when the directory holds no
    optimizer.safetensors, ValueError when the file does not fit the layer."""
    from ._layer import SequenceFeatures
    from .optimizers import _adopt
    if not isinstance(layer, SequenceFeatures):
        raise TypeError(f"load_optimizer needs the SequenceFeatures layer the optimizer trains; "
                        f"got {type(layer).__name__}.")
    out = C.c_void_p()
    _check_io(lib.optimizer_load(os.fspath(directory).encode("utf-8"), layer._handle,
                                 C.byref(out)))
    return _adopt(out)


def layer_reduce(layer, skip=()):
    """Pickling a layer: its configuration and every table once (but the tables named in
    `skip`, which the unpickled layer initialises from their seeds for the caller to set)."""
    tables = {}
    for column in layer.feature_columns:
        if hasattr(column, "get_table") and column.table_name not in skip:
            tables.setdefault(column.table_name, column.get_table())
    return _layer_from_state, (type(layer), layer.get_config(), tables)


def _layer_from_state(cls, config, tables):
    layer = cls.from_config(config)
    done = set()
    for column in layer.feature_columns:
        if hasattr(column, "get_table") and column.table_name in tables and \
                column.table_name not in done:
            done.add(column.table_name)
            column.set_table(tables[column.table_name])
    return layer


def table_writable(column):
    out = C.c_int32()
    check(lib.column_table_writable(column._handle, C.byref(out)), CONSTRUCTION)
    return bool(out.value)


__all__ = ["deserialize_feature_column", "load", "load_optimizer", "serialize_feature_column"]
