//! Raw declarations of libseqfeat's C ABI (`seqfeat/seqfeat.h`), written by hand.
//!
//! Everything here is `unsafe` to call and follows the header's rules: fallible functions return
//! a [`seqfeat_status`] (0 or a negative `SEQFEAT_ERR_*`), the detail is in
//! [`seqfeat_last_error_message`], handles written to `*out` are owned by the caller and
//! released by the matching `*_free`, and a batch keeps views of the caller's buffers until it
//! is cleared or freed. The safe API is the `seqfeat` crate.
#![allow(non_camel_case_types)]
#![no_std]

use core::ffi::{c_char, c_void};

/// Status code returned by every fallible function.
pub type seqfeat_status = i32;

pub const SEQFEAT_OK: seqfeat_status = 0;
pub const SEQFEAT_ERR_INVALID_ARGUMENT: seqfeat_status = -1;
pub const SEQFEAT_ERR_OUT_OF_RANGE: seqfeat_status = -2;
pub const SEQFEAT_ERR_DTYPE_MISMATCH: seqfeat_status = -3;
pub const SEQFEAT_ERR_BUFFER_TOO_SMALL: seqfeat_status = -4;
pub const SEQFEAT_ERR_NOT_FOUND: seqfeat_status = -5;
pub const SEQFEAT_ERR_IO: seqfeat_status = -6;
pub const SEQFEAT_ERR_OUT_OF_MEMORY: seqfeat_status = -7;
pub const SEQFEAT_ERR_INTERNAL: seqfeat_status = -8;

pub const SEQFEAT_DTYPE_FLOAT32: i32 = 1;
pub const SEQFEAT_DTYPE_FLOAT64: i32 = 2;
pub const SEQFEAT_DTYPE_INT32: i32 = 3;
pub const SEQFEAT_DTYPE_INT64: i32 = 4;
pub const SEQFEAT_DTYPE_STRING: i32 = 5;
pub const SEQFEAT_DTYPE_UINT8: i32 = 6;

pub const SEQFEAT_COMBINER_SUM: i32 = 0;
pub const SEQFEAT_COMBINER_MEAN: i32 = 1;
pub const SEQFEAT_COMBINER_SQRTN: i32 = 2;

pub const SEQFEAT_COLUMN_NUMERIC: i32 = 1;
pub const SEQFEAT_COLUMN_IDENTITY: i32 = 2;
pub const SEQFEAT_COLUMN_HASH_BUCKET: i32 = 3;
pub const SEQFEAT_COLUMN_VOCABULARY_LIST: i32 = 4;
pub const SEQFEAT_COLUMN_VOCABULARY_FILE: i32 = 5;
pub const SEQFEAT_COLUMN_WEIGHTED: i32 = 6;
pub const SEQFEAT_COLUMN_EMBEDDING: i32 = 7;
pub const SEQFEAT_COLUMN_SHARED_EMBEDDING: i32 = 8;
pub const SEQFEAT_COLUMN_INDICATOR: i32 = 9;

pub const SEQFEAT_NORMALIZER_NONE: i32 = 0;
pub const SEQFEAT_NORMALIZER_SCALE_SHIFT: i32 = 1;
pub const SEQFEAT_NORMALIZER_ZSCORE: i32 = 2;
pub const SEQFEAT_NORMALIZER_LOG1P: i32 = 3;
pub const SEQFEAT_NORMALIZER_CLIP: i32 = 4;
pub const SEQFEAT_NORMALIZER_CALLBACK: i32 = 5;

pub const SEQFEAT_PAD_POST: i32 = 0;
pub const SEQFEAT_PAD_PRE: i32 = 1;

pub const SEQFEAT_TABLES_COPY: i32 = 0;
pub const SEQFEAT_TABLES_MMAP: i32 = 1;

pub const SEQFEAT_STAT_DROPPED_INVALID: i32 = 0;
pub const SEQFEAT_STAT_OOV_HITS: i32 = 1;
pub const SEQFEAT_STAT_STEPS_TRUNCATED: i32 = 2;
pub const SEQFEAT_STAT_EMPTY_EXAMPLES: i32 = 3;
pub const SEQFEAT_STAT_COUNT: i32 = 4;

/// "No default value" for identity and vocabulary-file columns (TF's `default_value=None`).
pub const SEQFEAT_NO_DEFAULT: i64 = i64::MIN;

pub const SEQFEAT_OPTIMIZER_SGD: i32 = 1;
pub const SEQFEAT_OPTIMIZER_ADAGRAD: i32 = 2;

/// Declares an opaque handle type that can only be used behind a pointer.
macro_rules! opaque {
    ($($name:ident),* $(,)?) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _not_send_sync: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
        }
    )*};
}

opaque!(
    seqfeat_column,
    seqfeat_features,
    seqfeat_batch,
    seqfeat_tensor,
    seqfeat_stats,
    seqfeat_dense_features,
    seqfeat_gradients,
    seqfeat_optimizer,
    seqfeat_plan,
    DLManagedTensor,
);

/// Value-wise normalizer for numeric columns. Must not unwind; may run on several threads.
pub type seqfeat_normalizer_fn =
    Option<unsafe extern "C" fn(value: f32, user_data: *mut c_void) -> f32>;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_numeric_options {
    pub struct_size: usize,
    pub shape: *const i64,
    pub shape_rank: usize,
    pub default_value: f32,
    pub dtype: i32,
    pub normalizer: i32,
    pub normalizer_a: f32,
    pub normalizer_b: f32,
    pub normalizer_fn: seqfeat_normalizer_fn,
    pub normalizer_user_data: *mut c_void,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_embedding_options {
    pub struct_size: usize,
    pub dimension: i64,
    pub combiner: i32,
    pub has_max_norm: i32,
    pub max_norm: f32,
    pub trainable: i32,
    pub seed: u64,
    pub initial_table: *const f32,
    pub initial_table_count: usize,
}

/// A string given as (pointer, length); `data` may be NULL only when `size` is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_string_view {
    pub data: *const c_char,
    pub size: usize,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_pack_options {
    pub struct_size: usize,
    pub max_length: i64,
    pub padding: i32,
    pub truncating: i32,
    pub strict: i32,
    pub num_threads: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_load_options {
    pub struct_size: usize,
    pub tables: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_save_options {
    pub struct_size: usize,
    pub name: *const c_char,
    pub call_defaults: *const seqfeat_pack_options,
}

/// Caller-supplied rows of one table of a plan: [count, dimension] f32, row-major.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_rows {
    pub data: *const f32,
    pub count: i64,
    pub dimension: i64,
}

/// Caller buffers for the gradient rows of one table of a plan: [count, dimension] f32.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_gradient_rows {
    pub data: *mut f32,
    pub count: i64,
    pub dimension: i64,
}

// Layout of the option structs as the C compiler lays them out on LP64 targets (x86-64, AArch64
// Linux). A mismatch here is a compile error, not a corrupted call.
#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{align_of, offset_of, size_of};

    assert!(size_of::<seqfeat_numeric_options>() == 64);
    assert!(align_of::<seqfeat_numeric_options>() == 8);
    assert!(offset_of!(seqfeat_numeric_options, struct_size) == 0);
    assert!(offset_of!(seqfeat_numeric_options, shape) == 8);
    assert!(offset_of!(seqfeat_numeric_options, shape_rank) == 16);
    assert!(offset_of!(seqfeat_numeric_options, default_value) == 24);
    assert!(offset_of!(seqfeat_numeric_options, dtype) == 28);
    assert!(offset_of!(seqfeat_numeric_options, normalizer) == 32);
    assert!(offset_of!(seqfeat_numeric_options, normalizer_a) == 36);
    assert!(offset_of!(seqfeat_numeric_options, normalizer_b) == 40);
    assert!(offset_of!(seqfeat_numeric_options, normalizer_fn) == 48);
    assert!(offset_of!(seqfeat_numeric_options, normalizer_user_data) == 56);

    assert!(size_of::<seqfeat_embedding_options>() == 56);
    assert!(align_of::<seqfeat_embedding_options>() == 8);
    assert!(offset_of!(seqfeat_embedding_options, struct_size) == 0);
    assert!(offset_of!(seqfeat_embedding_options, dimension) == 8);
    assert!(offset_of!(seqfeat_embedding_options, combiner) == 16);
    assert!(offset_of!(seqfeat_embedding_options, has_max_norm) == 20);
    assert!(offset_of!(seqfeat_embedding_options, max_norm) == 24);
    assert!(offset_of!(seqfeat_embedding_options, trainable) == 28);
    assert!(offset_of!(seqfeat_embedding_options, seed) == 32);
    assert!(offset_of!(seqfeat_embedding_options, initial_table) == 40);
    assert!(offset_of!(seqfeat_embedding_options, initial_table_count) == 48);

    assert!(size_of::<seqfeat_string_view>() == 16);
    assert!(align_of::<seqfeat_string_view>() == 8);
    assert!(offset_of!(seqfeat_string_view, data) == 0);
    assert!(offset_of!(seqfeat_string_view, size) == 8);

    assert!(size_of::<seqfeat_pack_options>() == 32);
    assert!(align_of::<seqfeat_pack_options>() == 8);
    assert!(offset_of!(seqfeat_pack_options, struct_size) == 0);
    assert!(offset_of!(seqfeat_pack_options, max_length) == 8);
    assert!(offset_of!(seqfeat_pack_options, padding) == 16);
    assert!(offset_of!(seqfeat_pack_options, truncating) == 20);
    assert!(offset_of!(seqfeat_pack_options, strict) == 24);
    assert!(offset_of!(seqfeat_pack_options, num_threads) == 28);

    assert!(size_of::<seqfeat_load_options>() == 16);
    assert!(offset_of!(seqfeat_load_options, tables) == 8);
    assert!(size_of::<seqfeat_save_options>() == 24);
    assert!(offset_of!(seqfeat_save_options, name) == 8);
    assert!(offset_of!(seqfeat_save_options, call_defaults) == 16);

    assert!(size_of::<seqfeat_rows>() == 24);
    assert!(offset_of!(seqfeat_rows, count) == 8);
    assert!(offset_of!(seqfeat_rows, dimension) == 16);
    assert!(size_of::<seqfeat_gradient_rows>() == 24);
    assert!(offset_of!(seqfeat_gradient_rows, count) == 8);
    assert!(offset_of!(seqfeat_gradient_rows, dimension) == 16);
};


// ------------------------------------------------------------------------- TFRecord files

opaque!(seqfeat_parse_spec, seqfeat_record_reader, seqfeat_record_writer);

pub const SEQFEAT_FEATURE_FIXED_LEN: i32 = 0;
pub const SEQFEAT_FEATURE_VAR_LEN: i32 = 1;
pub const SEQFEAT_FEATURE_FIXED_LEN_SEQUENCE: i32 = 2;

pub const SEQFEAT_RECORD_EXAMPLE: i32 = 0;
pub const SEQFEAT_RECORD_SEQUENCE_EXAMPLE: i32 = 1;

pub const SEQFEAT_COMPRESSION_NONE: i32 = 0;
pub const SEQFEAT_COMPRESSION_GZIP: i32 = 1;
pub const SEQFEAT_COMPRESSION_ZLIB: i32 = 2;

pub const SEQFEAT_READER_RECORDS: i32 = 0;
pub const SEQFEAT_READER_SKIPPED: i32 = 1;
pub const SEQFEAT_READER_FILES_DONE: i32 = 2;
pub const SEQFEAT_READER_BYTES_READ: i32 = 3;
pub const SEQFEAT_READER_BYTES_TOTAL: i32 = 4;

pub const SEQFEAT_FORM_SPARSE: i32 = 0;
pub const SEQFEAT_FORM_DENSE: i32 = 1;
pub const SEQFEAT_FORM_RAGGED: i32 = 2;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_feature_spec {
    pub struct_size: usize,
    pub key: *const c_char,
    pub kind: i32,
    pub dtype: i32,
    pub sequence: i32,
    pub allow_missing: i32,
    pub shape: *const i64,
    pub shape_rank: usize,
    pub has_default: i32,
    pub default_count: usize,
    pub default_values: *const c_void,
    pub default_offsets: *const i64,
    pub default_bytes: *const c_char,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_reader_options {
    pub struct_size: usize,
    pub record_type: i32,
    pub compression: i32,
    pub num_threads: i32,
    pub skip_corrupt: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seqfeat_feature_view {
    pub struct_size: usize,
    pub form: i32,
    pub dtype: i32,
    pub batch_size: i64,
    pub shape: *const i64,
    pub rank: usize,
    pub indices: *const i64,
    pub row_splits: *const i64,
    pub step_splits: *const i64,
    pub num_steps: i64,
    pub num_values: i64,
    pub values: *const c_void,
    pub string_offsets: *const i64,
    pub string_bytes: *const c_char,
    pub string_views: *const seqfeat_string_view,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<seqfeat_feature_spec>() == 88);
    assert!(offset_of!(seqfeat_feature_spec, key) == 8);
    assert!(offset_of!(seqfeat_feature_spec, kind) == 16);
    assert!(offset_of!(seqfeat_feature_spec, allow_missing) == 28);
    assert!(offset_of!(seqfeat_feature_spec, shape) == 32);
    assert!(offset_of!(seqfeat_feature_spec, has_default) == 48);
    assert!(offset_of!(seqfeat_feature_spec, default_count) == 56);
    assert!(offset_of!(seqfeat_feature_spec, default_bytes) == 80);
    assert!(size_of::<seqfeat_reader_options>() == 24);
    assert!(offset_of!(seqfeat_reader_options, record_type) == 8);
    assert!(offset_of!(seqfeat_reader_options, skip_corrupt) == 20);
    assert!(size_of::<seqfeat_feature_view>() == 112);
    assert!(offset_of!(seqfeat_feature_view, batch_size) == 16);
    assert!(offset_of!(seqfeat_feature_view, rank) == 32);
    assert!(offset_of!(seqfeat_feature_view, num_steps) == 64);
    assert!(offset_of!(seqfeat_feature_view, values) == 80);
    assert!(offset_of!(seqfeat_feature_view, string_views) == 104);
};

extern "C" {
    pub fn seqfeat_feature_spec_default(spec: *mut seqfeat_feature_spec);
    pub fn seqfeat_parse_spec_create(out: *mut *mut seqfeat_parse_spec) -> seqfeat_status;
    pub fn seqfeat_parse_spec_from_columns(
        columns: *const *const seqfeat_column,
        count: usize,
        out: *mut *mut seqfeat_parse_spec,
    ) -> seqfeat_status;
    pub fn seqfeat_parse_spec_add(
        spec: *mut seqfeat_parse_spec,
        feature: *const seqfeat_feature_spec,
    ) -> seqfeat_status;
    pub fn seqfeat_parse_spec_free(spec: *mut seqfeat_parse_spec);
    pub fn seqfeat_parse_spec_num_features(spec: *const seqfeat_parse_spec) -> usize;
    pub fn seqfeat_parse_spec_feature(
        spec: *const seqfeat_parse_spec,
        index: usize,
        out: *mut seqfeat_feature_spec,
    ) -> seqfeat_status;
    pub fn seqfeat_reader_options_default(opts: *mut seqfeat_reader_options);
    pub fn seqfeat_record_reader_open(
        files: *const *const c_char,
        num_files: usize,
        spec: *const seqfeat_parse_spec,
        opts: *const seqfeat_reader_options,
        out: *mut *mut seqfeat_record_reader,
    ) -> seqfeat_status;
    pub fn seqfeat_record_reader_next(
        reader: *mut seqfeat_record_reader,
        max_records: usize,
        batch: *mut seqfeat_batch,
        out_count: *mut usize,
    ) -> seqfeat_status;
    pub fn seqfeat_record_reader_stat(
        reader: *const seqfeat_record_reader,
        stat: i32,
        out: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_record_reader_free(reader: *mut seqfeat_record_reader);
    pub fn seqfeat_record_writer_open(
        path: *const c_char,
        compression: i32,
        out: *mut *mut seqfeat_record_writer,
    ) -> seqfeat_status;
    pub fn seqfeat_record_writer_write(
        writer: *mut seqfeat_record_writer,
        data: *const c_void,
        size: usize,
    ) -> seqfeat_status;
    pub fn seqfeat_record_writer_close(writer: *mut seqfeat_record_writer) -> seqfeat_status;
    pub fn seqfeat_record_writer_free(writer: *mut seqfeat_record_writer);
    pub fn seqfeat_batch_get(
        batch: *const seqfeat_batch,
        key: *const c_char,
        out: *mut seqfeat_feature_view,
    ) -> seqfeat_status;
}

extern "C" {
    // Errors and versions.
    pub fn seqfeat_status_string(status: seqfeat_status) -> *const c_char;
    pub fn seqfeat_last_error_message() -> *const c_char;
    pub fn seqfeat_version_number() -> u32;
    pub fn seqfeat_version_string() -> *const c_char;

    // Columns.
    pub fn seqfeat_numeric_options_default(opts: *mut seqfeat_numeric_options);
    pub fn seqfeat_numeric_column_create(
        key: *const c_char,
        sequence: i32,
        opts: *const seqfeat_numeric_options,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_identity_column_create(
        key: *const c_char,
        sequence: i32,
        num_buckets: i64,
        default_value: i64,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_hash_bucket_column_create(
        key: *const c_char,
        sequence: i32,
        hash_bucket_size: i64,
        dtype: i32,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_vocabulary_list_column_create_strings(
        key: *const c_char,
        sequence: i32,
        offsets: *const i64,
        bytes: *const c_char,
        vocabulary_size: usize,
        default_value: i64,
        num_oov_buckets: i64,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_vocabulary_list_column_create_ints(
        key: *const c_char,
        sequence: i32,
        values: *const i64,
        vocabulary_size: usize,
        dtype: i32,
        default_value: i64,
        num_oov_buckets: i64,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_vocabulary_file_column_create(
        key: *const c_char,
        sequence: i32,
        vocabulary_file: *const c_char,
        vocabulary_size: i64,
        num_oov_buckets: i64,
        default_value: i64,
        dtype: i32,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_weighted_column_create(
        categorical: *const seqfeat_column,
        weight_feature_key: *const c_char,
        dtype: i32,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_embedding_options_default(opts: *mut seqfeat_embedding_options);
    pub fn seqfeat_embedding_column_create(
        categorical: *const seqfeat_column,
        opts: *const seqfeat_embedding_options,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_shared_embeddings_create(
        categorical: *const *const seqfeat_column,
        count: usize,
        opts: *const seqfeat_embedding_options,
        collection_name: *const c_char,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_indicator_column_create(
        categorical: *const seqfeat_column,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_column_free(column: *mut seqfeat_column);
    pub fn seqfeat_column_name(column: *const seqfeat_column) -> *const c_char;
    pub fn seqfeat_column_kind(column: *const seqfeat_column) -> i32;
    pub fn seqfeat_column_is_sequence(column: *const seqfeat_column) -> i32;
    pub fn seqfeat_column_num_buckets(column: *const seqfeat_column, out: *mut i64)
        -> seqfeat_status;
    pub fn seqfeat_column_variable_shape(
        column: *const seqfeat_column,
        out_shape: *mut i64,
        capacity: usize,
        out_rank: *mut usize,
    ) -> seqfeat_status;
    pub fn seqfeat_column_categorical(
        column: *const seqfeat_column,
        out: *mut *const seqfeat_column,
    ) -> seqfeat_status;

    // Embedding tables.
    pub fn seqfeat_column_table_shape(
        column: *const seqfeat_column,
        out_rows: *mut i64,
        out_dimension: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_column_table_name(
        column: *const seqfeat_column,
        out: *mut *const c_char,
    ) -> seqfeat_status;
    pub fn seqfeat_column_table_get(
        column: *const seqfeat_column,
        out: *mut f32,
        count: usize,
    ) -> seqfeat_status;
    pub fn seqfeat_column_table_set(
        column: *mut seqfeat_column,
        values: *const f32,
        count: usize,
    ) -> seqfeat_status;

    // Input batches.
    pub fn seqfeat_batch_create(out: *mut *mut seqfeat_batch) -> seqfeat_status;
    pub fn seqfeat_batch_free(batch: *mut seqfeat_batch);
    pub fn seqfeat_batch_clear(batch: *mut seqfeat_batch);
    pub fn seqfeat_batch_add_sparse(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        indices: *const i64,
        num_entries: i64,
        rank: i64,
        dense_shape: *const i64,
        dtype: i32,
        values: *const c_void,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_sparse_strings(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        indices: *const i64,
        num_entries: i64,
        rank: i64,
        dense_shape: *const i64,
        offsets: *const i64,
        bytes: *const c_char,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_dense(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        shape: *const i64,
        rank: i64,
        dtype: i32,
        values: *const c_void,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_dense_strings(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        shape: *const i64,
        rank: i64,
        offsets: *const i64,
        bytes: *const c_char,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_sparse_string_views(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        indices: *const i64,
        num_entries: i64,
        rank: i64,
        dense_shape: *const i64,
        values: *const seqfeat_string_view,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_dense_string_views(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        shape: *const i64,
        rank: i64,
        values: *const seqfeat_string_view,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_ragged_string_views(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        batch_size: i64,
        row_splits: *const i64,
        num_steps: i64,
        step_splits: *const i64,
        values: *const seqfeat_string_view,
        num_values: i64,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_ragged(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        batch_size: i64,
        row_splits: *const i64,
        num_steps: i64,
        step_splits: *const i64,
        dtype: i32,
        values: *const c_void,
        num_values: i64,
    ) -> seqfeat_status;
    pub fn seqfeat_batch_add_ragged_strings(
        batch: *mut seqfeat_batch,
        key: *const c_char,
        batch_size: i64,
        row_splits: *const i64,
        num_steps: i64,
        step_splits: *const i64,
        offsets: *const i64,
        bytes: *const c_char,
        num_values: i64,
    ) -> seqfeat_status;

    // Output tensors.
    pub fn seqfeat_tensor_free(tensor: *mut seqfeat_tensor);
    pub fn seqfeat_tensor_dtype(tensor: *const seqfeat_tensor) -> i32;
    pub fn seqfeat_tensor_ndim(tensor: *const seqfeat_tensor) -> i32;
    pub fn seqfeat_tensor_shape(tensor: *const seqfeat_tensor) -> *const i64;
    pub fn seqfeat_tensor_data(tensor: *const seqfeat_tensor) -> *mut c_void;
    pub fn seqfeat_tensor_size(tensor: *const seqfeat_tensor) -> i64;
    pub fn seqfeat_tensor_to_dlpack(
        tensor_inout: *mut *mut seqfeat_tensor,
        out: *mut *mut DLManagedTensor,
    ) -> seqfeat_status;

    // Statistics.
    pub fn seqfeat_stats_create(out: *mut *mut seqfeat_stats) -> seqfeat_status;
    pub fn seqfeat_stats_free(stats: *mut seqfeat_stats);
    pub fn seqfeat_stats_num_columns(stats: *const seqfeat_stats) -> usize;
    pub fn seqfeat_stats_column_name(stats: *const seqfeat_stats, column_index: usize)
        -> *const c_char;
    pub fn seqfeat_stats_get(
        stats: *const seqfeat_stats,
        column_index: usize,
        stat: i32,
        out: *mut i64,
    ) -> seqfeat_status;

    // The SequenceFeatures layer.
    pub fn seqfeat_features_create(
        columns: *const *const seqfeat_column,
        count: usize,
        out: *mut *mut seqfeat_features,
    ) -> seqfeat_status;
    pub fn seqfeat_features_free(features: *mut seqfeat_features);
    pub fn seqfeat_features_num_columns(features: *const seqfeat_features) -> usize;
    pub fn seqfeat_features_column(
        features: *const seqfeat_features,
        index: usize,
    ) -> *const seqfeat_column;
    pub fn seqfeat_features_column_slice(
        features: *const seqfeat_features,
        index: usize,
        out_offset: *mut i64,
        out_width: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_features_depth(features: *const seqfeat_features) -> i64;
    pub fn seqfeat_pack_options_default(opts: *mut seqfeat_pack_options);
    pub fn seqfeat_features_output_shape(
        features: *const seqfeat_features,
        batch: *const seqfeat_batch,
        opts: *const seqfeat_pack_options,
        out_batch: *mut i64,
        out_steps: *mut i64,
        out_depth: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_features_pack_into(
        features: *const seqfeat_features,
        batch: *const seqfeat_batch,
        opts: *const seqfeat_pack_options,
        out_dense: *mut f32,
        dense_count: usize,
        out_lengths: *mut i64,
        lengths_count: usize,
        out_mask: *mut u8,
        mask_count: usize,
        stats: *mut seqfeat_stats,
    ) -> seqfeat_status;
    pub fn seqfeat_features_pack(
        features: *const seqfeat_features,
        batch: *const seqfeat_batch,
        opts: *const seqfeat_pack_options,
        out_dense: *mut *mut seqfeat_tensor,
        out_lengths: *mut *mut seqfeat_tensor,
        out_mask: *mut *mut seqfeat_tensor,
        stats: *mut seqfeat_stats,
    ) -> seqfeat_status;

    // The DenseFeatures layer (context features).
    pub fn seqfeat_dense_features_create(
        columns: *const *const seqfeat_column,
        count: usize,
        out: *mut *mut seqfeat_dense_features,
    ) -> seqfeat_status;
    pub fn seqfeat_dense_features_free(features: *mut seqfeat_dense_features);
    pub fn seqfeat_dense_features_depth(features: *const seqfeat_dense_features) -> i64;
    pub fn seqfeat_dense_features_output_shape(
        features: *const seqfeat_dense_features,
        batch: *const seqfeat_batch,
        out_batch: *mut i64,
        out_depth: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_dense_features_pack_into(
        features: *const seqfeat_dense_features,
        batch: *const seqfeat_batch,
        out: *mut f32,
        count: usize,
    ) -> seqfeat_status;

    // Saving, loading and configurations.
    pub fn seqfeat_load_options_default(opts: *mut seqfeat_load_options);
    pub fn seqfeat_save_options_default(opts: *mut seqfeat_save_options);
    pub fn seqfeat_features_save(
        features: *const seqfeat_features,
        directory: *const c_char,
        opts: *const seqfeat_save_options,
    ) -> seqfeat_status;
    pub fn seqfeat_features_load(
        directory: *const c_char,
        opts: *const seqfeat_load_options,
        out: *mut *mut seqfeat_features,
    ) -> seqfeat_status;
    pub fn seqfeat_features_name(features: *const seqfeat_features) -> *const c_char;
    pub fn seqfeat_features_call_defaults(
        features: *const seqfeat_features,
        out: *mut seqfeat_pack_options,
    ) -> seqfeat_status;
    pub fn seqfeat_features_find_column(
        features: *const seqfeat_features,
        name: *const c_char,
        out: *mut *const seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_features_to_json(
        features: *const seqfeat_features,
        out: *mut c_char,
        capacity: usize,
        out_size: *mut usize,
    ) -> seqfeat_status;
    pub fn seqfeat_features_from_json(
        json: *const c_char,
        size: usize,
        out: *mut *mut seqfeat_features,
    ) -> seqfeat_status;
    pub fn seqfeat_dense_features_save(
        features: *const seqfeat_dense_features,
        directory: *const c_char,
        opts: *const seqfeat_save_options,
    ) -> seqfeat_status;
    pub fn seqfeat_dense_features_load(
        directory: *const c_char,
        opts: *const seqfeat_load_options,
        out: *mut *mut seqfeat_dense_features,
    ) -> seqfeat_status;
    pub fn seqfeat_dense_features_name(features: *const seqfeat_dense_features) -> *const c_char;
    pub fn seqfeat_dense_features_num_columns(features: *const seqfeat_dense_features) -> usize;
    pub fn seqfeat_dense_features_column(
        features: *const seqfeat_dense_features,
        index: usize,
    ) -> *const seqfeat_column;
    pub fn seqfeat_dense_features_find_column(
        features: *const seqfeat_dense_features,
        name: *const c_char,
        out: *mut *const seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_dense_features_to_json(
        features: *const seqfeat_dense_features,
        out: *mut c_char,
        capacity: usize,
        out_size: *mut usize,
    ) -> seqfeat_status;
    pub fn seqfeat_dense_features_from_json(
        json: *const c_char,
        size: usize,
        out: *mut *mut seqfeat_dense_features,
    ) -> seqfeat_status;
    pub fn seqfeat_column_to_json(
        column: *const seqfeat_column,
        out: *mut c_char,
        capacity: usize,
        out_size: *mut usize,
    ) -> seqfeat_status;
    pub fn seqfeat_column_from_json(
        json: *const c_char,
        size: usize,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_column_retain(
        column: *const seqfeat_column,
        out: *mut *mut seqfeat_column,
    ) -> seqfeat_status;
    pub fn seqfeat_column_table_writable(
        column: *const seqfeat_column,
        out: *mut i32,
    ) -> seqfeat_status;

    // Single columns.
    pub fn seqfeat_column_get_sequence_dense_tensor(
        column: *const seqfeat_column,
        batch: *const seqfeat_batch,
        out_dense: *mut *mut seqfeat_tensor,
        out_lengths: *mut *mut seqfeat_tensor,
    ) -> seqfeat_status;
    pub fn seqfeat_column_get_sparse_tensors(
        column: *const seqfeat_column,
        batch: *const seqfeat_batch,
        out_indices: *mut *mut seqfeat_tensor,
        out_ids: *mut *mut seqfeat_tensor,
        out_dense_shape: *mut *mut seqfeat_tensor,
        out_weights: *mut *mut seqfeat_tensor,
    ) -> seqfeat_status;
    // Training.
    pub fn seqfeat_column_table_data(column: *const seqfeat_column, out: *mut *mut f32)
        -> seqfeat_status;
    pub fn seqfeat_gradients_create(out: *mut *mut seqfeat_gradients) -> seqfeat_status;
    pub fn seqfeat_gradients_free(gradients: *mut seqfeat_gradients);
    pub fn seqfeat_gradients_num_tables(gradients: *const seqfeat_gradients) -> usize;
    pub fn seqfeat_gradients_table(
        gradients: *const seqfeat_gradients,
        index: usize,
        out_name: *mut *const c_char,
        out_ids: *mut *const i64,
        out_rows: *mut *const f32,
        out_count: *mut i64,
        out_dimension: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_features_backward(
        features: *const seqfeat_features,
        batch: *const seqfeat_batch,
        opts: *const seqfeat_pack_options,
        grad: *const f32,
        grad_shape: *const i64,
        grad_rank: usize,
        out: *mut seqfeat_gradients,
    ) -> seqfeat_status;
    pub fn seqfeat_features_backward_apply(
        features: *const seqfeat_features,
        batch: *const seqfeat_batch,
        opts: *const seqfeat_pack_options,
        grad: *const f32,
        grad_shape: *const i64,
        grad_rank: usize,
        optimizer: *mut seqfeat_optimizer,
    ) -> seqfeat_status;
    pub fn seqfeat_sgd_optimizer_create(
        learning_rate: f32,
        out: *mut *mut seqfeat_optimizer,
    ) -> seqfeat_status;
    pub fn seqfeat_adagrad_optimizer_create(
        learning_rate: f32,
        initial_accumulator_value: f32,
        epsilon: f32,
        out: *mut *mut seqfeat_optimizer,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_free(optimizer: *mut seqfeat_optimizer);
    pub fn seqfeat_optimizer_kind(optimizer: *const seqfeat_optimizer) -> i32;
    pub fn seqfeat_optimizer_learning_rate(optimizer: *const seqfeat_optimizer) -> f32;
    pub fn seqfeat_optimizer_set_learning_rate(
        optimizer: *mut seqfeat_optimizer,
        learning_rate: f32,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_apply(
        optimizer: *mut seqfeat_optimizer,
        gradients: *const seqfeat_gradients,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_apply_rows(
        optimizer: *mut seqfeat_optimizer,
        column: *const seqfeat_column,
        ids: *const i64,
        num_ids: usize,
        rows: *const f32,
        dimension: i64,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_state_get(
        optimizer: *const seqfeat_optimizer,
        column: *const seqfeat_column,
        out: *mut f32,
        count: usize,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_state_set(
        optimizer: *mut seqfeat_optimizer,
        column: *const seqfeat_column,
        values: *const f32,
        count: usize,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_hyper_parameters(
        optimizer: *const seqfeat_optimizer,
        out_learning_rate: *mut f32,
        out_initial_accumulator_value: *mut f32,
        out_epsilon: *mut f32,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_save(
        optimizer: *const seqfeat_optimizer,
        features: *const seqfeat_features,
        directory: *const c_char,
    ) -> seqfeat_status;
    pub fn seqfeat_optimizer_load(
        directory: *const c_char,
        features: *const seqfeat_features,
        out: *mut *mut seqfeat_optimizer,
    ) -> seqfeat_status;

    // The plan / pack split.
    pub fn seqfeat_features_plan(
        features: *const seqfeat_features,
        batch: *const seqfeat_batch,
        opts: *const seqfeat_pack_options,
        out_plan: *mut *mut seqfeat_plan,
    ) -> seqfeat_status;
    pub fn seqfeat_plan_free(plan: *mut seqfeat_plan);
    pub fn seqfeat_plan_num_tables(plan: *const seqfeat_plan) -> usize;
    pub fn seqfeat_plan_table(
        plan: *const seqfeat_plan,
        index: usize,
        out_name: *mut *const c_char,
        out_ids: *mut *const i64,
        out_count: *mut i64,
        out_dimension: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_plan_output_shape(
        plan: *const seqfeat_plan,
        out_batch: *mut i64,
        out_steps: *mut i64,
        out_depth: *mut i64,
    ) -> seqfeat_status;
    pub fn seqfeat_plan_pack_into(
        plan: *const seqfeat_plan,
        rows: *const seqfeat_rows,
        num_rows: usize,
        out_dense: *mut f32,
        dense_count: usize,
        out_lengths: *mut i64,
        lengths_count: usize,
        out_mask: *mut u8,
        mask_count: usize,
        stats: *mut seqfeat_stats,
    ) -> seqfeat_status;
    pub fn seqfeat_plan_backward(
        plan: *const seqfeat_plan,
        rows: *const seqfeat_rows,
        num_rows: usize,
        grad: *const f32,
        grad_shape: *const i64,
        grad_rank: usize,
        out: *const seqfeat_gradient_rows,
        num_out: usize,
    ) -> seqfeat_status;

    pub fn seqfeat_concatenate_context_input(
        context: *const f32,
        context_depth: i64,
        sequence: *const f32,
        batch: i64,
        steps: i64,
        sequence_depth: i64,
        out: *mut f32,
        out_count: usize,
    ) -> seqfeat_status;
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    // The library's _default() initialisers write sizeof(struct) as compiled in C: comparing it
    // with Rust's size checks the layout against the real C compiler, not only against the
    // numbers written above.
    #[test]
    fn option_structs_match_the_c_compiler() {
        unsafe {
            let mut numeric = core::mem::zeroed::<seqfeat_numeric_options>();
            seqfeat_numeric_options_default(&mut numeric);
            assert_eq!(numeric.struct_size, size_of::<seqfeat_numeric_options>());
            assert_eq!(numeric.dtype, SEQFEAT_DTYPE_FLOAT32);
            assert_eq!(numeric.default_value, 0.0);
            assert_eq!(numeric.normalizer, SEQFEAT_NORMALIZER_NONE);
            assert!(numeric.shape.is_null());
            assert_eq!(numeric.shape_rank, 0);

            let mut embedding = core::mem::zeroed::<seqfeat_embedding_options>();
            seqfeat_embedding_options_default(&mut embedding);
            assert_eq!(embedding.struct_size, size_of::<seqfeat_embedding_options>());
            assert_eq!(embedding.combiner, SEQFEAT_COMBINER_MEAN);
            assert_eq!(embedding.has_max_norm, 0);
            assert_eq!(embedding.trainable, 1);
            assert!(embedding.initial_table.is_null());

            let mut pack = core::mem::zeroed::<seqfeat_pack_options>();
            seqfeat_pack_options_default(&mut pack);
            assert_eq!(pack.struct_size, size_of::<seqfeat_pack_options>());
            assert_eq!(pack.max_length, 0);
            assert_eq!(pack.padding, SEQFEAT_PAD_POST);
            assert_eq!(pack.truncating, SEQFEAT_PAD_POST);
            assert_eq!(pack.strict, 0);
        }
    }

    #[test]
    fn status_strings_and_version_are_never_null() {
        unsafe {
            for code in [SEQFEAT_OK, SEQFEAT_ERR_INVALID_ARGUMENT, SEQFEAT_ERR_INTERNAL, -1234] {
                assert!(!seqfeat_status_string(code).is_null());
            }
            assert!(!seqfeat_last_error_message().is_null());
            assert!(!seqfeat_version_string().is_null());
        }
    }
}
