//! TFRecord files of `tf.train.SequenceExample` / `tf.train.Example`: a parse spec (TF's
//! `FixedLenFeature`, `VarLenFeature`, `FixedLenSequenceFeature`), a reader that iterates
//! batches of decoded records ready for the layers, and a writer.
//!
//! ```no_run
//! use seqfeat::{Column, PackOptions, ParseSpec, ReaderOptions, RecordReader, SequenceFeatures};
//!
//! # fn main() -> seqfeat::Result<()> {
//! let ids = Column::identity("ids", 1000).build()?;
//! let embedded = Column::embedding(&ids, 16).build()?;
//! let layer = SequenceFeatures::new(&[&embedded])?;
//! let spec = ParseSpec::from_columns(&[&embedded])?;
//! let reader = RecordReader::open(&["train.tfrecord"], &spec, &ReaderOptions::default())?;
//! for batch in reader.batches(256) {
//!     let batch = batch?;
//!     let packed = layer.pack(batch.features(), &PackOptions::default(), None)?;
//!     assert_eq!(packed.dense.shape()[0], batch.len() as i64);
//! }
//! # Ok(())
//! # }
//! ```

use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

use seqfeat_sys as sys;

use crate::batch::Batch;
use crate::column::AsColumn;
use crate::dtype::DType;
use crate::error::{check, Error, ErrorCode, Result};
use crate::strings::c_string;

/// TF's three parse features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    /// `tf.io.FixedLenFeature`: prod(shape) values per record (context only).
    FixedLen,
    /// `tf.io.VarLenFeature`: any number of values (per step in a feature list).
    VarLen,
    /// `tf.io.FixedLenSequenceFeature`: prod(shape) values per step of a feature list.
    FixedLenSequence,
}

/// One feature of a [`ParseSpec`].
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSpec {
    pub key: String,
    pub kind: FeatureKind,
    /// `Int64`, `Float32` or `String`.
    pub dtype: DType,
    /// Read from the feature lists of a SequenceExample.
    pub sequence: bool,
    pub shape: Vec<i64>,
    /// FixedLenSequence: a missing list is empty instead of an error.
    pub allow_missing: bool,
}

/// What to read from each record. Immutable once given to a reader (which copies it).
pub struct ParseSpec {
    raw: NonNull<sys::seqfeat_parse_spec>,
}

// SAFETY: the header declares parse specs immutable once built and shareable; mutation goes
// through &mut self.
unsafe impl Send for ParseSpec {}
unsafe impl Sync for ParseSpec {}

impl Drop for ParseSpec {
    fn drop(&mut self) {
        unsafe { sys::seqfeat_parse_spec_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for ParseSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.features().unwrap_or_default()).finish()
    }
}

fn non_null<T>(p: *mut T, what: &str) -> Result<NonNull<T>> {
    NonNull::new(p).ok_or_else(|| Error::new(ErrorCode::Internal, format!("NULL {what}")))
}

fn dtype_of(raw: i32) -> Result<DType> {
    DType::from_raw(raw)
        .ok_or_else(|| Error::new(ErrorCode::Other(raw), format!("unknown dtype code {raw}")))
}

impl ParseSpec {
    pub fn new() -> Result<ParseSpec> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_parse_spec_create(&mut out) })?;
        Ok(ParseSpec { raw: non_null(out, "parse spec")? })
    }

    /// TF's `make_parse_example_spec(columns)`: sequence columns read a VarLenFeature from the
    /// feature lists, non-sequence categorical columns a VarLenFeature from the context,
    /// non-sequence numeric columns a FixedLenFeature(shape) without default.
    pub fn from_columns<C: AsColumn>(columns: &[C]) -> Result<ParseSpec> {
        let raw: Vec<*const sys::seqfeat_column> =
            columns.iter().map(AsColumn::as_column_ptr).collect();
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_parse_spec_from_columns(raw.as_ptr(), raw.len(), &mut out) })?;
        Ok(ParseSpec { raw: non_null(out, "parse spec")? })
    }

    fn add(&mut self, key: &str, kind: i32, dtype: DType, sequence: bool, shape: &[i64],
           allow_missing: bool, defaults: Option<(&[i64], &[f32])>) -> Result<&mut Self> {
        let key = c_string("key", key)?;
        let mut f: sys::seqfeat_feature_spec = unsafe { std::mem::zeroed() };
        unsafe { sys::seqfeat_feature_spec_default(&mut f) };
        f.key = key.as_ptr();
        f.kind = kind;
        f.dtype = dtype.to_raw();
        f.sequence = i32::from(sequence);
        f.allow_missing = i32::from(allow_missing);
        f.shape = shape.as_ptr();
        f.shape_rank = shape.len();
        if let Some((ints, floats)) = defaults {
            f.has_default = 1;
            if dtype == DType::Int64 {
                f.default_values = ints.as_ptr().cast();
                f.default_count = ints.len();
            } else {
                f.default_values = floats.as_ptr().cast();
                f.default_count = floats.len();
            }
        }
        check(unsafe { sys::seqfeat_parse_spec_add(self.raw.as_ptr(), &f) })?;
        Ok(self)
    }

    /// `VarLenFeature(dtype)`; `sequence`: read from the feature lists.
    pub fn var_len(&mut self, key: &str, dtype: DType, sequence: bool) -> Result<&mut Self> {
        self.add(key, sys::SEQFEAT_FEATURE_VAR_LEN, dtype, sequence, &[], false, None)
    }

    /// `FixedLenFeature(shape, dtype)` without default: the feature is required.
    pub fn fixed_len(&mut self, key: &str, dtype: DType, shape: &[i64]) -> Result<&mut Self> {
        self.add(key, sys::SEQFEAT_FEATURE_FIXED_LEN, dtype, false, shape, false, None)
    }

    /// `FixedLenFeature(shape, int64, default_value)` (one value broadcasts).
    pub fn fixed_len_i64_default(&mut self, key: &str, shape: &[i64], default: &[i64])
        -> Result<&mut Self> {
        self.add(key, sys::SEQFEAT_FEATURE_FIXED_LEN, DType::Int64, false, shape, false,
                 Some((default, &[])))
    }

    /// `FixedLenFeature(shape, float32, default_value)` (one value broadcasts).
    pub fn fixed_len_f32_default(&mut self, key: &str, shape: &[i64], default: &[f32])
        -> Result<&mut Self> {
        self.add(key, sys::SEQFEAT_FEATURE_FIXED_LEN, DType::Float32, false, shape, false,
                 Some((&[], default)))
    }

    /// `FixedLenSequenceFeature(shape, dtype, allow_missing)` (a feature list).
    pub fn fixed_len_sequence(&mut self, key: &str, dtype: DType, shape: &[i64],
                              allow_missing: bool) -> Result<&mut Self> {
        self.add(key, sys::SEQFEAT_FEATURE_FIXED_LEN_SEQUENCE, dtype, true, shape,
                 allow_missing, None)
    }

    pub fn len(&self) -> usize {
        unsafe { sys::seqfeat_parse_spec_num_features(self.raw.as_ptr()) }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The features, context first, then sequence features.
    pub fn features(&self) -> Result<Vec<FeatureSpec>> {
        (0..self.len())
            .map(|i| {
                let mut f: sys::seqfeat_feature_spec = unsafe { std::mem::zeroed() };
                f.struct_size = std::mem::size_of::<sys::seqfeat_feature_spec>();
                check(unsafe { sys::seqfeat_parse_spec_feature(self.raw.as_ptr(), i, &mut f) })?;
                // SAFETY: borrowed from the spec, valid while it lives; copied here.
                let key = unsafe { std::ffi::CStr::from_ptr(f.key) }.to_string_lossy().into_owned();
                let shape = if f.shape_rank == 0 {
                    Vec::new()
                } else {
                    unsafe { std::slice::from_raw_parts(f.shape, f.shape_rank) }.to_vec()
                };
                let kind = match f.kind {
                    sys::SEQFEAT_FEATURE_FIXED_LEN => FeatureKind::FixedLen,
                    sys::SEQFEAT_FEATURE_FIXED_LEN_SEQUENCE => FeatureKind::FixedLenSequence,
                    _ => FeatureKind::VarLen,
                };
                Ok(FeatureSpec {
                    key,
                    kind,
                    dtype: dtype_of(f.dtype)?,
                    sequence: f.sequence != 0,
                    shape,
                    allow_missing: f.allow_missing != 0,
                })
            })
            .collect()
    }
}

/// `tf.train.SequenceExample` (default) or `tf.train.Example` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordType {
    #[default]
    SequenceExample,
    Example,
}

/// TF's `compression_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zlib,
}

impl Compression {
    fn code(self) -> i32 {
        match self {
            Compression::None => sys::SEQFEAT_COMPRESSION_NONE,
            Compression::Gzip => sys::SEQFEAT_COMPRESSION_GZIP,
            Compression::Zlib => sys::SEQFEAT_COMPRESSION_ZLIB,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReaderOptions {
    pub record_type: RecordType,
    pub compression: Compression,
    /// Decoding threads; 0: the machine's cores. Records come out in file order regardless.
    pub num_threads: i32,
    /// Skip (and count) corrupt records instead of failing.
    pub skip_corrupt: bool,
}

/// Reads batches of records from TFRecord files, in file order, each record once. One thread
/// at a time (`Send`, not `Sync`).
pub struct RecordReader {
    raw: NonNull<sys::seqfeat_record_reader>,
}

unsafe impl Send for RecordReader {}

impl Drop for RecordReader {
    fn drop(&mut self) {
        unsafe { sys::seqfeat_record_reader_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for RecordReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordReader").field("records", &self.records().ok()).finish()
    }
}

fn path_string<P: AsRef<Path>>(p: P) -> Result<CString> {
    let s = p.as_ref().to_str().ok_or_else(|| {
        Error::invalid_argument(format!("path {:?} is not UTF-8", p.as_ref()))
    })?;
    c_string("path", s)
}

/// One batch of decoded records: a [`Batch`] owning the decoded data, for the layers.
#[derive(Debug)]
pub struct RecordBatch {
    batch: Batch<'static>,
    len: usize,
}

/// A borrowed view of one decoded feature.
#[derive(Debug, Clone, Copy)]
pub struct FeatureView<'a> {
    view: sys::seqfeat_feature_view,
    _batch: std::marker::PhantomData<&'a RecordBatch>,
}

impl<'a> FeatureView<'a> {
    pub fn dtype(&self) -> Result<DType> {
        dtype_of(self.view.dtype)
    }
    /// Ragged: `[len + 1]` splits over steps (sequence features of SequenceExamples) or values.
    pub fn row_splits(&self) -> Option<&'a [i64]> {
        if self.view.row_splits.is_null() {
            return None;
        }
        let n = usize::try_from(self.view.batch_size).ok()? + 1;
        Some(unsafe { std::slice::from_raw_parts(self.view.row_splits, n) })
    }
    /// Sequence features of SequenceExamples: `[steps + 1]` splits over values.
    pub fn step_splits(&self) -> Option<&'a [i64]> {
        if self.view.step_splits.is_null() {
            return None;
        }
        let n = usize::try_from(self.view.num_steps).ok()? + 1;
        Some(unsafe { std::slice::from_raw_parts(self.view.step_splits, n) })
    }
    /// Dense features (FixedLenFeature): the shape `[B, ...]`.
    pub fn shape(&self) -> &'a [i64] {
        if self.view.form != sys::SEQFEAT_FORM_DENSE || self.view.shape.is_null() {
            return &[];
        }
        unsafe { std::slice::from_raw_parts(self.view.shape, self.view.rank) }
    }
    fn numbers<T>(&self, dtype: i32) -> Result<&'a [T]> {
        if self.view.dtype != dtype {
            return Err(Error::new(ErrorCode::DtypeMismatch,
                                  format!("feature holds dtype code {}", self.view.dtype)));
        }
        let n = usize::try_from(self.view.num_values).unwrap_or(0);
        if n == 0 {
            return Ok(&[]);
        }
        Ok(unsafe { std::slice::from_raw_parts(self.view.values.cast::<T>(), n) })
    }
    /// int64_list values.
    pub fn int64s(&self) -> Result<&'a [i64]> {
        self.numbers(sys::SEQFEAT_DTYPE_INT64)
    }
    /// float_list values.
    pub fn floats(&self) -> Result<&'a [f32]> {
        self.numbers(sys::SEQFEAT_DTYPE_FLOAT32)
    }
    /// bytes_list values, one slice each.
    pub fn bytes(&self) -> Result<Vec<&'a [u8]>> {
        if self.view.dtype != sys::SEQFEAT_DTYPE_STRING || self.view.string_offsets.is_null() {
            return Err(Error::new(ErrorCode::DtypeMismatch, "feature does not hold bytes"));
        }
        let n = usize::try_from(self.view.num_values).unwrap_or(0);
        let offsets = unsafe { std::slice::from_raw_parts(self.view.string_offsets, n + 1) };
        let total = offsets[n] as usize;
        let data: &'a [u8] = if total == 0 {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(self.view.string_bytes.cast::<u8>(), total) }
        };
        Ok(offsets.windows(2).map(|w| &data[w[0] as usize..w[1] as usize]).collect())
    }
}

impl RecordBatch {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The features as a batch for `SequenceFeatures::pack` / `DenseFeatures`.
    pub fn features(&self) -> &Batch<'static> {
        &self.batch
    }
    /// One decoded feature.
    pub fn feature(&self, key: &str) -> Result<FeatureView<'_>> {
        let key = c_string("key", key)?;
        let mut view: sys::seqfeat_feature_view = unsafe { std::mem::zeroed() };
        view.struct_size = std::mem::size_of::<sys::seqfeat_feature_view>();
        check(unsafe { sys::seqfeat_batch_get(self.batch.as_ptr(), key.as_ptr(), &mut view) })?;
        Ok(FeatureView { view, _batch: std::marker::PhantomData })
    }
}

impl RecordReader {
    /// Opens `files` (read in that order) with a copy of `spec`; every file must exist.
    pub fn open<P: AsRef<Path>>(files: &[P], spec: &ParseSpec, options: &ReaderOptions)
        -> Result<RecordReader> {
        let paths: Vec<CString> = files.iter().map(path_string).collect::<Result<_>>()?;
        let ptrs: Vec<*const std::ffi::c_char> = paths.iter().map(|p| p.as_ptr()).collect();
        let mut opts: sys::seqfeat_reader_options = unsafe { std::mem::zeroed() };
        unsafe { sys::seqfeat_reader_options_default(&mut opts) };
        opts.record_type = match options.record_type {
            RecordType::SequenceExample => sys::SEQFEAT_RECORD_SEQUENCE_EXAMPLE,
            RecordType::Example => sys::SEQFEAT_RECORD_EXAMPLE,
        };
        opts.compression = options.compression.code();
        opts.num_threads = options.num_threads;
        opts.skip_corrupt = i32::from(options.skip_corrupt);
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::seqfeat_record_reader_open(ptrs.as_ptr(), ptrs.len(), spec.raw.as_ptr(), &opts,
                                            &mut out)
        })?;
        Ok(RecordReader { raw: non_null(out, "record reader")? })
    }

    /// The next up to `max_records` records, or `None` after the last one.
    pub fn next_batch(&mut self, max_records: usize) -> Result<Option<RecordBatch>> {
        let batch = Batch::new()?;
        let mut count = 0usize;
        check(unsafe {
            sys::seqfeat_record_reader_next(self.raw.as_ptr(), max_records,
                                            batch.as_ptr().cast_mut(), &mut count)
        })?;
        Ok((count > 0).then_some(RecordBatch { batch, len: count }))
    }

    /// An iterator of batches of `batch_size` records (the last may be smaller).
    pub fn batches(self, batch_size: usize) -> RecordBatches {
        RecordBatches { reader: self, batch_size, done: false }
    }

    fn stat(&self, stat: i32) -> Result<i64> {
        let mut v = 0i64;
        check(unsafe { sys::seqfeat_record_reader_stat(self.raw.as_ptr(), stat, &mut v) })?;
        Ok(v)
    }
    /// Records delivered so far.
    pub fn records(&self) -> Result<i64> {
        self.stat(sys::SEQFEAT_READER_RECORDS)
    }
    /// Corrupt records skipped (`skip_corrupt`).
    pub fn skipped(&self) -> Result<i64> {
        self.stat(sys::SEQFEAT_READER_SKIPPED)
    }
    /// (bytes read, total bytes) of the files, for progress reports.
    pub fn progress(&self) -> Result<(i64, i64)> {
        Ok((self.stat(sys::SEQFEAT_READER_BYTES_READ)?, self.stat(sys::SEQFEAT_READER_BYTES_TOTAL)?))
    }
}

/// Iterator over a reader's batches; stops after the first error.
#[derive(Debug)]
pub struct RecordBatches {
    reader: RecordReader,
    batch_size: usize,
    done: bool,
}

impl RecordBatches {
    pub fn reader(&self) -> &RecordReader {
        &self.reader
    }
}

impl Iterator for RecordBatches {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.reader.next_batch(self.batch_size) {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Writes TFRecord files (framing with masked CRC32C, optionally GZIP / ZLIB).
pub struct RecordWriter {
    raw: NonNull<sys::seqfeat_record_writer>,
}

unsafe impl Send for RecordWriter {}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        unsafe { sys::seqfeat_record_writer_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for RecordWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordWriter").finish_non_exhaustive()
    }
}

impl RecordWriter {
    pub fn create<P: AsRef<Path>>(path: P, compression: Compression) -> Result<RecordWriter> {
        let p = path_string(path)?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_record_writer_open(p.as_ptr(), compression.code(), &mut out) })?;
        Ok(RecordWriter { raw: non_null(out, "record writer")? })
    }
    pub fn write(&mut self, record: &[u8]) -> Result<()> {
        check(unsafe {
            sys::seqfeat_record_writer_write(self.raw.as_ptr(), record.as_ptr().cast(), record.len())
        })
    }
    /// Flushes and closes the file, reporting write errors.
    pub fn close(self) -> Result<()> {
        check(unsafe { sys::seqfeat_record_writer_close(self.raw.as_ptr()) })
    }
}
