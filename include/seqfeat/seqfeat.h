/*
 * libseqfeat — TensorFlow's sequence feature columns as a C library.
 *
 * Conventions
 * -----------
 * Prefix      Every symbol is seqfeat_* (functions, types) or SEQFEAT_* (macros, enum values).
 * Errors      Every fallible function returns seqfeat_status: SEQFEAT_OK (0) or a negative
 *             SEQFEAT_ERR_* code. The detail — naming the column, feature key, example and
 *             offending value — is in seqfeat_last_error_message(), which is thread-local, ""
 *             after a successful call, never NULL and valid until the next libseqfeat call on
 *             the same thread. NULL arguments
 *             are reported (SEQFEAT_ERR_INVALID_ARGUMENT), never dereferenced. On failure no
 *             out-parameter and no caller buffer is written, and nothing leaks.
 * Ownership   seqfeat_X_create*() writes a caller-owned handle to *out; only seqfeat_X_free()
 *             releases it (NULL is accepted). Columns are reference counted internally: freeing
 *             a categorical column handle that an embedding column or a layer still uses is
 *             safe. Getters return borrowed pointers valid until the parent is freed. Inputs are
 *             borrowed for the duration of the call and copied where kept (vocabularies, tables),
 *             with one documented exception: a seqfeat_batch is a set of *views* — it keeps the
 *             caller's pointers (zero-copy) until it is cleared or freed.
 * Threads     Columns, vocabularies and configured layers (seqfeat_features) are immutable and
 *             may be used by any number of threads at once. The one mutable part of a column is
 *             its embedding table: seqfeat_column_table_set() must not run concurrently with a
 *             pack that reads the same table. A seqfeat_batch, seqfeat_tensor or seqfeat_stats
 *             belongs to one thread at a time. The library keeps per-thread scratch memory, so
 *             packing into a caller buffer allocates nothing once warmed up. It never changes
 *             OpenBLAS's process-global thread setting.
 * Layout      Tensors are dense, row-major (C order). Strings are UTF-8 bytes given Arrow-style:
 *             offsets int64[n+1] (offsets[0] = 0, non-decreasing) into one byte buffer; bytes are
 *             hashed as given, no terminator.
 * Versions    SONAME follows the major version; within a major only additions are made. Option
 *             structs start with size_t struct_size and are initialised by their _default().
 *
 * The header is C99 and compiles as C++.
 */
#ifndef SEQFEAT_SEQFEAT_H
#define SEQFEAT_SEQFEAT_H

#include <stddef.h>
#include <stdint.h>

#include "seqfeat/seqfeat_version.h"

#if defined(_WIN32)
#define SEQFEAT_API __declspec(dllexport)
#elif defined(__GNUC__)
#define SEQFEAT_API __attribute__((visibility("default")))
#else
#define SEQFEAT_API
#endif

#if defined(__GNUC__)
#define SEQFEAT_NODISCARD __attribute__((warn_unused_result))
#else
#define SEQFEAT_NODISCARD
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes (pinned: values never change within a major version)
 * ------------------------------------------------------------------------------------------- */
typedef int32_t seqfeat_status;

#define SEQFEAT_OK 0
#define SEQFEAT_ERR_INVALID_ARGUMENT (-1) /* bad argument or input (TF: ValueError, InvalidArgument) */
#define SEQFEAT_ERR_OUT_OF_RANGE (-2)     /* an id, index or size outside its valid range */
#define SEQFEAT_ERR_DTYPE_MISMATCH (-3)   /* value type incompatible with the column (TF: ValueError/TypeError) */
#define SEQFEAT_ERR_BUFFER_TOO_SMALL (-4) /* a caller buffer is smaller than the required count */
#define SEQFEAT_ERR_NOT_FOUND (-5)        /* a feature key or file does not exist */
#define SEQFEAT_ERR_IO (-6)               /* a file could not be read */
#define SEQFEAT_ERR_OUT_OF_MEMORY (-7)
#define SEQFEAT_ERR_INTERNAL (-8) /* a bug in libseqfeat: please report it */

/** Static text for a status code ("ok", "invalid argument", ...). Never NULL. */
SEQFEAT_API const char* seqfeat_status_string(seqfeat_status status);

/** Detail of the most recent call on this thread that returned a seqfeat_status: the error
 *  message if that call failed (naming column, feature key, example and value), "" if it
 *  returned SEQFEAT_OK or if no such call was made yet. Functions that return no status leave
 *  it unchanged.
 *  @return a thread-local, NUL-terminated UTF-8 string; never NULL; owned by the library and
 *          valid until the next libseqfeat call on this thread. */
SEQFEAT_API const char* seqfeat_last_error_message(void);

/** Runtime version: major * 10000 + minor * 100 + patch, and "major.minor.patch". */
SEQFEAT_API uint32_t seqfeat_version_number(void);
SEQFEAT_API const char* seqfeat_version_string(void);

/* ---------------------------------------------------------------------------------------------
 * Enumerations (passed as int32_t)
 * ------------------------------------------------------------------------------------------- */
#define SEQFEAT_DTYPE_FLOAT32 1
#define SEQFEAT_DTYPE_FLOAT64 2
#define SEQFEAT_DTYPE_INT32 3
#define SEQFEAT_DTYPE_INT64 4
#define SEQFEAT_DTYPE_STRING 5
#define SEQFEAT_DTYPE_UINT8 6 /* outputs only (mask) */

#define SEQFEAT_COMBINER_SUM 0
#define SEQFEAT_COMBINER_MEAN 1
#define SEQFEAT_COMBINER_SQRTN 2

#define SEQFEAT_COLUMN_NUMERIC 1
#define SEQFEAT_COLUMN_IDENTITY 2
#define SEQFEAT_COLUMN_HASH_BUCKET 3
#define SEQFEAT_COLUMN_VOCABULARY_LIST 4
#define SEQFEAT_COLUMN_VOCABULARY_FILE 5
#define SEQFEAT_COLUMN_WEIGHTED 6
#define SEQFEAT_COLUMN_EMBEDDING 7
#define SEQFEAT_COLUMN_SHARED_EMBEDDING 8
#define SEQFEAT_COLUMN_INDICATOR 9

#define SEQFEAT_NORMALIZER_NONE 0
#define SEQFEAT_NORMALIZER_SCALE_SHIFT 1 /* x * a + b */
#define SEQFEAT_NORMALIZER_ZSCORE 2      /* (x - a) / b   (a = mean, b = stddev) */
#define SEQFEAT_NORMALIZER_LOG1P 3       /* log(1 + x) */
#define SEQFEAT_NORMALIZER_CLIP 4        /* min(max(x, a), b) */
#define SEQFEAT_NORMALIZER_CALLBACK 5    /* fn(x, user_data) */

#define SEQFEAT_PAD_POST 0 /* Keras pad_sequences names: 'post' pads / cuts at the end */
#define SEQFEAT_PAD_PRE 1  /* 'pre' pads / cuts at the beginning */

#define SEQFEAT_STAT_DROPPED_INVALID 0 /* ids outside [0, num_buckets) dropped (embedding, indicator) */
#define SEQFEAT_STAT_OOV_HITS 1        /* values not in the vocabulary / identity values replaced by default */
#define SEQFEAT_STAT_STEPS_TRUNCATED 2 /* steps removed by max_length */
#define SEQFEAT_STAT_EMPTY_EXAMPLES 3  /* examples whose sequence length is 0 */
#define SEQFEAT_STAT_COUNT 4

/** "No default value" for identity and vocabulary-file columns (TF's default_value=None). */
#define SEQFEAT_NO_DEFAULT INT64_MIN

/* ---------------------------------------------------------------------------------------------
 * Handles
 * ------------------------------------------------------------------------------------------- */
typedef struct seqfeat_column seqfeat_column;     /* any feature column; immutable, shareable */
typedef struct seqfeat_features seqfeat_features; /* SequenceFeatures layer; immutable, shareable */
typedef struct seqfeat_batch seqfeat_batch;       /* input features by key; one thread at a time */
typedef struct seqfeat_tensor seqfeat_tensor;     /* library-owned output tensor */
typedef struct seqfeat_stats seqfeat_stats;       /* per-call, per-column statistics */
typedef struct seqfeat_dense_features seqfeat_dense_features; /* DenseFeatures; immutable, shareable */
struct DLManagedTensor;                           /* dlpack.h (unversioned, DLPack <= 0.8) */

/** Value-wise normalizer for numeric columns: returns the normalized value. Must not throw or
 *  longjmp; may be called from several threads at once if the column is shared. */
typedef float (*seqfeat_normalizer_fn)(float value, void* user_data);

/* ---------------------------------------------------------------------------------------------
 * Columns
 *
 * `sequence` = 1 builds a sequence column (sequence_numeric_column, sequence_categorical_...);
 * 0 builds the non-sequence column (numeric_column, categorical_column_with_...), which can share
 * an embedding table with sequence columns and is rejected by a SequenceFeatures layer at pack
 * time, as TF does.
 * ------------------------------------------------------------------------------------------- */

typedef struct seqfeat_numeric_options {
  size_t struct_size;    /* sizeof(seqfeat_numeric_options) */
  const int64_t* shape;  /* per-step shape; NULL with shape_rank 0 means (1,) */
  size_t shape_rank;
  float default_value;   /* fills missing positions; default 0 */
  int32_t dtype;         /* declared dtype: SEQFEAT_DTYPE_FLOAT32 (default) or another int/float type */
  int32_t normalizer;    /* SEQFEAT_NORMALIZER_*; applied to present values only, never padding */
  float normalizer_a;    /* parameters, see SEQFEAT_NORMALIZER_* */
  float normalizer_b;
  seqfeat_normalizer_fn normalizer_fn; /* for SEQFEAT_NORMALIZER_CALLBACK */
  void* normalizer_user_data;
} seqfeat_numeric_options;

SEQFEAT_API void seqfeat_numeric_options_default(seqfeat_numeric_options* opts);

/** sequence_numeric_column / numeric_column. opts may be NULL (all defaults). Errors: shape
 *  dimension < 1, dtype not numeric, invalid normalizer (zscore with stddev <= 0, clip with
 *  a > b, callback without fn). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_numeric_column_create(
    const char* key, int32_t sequence, const seqfeat_numeric_options* opts, seqfeat_column** out);

/** categorical_column_with_identity. default_value: SEQFEAT_NO_DEFAULT or in [0, num_buckets). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_identity_column_create(
    const char* key, int32_t sequence, int64_t num_buckets, int64_t default_value,
    seqfeat_column** out);

/** categorical_column_with_hash_bucket: bucket = Fingerprint64(bytes) mod hash_bucket_size,
 *  integers hashed as their decimal string. dtype: SEQFEAT_DTYPE_STRING, _INT32 or _INT64. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_hash_bucket_column_create(
    const char* key, int32_t sequence, int64_t hash_bucket_size, int32_t dtype,
    seqfeat_column** out);

/** categorical_column_with_vocabulary_list over strings (offsets[vocabulary_size + 1] + bytes).
 *  Value i of the list has id i; misses get default_value (num_oov_buckets == 0, -1 by TF's
 *  default) or vocabulary_size + Fingerprint64(value) mod num_oov_buckets. The list is copied. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_vocabulary_list_column_create_strings(
    const char* key, int32_t sequence, const int64_t* offsets, const char* bytes,
    size_t vocabulary_size, int64_t default_value, int64_t num_oov_buckets, seqfeat_column** out);

/** categorical_column_with_vocabulary_list over integers; dtype _INT32 or _INT64 (the input
 *  dtype family the column accepts). OOV hashing uses the value's decimal string. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_vocabulary_list_column_create_ints(
    const char* key, int32_t sequence, const int64_t* values, size_t vocabulary_size,
    int32_t dtype, int64_t default_value, int64_t num_oov_buckets, seqfeat_column** out);

/** categorical_column_with_vocabulary_file. vocabulary_size < 0 means "count the lines".
 *  The file is read now: whole line is the key, one trailing '\r' stripped, the first
 *  vocabulary_size lines used. default_value SEQFEAT_NO_DEFAULT means -1.
 *  Errors (naming file and line): missing file (NOT_FOUND), too few lines, empty line, duplicate
 *  line, non-integer line in an integer vocabulary (INVALID_ARGUMENT), unreadable file (IO). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_vocabulary_file_column_create(
    const char* key, int32_t sequence, const char* vocabulary_file, int64_t vocabulary_size,
    int64_t num_oov_buckets, int64_t default_value, int32_t dtype, seqfeat_column** out);

/** weighted_categorical_column: weights are read from weight_feature_key and paired with the
 *  ids by position. dtype: float32/float64 (or int). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_weighted_column_create(
    const seqfeat_column* categorical, const char* weight_feature_key, int32_t dtype,
    seqfeat_column** out);

typedef struct seqfeat_embedding_options {
  size_t struct_size;        /* sizeof(seqfeat_embedding_options) */
  int64_t dimension;         /* required, >= 1 */
  int32_t combiner;          /* SEQFEAT_COMBINER_MEAN by default */
  int32_t has_max_norm;      /* 0: no clipping */
  float max_norm;            /* rows e become e * max_norm / max(|e|, max_norm) before combining */
  int32_t trainable;         /* recorded; 1 by default */
  uint64_t seed;             /* seed of the default initializer, mixed with the table name */
  const float* initial_table;/* NULL: truncated normal(0, 1/sqrt(dimension)), cut at 2 stddev */
  size_t initial_table_count;/* num_buckets * dimension when initial_table is given */
} seqfeat_embedding_options;

SEQFEAT_API void seqfeat_embedding_options_default(seqfeat_embedding_options* opts);

/** embedding_column over a categorical (possibly weighted) column; owns a
 *  [num_buckets, dimension] float32 table. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_embedding_column_create(
    const seqfeat_column* categorical, const seqfeat_embedding_options* opts,
    seqfeat_column** out);

/** shared_embeddings: one table for all columns (same base type, same num_buckets), named
 *  collection_name or '_'.join(sorted names) + '_shared_embedding'. Writes `count` handles to
 *  out[0..count) in input order, each named <categorical name>_shared_embedding. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_shared_embeddings_create(
    const seqfeat_column* const* categorical, size_t count, const seqfeat_embedding_options* opts,
    const char* collection_name, seqfeat_column** out);

/** indicator_column: multi-hot counts (or summed weights) over num_buckets. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_indicator_column_create(
    const seqfeat_column* categorical, seqfeat_column** out);

SEQFEAT_API void seqfeat_column_free(seqfeat_column* column);

/** Borrowed name ("" for NULL). */
SEQFEAT_API const char* seqfeat_column_name(const seqfeat_column* column);
/** SEQFEAT_COLUMN_* (0 for NULL). */
SEQFEAT_API int32_t seqfeat_column_kind(const seqfeat_column* column);
/** 1 for a sequence column (a dense column is a sequence column if its categorical one is). */
SEQFEAT_API int32_t seqfeat_column_is_sequence(const seqfeat_column* column);
/** num_buckets of a categorical column (of the wrapped one for embedding/indicator). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_num_buckets(
    const seqfeat_column* column, int64_t* out);
/** variable_shape: numeric shape, (dimension,) for embeddings, (num_buckets,) for indicators.
 *  Writes the dims to out_shape[0..rank) and the rank to *out_rank. With out_shape NULL and
 *  capacity 0 only the rank is written (a query); otherwise capacity < rank is
 *  SEQFEAT_ERR_BUFFER_TOO_SMALL and nothing is written. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_variable_shape(
    const seqfeat_column* column, int64_t* out_shape, size_t capacity, size_t* out_rank);
/** The categorical column wrapped by an embedding/indicator/weighted column (borrowed). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_categorical(
    const seqfeat_column* column, const seqfeat_column** out);

/* Embedding tables (embedding and shared embedding columns). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_shape(
    const seqfeat_column* column, int64_t* out_rows, int64_t* out_dimension);
/** Borrowed table (variable) name, e.g. "aaa_bbb_shared_embedding". */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_name(
    const seqfeat_column* column, const char** out);
/** Copies the row-major table into out[count]; count must be rows * dimension. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_get(
    const seqfeat_column* column, float* out, size_t count);
/** Overwrites the table from values[count] (count = rows * dimension); visible to every column
 *  sharing the table. Not thread-safe against concurrent packs of the same table. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_set(
    const seqfeat_column* column, const float* values, size_t count);

/* ---------------------------------------------------------------------------------------------
 * Input batches. A batch holds views of caller memory (zero-copy): every buffer passed to
 * seqfeat_batch_add_* must stay valid and unchanged until the batch is cleared or freed.
 * Adding a key twice replaces the earlier view.
 * ------------------------------------------------------------------------------------------- */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_create(seqfeat_batch** out);
SEQFEAT_API void seqfeat_batch_free(seqfeat_batch* batch);
SEQFEAT_API void seqfeat_batch_clear(seqfeat_batch* batch);

/** COO SparseTensor: indices int64[num_entries, rank] row-major, dense_shape int64[rank],
 *  values[num_entries] of dtype (float32/float64/int32/int64). Rank 1 is read as [N, 1]; rank 0
 *  is an error. Order and bounds are checked when the batch is used. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_sparse(
    seqfeat_batch* batch, const char* key, const int64_t* indices, int64_t num_entries,
    int64_t rank, const int64_t* dense_shape, int32_t dtype, const void* values);

/** COO SparseTensor of strings: offsets int64[num_entries + 1] into bytes. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_sparse_strings(
    seqfeat_batch* batch, const char* key, const int64_t* indices, int64_t num_entries,
    int64_t rank, const int64_t* dense_shape, const int64_t* offsets, const char* bytes);

/** Dense tensor [B, T] or [B, T, K] (rank >= 1). Categorical columns drop cells equal to -1
 *  (integers) and weight columns drop 0.0, as TF; numeric columns take every cell as present. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_dense(
    seqfeat_batch* batch, const char* key, const int64_t* shape, int64_t rank, int32_t dtype,
    const void* values);

/** Dense tensor of strings (offsets int64[prod(shape) + 1] + bytes); "" cells are dropped. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_dense_strings(
    seqfeat_batch* batch, const char* key, const int64_t* shape, int64_t rank,
    const int64_t* offsets, const char* bytes);

/** A string given as (pointer, length); data may be NULL only when size is 0. */
typedef struct seqfeat_string_view {
  const char* data;
  size_t size;
} seqfeat_string_view;

/** String variants taking an array of (pointer, length) pairs instead of offsets + bytes; the
 *  pairs and the bytes they point to are views, like every batch input. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_sparse_string_views(
    seqfeat_batch* batch, const char* key, const int64_t* indices, int64_t num_entries,
    int64_t rank, const int64_t* dense_shape, const seqfeat_string_view* values);
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_dense_string_views(
    seqfeat_batch* batch, const char* key, const int64_t* shape, int64_t rank,
    const seqfeat_string_view* values);
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_ragged_string_views(
    seqfeat_batch* batch, const char* key, int64_t batch_size, const int64_t* row_splits,
    int64_t num_steps, const int64_t* step_splits, const seqfeat_string_view* values,
    int64_t num_values);

/** Ragged input (zero-copy; Arrow List<List<T>> / TF RaggedTensor layout):
 *  row_splits int64[batch_size + 1] over steps (row_splits[0] = 0, non-decreasing);
 *  step_splits int64[num_steps + 1] over values, or NULL (num_steps ignored) for one value per
 *  step, in which case row_splits index values directly; values[num_values] of dtype.
 *  T is the longest sequence in the batch. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_ragged(
    seqfeat_batch* batch, const char* key, int64_t batch_size, const int64_t* row_splits,
    int64_t num_steps, const int64_t* step_splits, int32_t dtype, const void* values,
    int64_t num_values);

/** Ragged strings: as seqfeat_batch_add_ragged, values given as offsets[num_values+1] + bytes. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_ragged_strings(
    seqfeat_batch* batch, const char* key, int64_t batch_size, const int64_t* row_splits,
    int64_t num_steps, const int64_t* step_splits, const int64_t* offsets, const char* bytes,
    int64_t num_values);

/* ---------------------------------------------------------------------------------------------
 * Output tensors (library-owned)
 * ------------------------------------------------------------------------------------------- */
SEQFEAT_API void seqfeat_tensor_free(seqfeat_tensor* tensor);
SEQFEAT_API int32_t seqfeat_tensor_dtype(const seqfeat_tensor* tensor);
SEQFEAT_API int32_t seqfeat_tensor_ndim(const seqfeat_tensor* tensor);
/** Borrowed shape[ndim]. */
SEQFEAT_API const int64_t* seqfeat_tensor_shape(const seqfeat_tensor* tensor);
/** Borrowed data pointer (64-byte aligned); NULL for NULL. */
SEQFEAT_API void* seqfeat_tensor_data(const seqfeat_tensor* tensor);
/** Number of elements. */
SEQFEAT_API int64_t seqfeat_tensor_size(const seqfeat_tensor* tensor);
/** Moves the tensor into a DLPack DLManagedTensor (CPU, unversioned struct) whose deleter frees
 *  it. On success *tensor_inout is set to NULL: the caller must not free it any more; the
 *  consumer calls managed->deleter(managed) exactly once. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_tensor_to_dlpack(
    seqfeat_tensor** tensor_inout, struct DLManagedTensor** out);

/* ---------------------------------------------------------------------------------------------
 * Statistics (filled by a pack that is given one)
 * ------------------------------------------------------------------------------------------- */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_stats_create(seqfeat_stats** out);
SEQFEAT_API void seqfeat_stats_free(seqfeat_stats* stats);
/** Number of columns of the last pack (layer order). */
SEQFEAT_API size_t seqfeat_stats_num_columns(const seqfeat_stats* stats);
/** Borrowed column name of entry `column_index`. */
SEQFEAT_API const char* seqfeat_stats_column_name(const seqfeat_stats* stats, size_t column_index);
/** One SEQFEAT_STAT_* counter of one column. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_stats_get(
    const seqfeat_stats* stats, size_t column_index, int32_t stat, int64_t* out);

/* ---------------------------------------------------------------------------------------------
 * The SequenceFeatures layer
 * ------------------------------------------------------------------------------------------- */

/** SequenceFeatures(columns): sorted by name; rejects an empty list, duplicate names and columns
 *  that are not dense sequence columns (numeric, embedding, shared embedding, indicator). The
 *  columns are retained (the caller may free its handles). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_create(
    const seqfeat_column* const* columns, size_t count, seqfeat_features** out);
SEQFEAT_API void seqfeat_features_free(seqfeat_features* features);
SEQFEAT_API size_t seqfeat_features_num_columns(const seqfeat_features* features);
/** Borrowed column `index` in layer (sorted) order; NULL if out of range. */
SEQFEAT_API const seqfeat_column* seqfeat_features_column(const seqfeat_features* features,
                                                          size_t index);
/** Offset and width of column `index` in the last output axis. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_column_slice(
    const seqfeat_features* features, size_t index, int64_t* out_offset, int64_t* out_width);
/** ΣD: the size of the output's last axis. */
SEQFEAT_API int64_t seqfeat_features_depth(const seqfeat_features* features);

typedef struct seqfeat_pack_options {
  size_t struct_size;  /* sizeof(seqfeat_pack_options) */
  int64_t max_length;  /* 0: T follows TF (dense_shape[1] / longest ragged row); > 0: fixed T */
  int32_t padding;     /* SEQFEAT_PAD_POST (default, as TF) or SEQFEAT_PAD_PRE */
  int32_t truncating;  /* SEQFEAT_PAD_POST (default: keep the first steps) or SEQFEAT_PAD_PRE */
  int32_t strict;      /* 1: invalid/out-of-range ids, OOV values without OOV buckets and truncated
                          steps are errors naming column, example, step and value */
  int32_t num_threads; /* 0: default (the machine's cores); 1: the calling thread only */
} seqfeat_pack_options;

SEQFEAT_API void seqfeat_pack_options_default(seqfeat_pack_options* opts);

/** Output shape for this batch: dense [B, T, depth], sequence_length [B], mask [B, T].
 *  opts may be NULL (defaults). Runs the full validation. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_output_shape(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, int64_t* out_batch, int64_t* out_steps,
    int64_t* out_depth);

/** Packs into caller buffers:
 *    out_dense[b, t, off_c : off_c + D_c] = column c's value at step t of example b (0 or the
 *    numeric default in padding), out_lengths[b] = sequence length, out_mask[b, t] = 1 for steps
 *    inside the sequence (optional, NULL to skip). Counts are element counts; a too-small buffer
 *    is SEQFEAT_ERR_BUFFER_TOO_SMALL. Everything is validated before the first write.
 *  stats may be NULL. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_pack_into(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, float* out_dense, size_t dense_count,
    int64_t* out_lengths, size_t lengths_count, uint8_t* out_mask, size_t mask_count,
    seqfeat_stats* stats);

/** As pack_into, into library-owned tensors: dense float32 [B, T, depth], lengths int64 [B],
 *  mask uint8 [B, T] (only if out_mask is not NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_pack(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, seqfeat_tensor** out_dense, seqfeat_tensor** out_lengths,
    seqfeat_tensor** out_mask, seqfeat_stats* stats);

/* ---------------------------------------------------------------------------------------------
 * The DenseFeatures layer (context features, no time axis)
 *
 *   out[b, off_c : off_c + D_c] = numeric: the example's prod(shape) values (dense input only);
 *   embedding: combine over all ids of example b; indicator: counts (or summed weights).
 * Columns are sorted by name; sequence numeric columns are rejected at creation, embeddings and
 * indicators over sequence categorical columns when packing (TF's messages).
 * ------------------------------------------------------------------------------------------- */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_create(
    const seqfeat_column* const* columns, size_t count, seqfeat_dense_features** out);
SEQFEAT_API void seqfeat_dense_features_free(seqfeat_dense_features* features);
/** ΣD: the size of the output's last axis (0 for NULL). */
SEQFEAT_API int64_t seqfeat_dense_features_depth(const seqfeat_dense_features* features);
/** Output shape [B, depth] for this batch; runs the full validation. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_output_shape(
    const seqfeat_dense_features* features, const seqfeat_batch* batch, int64_t* out_batch,
    int64_t* out_depth);
/** Packs [B, depth] float32 into out[count]; validated before the first write. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_pack_into(
    const seqfeat_dense_features* features, const seqfeat_batch* batch, float* out,
    size_t count);

/* ---------------------------------------------------------------------------------------------
 * Single columns
 * ------------------------------------------------------------------------------------------- */

/** get_sequence_dense_tensor of one dense sequence column: dense [B, T, width] float32 (callers
 *  reshape to [B, T] + variable_shape) and sequence_length int64 [B]. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_get_sequence_dense_tensor(
    const seqfeat_column* column, const seqfeat_batch* batch, seqfeat_tensor** out_dense,
    seqfeat_tensor** out_lengths);

/** get_sparse_tensors of a categorical column (the id stage): indices int64 [N, R], ids int64
 *  [N], dense_shape int64 [R] (R = 3 for sequence columns, [d0, d1, prod(d2..)]; the input rank
 *  for non-sequence columns), and for weighted columns weights float32 [N] (else *out_weights
 *  is set to NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_get_sparse_tensors(
    const seqfeat_column* column, const seqfeat_batch* batch, seqfeat_tensor** out_indices,
    seqfeat_tensor** out_ids, seqfeat_tensor** out_dense_shape, seqfeat_tensor** out_weights);

/** concatenate_context_input: out[b, t] = concat(sequence[b, t, :], context[b, :]).
 *  sequence [batch, steps, sequence_depth], context [batch, context_depth],
 *  out [batch, steps, sequence_depth + context_depth] (out_count elements). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_concatenate_context_input(
    const float* context, int64_t context_depth, const float* sequence, int64_t batch,
    int64_t steps, int64_t sequence_depth, float* out, size_t out_count);

#ifdef __cplusplus
}
#endif

#endif /* SEQFEAT_SEQFEAT_H */
