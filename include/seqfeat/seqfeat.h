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
 * Threads     Columns, vocabularies and configured layers (seqfeat_features,
 *             seqfeat_dense_features) are immutable and may be used by any number of threads at
 *             once. The one mutable part of a column is its embedding table:
 *             seqfeat_column_table_set() must not run concurrently with a pack that reads the
 *             same table. A seqfeat_batch, seqfeat_tensor or seqfeat_stats belongs to one thread
 *             at a time. The library keeps per-thread scratch memory, so packing into a caller
 *             buffer allocates nothing once warmed up; a pack must not be re-entered from a
 *             callback it makes (a normalizer) on the same thread. Packs above a work threshold
 *             split over a worker pool created on first use (num_threads in the pack options);
 *             concurrent callers never wait for each other, and a forked child may use the
 *             library. Limits (seqfeat_set_limit) are process-wide and thread-safe. It never
 *             changes OpenBLAS's process-global thread setting. Training (seqfeat_optimizer_*,
 *             seqfeat_features_backward_apply) writes tables in place: see "Training" below for
 *             what may run concurrently with an update. Details: docs/threading.md.
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

/* Windows: the library's own build defines SEQFEAT_BUILDING_LIBRARY (exports); consumers of the
 * DLL import; SEQFEAT_STATIC is for linking a static build. */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(SEQFEAT_BUILDING_LIBRARY)
#define SEQFEAT_API __declspec(dllexport)
#elif defined(SEQFEAT_STATIC)
#define SEQFEAT_API
#else
#define SEQFEAT_API __declspec(dllimport)
#endif
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

/** Static text for a status code ("ok", "invalid argument", ...).
 *  @param status any value; unknown codes give "unknown status".
 *  @return a static NUL-terminated string; never NULL, never freed. */
SEQFEAT_API const char* seqfeat_status_string(seqfeat_status status);

/** Detail of the most recent call on this thread that returned a seqfeat_status: the error
 *  message if that call failed (naming column, feature key, example and value), "" if it
 *  returned SEQFEAT_OK or if no such call was made yet. Functions that return no status leave
 *  it unchanged.
 *  @return a thread-local, NUL-terminated UTF-8 string; never NULL; owned by the library and
 *          valid until the next libseqfeat call on this thread. */
SEQFEAT_API const char* seqfeat_last_error_message(void);

/** Runtime version of the loaded library.
 *  @return major * 10000 + minor * 100 + patch (compare with SEQFEAT_VERSION_NUMBER of the header
 *          the program was compiled with). */
SEQFEAT_API uint32_t seqfeat_version_number(void);
/** Runtime version of the loaded library as text.
 *  @return "major.minor.patch"; static, never NULL. */
SEQFEAT_API const char* seqfeat_version_string(void);

/* ---------------------------------------------------------------------------------------------
 * Process-wide limits
 * ------------------------------------------------------------------------------------------- */
/** The largest buffer, in bytes, that one call may allocate for data whose size comes from its
 *  arguments: an output tensor, an embedding table, a vocabulary, per-call scratch arrays. A
 *  call that would need more fails with SEQFEAT_ERR_OUT_OF_MEMORY and a message giving the
 *  bytes asked for, before anything is allocated or written. Default: the machine's physical
 *  memory (a request no machine could hold is refused up front instead of being overcommitted).
 *  Sizes that do not even fit in 64 bits are SEQFEAT_ERR_INVALID_ARGUMENT whatever the limit. */
#define SEQFEAT_LIMIT_ALLOCATION_BYTES 0

/** Sets a process-wide limit. Thread-safe; calls already running may still see the previous
 *  value.
 *  @param limit  SEQFEAT_LIMIT_ALLOCATION_BYTES
 *  @param value  the new value (bytes); 0 restores the default
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for an unknown limit or a negative value */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_set_limit(int32_t limit, int64_t value);

/** Reads the current value of a process-wide limit (the default if none was set).
 *  @param limit  SEQFEAT_LIMIT_ALLOCATION_BYTES
 *  @param out    receives the value; untouched on failure
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for an unknown limit or a NULL out */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_get_limit(int32_t limit, int64_t* out);

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
typedef struct seqfeat_gradients seqfeat_gradients; /* table gradients of a backward; one thread at a time */
typedef struct seqfeat_optimizer seqfeat_optimizer; /* SGD / Adagrad and its state; one thread at a time */
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

/** Initialises numeric options to TF's defaults: shape (1,), default_value 0, dtype float32, no
 *  normalizer, struct_size set.
 *  @param opts options to overwrite; NULL is ignored. */
SEQFEAT_API void seqfeat_numeric_options_default(seqfeat_numeric_options* opts);

/** sequence_numeric_column (sequence = 1) / numeric_column (sequence = 0).
 *  @param key      feature key, non-empty UTF-8; also the column's name.
 *  @param sequence 1 for a sequence column, 0 for a context column (DenseFeatures).
 *  @param opts     shape, default_value, dtype and normalizer; NULL means all defaults.
 *  @param out      receives the new column (caller-owned, free with seqfeat_column_free).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT: NULL key/out, a shape dimension < 1, dtype
 *          not numeric, an invalid normalizer (zscore with stddev <= 0, clip with a > b, callback
 *          without fn). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_numeric_column_create(
    const char* key, int32_t sequence, const seqfeat_numeric_options* opts, seqfeat_column** out);

/** categorical_column_with_identity: the integer value is the id.
 *  @param key           feature key (the column's name).
 *  @param sequence      1 for a sequence column, 0 for a context column.
 *  @param num_buckets   ids are in [0, num_buckets); >= 1.
 *  @param default_value SEQFEAT_NO_DEFAULT (out-of-range values pass through, as TF's None) or a
 *                       value in [0, num_buckets) that replaces them.
 *  @param out           receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (num_buckets < 1, default out of range,
 *          NULL key/out), with TF's message. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_identity_column_create(
    const char* key, int32_t sequence, int64_t num_buckets, int64_t default_value,
    seqfeat_column** out);

/** categorical_column_with_hash_bucket: bucket = Fingerprint64(bytes) mod hash_bucket_size,
 *  integers hashed as their decimal string (TF's string_to_hash_bucket_fast).
 *  @param key              feature key (the column's name).
 *  @param sequence         1 for a sequence column, 0 for a context column.
 *  @param hash_bucket_size number of buckets, >= 1.
 *  @param dtype            SEQFEAT_DTYPE_STRING, _INT32 or _INT64: the input family accepted.
 *  @param out              receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (size < 1, dtype neither string nor
 *          integer, NULL key/out). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_hash_bucket_column_create(
    const char* key, int32_t sequence, int64_t hash_bucket_size, int32_t dtype,
    seqfeat_column** out);

/** categorical_column_with_vocabulary_list over strings: value i of the list has id i; a miss
 *  gets default_value (no OOV buckets) or vocabulary_size + Fingerprint64(value) mod
 *  num_oov_buckets. The list is copied.
 *  @param key             feature key (the column's name).
 *  @param sequence        1 for a sequence column, 0 for a context column.
 *  @param offsets         int64[vocabulary_size + 1], Arrow-style offsets into bytes.
 *  @param bytes           the UTF-8 bytes of the vocabulary.
 *  @param vocabulary_size number of entries, >= 1, no duplicates.
 *  @param default_value   id of a miss when num_oov_buckets is 0 (TF's default: -1).
 *  @param num_oov_buckets >= 0; non-zero requires default_value -1.
 *  @param out             receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (empty list, duplicate entry, bad offsets,
 *          OOV buckets with a default, NULL arguments) with TF's message. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_vocabulary_list_column_create_strings(
    const char* key, int32_t sequence, const int64_t* offsets, const char* bytes,
    size_t vocabulary_size, int64_t default_value, int64_t num_oov_buckets, seqfeat_column** out);

/** categorical_column_with_vocabulary_list over integers; OOV hashing uses the value's decimal
 *  string. The list is copied.
 *  @param key             feature key (the column's name).
 *  @param sequence        1 for a sequence column, 0 for a context column.
 *  @param values          int64[vocabulary_size]; value i has id i; no duplicates.
 *  @param vocabulary_size number of entries, >= 1.
 *  @param dtype           SEQFEAT_DTYPE_INT32 or _INT64: the input family the column accepts.
 *  @param default_value   id of a miss when num_oov_buckets is 0 (TF's default: -1).
 *  @param num_oov_buckets >= 0; non-zero requires default_value -1.
 *  @param out             receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (empty list, duplicates, dtype not integer,
 *          OOV buckets with a default, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_vocabulary_list_column_create_ints(
    const char* key, int32_t sequence, const int64_t* values, size_t vocabulary_size,
    int32_t dtype, int64_t default_value, int64_t num_oov_buckets, seqfeat_column** out);

/** categorical_column_with_vocabulary_file. The file is read now: the whole line is the key (one
 *  trailing '\r' stripped), its 0-based line number the id; only the first vocabulary_size lines are
 *  used.
 *  @param key             feature key (the column's name).
 *  @param sequence        1 for a sequence column, 0 for a context column.
 *  @param vocabulary_file path of the file.
 *  @param vocabulary_size number of lines to use; < 0 means "count the lines".
 *  @param num_oov_buckets >= 0; OOV ids are vocabulary_size + Fingerprint64(value) mod this.
 *  @param default_value   id of a miss without OOV buckets; SEQFEAT_NO_DEFAULT means -1.
 *  @param dtype           SEQFEAT_DTYPE_STRING, or _INT32 / _INT64 (every line must be an int64).
 *  @param out             receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or (naming file and line) SEQFEAT_ERR_NOT_FOUND for a missing file,
 *          SEQFEAT_ERR_INVALID_ARGUMENT for too few lines, an empty or duplicate line, a non-integer
 *          line in an integer vocabulary or a bad argument, SEQFEAT_ERR_IO for an unreadable file. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_vocabulary_file_column_create(
    const char* key, int32_t sequence, const char* vocabulary_file, int64_t vocabulary_size,
    int64_t num_oov_buckets, int64_t default_value, int32_t dtype, seqfeat_column** out);

/** weighted_categorical_column: weights are read from weight_feature_key and paired with the ids
 *  by position. The categorical column is retained (the caller may free its handle).
 *  @param categorical        the categorical column giving the ids.
 *  @param weight_feature_key feature key of the weights.
 *  @param dtype              declared weight dtype (float32, float64 or an integer type); inputs
 *                            must have exactly this dtype.
 *  @param out                receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (not a categorical column, dtype not
 *          numeric, NULL arguments). */
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

/** Initialises embedding options to TF's defaults: combiner mean, no max_norm, trainable, seed 0,
 *  no initial table, struct_size set; dimension must still be set.
 *  @param opts options to overwrite; NULL is ignored. */
SEQFEAT_API void seqfeat_embedding_options_default(seqfeat_embedding_options* opts);

/** embedding_column over a categorical (possibly weighted) column; owns a [num_buckets, dimension]
 *  float32 table, initialised from opts->initial_table or TF's truncated normal.
 *  @param categorical the categorical column giving the ids (retained).
 *  @param opts        dimension (required), combiner, max_norm, trainable, seed, initial table.
 *  @param out         receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (dimension < 1, unknown combiner, wrong
 *          initial_table_count, not a categorical column, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_embedding_column_create(
    const seqfeat_column* categorical, const seqfeat_embedding_options* opts,
    seqfeat_column** out);

/** shared_embeddings: one table for all columns (same base type, same num_buckets), named
 *  collection_name or '_'.join(sorted names) + '_shared_embedding'.
 *  @param categorical     count categorical columns (retained).
 *  @param count           number of columns, >= 1.
 *  @param opts            as for seqfeat_embedding_column_create.
 *  @param collection_name table name, or NULL for TF's default name.
 *  @param out             array of count handles; receives one column per input, in input order,
 *                         each named <categorical name>_shared_embedding (caller-owned).
 *  @return SEQFEAT_OK (all count handles written), or SEQFEAT_ERR_INVALID_ARGUMENT (different base
 *          types or bucket counts, bad options, NULL arguments); nothing is written on failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_shared_embeddings_create(
    const seqfeat_column* const* categorical, size_t count, const seqfeat_embedding_options* opts,
    const char* collection_name, seqfeat_column** out);

/** indicator_column: multi-hot counts (or summed weights) over num_buckets per step.
 *  @param categorical the categorical column giving the ids (retained).
 *  @param out         receives the new column (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (not a categorical column, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_indicator_column_create(
    const seqfeat_column* categorical, seqfeat_column** out);

/** Releases a column handle. Layers and other columns that use the column keep it alive.
 *  @param column the handle; NULL is accepted. */
SEQFEAT_API void seqfeat_column_free(seqfeat_column* column);

/** The column's name (TF's: key, <key>_embedding, <key>_indicator, ...).
 *  @param column the column.
 *  @return a borrowed string valid while the handle lives; "" for NULL. */
SEQFEAT_API const char* seqfeat_column_name(const seqfeat_column* column);
/** The column's kind.
 *  @param column the column.
 *  @return a SEQFEAT_COLUMN_* value; 0 for NULL. */
SEQFEAT_API int32_t seqfeat_column_kind(const seqfeat_column* column);
/** Whether the column is a sequence column (an embedding or indicator column is one if its
 *  categorical column is).
 *  @param column the column.
 *  @return 1 or 0 (0 for NULL). */
SEQFEAT_API int32_t seqfeat_column_is_sequence(const seqfeat_column* column);
/** num_buckets of a categorical column, or of the one an embedding/indicator column wraps.
 *  @param column the column.
 *  @param out    receives the number of buckets.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for a numeric column or NULL arguments. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_num_buckets(
    const seqfeat_column* column, int64_t* out);
/** variable_shape: the numeric shape, (dimension,) for embeddings, (num_buckets,) for indicators.
 *  @param column    a dense column.
 *  @param out_shape receives the dims [0, rank); NULL with capacity 0 queries the rank only.
 *  @param capacity  number of int64 in out_shape.
 *  @param out_rank  receives the rank.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_BUFFER_TOO_SMALL when capacity < rank (nothing written), or
 *          SEQFEAT_ERR_INVALID_ARGUMENT (not a dense column, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_variable_shape(
    const seqfeat_column* column, int64_t* out_shape, size_t capacity, size_t* out_rank);
/** The categorical column wrapped by an embedding, indicator or weighted column.
 *  @param column the wrapping column.
 *  @param out    receives a borrowed handle valid while column lives.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT when column wraps none or for NULL. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_categorical(
    const seqfeat_column* column, const seqfeat_column** out);

/* Embedding tables (embedding and shared embedding columns). */
/** Shape of an embedding table (embedding and shared embedding columns).
 *  @param column        the embedding column.
 *  @param out_rows      receives num_buckets.
 *  @param out_dimension receives the dimension.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (not an embedding column, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_shape(
    const seqfeat_column* column, int64_t* out_rows, int64_t* out_dimension);
/** Name of an embedding table (TF's variable name), e.g. "aaa_bbb_shared_embedding".
 *  @param column the embedding column.
 *  @param out    receives a borrowed string valid while column lives.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (not an embedding column, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_name(
    const seqfeat_column* column, const char** out);
/** Copies the row-major table.
 *  @param column the embedding column.
 *  @param out    float[count].
 *  @param count  must equal rows * dimension.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_BUFFER_TOO_SMALL when count differs from rows * dimension, or
 *          SEQFEAT_ERR_INVALID_ARGUMENT (not an embedding column, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_get(
    const seqfeat_column* column, float* out, size_t count);
/** Overwrites the table, visible to every column sharing it. Must not run concurrently with a
 *  pack that reads the same table.
 *  @param column the embedding column, as its creator holds it (borrowed columns, such as
 *                those of a layer or seqfeat_column_categorical(), are const and cannot be
 *                changed).
 *  @param values float[count], row-major.
 *  @param count  must equal rows * dimension.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (wrong count, not an embedding column, NULL
 *          arguments, a read-only memory-mapped table); the table is unchanged on failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_set(
    seqfeat_column* column, const float* values, size_t count);

/** The table's own row-major [rows, dimension] float32 storage (not a copy), for training
 *  frameworks that update it in place (PyTorch parameters sharing memory with the table). Writes
 *  through it follow the rules of seqfeat_column_table_set.
 *  @param column the embedding column.
 *  @param out    receives the borrowed pointer, valid while any column using the table lives.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (not an embedding column, NULL, a
 *          read-only memory-mapped table: load with SEQFEAT_TABLES_COPY to train). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_data(
    const seqfeat_column* column, float** out);

/* ---------------------------------------------------------------------------------------------
 * Input batches. A batch holds views of caller memory (zero-copy): every buffer passed to
 * seqfeat_batch_add_* must stay valid and unchanged until the batch is cleared or freed.
 * Adding a key twice replaces the earlier view.
 * ------------------------------------------------------------------------------------------- */
/** Creates an empty batch (a set of views of caller memory, keyed by feature name).
 *  @param out receives the batch (caller-owned, free with seqfeat_batch_free).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for NULL out. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_create(seqfeat_batch** out);
/** Releases a batch; the caller's buffers it viewed are not touched.
 *  @param batch the batch; NULL is accepted. */
SEQFEAT_API void seqfeat_batch_free(seqfeat_batch* batch);
/** Removes every feature of a batch, so that it can be refilled (its memory is reused).
 *  @param batch the batch; NULL is accepted. */
SEQFEAT_API void seqfeat_batch_clear(seqfeat_batch* batch);

/** Adds a numeric COO SparseTensor (TF's form). Order and bounds of indices are checked when
 *  the batch is used, by the column that reads the feature.
 *  @param batch       the batch.
 *  @param key         feature key.
 *  @param indices     int64[num_entries, rank], row-major.
 *  @param num_entries N, the number of values.
 *  @param rank        >= 1; rank 1 is read as [N, 1].
 *  @param dense_shape int64[rank].
 *  @param dtype       SEQFEAT_DTYPE_FLOAT32, _FLOAT64, _INT32 or _INT64.
 *  @param values      values[num_entries] of dtype.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT / _DTYPE_MISMATCH naming the feature (NULL
 *          pointers, rank 0, negative sizes, unknown dtype). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_sparse(
    seqfeat_batch* batch, const char* key, const int64_t* indices, int64_t num_entries,
    int64_t rank, const int64_t* dense_shape, int32_t dtype, const void* values);

/** Adds a COO SparseTensor of strings given Arrow-style.
 *  @param batch       the batch.
 *  @param key         feature key.
 *  @param indices     int64[num_entries, rank], row-major.
 *  @param num_entries N.
 *  @param rank        >= 1.
 *  @param dense_shape int64[rank].
 *  @param offsets     int64[num_entries + 1] into bytes (offsets[0] = 0, non-decreasing).
 *  @param bytes       the string bytes.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT naming the feature. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_sparse_strings(
    seqfeat_batch* batch, const char* key, const int64_t* indices, int64_t num_entries,
    int64_t rank, const int64_t* dense_shape, const int64_t* offsets, const char* bytes);

/** Adds a dense tensor [B, T] or [B, T, K] (rank >= 1). Categorical columns drop cells equal to
 *  -1 (integers) and weight columns drop 0.0, as TF; numeric columns take every cell as present.
 *  @param batch  the batch.
 *  @param key    feature key.
 *  @param shape  int64[rank].
 *  @param rank   >= 1.
 *  @param dtype  SEQFEAT_DTYPE_FLOAT32, _FLOAT64, _INT32 or _INT64.
 *  @param values prod(shape) values of dtype, row-major.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT / _DTYPE_MISMATCH naming the feature. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_dense(
    seqfeat_batch* batch, const char* key, const int64_t* shape, int64_t rank, int32_t dtype,
    const void* values);

/** Adds a dense tensor of strings; "" cells are dropped (TF's ignore value).
 *  @param batch   the batch.
 *  @param key     feature key.
 *  @param shape   int64[rank].
 *  @param rank    >= 1.
 *  @param offsets int64[prod(shape) + 1] into bytes.
 *  @param bytes   the string bytes.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT naming the feature. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_dense_strings(
    seqfeat_batch* batch, const char* key, const int64_t* shape, int64_t rank,
    const int64_t* offsets, const char* bytes);

/** A string given as (pointer, length); data may be NULL only when size is 0. */
typedef struct seqfeat_string_view {
  const char* data;
  size_t size;
} seqfeat_string_view;

/** As seqfeat_batch_add_sparse_strings, with the strings given as (pointer, length) pairs; the
 *  pairs and the bytes they point to are views, like every batch input.
 *  @param batch       the batch.
 *  @param key         feature key.
 *  @param indices     int64[num_entries, rank].
 *  @param num_entries N.
 *  @param rank        >= 1.
 *  @param dense_shape int64[rank].
 *  @param values      seqfeat_string_view[num_entries].
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT naming the feature. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_sparse_string_views(
    seqfeat_batch* batch, const char* key, const int64_t* indices, int64_t num_entries,
    int64_t rank, const int64_t* dense_shape, const seqfeat_string_view* values);
/** As seqfeat_batch_add_dense_strings, with (pointer, length) pairs.
 *  @param batch  the batch.
 *  @param key    feature key.
 *  @param shape  int64[rank].
 *  @param rank   >= 1.
 *  @param values seqfeat_string_view[prod(shape)].
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT naming the feature. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_dense_string_views(
    seqfeat_batch* batch, const char* key, const int64_t* shape, int64_t rank,
    const seqfeat_string_view* values);
/** As seqfeat_batch_add_ragged_strings, with (pointer, length) pairs.
 *  @param batch       the batch.
 *  @param key         feature key.
 *  @param batch_size  B.
 *  @param row_splits  int64[batch_size + 1].
 *  @param num_steps   number of steps when step_splits is given.
 *  @param step_splits int64[num_steps + 1], or NULL for one value per step.
 *  @param values      seqfeat_string_view[num_values].
 *  @param num_values  number of values.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT naming the feature. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_ragged_string_views(
    seqfeat_batch* batch, const char* key, int64_t batch_size, const int64_t* row_splits,
    int64_t num_steps, const int64_t* step_splits, const seqfeat_string_view* values,
    int64_t num_values);

/** Adds ragged input (zero-copy; the Arrow List<List<T>> / TF RaggedTensor layout). T is the
 *  longest sequence in the batch.
 *  @param batch       the batch.
 *  @param key         feature key.
 *  @param batch_size  B.
 *  @param row_splits  int64[batch_size + 1] over steps (row_splits[0] = 0, non-decreasing).
 *  @param num_steps   number of steps when step_splits is given (ignored otherwise).
 *  @param step_splits int64[num_steps + 1] over values, or NULL for one value per step, in which
 *                     case row_splits index values directly.
 *  @param dtype       SEQFEAT_DTYPE_FLOAT32, _FLOAT64, _INT32 or _INT64.
 *  @param values      values[num_values] of dtype.
 *  @param num_values  number of values.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT / _DTYPE_MISMATCH naming the feature (bad
 *          splits, sizes that disagree, NULL pointers). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_ragged(
    seqfeat_batch* batch, const char* key, int64_t batch_size, const int64_t* row_splits,
    int64_t num_steps, const int64_t* step_splits, int32_t dtype, const void* values,
    int64_t num_values);

/** Adds ragged strings: as seqfeat_batch_add_ragged, values given as offsets + bytes.
 *  @param batch       the batch.
 *  @param key         feature key.
 *  @param batch_size  B.
 *  @param row_splits  int64[batch_size + 1].
 *  @param num_steps   number of steps when step_splits is given.
 *  @param step_splits int64[num_steps + 1], or NULL.
 *  @param offsets     int64[num_values + 1] into bytes.
 *  @param bytes       the string bytes.
 *  @param num_values  number of values.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT naming the feature. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_add_ragged_strings(
    seqfeat_batch* batch, const char* key, int64_t batch_size, const int64_t* row_splits,
    int64_t num_steps, const int64_t* step_splits, const int64_t* offsets, const char* bytes,
    int64_t num_values);

/* Input forms and string layouts of seqfeat_feature. */
#define SEQFEAT_FORM_SPARSE 0 /* COO: indices[num_values, rank], shape = dense_shape[rank] */
#define SEQFEAT_FORM_DENSE 1  /* shape[rank], prod(shape) cells */
#define SEQFEAT_FORM_RAGGED 2 /* batch_size, row_splits, optional step_splits */

#define SEQFEAT_STRINGS_OFFSETS 0 /* string_offsets int64[n + 1] into values (bytes) */
#define SEQFEAT_STRINGS_VIEWS 1   /* values = seqfeat_string_view[n] */
#define SEQFEAT_STRINGS_FIXED 2   /* n items of string_itemsize bytes each; trailing NUL bytes are
                                     padding, not part of the value (numpy 'S'); zero-copy */
#define SEQFEAT_STRINGS_UTF32 3   /* n items of string_itemsize / 4 native-endian UTF-32 code
                                     points; trailing NUL code points are padding (numpy 'U').
                                     Converted to UTF-8 into memory the batch owns. */
#define SEQFEAT_STRINGS_SEPARATED 4 /* n strings in string_itemsize bytes, consecutive strings
                                       separated by one NUL byte (none after the last), so a
                                       string cannot hold NUL: the bytes must hold exactly n - 1
                                       NUL bytes (n = 0: no bytes). Zero-copy; the boundaries
                                       are found when the batch is filled. */

/** One feature of a batch, for seqfeat_batch_set. Fields a form does not use are ignored. */
typedef struct seqfeat_feature {
  size_t struct_size;          /* sizeof(seqfeat_feature) */
  const char* key;             /* feature key, non-empty UTF-8 */
  int32_t form;                /* SEQFEAT_FORM_* */
  int32_t dtype;               /* SEQFEAT_DTYPE_FLOAT32/FLOAT64/INT32/INT64, or _STRING */
  int32_t string_layout;       /* SEQFEAT_STRINGS_*, for dtype SEQFEAT_DTYPE_STRING */
  int32_t reserved;            /* 0 */
  const void* values;          /* numbers, string bytes or seqfeat_string_view[] */
  int64_t num_values;          /* sparse: entries; ragged: values; dense: unused (prod(shape)) */
  const int64_t* string_offsets; /* SEQFEAT_STRINGS_OFFSETS: int64[n + 1] */
  size_t string_itemsize;      /* SEQFEAT_STRINGS_FIXED / _UTF32: bytes per item;
                                  SEQFEAT_STRINGS_SEPARATED: bytes in all */
  const int64_t* shape;        /* sparse: dense_shape[rank]; dense: shape[rank] */
  int64_t rank;                /* sparse, dense */
  const int64_t* indices;      /* sparse: int64[num_values, rank] row-major */
  int64_t batch_size;          /* ragged */
  const int64_t* row_splits;   /* ragged: int64[batch_size + 1] */
  const int64_t* step_splits;  /* ragged: int64[num_steps + 1] over values, or NULL */
  int64_t num_steps;           /* ragged, with step_splits */
} seqfeat_feature;

/** Initialises a descriptor: struct_size set, everything else zero (sparse form, no dtype).
 *  @param feature the descriptor to initialise; NULL is ignored. */
SEQFEAT_API void seqfeat_feature_default(seqfeat_feature* feature);

/** Replaces the batch's contents with `count` features in one call (each as the matching
 *  seqfeat_batch_add_* would add it, with the same checks and messages; a key given twice keeps
 *  the later one). Storage of keys already in the batch is reused, so refilling a batch with the
 *  same keys allocates nothing. The buffers are views as for every batch input, except
 *  SEQFEAT_STRINGS_UTF32 values, which are converted now, and the boundaries of
 *  SEQFEAT_STRINGS_SEPARATED strings, which are found now. On failure the batch is left empty.
 *  @param batch the batch to fill
 *  @param features descriptors [count] (struct_size of each checked; NULL only if count is 0)
 *  @param count number of features
 *  @return SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT (a bad descriptor or input, naming the
 *          feature key), SEQFEAT_ERR_DTYPE_MISMATCH (unknown dtype) */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_set(
    seqfeat_batch* batch, const seqfeat_feature* features, size_t count);

/* ---------------------------------------------------------------------------------------------
 * Output tensors (library-owned)
 * ------------------------------------------------------------------------------------------- */
/** Releases a library-owned tensor.
 *  @param tensor the tensor; NULL is accepted. */
SEQFEAT_API void seqfeat_tensor_free(seqfeat_tensor* tensor);
/** @param tensor the tensor.
 *  @return its SEQFEAT_DTYPE_*; 0 for NULL. */
SEQFEAT_API int32_t seqfeat_tensor_dtype(const seqfeat_tensor* tensor);
/** @param tensor the tensor.
 *  @return its number of dimensions; 0 for NULL. */
SEQFEAT_API int32_t seqfeat_tensor_ndim(const seqfeat_tensor* tensor);
/** @param tensor the tensor.
 *  @return a borrowed int64[ndim], valid while the tensor lives; NULL for NULL. */
SEQFEAT_API const int64_t* seqfeat_tensor_shape(const seqfeat_tensor* tensor);
/** @param tensor the tensor.
 *  @return a borrowed pointer to its elements (64-byte aligned, row-major), valid while the tensor
 *          lives; NULL for NULL. */
SEQFEAT_API void* seqfeat_tensor_data(const seqfeat_tensor* tensor);
/** @param tensor the tensor.
 *  @return its number of elements; 0 for NULL. */
SEQFEAT_API int64_t seqfeat_tensor_size(const seqfeat_tensor* tensor);
/** Moves the tensor into a DLPack DLManagedTensor (CPU, unversioned struct) whose deleter frees it.
 *  @param tensor_inout the tensor; on success *tensor_inout is set to NULL and must not be freed.
 *  @param out          receives the managed tensor; the consumer calls managed->deleter(managed)
 *                      exactly once.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for NULL arguments (the tensor is then
 *          untouched). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_tensor_to_dlpack(
    seqfeat_tensor** tensor_inout, struct DLManagedTensor** out);

/* ---------------------------------------------------------------------------------------------
 * Statistics (filled by a pack that is given one)
 * ------------------------------------------------------------------------------------------- */
/** Creates an empty statistics object, filled by a pack that is given it.
 *  @param out receives it (caller-owned, free with seqfeat_stats_free).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for NULL out. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_stats_create(seqfeat_stats** out);
/** Releases a statistics object.
 *  @param stats the object; NULL is accepted. */
SEQFEAT_API void seqfeat_stats_free(seqfeat_stats* stats);
/** @param stats the statistics of a pack.
 *  @return the number of columns of that pack (layer order); 0 for NULL or before any pack. */
SEQFEAT_API size_t seqfeat_stats_num_columns(const seqfeat_stats* stats);
/** @param stats        the statistics of a pack.
 *  @param column_index 0 <= column_index < seqfeat_stats_num_columns(stats).
 *  @return the column's name, borrowed until the next pack into stats; "" when out of range. */
SEQFEAT_API const char* seqfeat_stats_column_name(const seqfeat_stats* stats, size_t column_index);
/** One counter of one column.
 *  @param stats        the statistics of a pack.
 *  @param column_index the column, in layer order.
 *  @param stat         SEQFEAT_STAT_*.
 *  @param out          receives the count.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_OUT_OF_RANGE for a column index out of range, or
 *          SEQFEAT_ERR_INVALID_ARGUMENT (unknown stat, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_stats_get(
    const seqfeat_stats* stats, size_t column_index, int32_t stat, int64_t* out);
/** Every counter at once: out[c * SEQFEAT_STAT_COUNT + s] = counter s of column c.
 *  @param stats the statistics of a pack.
 *  @param out   receives the counters.
 *  @param count elements of out; must be >= seqfeat_stats_num_columns(stats) * SEQFEAT_STAT_COUNT
 *  @return SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT (NULL), SEQFEAT_ERR_BUFFER_TOO_SMALL */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_stats_values(const seqfeat_stats* stats,
                                                                  int64_t* out, size_t count);

/* ---------------------------------------------------------------------------------------------
 * The SequenceFeatures layer
 * ------------------------------------------------------------------------------------------- */

/** SequenceFeatures(columns): sorted by name. The columns are retained (the caller may free its
 *  handles).
 *  @param columns count dense sequence columns (numeric, embedding, shared embedding, indicator).
 *  @param count   >= 1.
 *  @param out     receives the layer (caller-owned, free with seqfeat_features_free).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for an empty list, duplicate names, a column
 *          that is not a dense sequence column, or NULL arguments (TF's messages). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_create(
    const seqfeat_column* const* columns, size_t count, seqfeat_features** out);
/** Releases a layer.
 *  @param features the layer; NULL is accepted. */
SEQFEAT_API void seqfeat_features_free(seqfeat_features* features);
/** @param features the layer.
 *  @return its number of columns; 0 for NULL. */
SEQFEAT_API size_t seqfeat_features_num_columns(const seqfeat_features* features);
/** Column `index` in layer (sorted) order.
 *  @param features the layer.
 *  @param index    0 <= index < seqfeat_features_num_columns(features).
 *  @return a borrowed handle valid while the layer lives; NULL if out of range or for NULL. */
SEQFEAT_API const seqfeat_column* seqfeat_features_column(const seqfeat_features* features,
                                                          size_t index);
/** Where column `index` sits in the last output axis.
 *  @param features   the layer.
 *  @param index      column in layer order.
 *  @param out_offset receives its offset.
 *  @param out_width  receives its width D.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_OUT_OF_RANGE for an index out of range, or
 *          SEQFEAT_ERR_INVALID_ARGUMENT for NULL arguments. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_column_slice(
    const seqfeat_features* features, size_t index, int64_t* out_offset, int64_t* out_width);
/** @param features the layer.
 *  @return ΣD, the size of the output's last axis; 0 for NULL. */
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

/** Initialises pack options to TF's behaviour: no max_length, post padding and truncation, not
 *  strict, default threads, struct_size set.
 *  @param opts options to overwrite; NULL is ignored. */
SEQFEAT_API void seqfeat_pack_options_default(seqfeat_pack_options* opts);

/** Output shape for this batch: dense [B, T, depth], sequence_length [B], mask [B, T]. Runs the
 *  full validation, so a batch that passes here packs without error. The validated plan is kept
 *  for the next pack of the same layer, batch and options on the same thread, which then does
 *  not plan again (likewise after a pack that returned SEQFEAT_ERR_BUFFER_TOO_SMALL); the memory
 *  the batch views must not change in between.
 *  @param features  the layer.
 *  @param batch     the input features.
 *  @param opts      pack options; NULL means the layer's call defaults (TF's unless it was
 *                   loaded or saved with others).
 *  @param out_batch receives B.
 *  @param out_steps receives T.
 *  @param out_depth receives depth (ΣD).
 *  @return SEQFEAT_OK, or the error the pack would report (SEQFEAT_ERR_INVALID_ARGUMENT,
 *          _OUT_OF_RANGE, _DTYPE_MISMATCH, _NOT_FOUND for a missing feature), naming column,
 *          feature key, example and value. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_output_shape(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, int64_t* out_batch, int64_t* out_steps,
    int64_t* out_depth);

/** Packs into caller buffers:
 *    out_dense[b, t, off_c : off_c + D_c] = column c's value at step t of example b (0, or the
 *    numeric default, in padding); out_lengths[b] = sequence length; out_mask[b, t] = 1 for steps
 *    inside the sequence. Everything is validated before the first write.
 *  @param features      the layer.
 *  @param batch         the input features.
 *  @param opts          pack options; NULL means the layer's call defaults.
 *  @param out_dense     float[dense_count], receives [B, T, depth] row-major.
 *  @param dense_count   element count of out_dense, >= B * T * depth.
 *  @param out_lengths   int64[lengths_count], receives [B].
 *  @param lengths_count element count of out_lengths, >= B.
 *  @param out_mask      uint8[mask_count] receiving [B, T], or NULL to skip.
 *  @param mask_count    element count of out_mask.
 *  @param stats         receives per-column statistics, or NULL.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_BUFFER_TOO_SMALL for a buffer smaller than its count needs, or
 *          the errors of seqfeat_features_output_shape; on failure no buffer is written. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_pack_into(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, float* out_dense, size_t dense_count,
    int64_t* out_lengths, size_t lengths_count, uint8_t* out_mask, size_t mask_count,
    seqfeat_stats* stats);

/** As pack_into, for callers that size their buffers by capacity (e.g. reused pools): the
 *  counts are capacities, and on success out_shape[0..3) = {B, T, depth} tells how much of
 *  each buffer holds the result (dense [B, T, depth], lengths [B], mask [B, T], all from the
 *  start of the buffer). A buffer too small fails with SEQFEAT_ERR_BUFFER_TOO_SMALL, writing
 *  nothing; seqfeat_features_output_shape then gives the sizes.
 *  @param features         the layer.
 *  @param batch            the input features.
 *  @param opts             pack options; NULL means defaults.
 *  @param out_dense        receives dense float32 [B, T, depth] at its start.
 *  @param dense_capacity   elements of out_dense.
 *  @param out_lengths      receives sequence_length int64 [B].
 *  @param lengths_capacity elements of out_lengths.
 *  @param out_mask         receives the mask uint8 [B, T], or NULL.
 *  @param mask_capacity    elements of out_mask.
 *  @param stats            receives per-column statistics, or NULL.
 *  @param out_shape        int64[3], written on success
 *  @return as seqfeat_features_pack_into; SEQFEAT_ERR_INVALID_ARGUMENT for NULL out_shape */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_pack_into_shape(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, float* out_dense, size_t dense_capacity,
    int64_t* out_lengths, size_t lengths_capacity, uint8_t* out_mask, size_t mask_capacity,
    seqfeat_stats* stats, int64_t* out_shape);

/** seqfeat_batch_set followed by seqfeat_features_pack_into_shape, in one call: the batch is
 *  refilled from the descriptors and packed into capacity-sized buffers. For callers that
 *  cross into the library once per batch (the Python binding's call). If the descriptors are
 *  rejected the batch is left empty and no buffer is written; if a buffer is too small
 *  (SEQFEAT_ERR_BUFFER_TOO_SMALL) the batch keeps the features and the validated plan, so
 *  seqfeat_features_output_shape and a pack of the same batch follow without refilling.
 *  @param features         the layer.
 *  @param batch            the batch to refill (as seqfeat_batch_set).
 *  @param inputs           feature descriptors [count] (NULL only if count is 0).
 *  @param count            number of descriptors.
 *  @param opts             pack options; NULL means the layer's call defaults.
 *  @param out_dense        receives dense float32 [B, T, depth] at its start.
 *  @param dense_capacity   elements of out_dense.
 *  @param out_lengths      receives sequence_length int64 [B].
 *  @param lengths_capacity elements of out_lengths.
 *  @param out_mask         receives the mask uint8 [B, T], or NULL.
 *  @param mask_capacity    elements of out_mask.
 *  @param stats            receives per-column statistics, or NULL.
 *  @param out_shape        int64[3], receives {B, T, depth} on success.
 *  @return the status of seqfeat_batch_set or, when the batch was accepted, of
 *          seqfeat_features_pack_into_shape. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_set_and_pack(
    const seqfeat_features* features, seqfeat_batch* batch, const seqfeat_feature* inputs,
    size_t count, const seqfeat_pack_options* opts, float* out_dense, size_t dense_capacity,
    int64_t* out_lengths, size_t lengths_capacity, uint8_t* out_mask, size_t mask_capacity,
    seqfeat_stats* stats, int64_t* out_shape);

/** As seqfeat_features_pack_into, into library-owned tensors.
 *  @param features    the layer.
 *  @param batch       the input features.
 *  @param opts        pack options; NULL means the layer's call defaults.
 *  @param out_dense   receives dense float32 [B, T, depth] (caller-owned tensor).
 *  @param out_lengths receives sequence_length int64 [B] (caller-owned tensor).
 *  @param out_mask    receives the mask uint8 [B, T], or NULL not to compute it.
 *  @param stats       receives per-column statistics, or NULL.
 *  @return SEQFEAT_OK, or the errors of seqfeat_features_pack_into (SEQFEAT_ERR_OUT_OF_MEMORY
 *          when a tensor cannot be allocated); nothing is written to the out-parameters on
 *          failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_pack(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, seqfeat_tensor** out_dense, seqfeat_tensor** out_lengths,
    seqfeat_tensor** out_mask, seqfeat_stats* stats);

/* ---------------------------------------------------------------------------------------------
 * The plan / pack split, for embedding tables that live elsewhere (row-sharded over processes,
 * a parameter server, a cache)
 *
 *   plan:  ids_t = the sorted unique ids the pack of this batch reads from table t (ids in
 *          range, not pruned by the combiner, in steps inside the output window), U_t = |ids_t|
 *   pack:  the caller supplies rows_t [U_t, D_t] with rows_t[u] = E_t[ids_t[u]]; the output is
 *          bit-identical to seqfeat_features_pack_into on tables holding those rows
 *   backward: given d loss / d out_dense, grad_t [U_t, D_t] with grad_t[u] = the gradient of
 *          E_t[ids_t[u]]: bit-identical to the row of id ids_t[u] in seqfeat_features_backward
 *          on tables holding those rows (same entries, same reduction order), zero when no
 *          trainable column reads that id; the caller routes the rows back to their owners
 *
 * A plan copies what it needs from the batch (the batch may be cleared or freed after
 * seqfeat_features_plan) and keeps the layer alive. It is immutable: any number of threads may
 * pack from one plan and run its backward at once. The table values of the layer are never
 * read through a plan (the layer's call defaults apply when opts is NULL).
 * ------------------------------------------------------------------------------------------- */
typedef struct seqfeat_plan seqfeat_plan;

/** Caller-supplied rows of one table: [count, dimension] float32, row-major. */
typedef struct seqfeat_rows {
  const float* data;  /**< count * dimension floats; may be NULL when count is 0. */
  int64_t count;      /**< U, the number of planned ids of the table. */
  int64_t dimension;  /**< D, the table's dimension. */
} seqfeat_rows;

/** Caller buffers for the gradient rows of one table: [count, dimension] float32, row-major. */
typedef struct seqfeat_gradient_rows {
  float* data;        /**< count * dimension floats; may be NULL when count is 0. */
  int64_t count;      /**< U, the number of planned ids of the table. */
  int64_t dimension;  /**< D, the table's dimension. */
} seqfeat_gradient_rows;

/** Plans a batch: validates it as a pack would and records the ids each embedding table needs.
 *  @param features the layer.
 *  @param batch    the input features (not referenced after the call).
 *  @param opts     pack options (max_length, padding, truncating, strict, num_threads for the
 *                  later packs); NULL means defaults.
 *  @param out_plan receives the plan (caller-owned, free with seqfeat_plan_free).
 *  @return SEQFEAT_OK, or the errors of seqfeat_features_output_shape; nothing is written on
 *          failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_plan(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, seqfeat_plan** out_plan);
/** Releases a plan.
 *  @param plan the plan; NULL is accepted. */
SEQFEAT_API void seqfeat_plan_free(seqfeat_plan* plan);
/** @param plan the plan.
 *  @return the number of distinct embedding tables of the layer (shared tables once), in the
 *          order of their first column in the layer; 0 for NULL. */
SEQFEAT_API size_t seqfeat_plan_num_tables(const seqfeat_plan* plan);
/** One table of the plan.
 *  @param plan          the plan.
 *  @param index         0 <= index < seqfeat_plan_num_tables(plan).
 *  @param out_name      receives the table name (borrowed, valid while the plan lives), or NULL.
 *  @param out_ids       receives ids_t, sorted unique int64 [U] (borrowed), or NULL.
 *  @param out_count     receives U, or NULL.
 *  @param out_dimension receives D, or NULL.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT (NULL plan) or SEQFEAT_ERR_OUT_OF_RANGE. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_plan_table(
    const seqfeat_plan* plan, size_t index, const char** out_name, const int64_t** out_ids,
    int64_t* out_count, int64_t* out_dimension);
/** Output shape [B, T, depth] of the planned batch.
 *  @param plan      the plan.
 *  @param out_batch receives B.
 *  @param out_steps receives T.
 *  @param out_depth receives depth (ΣD).
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (NULL argument). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_plan_output_shape(
    const seqfeat_plan* plan, int64_t* out_batch, int64_t* out_steps, int64_t* out_depth);
/** Packs the planned batch from supplied rows, as seqfeat_features_pack_into packs it:
 *    out_dense[b, t, off_c : off_c + D_c] = combine_{i in bag(b,t)} w_i * clip(rows_t[u_i])
 *  where u_i is the position of id_i in ids_t (other columns as in the pack).
 *  @param plan          the plan.
 *  @param rows          num_rows entries, rows[t] for table t of the plan.
 *  @param num_rows      must equal seqfeat_plan_num_tables(plan).
 *  @param out_dense     float[dense_count], receives [B, T, depth].
 *  @param dense_count   element count of out_dense.
 *  @param out_lengths   int64[lengths_count], receives [B].
 *  @param lengths_count element count of out_lengths.
 *  @param out_mask      uint8[mask_count] receiving [B, T], or NULL.
 *  @param mask_count    element count of out_mask.
 *  @param stats         receives per-column statistics of the planned batch, or NULL.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments, a table count other than
 *          the plan's, rows of a table that are not [U_t, D_t], naming the table) or
 *          SEQFEAT_ERR_BUFFER_TOO_SMALL; on failure no buffer is written. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_plan_pack_into(
    const seqfeat_plan* plan, const seqfeat_rows* rows, size_t num_rows, float* out_dense,
    size_t dense_count, int64_t* out_lengths, size_t lengths_count, uint8_t* out_mask,
    size_t mask_count, seqfeat_stats* stats);
/** The backward through a plan: the gradient rows of every table in its planned-id order,
 *    out[t].data[u, :] = d loss / d E_t[ids_t[u]]
 *                      = Σ_{entries i with u_i = u} J_clip(rows_t[u])ᵀ (w_i * scale * g_i)
 *  with the math, pruning and reduction order of seqfeat_features_backward (see "Training").
 *  Tables whose columns are all trainable = 0 get zero rows. Threads: as the pack.
 *  @param plan       the plan.
 *  @param rows       the rows the plan was packed from (num_rows entries, as for
 *                    seqfeat_plan_pack_into; max_norm's Jacobian reads them).
 *  @param num_rows   must equal seqfeat_plan_num_tables(plan).
 *  @param grad       d loss / d out_dense, float[B * T * depth].
 *  @param grad_shape grad's shape, exactly {B, T, depth} (seqfeat_plan_output_shape).
 *  @param grad_rank  number of entries of grad_shape (3).
 *  @param out        num_out caller buffers, out[t] of [U_t, D_t] for table t; every row written.
 *  @param num_out    must equal seqfeat_plan_num_tables(plan).
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments, table counts other than
 *          the plan's, rows or buffers that are not [U_t, D_t] naming the table, a gradient
 *          shape other than the output's); on failure no buffer is written. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_plan_backward(
    const seqfeat_plan* plan, const seqfeat_rows* rows, size_t num_rows, const float* grad,
    const int64_t* grad_shape, size_t grad_rank, const seqfeat_gradient_rows* out,
    size_t num_out);

/* ---------------------------------------------------------------------------------------------
 * The DenseFeatures layer (context features, no time axis)
 *
 *   out[b, off_c : off_c + D_c] = numeric: the example's prod(shape) values (dense input only);
 *   embedding: combine over all ids of example b; indicator: counts (or summed weights).
 * Columns are sorted by name; sequence numeric columns are rejected at creation, embeddings and
 * indicators over sequence categorical columns when packing (TF's messages).
 * ------------------------------------------------------------------------------------------- */
/** DenseFeatures(columns): context columns sorted by name; output [B, ΣD].
 *  @param columns count dense columns (numeric, embedding, shared embedding, indicator).
 *  @param count   >= 1.
 *  @param out     receives the layer (caller-owned, free with seqfeat_dense_features_free).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for an empty list, duplicate names, a
 *          sequence numeric column or NULL arguments (TF's messages). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_create(
    const seqfeat_column* const* columns, size_t count, seqfeat_dense_features** out);
/** Releases a DenseFeatures layer.
 *  @param features the layer; NULL is accepted. */
SEQFEAT_API void seqfeat_dense_features_free(seqfeat_dense_features* features);
/** @param features the layer.
 *  @return ΣD, the size of the output's last axis; 0 for NULL. */
SEQFEAT_API int64_t seqfeat_dense_features_depth(const seqfeat_dense_features* features);
/** Output shape [B, depth] for this batch; runs the full validation. As with
 *  seqfeat_features_output_shape, the plan is kept for a pack of the same batch that follows on
 *  the same thread.
 *  @param features  the layer.
 *  @param batch     the input features.
 *  @param out_batch receives B.
 *  @param out_depth receives depth (ΣD).
 *  @return SEQFEAT_OK, or the error the pack would report, naming column and feature key. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_output_shape(
    const seqfeat_dense_features* features, const seqfeat_batch* batch, int64_t* out_batch,
    int64_t* out_depth);
/** Packs [B, depth] float32 into a caller buffer; validated before the first write.
 *  @param features the layer.
 *  @param batch    the input features.
 *  @param out      float[count].
 *  @param count    element count of out, >= B * depth.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_BUFFER_TOO_SMALL, or the errors of
 *          seqfeat_dense_features_output_shape; on failure out is not written. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_pack_into(
    const seqfeat_dense_features* features, const seqfeat_batch* batch, float* out,
    size_t count);

/* ---------------------------------------------------------------------------------------------
 * Saving, loading and configurations (docs/formats.md)
 *
 * A saved layer is a directory holding pipeline.json (format "seqfeat.pipeline", version 1:
 * the layer kind, its name and call defaults, every column with all its parameters,
 * vocabularies inline) and tables.safetensors (every embedding table once, float32
 * [num_buckets, dimension], keyed by table name), and optionally optimizer.safetensors (an
 * optimizer's state, seqfeat_optimizer_save). Loading validates each file completely before
 * anything is returned; a malformed artifact is SEQFEAT_ERR_INVALID_ARGUMENT with a
 * message naming the file and the field or tensor (a missing file: SEQFEAT_ERR_NOT_FOUND).
 * The same JSON objects describe single columns (seqfeat_column_to_json / _from_json).
 * ------------------------------------------------------------------------------------------- */

#define SEQFEAT_TABLES_COPY 0 /* tables copied into writable memory (trainable) */
#define SEQFEAT_TABLES_MMAP 1 /* tables memory-mapped read-only: processes share the pages */

typedef struct seqfeat_load_options {
  size_t struct_size; /* sizeof(seqfeat_load_options) */
  int32_t tables;     /* SEQFEAT_TABLES_COPY (default) or SEQFEAT_TABLES_MMAP */
} seqfeat_load_options;

/** Initialises load options: tables copied, struct_size set.
 *  @param opts options to overwrite; NULL is ignored. */
SEQFEAT_API void seqfeat_load_options_default(seqfeat_load_options* opts);

typedef struct seqfeat_save_options {
  size_t struct_size;                        /* sizeof(seqfeat_save_options) */
  const char* name;                          /* layer name; NULL: the layer's own */
  const seqfeat_pack_options* call_defaults; /* NULL: the layer's own */
} seqfeat_save_options;

/** Initialises save options: the layer's own name and call defaults, struct_size set.
 *  @param opts options to overwrite; NULL is ignored. */
SEQFEAT_API void seqfeat_save_options_default(seqfeat_save_options* opts);

/** Writes the layer to `directory` (created if missing; pipeline.json and tables.safetensors
 *  are each replaced atomically through a temporary file). An optimizer.safetensors already in
 *  the directory is removed (its state belonged to the tables replaced); save the optimizer
 *  afterwards with seqfeat_optimizer_save.
 *  @param features  the layer.
 *  @param directory UTF-8 path of the directory.
 *  @param opts      name and call defaults to record; NULL: the layer's own.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT (a column with a callback normalizer: only
 *          the built-in normalizers can be saved; two different tables with one name; NULL
 *          arguments) or SEQFEAT_ERR_IO (a file cannot be written). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_save(
    const seqfeat_features* features, const char* directory, const seqfeat_save_options* opts);

/** Loads a SequenceFeatures layer saved by seqfeat_features_save (from any language). With
 *  SEQFEAT_TABLES_MMAP the tables stay read-only views of the file: seqfeat_column_table_set on
 *  them fails, packing reads them in place. The layer keeps the saved name and call defaults
 *  (used by a pack given NULL options). Thread rules as for seqfeat_features_create.
 *  @param directory UTF-8 path of the directory.
 *  @param opts      load options; NULL: tables copied.
 *  @param out       receives the caller-owned layer (free with seqfeat_features_free).
 *  @return SEQFEAT_OK, SEQFEAT_ERR_NOT_FOUND (pipeline.json or tables.safetensors missing),
 *          SEQFEAT_ERR_IO (unreadable) or SEQFEAT_ERR_INVALID_ARGUMENT (a malformed artifact,
 *          naming the file and the field or tensor; a DenseFeatures artifact). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_load(
    const char* directory, const seqfeat_load_options* opts, seqfeat_features** out);

/** The layer's name ("sequence_features" unless loaded or saved with another).
 *  @param features the layer.
 *  @return a borrowed string valid while the layer lives; "" for NULL. */
SEQFEAT_API const char* seqfeat_features_name(const seqfeat_features* features);

/** The options a pack given NULL options uses (TF's defaults unless loaded with others).
 *  @param features the layer.
 *  @param out      receives the options.
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_call_defaults(
    const seqfeat_features* features, seqfeat_pack_options* out);

/** The column named `name`.
 *  @param features the layer.
 *  @param name     the column's name, NUL-terminated.
 *  @param out      receives the borrowed column, valid while the layer lives.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_NOT_FOUND (no such column) or SEQFEAT_ERR_INVALID_ARGUMENT. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_find_column(
    const seqfeat_features* features, const char* name, const seqfeat_column** out);

/** pipeline.json's text for this layer (what seqfeat_features_save writes, tables aside).
 *  @param features the layer.
 *  @param out      receives the UTF-8 text, NUL-terminated; NULL with capacity 0 to query.
 *  @param capacity bytes at out; must be >= *out_size + 1 unless querying.
 *  @param out_size receives the text's length in bytes (without the NUL).
 *  @return SEQFEAT_OK, SEQFEAT_ERR_BUFFER_TOO_SMALL (nothing written) or
 *          SEQFEAT_ERR_INVALID_ARGUMENT (a callback normalizer, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_to_json(
    const seqfeat_features* features, char* out, size_t capacity, size_t* out_size);

/** A layer from pipeline.json's text alone: tables are initialised from their seeds, columns
 *  naming one shared table share it.
 *  @param json the text (UTF-8, need not be NUL-terminated).
 *  @param size its length in bytes.
 *  @param out  receives the caller-owned layer.
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT naming the field. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_from_json(
    const char* json, size_t size, seqfeat_features** out);

/** DenseFeatures counterpart of seqfeat_features_save.
 *  @param features  the layer.
 *  @param directory UTF-8 path of the directory.
 *  @param opts      name to record (call_defaults must be NULL); NULL: the layer's own.
 *  @return as seqfeat_features_save. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_save(
    const seqfeat_dense_features* features, const char* directory,
    const seqfeat_save_options* opts);

/** DenseFeatures counterpart of seqfeat_features_load.
 *  @param directory UTF-8 path of the directory.
 *  @param opts      load options; NULL: tables copied.
 *  @param out       receives the caller-owned layer (free with seqfeat_dense_features_free).
 *  @return as seqfeat_features_load (a SequenceFeatures artifact is INVALID_ARGUMENT). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_load(
    const char* directory, const seqfeat_load_options* opts, seqfeat_dense_features** out);

/** The layer's name ("dense_features" unless loaded with another).
 *  @param features the layer.
 *  @return a borrowed string valid while the layer lives; "" for NULL. */
SEQFEAT_API const char* seqfeat_dense_features_name(const seqfeat_dense_features* features);

/** Number of columns.
 *  @param features the layer.
 *  @return the count; 0 for NULL. */
SEQFEAT_API size_t seqfeat_dense_features_num_columns(const seqfeat_dense_features* features);

/** Column `index` in layer (sorted) order.
 *  @param features the layer.
 *  @param index    0-based.
 *  @return a borrowed column valid while the layer lives; NULL if out of range. */
SEQFEAT_API const seqfeat_column* seqfeat_dense_features_column(
    const seqfeat_dense_features* features, size_t index);

/** The column named `name`.
 *  @param features the layer.
 *  @param name     the column's name, NUL-terminated.
 *  @param out      receives the borrowed column.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_NOT_FOUND or SEQFEAT_ERR_INVALID_ARGUMENT. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_find_column(
    const seqfeat_dense_features* features, const char* name, const seqfeat_column** out);

/** pipeline.json's text for this layer; buffer rules as seqfeat_features_to_json.
 *  @param features the layer.
 *  @param out      receives the text; NULL with capacity 0 to query.
 *  @param capacity bytes at out.
 *  @param out_size receives the length in bytes.
 *  @return as seqfeat_features_to_json. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_to_json(
    const seqfeat_dense_features* features, char* out, size_t capacity, size_t* out_size);

/** A DenseFeatures layer from pipeline.json's text, tables from their seeds.
 *  @param json the text.
 *  @param size its length in bytes.
 *  @param out  receives the caller-owned layer.
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT naming the field. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_dense_features_from_json(
    const char* json, size_t size, seqfeat_dense_features** out);

/** The JSON object describing one column (its configuration; the objects of pipeline.json's
 *  "columns"); buffer rules as seqfeat_features_to_json.
 *  @param column   the column.
 *  @param out      receives the text; NULL with capacity 0 to query.
 *  @param capacity bytes at out.
 *  @param out_size receives the length in bytes.
 *  @return as seqfeat_features_to_json. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_to_json(
    const seqfeat_column* column, char* out, size_t capacity, size_t* out_size);

/** A column from its JSON object; an embedding table is initialised from its seed (a shared
 *  embedding column built alone gets a table of its own).
 *  @param json the text.
 *  @param size its length in bytes.
 *  @param out  receives the caller-owned column.
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT naming the field. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_from_json(
    const char* json, size_t size, seqfeat_column** out);

/** A new handle to the same column (same table), e.g. to keep a column of a layer after the
 *  layer is freed.
 *  @param column the column (owned or borrowed).
 *  @param out    receives a caller-owned handle (free with seqfeat_column_free).
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_retain(
    const seqfeat_column* column, seqfeat_column** out);

/** Whether the column's embedding table can be written (set, trained).
 *  @param column an embedding or shared-embedding column.
 *  @param out    receives 1, or 0 for a read-only memory-mapped table.
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (not an embedding column, NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_table_writable(
    const seqfeat_column* column, int32_t* out);

/* ---------------------------------------------------------------------------------------------
 * Single columns
 * ------------------------------------------------------------------------------------------- */

/** get_sequence_dense_tensor of one dense sequence column.
 *  @param column      the column.
 *  @param batch       the input features.
 *  @param out_dense   receives dense [B, T, width] float32 (callers reshape to [B, T] +
 *                     variable_shape); caller-owned.
 *  @param out_lengths receives sequence_length int64 [B]; caller-owned.
 *  @return SEQFEAT_OK, or the errors of a pack of this column alone; nothing is written on
 *          failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_get_sequence_dense_tensor(
    const seqfeat_column* column, const seqfeat_batch* batch, seqfeat_tensor** out_dense,
    seqfeat_tensor** out_lengths);

/** get_sparse_tensors of a categorical column (the id stage). All outputs are caller-owned.
 *  @param column          the categorical column.
 *  @param batch           the input features.
 *  @param out_indices     receives indices int64 [N, R] (R = 3 for sequence columns,
 *                         [d0, d1, prod(d2..)]; the input rank for non-sequence columns).
 *  @param out_ids         receives ids int64 [N].
 *  @param out_dense_shape receives dense_shape int64 [R].
 *  @param out_weights     receives weights float32 [N] for a weighted column, else NULL.
 *  @return SEQFEAT_OK, or the input errors of the column (naming feature, example and value);
 *          nothing is written on failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_column_get_sparse_tensors(
    const seqfeat_column* column, const seqfeat_batch* batch, seqfeat_tensor** out_indices,
    seqfeat_tensor** out_ids, seqfeat_tensor** out_dense_shape, seqfeat_tensor** out_weights);

/** concatenate_context_input: out[b, t] = concat(sequence[b, t, :], context[b, :]).
 *  @param context        float [batch, context_depth].
 *  @param context_depth  >= 0.
 *  @param sequence       float [batch, steps, sequence_depth].
 *  @param batch          B.
 *  @param steps          T.
 *  @param sequence_depth >= 0.
 *  @param out            float [batch, steps, sequence_depth + context_depth].
 *  @param out_count      element count of out.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_BUFFER_TOO_SMALL, or SEQFEAT_ERR_INVALID_ARGUMENT (negative
 *          sizes, NULL pointers); out is not written on failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_concatenate_context_input(
    const float* context, int64_t context_depth, const float* sequence, int64_t batch,
    int64_t steps, int64_t sequence_depth, float* out, size_t out_count);

/* ---------------------------------------------------------------------------------------------
 * Training: gradients of the embedding tables and sparse optimizers
 *
 * Backward of a pack, for one embedding column and the bag of entries i that the forward
 * combined into out[b, t, off : off + D] (kept entries only: id >= 0, and w_i > 0 for weighted
 * mean/sqrtn), with g = grad[b, t, off : off + D]:
 *
 *   dE[id_i] += J_clip(E[id_i])^T (w_i * scale * g)   scale = 1 (sum), 1/sum(w) (mean),
 *                                                     1/sqrt(sum(w^2)) (sqrtn); w = 1 unweighted
 *   J_clip(e)^T c = c if there is no max_norm or |e| < max_norm, else
 *                 = (max_norm/|e|) (c - e (e.c)/|e|^2)        (TF's clip_by_norm)
 *
 * Padding, empty steps and steps cut by max_length get no gradient; shared tables add up the
 * gradients of all their columns; trainable = 0 columns are skipped; indicator and numeric
 * columns have no parameters. Each table's gradient is sparse: sorted unique ids [U] and rows
 * [U, D] with duplicates summed. Sums are formed in one fixed order (ids grouped by a stable
 * sort, each id's row summed by one thread), so results are identical for any num_threads.
 *
 * Optimizers (Keras' names and defaults, TF's sparse semantics: duplicate ids summed first,
 * only the rows in the gradient change), element-wise in float32:
 *   SGD       E[id] -= lr * g
 *   Adagrad   A[id] += g * g;  E[id] -= lr * g / (sqrt(A[id]) + epsilon)
 * Adagrad's accumulator A has one value per table element, created at initial_accumulator_value
 * the first time the optimizer updates that table, and owned by the optimizer (readable and
 * settable, so it can be saved and restored).
 *
 * Threads: a backward only reads tables, like a pack. An update (seqfeat_optimizer_apply*,
 * seqfeat_features_backward_apply, seqfeat_column_table_set, or writes through
 * seqfeat_column_table_data) writes the rows of its gradient in place without locking, so it
 * must not overlap a pack, backward or update that reads or writes the same table: such a pack
 * would be a data race and could combine some rows from before and some from after the update.
 * Serialise them (for instance a reader-writer lock per table: packs and backwards share it,
 * updates take it exclusively), or accept stale rows knowingly (Hogwild-style training); packs
 * and updates of different tables never interfere. One optimizer and one seqfeat_gradients
 * object belong to one thread at a time.
 * ------------------------------------------------------------------------------------------- */

#define SEQFEAT_OPTIMIZER_SGD 1
#define SEQFEAT_OPTIMIZER_ADAGRAD 2

/** Creates an empty, reusable set of table gradients.
 *  @param out receives the handle; free it with seqfeat_gradients_free.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (out is NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_gradients_create(seqfeat_gradients** out);
/** Frees a gradient set (NULL is accepted).
 *  @param gradients the handle. */
SEQFEAT_API void seqfeat_gradients_free(seqfeat_gradients* gradients);
/** Number of tables in the last backward written into this object.
 *  @param gradients the handle.
 *  @return the count (0 for NULL or before the first backward). */
SEQFEAT_API size_t seqfeat_gradients_num_tables(const seqfeat_gradients* gradients);
/** One table of the last backward (tables in layer order of the first column using them). All
 *  pointers are borrowed, valid until the next backward into this object or its free.
 *  @param gradients     the handle.
 *  @param index         in [0, seqfeat_gradients_num_tables).
 *  @param out_name      receives the table name (may be NULL to skip).
 *  @param out_ids       receives int64[count], sorted and unique (NULL when count is 0).
 *  @param out_rows      receives float[count * dimension], row-major (NULL when count is 0).
 *  @param out_count     receives U, the number of ids; 0 when no id of the batch reaches the table.
 *  @param out_dimension receives the table's dimension.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_OUT_OF_RANGE (index), SEQFEAT_ERR_INVALID_ARGUMENT (NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_gradients_table(
    const seqfeat_gradients* gradients, size_t index, const char** out_name,
    const int64_t** out_ids, const float** out_rows, int64_t* out_count,
    int64_t* out_dimension);

/** Gradient of every trainable table for this batch (the math above). The batch is planned
 *  again with the same validation as a pack: give the features and options of the forward. Once
 *  out's buffers have grown to a batch size, a backward allocates nothing.
 *  @param features   the layer.
 *  @param batch      the batch of the forward pass.
 *  @param opts       the pack options of the forward pass (NULL: defaults).
 *  @param grad       d loss / d out_dense, float[B * T * depth].
 *  @param grad_shape grad's shape; must be exactly {B, T, depth} of the pack of this batch with
 *                    these options ({B, T * depth} of the right size is an error too).
 *  @param grad_rank  number of entries of grad_shape (3).
 *  @param out        receives the gradients (overwritten; unchanged on failure).
 *  @return SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT (gradient shape differs from the batch's
 *          output, NULL arguments), or any error of seqfeat_features_pack_into for the batch. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_backward(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, const float* grad, const int64_t* grad_shape,
    size_t grad_rank, seqfeat_gradients* out);

/** Fused backward and update: seqfeat_features_backward followed by seqfeat_optimizer_apply,
 *  except that each id's gradient row goes straight into the optimizer and is never stored.
 *  Everything is validated before the first table row changes.
 *  @param features   the layer.
 *  @param batch      the batch of the forward pass.
 *  @param opts       the pack options of the forward pass (NULL: defaults).
 *  @param grad       d loss / d out_dense, float[B * T * depth].
 *  @param grad_shape grad's shape, exactly {B, T, depth}.
 *  @param grad_rank  number of entries of grad_shape (3).
 *  @param optimizer  the optimizer whose update is applied to every trainable table.
 *  @return as seqfeat_features_backward; on failure no table and no optimizer state changed. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_features_backward_apply(
    const seqfeat_features* features, const seqfeat_batch* batch,
    const seqfeat_pack_options* opts, const float* grad, const int64_t* grad_shape,
    size_t grad_rank, seqfeat_optimizer* optimizer);

/** SGD: E[id] -= learning_rate * g.
 *  @param learning_rate finite, >= 0 (Keras' default is 0.01).
 *  @param out           receives the handle; free it with seqfeat_optimizer_free.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (learning_rate out of range, NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_sgd_optimizer_create(
    float learning_rate, seqfeat_optimizer** out);
/** Adagrad: A[id] += g * g; E[id] -= learning_rate * g / (sqrt(A[id]) + epsilon).
 *  @param learning_rate             finite, >= 0 (Keras: 0.001).
 *  @param initial_accumulator_value finite, >= 0 (Keras: 0.1): A's value before a table's first
 *                                   update.
 *  @param epsilon                   finite, >= 0 (Keras: 1e-7); not 0 together with
 *                                   initial_accumulator_value (0 / 0).
 *  @param out                       receives the handle; free it with seqfeat_optimizer_free.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (a value out of range, NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_adagrad_optimizer_create(
    float learning_rate, float initial_accumulator_value, float epsilon,
    seqfeat_optimizer** out);
/** Frees an optimizer and its state (NULL is accepted).
 *  @param optimizer the handle. */
SEQFEAT_API void seqfeat_optimizer_free(seqfeat_optimizer* optimizer);
/** Which optimizer this is.
 *  @param optimizer the handle.
 *  @return SEQFEAT_OPTIMIZER_SGD or SEQFEAT_OPTIMIZER_ADAGRAD (0 for NULL). */
SEQFEAT_API int32_t seqfeat_optimizer_kind(const seqfeat_optimizer* optimizer);
/** The current learning rate.
 *  @param optimizer the handle.
 *  @return the learning rate (0 for NULL). */
SEQFEAT_API float seqfeat_optimizer_learning_rate(const seqfeat_optimizer* optimizer);
/** Changes the learning rate (for schedules).
 *  @param optimizer     the handle.
 *  @param learning_rate finite, >= 0.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (out of range, NULL); unchanged on
 *          failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_set_learning_rate(
    seqfeat_optimizer* optimizer, float learning_rate);

/** Applies every table gradient of a backward to its table.
 *  @param optimizer the optimizer.
 *  @param gradients the result of seqfeat_features_backward.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_apply(
    seqfeat_optimizer* optimizer, const seqfeat_gradients* gradients);

/** Applies a gradient of one table given as ids and rows; ids may come in any order and repeat
 *  (duplicates are summed first). Everything is checked before the table changes.
 *  @param optimizer the optimizer.
 *  @param column    an embedding column whose table is updated.
 *  @param ids       int64[num_ids], each in [0, rows).
 *  @param num_ids   number of ids.
 *  @param rows      float[num_ids * dimension], row-major.
 *  @param dimension the width of the rows; must equal the table's.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_OUT_OF_RANGE (an id outside [0, rows), named with its
 *          position), SEQFEAT_ERR_INVALID_ARGUMENT (dimension, not an embedding column, NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_apply_rows(
    seqfeat_optimizer* optimizer, const seqfeat_column* column, const int64_t* ids,
    size_t num_ids, const float* rows, int64_t dimension);

/** Copies Adagrad's accumulator of a table out (initial_accumulator_value everywhere before the
 *  optimizer's first update of that table).
 *  @param optimizer an Adagrad optimizer (SGD has no state: SEQFEAT_ERR_INVALID_ARGUMENT).
 *  @param column    an embedding column using the table.
 *  @param out       float[count], row-major [rows, dimension].
 *  @param count     must equal rows * dimension.
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (SGD, count, not an embedding column,
 *          NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_state_get(
    const seqfeat_optimizer* optimizer, const seqfeat_column* column, float* out, size_t count);
/** Overwrites Adagrad's accumulator of a table (to restore a saved state).
 *  @param optimizer an Adagrad optimizer.
 *  @param column    an embedding column using the table.
 *  @param values    float[count], each finite and >= 0.
 *  @param count     must equal rows * dimension.
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (SGD, count, a bad value named with its
 *          position, NULL); the state is unchanged on failure. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_state_set(
    seqfeat_optimizer* optimizer, const seqfeat_column* column, const float* values,
    size_t count);

/** The hyper-parameters an optimizer was created (or loaded) with.
 *  @param optimizer                     the handle.
 *  @param out_learning_rate             receives the current learning rate (may be NULL).
 *  @param out_initial_accumulator_value receives Adagrad's; 0 for SGD (may be NULL).
 *  @param out_epsilon                   receives Adagrad's; 0 for SGD (may be NULL).
 *  @return SEQFEAT_OK or SEQFEAT_ERR_INVALID_ARGUMENT (optimizer is NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_hyper_parameters(
    const seqfeat_optimizer* optimizer, float* out_learning_rate,
    float* out_initial_accumulator_value, float* out_epsilon);

/** Saves an optimizer next to its layer: writes <directory>/optimizer.safetensors (directory
 *  created if missing; the file replaced atomically) holding the kind and hyper-parameters in
 *  __metadata__ and, for Adagrad, the accumulator of every table of a trainable embedding
 *  column of `features`, keyed by table name (docs/formats.md). Save the layer first:
 *  seqfeat_features_save removes an optimizer.safetensors left in the directory by an earlier
 *  save, whose state would belong to the tables it replaces.
 *  @param optimizer the optimizer training the layer's tables.
 *  @param features  the layer.
 *  @param directory UTF-8 path of the directory.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments, two different tables with
 *          one name) or SEQFEAT_ERR_IO (the file cannot be written). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_save(
    const seqfeat_optimizer* optimizer, const seqfeat_features* features,
    const char* directory);

/** Loads the optimizer saved by seqfeat_optimizer_save for the layer loaded from the same
 *  directory: same kind and hyper-parameters, and the saved accumulators as its state for the
 *  layer's tables, so that training continues exactly as if it had not stopped. The file is
 *  checked completely before anything is returned.
 *  @param directory UTF-8 path of the directory.
 *  @param features  the layer whose tables the optimizer will train.
 *  @param out       receives the caller-owned optimizer (free with seqfeat_optimizer_free).
 *  @return SEQFEAT_OK, SEQFEAT_ERR_NOT_FOUND (no optimizer.safetensors), SEQFEAT_ERR_IO
 *          (unreadable) or SEQFEAT_ERR_INVALID_ARGUMENT (malformed: unknown format, version,
 *          kind or metadata key, a bad hyper-parameter, a trainable table without accumulator,
 *          an accumulator of the wrong dtype or shape or with a negative or non-finite value, a
 *          tensor that is no trainable table's; the message names the file and the key or
 *          tensor). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_optimizer_load(
    const char* directory, const seqfeat_features* features, seqfeat_optimizer** out);

/* ---------------------------------------------------------------------------------------------
 * TFRecord files of tf.train.Example / tf.train.SequenceExample
 *
 * A parse spec lists the features to read (TF's FixedLenFeature, VarLenFeature and
 * FixedLenSequenceFeature); a reader streams batches of records from one or more TFRecord files
 * (optionally GZIP or ZLIB compressed) into a seqfeat_batch, decoding the protobuf wire format
 * directly into ragged columns of exactly the spec's keys. What lands in the batch, per key:
 *   context FixedLenFeature       dense [B, *shape] (missing: the default, else an error)
 *   context VarLenFeature         ragged, row_splits [B + 1] over values
 *   sequence feature (VarLen or FixedLenSequence), SequenceExample records:
 *                                 ragged, row_splits [B + 1] over steps (one step per Feature
 *                                 of the FeatureList), step_splits [steps + 1] over values
 *   sequence feature, Example records: ragged, row_splits [B + 1] over values (one value per
 *                                 step, as TF's 2-D SparseTensor from parse_example)
 * int64_list -> SEQFEAT_DTYPE_INT64, float_list -> _FLOAT32, bytes_list -> _STRING (offsets +
 * bytes). A batch filled by a reader owns the decoded data: its views stay valid until the
 * batch is cleared, refilled or freed.
 * ------------------------------------------------------------------------------------------- */
typedef struct seqfeat_parse_spec seqfeat_parse_spec;       /* immutable once built; shareable */
typedef struct seqfeat_record_reader seqfeat_record_reader; /* one thread at a time */
typedef struct seqfeat_record_writer seqfeat_record_writer; /* one thread at a time */

#define SEQFEAT_FEATURE_FIXED_LEN 0          /* tf.io.FixedLenFeature */
#define SEQFEAT_FEATURE_VAR_LEN 1            /* tf.io.VarLenFeature */
#define SEQFEAT_FEATURE_FIXED_LEN_SEQUENCE 2 /* tf.io.FixedLenSequenceFeature */

#define SEQFEAT_RECORD_EXAMPLE 0          /* tf.train.Example */
#define SEQFEAT_RECORD_SEQUENCE_EXAMPLE 1 /* tf.train.SequenceExample */

#define SEQFEAT_COMPRESSION_NONE 0
#define SEQFEAT_COMPRESSION_GZIP 1 /* TF's compression_type "GZIP" */
#define SEQFEAT_COMPRESSION_ZLIB 2 /* TF's compression_type "ZLIB" */

#define SEQFEAT_READER_RECORDS 0     /* records delivered so far */
#define SEQFEAT_READER_SKIPPED 1     /* corrupt records skipped (skip_corrupt; a broken frame
                                        counts once and skips the rest of its file) */
#define SEQFEAT_READER_FILES_DONE 2  /* files read to their end */
#define SEQFEAT_READER_BYTES_READ 3  /* file bytes consumed (compressed bytes if compressed) */
#define SEQFEAT_READER_BYTES_TOTAL 4 /* sum of the files' sizes */

typedef struct seqfeat_feature_spec {
  size_t struct_size;     /* sizeof(seqfeat_feature_spec) */
  const char* key;        /* feature name in the record */
  int32_t kind;           /* SEQFEAT_FEATURE_*; default VAR_LEN */
  int32_t dtype;          /* SEQFEAT_DTYPE_INT64 (default), _FLOAT32 or _STRING */
  int32_t sequence;       /* 1: a feature list of a SequenceExample (sequence_features) */
  int32_t allow_missing;  /* FIXED_LEN_SEQUENCE: a missing list is empty, not an error */
  const int64_t* shape;   /* FIXED_LEN / FIXED_LEN_SEQUENCE shape; rank 0 = scalar */
  size_t shape_rank;
  int32_t has_default;    /* FIXED_LEN: 0 = required; 1 = default_count values (1 broadcasts) */
  size_t default_count;
  const void* default_values;     /* int64_t[] or float[] for those dtypes */
  const int64_t* default_offsets; /* strings: offsets[default_count + 1] into default_bytes */
  const char* default_bytes;
} seqfeat_feature_spec;

/** Initialises a feature spec: struct_size set, VAR_LEN int64 context feature, no shape, no
 *  default.
 *  @param spec the struct to fill; NULL is ignored. */
SEQFEAT_API void seqfeat_feature_spec_default(seqfeat_feature_spec* spec);

/** An empty parse spec.
 *  @param out receives the spec (caller-owned, free with seqfeat_parse_spec_free).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT for NULL out. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_parse_spec_create(seqfeat_parse_spec** out);
/** TF's make_parse_example_spec(columns): sequence columns read VarLenFeature(dtype) from the
 *  feature lists, non-sequence categorical columns VarLenFeature(dtype) from the context,
 *  non-sequence numeric columns FixedLenFeature(shape, dtype) with no default; embedding,
 *  indicator and weighted columns what their categorical column (and weight key) read.
 *  @param columns columns[count] (any kinds; borrowed for the call).
 *  @param count   number of columns.
 *  @param out     receives the spec (caller-owned).
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments, columns disagreeing on
 *          one key: the message names the key and both specs). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_parse_spec_from_columns(
    const seqfeat_column* const* columns, size_t count, seqfeat_parse_spec** out);
/** Appends a feature (copied).
 *  @param spec    the spec.
 *  @param feature the feature; its pointers are borrowed for the call.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT: empty or repeated key, dtype not
 *          int64/float32/string, negative shape, default count not 1 or prod(shape), a
 *          FixedLen sequence feature or a context FixedLenSequence feature, NULL arguments. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_parse_spec_add(
    seqfeat_parse_spec* spec, const seqfeat_feature_spec* feature);
/** Releases a spec (readers keep their own copy).
 *  @param spec the spec; NULL is accepted. */
SEQFEAT_API void seqfeat_parse_spec_free(seqfeat_parse_spec* spec);
/** Number of features.
 *  @param spec the spec.
 *  @return the count (0 for NULL). */
SEQFEAT_API size_t seqfeat_parse_spec_num_features(const seqfeat_parse_spec* spec);
/** Describes one feature.
 *  @param spec  the spec.
 *  @param index the feature: context features first, then sequence features.
 *  @param out   receives the description; the caller sets out->struct_size. Its pointers are
 *               borrowed from the spec.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_OUT_OF_RANGE for index >= the number of features, or
 *          SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments, struct_size too small). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_parse_spec_feature(
    const seqfeat_parse_spec* spec, size_t index, seqfeat_feature_spec* out);

typedef struct seqfeat_reader_options {
  size_t struct_size;  /* sizeof(seqfeat_reader_options) */
  int32_t record_type; /* SEQFEAT_RECORD_SEQUENCE_EXAMPLE (default) or _EXAMPLE */
  int32_t compression; /* SEQFEAT_COMPRESSION_NONE (default), _GZIP or _ZLIB */
  int32_t num_threads; /* decoding threads; 0: the machine's cores. Output order never depends
                          on it */
  int32_t skip_corrupt; /* 1: skip and count corrupt records instead of failing */
} seqfeat_reader_options;

/** Initialises reader options: SequenceExample records, no compression, default threads,
 *  corrupt records fail.
 *  @param opts the struct to fill; NULL is ignored. */
SEQFEAT_API void seqfeat_reader_options_default(seqfeat_reader_options* opts);

/** Opens a reader over files read in the given order, with a copy of spec.
 *  @param files     paths files[num_files] (UTF-8).
 *  @param num_files number of files (>= 1).
 *  @param spec      what to read (copied).
 *  @param opts      options, or NULL for the defaults.
 *  @param out       receives the reader (caller-owned, free with seqfeat_record_reader_free).
 *  @return SEQFEAT_OK, SEQFEAT_ERR_NOT_FOUND naming a missing file, SEQFEAT_ERR_IO for a file
 *          that cannot be read, or SEQFEAT_ERR_INVALID_ARGUMENT (no files, empty spec, unknown
 *          record type or compression, negative num_threads, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_record_reader_open(
    const char* const* files, size_t num_files, const seqfeat_parse_spec* spec,
    const seqfeat_reader_options* opts, seqfeat_record_reader** out);
/** Reads the next records into batch, replacing its content. Records arrive in file order,
 *  each exactly once; the batch then owns the decoded data. On error the batch and *out_count
 *  are unchanged; the records read before a broken frame are delivered first, and after an
 *  error every further call fails the same way.
 *  @param reader      the reader.
 *  @param max_records at most this many records (>= 1).
 *  @param batch       receives the features (see the table above).
 *  @param out_count   receives the number of records: fewer than max_records only at the end
 *                     of the last file, 0 when everything has been read (batch then empty).
 *  @return SEQFEAT_OK; errors name the file, the record index in it and the feature key:
 *          SEQFEAT_ERR_IO for a broken frame (truncated file, CRC mismatch, length past the
 *          end, corrupt compressed data), SEQFEAT_ERR_INVALID_ARGUMENT for malformed protobuf,
 *          wrong value counts, missing required features and bad arguments,
 *          SEQFEAT_ERR_DTYPE_MISMATCH for a list of the wrong kind. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_record_reader_next(
    seqfeat_record_reader* reader, size_t max_records, seqfeat_batch* batch, size_t* out_count);
/** One counter of the reader (for progress bars).
 *  @param reader the reader.
 *  @param stat   SEQFEAT_READER_*.
 *  @param out    receives the value.
 *  @return SEQFEAT_OK, or SEQFEAT_ERR_INVALID_ARGUMENT (unknown stat, NULL arguments). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_record_reader_stat(
    const seqfeat_record_reader* reader, int32_t stat, int64_t* out);
/** Closes the files and releases the reader; batches it filled stay valid.
 *  @param reader the reader; NULL is accepted. */
SEQFEAT_API void seqfeat_record_reader_free(seqfeat_record_reader* reader);

/** Creates a TFRecord file (for tests and users): records framed with masked CRC32C,
 *  optionally inside one GZIP / ZLIB stream. The file is complete after
 *  seqfeat_record_writer_close.
 *  @param path        the file to create or truncate (UTF-8).
 *  @param compression SEQFEAT_COMPRESSION_*.
 *  @param out         receives the writer (caller-owned).
 *  @return SEQFEAT_OK, SEQFEAT_ERR_NOT_FOUND (missing directory), SEQFEAT_ERR_IO, or
 *          SEQFEAT_ERR_INVALID_ARGUMENT (unknown compression, NULL or empty path). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_record_writer_open(
    const char* path, int32_t compression, seqfeat_record_writer** out);
/** Appends one record.
 *  @param writer the writer.
 *  @param data   the record's bytes (may be NULL when size is 0).
 *  @param size   its length.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_IO, or SEQFEAT_ERR_INVALID_ARGUMENT (closed writer, NULL). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_record_writer_write(
    seqfeat_record_writer* writer, const void* data, size_t size);
/** Flushes and closes the file (further writes fail).
 *  @param writer the writer.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_IO for a failed write or close, or
 *          SEQFEAT_ERR_INVALID_ARGUMENT for NULL. */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_record_writer_close(
    seqfeat_record_writer* writer);
/** Closes the file if still open (errors ignored) and frees the writer.
 *  @param writer the writer; NULL is accepted. */
SEQFEAT_API void seqfeat_record_writer_free(seqfeat_record_writer* writer);

/** A borrowed view of one feature of a batch (valid while the batch is unchanged). */
typedef struct seqfeat_feature_view {
  size_t struct_size;    /* sizeof(seqfeat_feature_view), set by the caller */
  int32_t form;          /* SEQFEAT_FORM_* */
  int32_t dtype;         /* SEQFEAT_DTYPE_* */
  int64_t batch_size;    /* ragged: rows */
  const int64_t* shape;  /* dense: shape; sparse: dense_shape */
  size_t rank;
  const int64_t* indices;     /* sparse: [num_values, rank] */
  const int64_t* row_splits;  /* ragged: [batch_size + 1] */
  const int64_t* step_splits; /* ragged: [num_steps + 1] or NULL */
  int64_t num_steps;
  int64_t num_values;
  const void* values;                     /* numeric values */
  const int64_t* string_offsets;          /* strings given as offsets + bytes */
  const char* string_bytes;
  const seqfeat_string_view* string_views; /* strings given as views (else NULL) */
} seqfeat_feature_view;

/** Describes one feature of a batch.
 *  @param batch the batch.
 *  @param key   the feature key.
 *  @param out   receives the view; the caller sets out->struct_size.
 *  @return SEQFEAT_OK, SEQFEAT_ERR_NOT_FOUND if the batch has no such key, or
 *          SEQFEAT_ERR_INVALID_ARGUMENT (NULL arguments, struct_size too small). */
SEQFEAT_API SEQFEAT_NODISCARD seqfeat_status seqfeat_batch_get(
    const seqfeat_batch* batch, const char* key, seqfeat_feature_view* out);

#ifdef __cplusplus
}
#endif

#endif /* SEQFEAT_SEQFEAT_H */
