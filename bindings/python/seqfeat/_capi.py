"""ctypes declarations of every function of the C ABI (seqfeat.h), and status handling.

Handles are passed as opaque void pointers. Option structs mirror the C layout field by field.
"""

import ctypes as C

from ._loader import load_library

# Status codes (pinned by the header).
OK = 0
ERR_INVALID_ARGUMENT = -1
ERR_OUT_OF_RANGE = -2
ERR_DTYPE_MISMATCH = -3
ERR_BUFFER_TOO_SMALL = -4
ERR_NOT_FOUND = -5
ERR_IO = -6
ERR_OUT_OF_MEMORY = -7
ERR_INTERNAL = -8

DTYPE_FLOAT32 = 1
DTYPE_FLOAT64 = 2
DTYPE_INT32 = 3
DTYPE_INT64 = 4
DTYPE_STRING = 5
DTYPE_UINT8 = 6

COMBINER_SUM = 0
COMBINER_MEAN = 1
COMBINER_SQRTN = 2

COLUMN_NUMERIC = 1
COLUMN_IDENTITY = 2
COLUMN_HASH_BUCKET = 3
COLUMN_VOCABULARY_LIST = 4
COLUMN_VOCABULARY_FILE = 5
COLUMN_WEIGHTED = 6
COLUMN_EMBEDDING = 7
COLUMN_SHARED_EMBEDDING = 8
COLUMN_INDICATOR = 9

NORMALIZER_NONE = 0
NORMALIZER_SCALE_SHIFT = 1
NORMALIZER_ZSCORE = 2
NORMALIZER_LOG1P = 3
NORMALIZER_CLIP = 4
NORMALIZER_CALLBACK = 5

PAD_POST = 0
PAD_PRE = 1

STAT_DROPPED_INVALID = 0
STAT_OOV_HITS = 1
STAT_STEPS_TRUNCATED = 2
STAT_EMPTY_EXAMPLES = 3
STAT_COUNT = 4

OPTIMIZER_SGD = 1
OPTIMIZER_ADAGRAD = 2

NO_DEFAULT = -(2**63)

FORM_SPARSE = 0
FORM_DENSE = 1
FORM_RAGGED = 2

STRINGS_OFFSETS = 0
STRINGS_VIEWS = 1
STRINGS_FIXED = 2
STRINGS_UTF32 = 3
STRINGS_SEPARATED = 4

LIMIT_ALLOCATION_BYTES = 0

status_t = C.c_int32
handle_t = C.c_void_p
i64p = C.POINTER(C.c_int64)
f32p = C.POINTER(C.c_float)
u8p = C.POINTER(C.c_uint8)
sizep = C.POINTER(C.c_size_t)

NORMALIZER_FN = C.CFUNCTYPE(C.c_float, C.c_float, C.c_void_p)


class NumericOptions(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("shape", i64p),
        ("shape_rank", C.c_size_t),
        ("default_value", C.c_float),
        ("dtype", C.c_int32),
        ("normalizer", C.c_int32),
        ("normalizer_a", C.c_float),
        ("normalizer_b", C.c_float),
        ("normalizer_fn", NORMALIZER_FN),
        ("normalizer_user_data", C.c_void_p),
    ]


class EmbeddingOptions(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("dimension", C.c_int64),
        ("combiner", C.c_int32),
        ("has_max_norm", C.c_int32),
        ("max_norm", C.c_float),
        ("trainable", C.c_int32),
        ("seed", C.c_uint64),
        ("initial_table", f32p),
        ("initial_table_count", C.c_size_t),
    ]


class PackOptions(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("max_length", C.c_int64),
        ("padding", C.c_int32),
        ("truncating", C.c_int32),
        ("strict", C.c_int32),
        ("num_threads", C.c_int32),
    ]


TABLES_COPY = 0
TABLES_MMAP = 1


class LoadOptions(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("tables", C.c_int32)]


class SaveOptions(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("name", C.c_char_p),
        ("call_defaults", C.POINTER(PackOptions)),
    ]


class StringView(C.Structure):
    _fields_ = [("data", C.c_void_p), ("size", C.c_size_t)]


class Feature(C.Structure):
    """seqfeat_feature: one feature of a batch for seqfeat_batch_set."""
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("key", C.c_char_p),
        ("form", C.c_int32),
        ("dtype", C.c_int32),
        ("string_layout", C.c_int32),
        ("reserved", C.c_int32),
        ("values", C.c_void_p),
        ("num_values", C.c_int64),
        ("string_offsets", C.c_void_p),
        ("string_itemsize", C.c_size_t),
        ("shape", C.c_void_p),
        ("rank", C.c_int64),
        ("indices", C.c_void_p),
        ("batch_size", C.c_int64),
        ("row_splits", C.c_void_p),
        ("step_splits", C.c_void_p),
        ("num_steps", C.c_int64),
    ]


FEATURE_FIXED_LEN = 0
FEATURE_VAR_LEN = 1
FEATURE_FIXED_LEN_SEQUENCE = 2

RECORD_EXAMPLE = 0
RECORD_SEQUENCE_EXAMPLE = 1

COMPRESSION_NONE = 0
COMPRESSION_GZIP = 1
COMPRESSION_ZLIB = 2

READER_RECORDS = 0
READER_SKIPPED = 1
READER_FILES_DONE = 2
READER_BYTES_READ = 3
READER_BYTES_TOTAL = 4

class FeatureSpec(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("key", C.c_char_p),
        ("kind", C.c_int32),
        ("dtype", C.c_int32),
        ("sequence", C.c_int32),
        ("allow_missing", C.c_int32),
        ("shape", i64p),
        ("shape_rank", C.c_size_t),
        ("has_default", C.c_int32),
        ("default_count", C.c_size_t),
        ("default_values", C.c_void_p),
        ("default_offsets", i64p),
        ("default_bytes", C.c_void_p),
    ]


class ReaderOptions(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("record_type", C.c_int32),
        ("compression", C.c_int32),
        ("num_threads", C.c_int32),
        ("skip_corrupt", C.c_int32),
    ]


class FeatureView(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("form", C.c_int32),
        ("dtype", C.c_int32),
        ("batch_size", C.c_int64),
        ("shape", i64p),
        ("rank", C.c_size_t),
        ("indices", i64p),
        ("row_splits", i64p),
        ("step_splits", i64p),
        ("num_steps", C.c_int64),
        ("num_values", C.c_int64),
        ("values", C.c_void_p),
        ("string_offsets", i64p),
        ("string_bytes", C.c_void_p),
        ("string_views", C.c_void_p),
    ]


_P = C.POINTER
_S = status_t
_H = handle_t
_PH = _P(handle_t)
_CS = C.c_char_p
_VP = C.c_void_p
_I32 = C.c_int32
_I64 = C.c_int64
_SZ = C.c_size_t

# name: (restype, argtypes) — every function of seqfeat.h, in header order.
_SIGNATURES = {
    "seqfeat_status_string": (_CS, [_S]),
    "seqfeat_last_error_message": (_CS, []),
    "seqfeat_version_number": (C.c_uint32, []),
    "seqfeat_version_string": (_CS, []),
    "seqfeat_set_limit": (_S, [_I32, _I64]),
    "seqfeat_get_limit": (_S, [_I32, _P(_I64)]),
    # columns
    "seqfeat_numeric_options_default": (None, [_P(NumericOptions)]),
    "seqfeat_numeric_column_create": (_S, [_CS, _I32, _P(NumericOptions), _PH]),
    "seqfeat_identity_column_create": (_S, [_CS, _I32, _I64, _I64, _PH]),
    "seqfeat_hash_bucket_column_create": (_S, [_CS, _I32, _I64, _I32, _PH]),
    "seqfeat_vocabulary_list_column_create_strings":
        (_S, [_CS, _I32, i64p, _CS, _SZ, _I64, _I64, _PH]),
    "seqfeat_vocabulary_list_column_create_ints":
        (_S, [_CS, _I32, i64p, _SZ, _I32, _I64, _I64, _PH]),
    "seqfeat_vocabulary_file_column_create": (_S, [_CS, _I32, _CS, _I64, _I64, _I64, _I32, _PH]),
    "seqfeat_weighted_column_create": (_S, [_H, _CS, _I32, _PH]),
    "seqfeat_embedding_options_default": (None, [_P(EmbeddingOptions)]),
    "seqfeat_embedding_column_create": (_S, [_H, _P(EmbeddingOptions), _PH]),
    "seqfeat_shared_embeddings_create": (_S, [_PH, _SZ, _P(EmbeddingOptions), _CS, _PH]),
    "seqfeat_indicator_column_create": (_S, [_H, _PH]),
    "seqfeat_column_free": (None, [_H]),
    "seqfeat_column_name": (_CS, [_H]),
    "seqfeat_column_kind": (_I32, [_H]),
    "seqfeat_column_is_sequence": (_I32, [_H]),
    "seqfeat_column_num_buckets": (_S, [_H, i64p]),
    "seqfeat_column_variable_shape": (_S, [_H, i64p, _SZ, sizep]),
    "seqfeat_column_categorical": (_S, [_H, _PH]),
    "seqfeat_column_table_shape": (_S, [_H, i64p, i64p]),
    "seqfeat_column_table_name": (_S, [_H, _P(_CS)]),
    "seqfeat_column_table_get": (_S, [_H, f32p, _SZ]),
    "seqfeat_column_table_set": (_S, [_H, f32p, _SZ]),
    "seqfeat_column_table_data": (_S, [_H, _P(f32p)]),
    # batches
    "seqfeat_batch_create": (_S, [_PH]),
    "seqfeat_batch_free": (None, [_H]),
    "seqfeat_batch_clear": (None, [_H]),
    "seqfeat_batch_add_sparse": (_S, [_H, _CS, i64p, _I64, _I64, i64p, _I32, _VP]),
    "seqfeat_batch_add_sparse_strings": (_S, [_H, _CS, i64p, _I64, _I64, i64p, i64p, _VP]),
    "seqfeat_batch_add_dense": (_S, [_H, _CS, i64p, _I64, _I32, _VP]),
    "seqfeat_batch_add_dense_strings": (_S, [_H, _CS, i64p, _I64, i64p, _VP]),
    "seqfeat_batch_add_sparse_string_views": (_S, [_H, _CS, i64p, _I64, _I64, i64p, _VP]),
    "seqfeat_batch_add_dense_string_views": (_S, [_H, _CS, i64p, _I64, _VP]),
    "seqfeat_batch_add_ragged_string_views": (_S, [_H, _CS, _I64, i64p, _I64, i64p, _VP, _I64]),
    "seqfeat_batch_add_ragged": (_S, [_H, _CS, _I64, i64p, _I64, i64p, _I32, _VP, _I64]),
    "seqfeat_batch_add_ragged_strings": (_S, [_H, _CS, _I64, i64p, _I64, i64p, i64p, _VP, _I64]),
    "seqfeat_feature_default": (None, [_P(Feature)]),
    "seqfeat_batch_set": (_S, [_H, _VP, _SZ]),
    # tensors
    "seqfeat_tensor_free": (None, [_H]),
    "seqfeat_tensor_dtype": (_I32, [_H]),
    "seqfeat_tensor_ndim": (_I32, [_H]),
    "seqfeat_tensor_shape": (i64p, [_H]),
    "seqfeat_tensor_data": (_VP, [_H]),
    "seqfeat_tensor_size": (_I64, [_H]),
    "seqfeat_tensor_to_dlpack": (_S, [_PH, _P(_VP)]),
    # statistics
    "seqfeat_stats_create": (_S, [_PH]),
    "seqfeat_stats_free": (None, [_H]),
    "seqfeat_stats_num_columns": (_SZ, [_H]),
    "seqfeat_stats_column_name": (_CS, [_H, _SZ]),
    "seqfeat_stats_get": (_S, [_H, _SZ, _I32, i64p]),
    "seqfeat_stats_values": (_S, [_H, _VP, _SZ]),
    # the layer
    "seqfeat_features_create": (_S, [_PH, _SZ, _PH]),
    "seqfeat_features_free": (None, [_H]),
    "seqfeat_features_num_columns": (_SZ, [_H]),
    "seqfeat_features_column": (_H, [_H, _SZ]),
    "seqfeat_features_column_slice": (_S, [_H, _SZ, i64p, i64p]),
    "seqfeat_features_depth": (_I64, [_H]),
    "seqfeat_pack_options_default": (None, [_P(PackOptions)]),
    "seqfeat_features_output_shape": (_S, [_H, _H, _P(PackOptions), i64p, i64p, i64p]),
    "seqfeat_features_pack_into":
        (_S, [_H, _H, _P(PackOptions), f32p, _SZ, i64p, _SZ, u8p, _SZ, _H]),
    "seqfeat_features_pack_into_shape":
        (_S, [_H, _H, _VP, _VP, _SZ, _VP, _SZ, _VP, _SZ, _H, _VP]),
    "seqfeat_features_set_and_pack":
        (_S, [_H, _H, _VP, _SZ, _VP, _VP, _SZ, _VP, _SZ, _VP, _SZ, _H, _VP]),
    "seqfeat_features_pack": (_S, [_H, _H, _VP, _PH, _PH, _PH, _H]),
    # the plan / pack split
    "seqfeat_features_plan": (_S, [_H, _H, _VP, _PH]),
    "seqfeat_plan_free": (None, [_H]),
    "seqfeat_plan_num_tables": (_SZ, [_H]),
    "seqfeat_plan_table": (_S, [_H, _SZ, _P(_CS), _P(i64p), i64p, i64p]),
    "seqfeat_plan_output_shape": (_S, [_H, i64p, i64p, i64p]),
    "seqfeat_plan_pack_into": (_S, [_H, _VP, _SZ, f32p, _SZ, i64p, _SZ, u8p, _SZ, _H]),
    "seqfeat_plan_backward": (_S, [_H, _VP, _SZ, f32p, i64p, _SZ, _VP, _SZ]),
    # the DenseFeatures layer
    "seqfeat_dense_features_create": (_S, [_PH, _SZ, _PH]),
    "seqfeat_dense_features_free": (None, [_H]),
    "seqfeat_dense_features_depth": (_I64, [_H]),
    "seqfeat_dense_features_output_shape": (_S, [_H, _H, i64p, i64p]),
    "seqfeat_dense_features_pack_into": (_S, [_H, _H, _VP, _SZ]),
    # saving, loading and configurations
    "seqfeat_load_options_default": (None, [_P(LoadOptions)]),
    "seqfeat_save_options_default": (None, [_P(SaveOptions)]),
    "seqfeat_features_save": (_S, [_H, _CS, _P(SaveOptions)]),
    "seqfeat_features_load": (_S, [_CS, _P(LoadOptions), _PH]),
    "seqfeat_features_name": (_CS, [_H]),
    "seqfeat_features_call_defaults": (_S, [_H, _P(PackOptions)]),
    "seqfeat_features_find_column": (_S, [_H, _CS, _PH]),
    "seqfeat_features_to_json": (_S, [_H, _VP, _SZ, sizep]),
    "seqfeat_features_from_json": (_S, [_CS, _SZ, _PH]),
    "seqfeat_dense_features_save": (_S, [_H, _CS, _P(SaveOptions)]),
    "seqfeat_dense_features_load": (_S, [_CS, _P(LoadOptions), _PH]),
    "seqfeat_dense_features_name": (_CS, [_H]),
    "seqfeat_dense_features_num_columns": (_SZ, [_H]),
    "seqfeat_dense_features_column": (_H, [_H, _SZ]),
    "seqfeat_dense_features_find_column": (_S, [_H, _CS, _PH]),
    "seqfeat_dense_features_to_json": (_S, [_H, _VP, _SZ, sizep]),
    "seqfeat_dense_features_from_json": (_S, [_CS, _SZ, _PH]),
    "seqfeat_column_to_json": (_S, [_H, _VP, _SZ, sizep]),
    "seqfeat_column_from_json": (_S, [_CS, _SZ, _PH]),
    "seqfeat_column_retain": (_S, [_H, _PH]),
    "seqfeat_column_table_writable": (_S, [_H, _P(_I32)]),
    # single columns
    "seqfeat_column_get_sequence_dense_tensor": (_S, [_H, _H, _PH, _PH]),
    "seqfeat_column_get_sparse_tensors": (_S, [_H, _H, _PH, _PH, _PH, _PH]),
    "seqfeat_concatenate_context_input":
        (_S, [f32p, _I64, f32p, _I64, _I64, _I64, f32p, _SZ]),
    # training
    "seqfeat_gradients_create": (_S, [_PH]),
    "seqfeat_gradients_free": (None, [_H]),
    "seqfeat_gradients_num_tables": (_SZ, [_H]),
    "seqfeat_gradients_table": (_S, [_H, _SZ, _P(_CS), _P(i64p), _P(f32p), i64p, i64p]),
    "seqfeat_features_backward": (_S, [_H, _H, _P(PackOptions), f32p, i64p, _SZ, _H]),
    "seqfeat_features_backward_apply": (_S, [_H, _H, _P(PackOptions), f32p, i64p, _SZ, _H]),
    "seqfeat_sgd_optimizer_create": (_S, [C.c_float, _PH]),
    "seqfeat_adagrad_optimizer_create": (_S, [C.c_float, C.c_float, C.c_float, _PH]),
    "seqfeat_optimizer_free": (None, [_H]),
    "seqfeat_optimizer_kind": (_I32, [_H]),
    "seqfeat_optimizer_learning_rate": (C.c_float, [_H]),
    "seqfeat_optimizer_set_learning_rate": (_S, [_H, C.c_float]),
    "seqfeat_optimizer_apply": (_S, [_H, _H]),
    "seqfeat_optimizer_apply_rows": (_S, [_H, _H, i64p, _SZ, f32p, _I64]),
    "seqfeat_optimizer_state_get": (_S, [_H, _H, f32p, _SZ]),
    "seqfeat_optimizer_state_set": (_S, [_H, _H, f32p, _SZ]),
    "seqfeat_optimizer_hyper_parameters": (_S, [_H, f32p, f32p, f32p]),
    "seqfeat_optimizer_save": (_S, [_H, _H, _CS]),
    "seqfeat_optimizer_load": (_S, [_CS, _H, _PH]),
    # TFRecord files
    "seqfeat_feature_spec_default": (None, [_P(FeatureSpec)]),
    "seqfeat_parse_spec_create": (_S, [_PH]),
    "seqfeat_parse_spec_from_columns": (_S, [_PH, _SZ, _PH]),
    "seqfeat_parse_spec_add": (_S, [_H, _P(FeatureSpec)]),
    "seqfeat_parse_spec_free": (None, [_H]),
    "seqfeat_parse_spec_num_features": (_SZ, [_H]),
    "seqfeat_parse_spec_feature": (_S, [_H, _SZ, _P(FeatureSpec)]),
    "seqfeat_reader_options_default": (None, [_P(ReaderOptions)]),
    "seqfeat_record_reader_open": (_S, [_P(_CS), _SZ, _H, _P(ReaderOptions), _PH]),
    "seqfeat_record_reader_next": (_S, [_H, _SZ, _H, sizep]),
    "seqfeat_record_reader_stat": (_S, [_H, _I32, i64p]),
    "seqfeat_record_reader_free": (None, [_H]),
    "seqfeat_record_writer_open": (_S, [_CS, _I32, _PH]),
    "seqfeat_record_writer_write": (_S, [_H, _VP, _SZ]),
    "seqfeat_record_writer_close": (_S, [_H]),
    "seqfeat_record_writer_free": (None, [_H]),
    "seqfeat_batch_get": (_S, [_H, _CS, _P(FeatureView)]),
}


class _Missing:
    """Stands in for a function the loaded library does not export."""

    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        raise NotImplementedError(f"the loaded libseqfeat does not export {self.name}")


class _Lib:
    pass


def _bind():
    dll = load_library()
    lib = _Lib()
    lib.dll = dll
    lib.missing = []
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(dll, name)
        except AttributeError:
            lib.missing.append(name)
            setattr(lib, name[len("seqfeat_"):], _Missing(name))
            continue
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(lib, name[len("seqfeat_"):], fn)
    return lib


lib = _bind()


def last_error_message():
    msg = lib.last_error_message()
    return msg.decode("utf-8", "replace") if msg else ""


def status_string(code):
    s = lib.status_string(code)
    return s.decode("utf-8", "replace") if s else ""


def new_numeric_options():
    opts = NumericOptions()
    lib.numeric_options_default(C.byref(opts))
    return opts


def new_embedding_options():
    opts = EmbeddingOptions()
    lib.embedding_options_default(C.byref(opts))
    return opts


def new_pack_options():
    opts = PackOptions()
    lib.pack_options_default(C.byref(opts))
    return opts
