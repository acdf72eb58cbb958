//! The SequenceFeatures layer: packs the columns of a batch into one `[B, T, depth]` output.

use std::path::Path;
use std::ptr::{self, NonNull};

use seqfeat_sys as sys;

use crate::batch::Batch;
use crate::column::{AsColumn, ColumnRef};
use crate::error::{check, Error, ErrorCode, Result};
use crate::stats::Stats;
use crate::strings::{borrowed_str, c_string};
use crate::tensor::Tensor;

/// Keras `pad_sequences` names for where padding / truncation happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Padding {
    /// At the end (TF's behaviour; keep the first steps when truncating).
    #[default]
    Post,
    /// At the beginning.
    Pre,
}

impl Padding {
    fn to_raw(self) -> i32 {
        match self {
            Padding::Post => sys::SEQFEAT_PAD_POST,
            Padding::Pre => sys::SEQFEAT_PAD_PRE,
        }
    }
}

/// How [`SequenceFeatures::load`] provides the embedding tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TableStorage {
    /// Copied into writable memory (trainable).
    #[default]
    Copy,
    /// Memory-mapped read-only: processes serving one file share its pages.
    Mmap,
}

fn load_options(storage: TableStorage) -> sys::seqfeat_load_options {
    let mut opts = unsafe {
        let mut opts = std::mem::zeroed::<sys::seqfeat_load_options>();
        sys::seqfeat_load_options_default(&mut opts);
        opts
    };
    opts.tables = match storage {
        TableStorage::Copy => sys::SEQFEAT_TABLES_COPY,
        TableStorage::Mmap => sys::SEQFEAT_TABLES_MMAP,
    };
    opts
}

pub(crate) fn path_string(directory: &Path) -> Result<std::ffi::CString> {
    c_string("directory", directory.as_os_str().as_encoded_bytes().to_vec())
}

/// Options of one pack. The default is TF's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PackOptions {
    /// 0: T follows TF (`dense_shape[1]`, longest ragged row); > 0: fixed T.
    pub max_length: i64,
    pub padding: Padding,
    pub truncating: Padding,
    /// Invalid ids, OOV values without OOV buckets and truncated steps become errors.
    pub strict: bool,
    /// 0: the machine's cores; 1: the calling thread only.
    pub num_threads: i32,
}

impl PackOptions {
    pub fn new() -> PackOptions {
        PackOptions::default()
    }
    pub fn max_length(mut self, max_length: i64) -> Self {
        self.max_length = max_length;
        self
    }
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }
    pub fn truncating(mut self, truncating: Padding) -> Self {
        self.truncating = truncating;
        self
    }
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
    pub fn num_threads(mut self, num_threads: i32) -> Self {
        self.num_threads = num_threads;
        self
    }

    pub(crate) fn to_raw(self) -> sys::seqfeat_pack_options {
        let mut opts = unsafe {
            let mut opts = std::mem::zeroed::<sys::seqfeat_pack_options>();
            sys::seqfeat_pack_options_default(&mut opts);
            opts
        };
        opts.max_length = self.max_length;
        opts.padding = self.padding.to_raw();
        opts.truncating = self.truncating.to_raw();
        opts.strict = self.strict as i32;
        opts.num_threads = self.num_threads;
        opts
    }
}

/// Output shape of one batch: dense `[batch, steps, depth]`, lengths `[batch]`, mask
/// `[batch, steps]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputShape {
    pub batch: i64,
    pub steps: i64,
    pub depth: i64,
}

impl OutputShape {
    pub fn dense_len(&self) -> usize {
        (self.batch * self.steps * self.depth) as usize
    }
    pub fn lengths_len(&self) -> usize {
        self.batch as usize
    }
    pub fn mask_len(&self) -> usize {
        (self.batch * self.steps) as usize
    }
}

/// Output of [`SequenceFeatures::pack`].
#[derive(Debug)]
pub struct Packed {
    /// float32 `[B, T, depth]`
    pub dense: Tensor,
    /// int64 `[B]`
    pub sequence_length: Tensor,
    /// uint8 `[B, T]` when asked for.
    pub mask: Option<Tensor>,
}

/// TF's `SequenceFeatures(columns)`: the columns sorted by name, each packed into its slice of
/// the last axis. Immutable and shareable between threads (`Send + Sync`).
pub struct SequenceFeatures {
    raw: NonNull<sys::seqfeat_features>,
}

// SAFETY: the header promises a configured layer is immutable and usable from many threads.
unsafe impl Send for SequenceFeatures {}
unsafe impl Sync for SequenceFeatures {}

impl Drop for SequenceFeatures {
    fn drop(&mut self) {
        // SAFETY: we own the handle and free it exactly once.
        unsafe { sys::seqfeat_features_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for SequenceFeatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.columns().map(|c| c.name().to_owned())).finish()
    }
}

impl SequenceFeatures {
    /// Rejects an empty list, duplicate names and columns that are not dense sequence columns.
    /// The layer keeps its own references: the columns may be dropped afterwards.
    pub fn new<C: AsColumn>(columns: &[C]) -> Result<SequenceFeatures> {
        let raw: Vec<*const sys::seqfeat_column> =
            columns.iter().map(AsColumn::as_column_ptr).collect();
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_features_create(raw.as_ptr(), raw.len(), &mut out) })?;
        NonNull::new(out)
            .map(|raw| SequenceFeatures { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL layer"))
    }

    pub fn as_ptr(&self) -> *const sys::seqfeat_features {
        self.raw.as_ptr()
    }

    /// Writes `pipeline.json` and `tables.safetensors` into `directory` (created if missing),
    /// keeping the layer's name and call defaults.
    pub fn save(&self, directory: impl AsRef<Path>) -> Result<()> {
        let dir = path_string(directory.as_ref())?;
        check(unsafe { sys::seqfeat_features_save(self.as_ptr(), dir.as_ptr(), ptr::null()) })
    }

    /// The layer saved in `directory` by any language; the same batch packs to the same bytes.
    pub fn load(directory: impl AsRef<Path>, storage: TableStorage) -> Result<SequenceFeatures> {
        let dir = path_string(directory.as_ref())?;
        let opts = load_options(storage);
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_features_load(dir.as_ptr(), &opts, &mut out) })?;
        NonNull::new(out)
            .map(|raw| SequenceFeatures { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL layer"))
    }

    /// The layer's name ("sequence_features" unless loaded with another).
    pub fn name(&self) -> &str {
        // SAFETY: the name lives as long as the layer.
        unsafe { borrowed_str(sys::seqfeat_features_name(self.as_ptr())) }
    }

    /// The options used by [`SequenceFeatures::pack_with_defaults`]: TF's, or those saved with
    /// the layer.
    pub fn call_defaults(&self) -> Result<PackOptions> {
        let mut raw = PackOptions::default().to_raw();
        check(unsafe { sys::seqfeat_features_call_defaults(self.as_ptr(), &mut raw) })?;
        Ok(PackOptions {
            max_length: raw.max_length,
            padding: if raw.padding == sys::SEQFEAT_PAD_PRE { Padding::Pre } else { Padding::Post },
            truncating: if raw.truncating == sys::SEQFEAT_PAD_PRE {
                Padding::Pre
            } else {
                Padding::Post
            },
            strict: raw.strict != 0,
            num_threads: raw.num_threads,
        })
    }

    /// Packs with the layer's call defaults.
    pub fn pack_with_defaults(&self, batch: &Batch<'_>) -> Result<Packed> {
        self.pack(batch, &self.call_defaults()?, None)
    }

    /// The column named `name` (NotFound otherwise).
    pub fn find_column(&self, name: &str) -> Result<ColumnRef<'_>> {
        let name = c_string("name", name)?;
        let mut out = ptr::null();
        check(unsafe { sys::seqfeat_features_find_column(self.as_ptr(), name.as_ptr(), &mut out) })?;
        // SAFETY: borrowed from the layer, which it cannot outlive.
        unsafe { ColumnRef::from_raw(out) }
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL column"))
    }

    pub fn num_columns(&self) -> usize {
        unsafe { sys::seqfeat_features_num_columns(self.as_ptr()) }
    }

    /// Column `index` in layer (sorted) order.
    pub fn column(&self, index: usize) -> Option<ColumnRef<'_>> {
        // SAFETY: borrowed from the layer, which it cannot outlive.
        unsafe { ColumnRef::from_raw(sys::seqfeat_features_column(self.as_ptr(), index)) }
    }

    /// The columns in layer (sorted) order.
    pub fn columns(&self) -> impl Iterator<Item = ColumnRef<'_>> + '_ {
        (0..self.num_columns()).filter_map(move |i| self.column(i))
    }

    /// `(offset, width)` of column `index` in the last output axis.
    pub fn column_slice(&self, index: usize) -> Result<(i64, i64)> {
        let (mut offset, mut width) = (0i64, 0i64);
        check(unsafe {
            sys::seqfeat_features_column_slice(self.as_ptr(), index, &mut offset, &mut width)
        })?;
        Ok((offset, width))
    }

    /// ΣD, the size of the output's last axis.
    pub fn depth(&self) -> i64 {
        unsafe { sys::seqfeat_features_depth(self.as_ptr()) }
    }

    /// Output shape for this batch (runs the full validation).
    pub fn output_shape(&self, batch: &Batch<'_>, opts: &PackOptions) -> Result<OutputShape> {
        let raw_opts = opts.to_raw();
        let (mut b, mut t, mut d) = (0i64, 0i64, 0i64);
        check(unsafe {
            sys::seqfeat_features_output_shape(
                self.as_ptr(),
                batch.as_ptr(),
                &raw_opts,
                &mut b,
                &mut t,
                &mut d,
            )
        })?;
        Ok(OutputShape { batch: b, steps: t, depth: d })
    }

    /// Packs into caller buffers (see [`SequenceFeatures::output_shape`] for their sizes); a
    /// too-small buffer is [`ErrorCode::BufferTooSmall`] and nothing is written on failure.
    pub fn pack_into(
        &self,
        batch: &Batch<'_>,
        opts: &PackOptions,
        dense: &mut [f32],
        sequence_length: &mut [i64],
        mask: Option<&mut [u8]>,
        stats: Option<&mut Stats>,
    ) -> Result<()> {
        let raw_opts = opts.to_raw();
        let (mask_ptr, mask_len) = match mask {
            Some(mask) => (mask.as_mut_ptr(), mask.len()),
            None => (ptr::null_mut(), 0),
        };
        let stats_ptr = stats.map_or(ptr::null_mut(), Stats::as_mut_ptr);
        check(unsafe {
            sys::seqfeat_features_pack_into(
                self.as_ptr(),
                batch.as_ptr(),
                &raw_opts,
                dense.as_mut_ptr(),
                dense.len(),
                sequence_length.as_mut_ptr(),
                sequence_length.len(),
                mask_ptr,
                mask_len,
                stats_ptr,
            )
        })
    }

    /// Packs into library-owned tensors (no mask).
    pub fn pack(
        &self,
        batch: &Batch<'_>,
        opts: &PackOptions,
        stats: Option<&mut Stats>,
    ) -> Result<Packed> {
        self.pack_impl(batch, opts, false, stats)
    }

    /// Packs into library-owned tensors, with the `[B, T]` mask.
    pub fn pack_with_mask(
        &self,
        batch: &Batch<'_>,
        opts: &PackOptions,
        stats: Option<&mut Stats>,
    ) -> Result<Packed> {
        self.pack_impl(batch, opts, true, stats)
    }

    fn pack_impl(
        &self,
        batch: &Batch<'_>,
        opts: &PackOptions,
        with_mask: bool,
        stats: Option<&mut Stats>,
    ) -> Result<Packed> {
        let raw_opts = opts.to_raw();
        let mut dense = ptr::null_mut();
        let mut lengths = ptr::null_mut();
        let mut mask = ptr::null_mut();
        let stats_ptr = stats.map_or(ptr::null_mut(), Stats::as_mut_ptr);
        check(unsafe {
            sys::seqfeat_features_pack(
                self.as_ptr(),
                batch.as_ptr(),
                &raw_opts,
                &mut dense,
                &mut lengths,
                if with_mask { &mut mask } else { ptr::null_mut() },
                stats_ptr,
            )
        })?;
        // SAFETY: the handles were just created for us.
        unsafe {
            Ok(Packed {
                dense: Tensor::from_raw(dense)?,
                sequence_length: Tensor::from_raw(lengths)?,
                mask: if with_mask { Some(Tensor::from_raw(mask)?) } else { None },
            })
        }
    }
}

/// TF's `DenseFeatures(columns)` for context (non-sequence) columns: `[B, depth]`, columns
/// sorted by name. Immutable and shareable between threads (`Send + Sync`).
pub struct DenseFeatures {
    raw: NonNull<sys::seqfeat_dense_features>,
}

// SAFETY: the header promises a configured layer is immutable and usable from many threads.
unsafe impl Send for DenseFeatures {}
unsafe impl Sync for DenseFeatures {}

impl Drop for DenseFeatures {
    fn drop(&mut self) {
        // SAFETY: we own the handle and free it exactly once.
        unsafe { sys::seqfeat_dense_features_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for DenseFeatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseFeatures").field("depth", &self.depth()).finish()
    }
}

impl DenseFeatures {
    /// Rejects sequence numeric columns (embeddings and indicators over sequence categorical
    /// columns are rejected when packing, as TF does).
    pub fn new<C: AsColumn>(columns: &[C]) -> Result<DenseFeatures> {
        let raw: Vec<*const sys::seqfeat_column> =
            columns.iter().map(AsColumn::as_column_ptr).collect();
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_dense_features_create(raw.as_ptr(), raw.len(), &mut out) })?;
        NonNull::new(out)
            .map(|raw| DenseFeatures { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL layer"))
    }

    pub fn as_ptr(&self) -> *const sys::seqfeat_dense_features {
        self.raw.as_ptr()
    }

    /// Writes `pipeline.json` and `tables.safetensors` into `directory`.
    pub fn save(&self, directory: impl AsRef<Path>) -> Result<()> {
        let dir = path_string(directory.as_ref())?;
        check(unsafe {
            sys::seqfeat_dense_features_save(self.as_ptr(), dir.as_ptr(), ptr::null())
        })
    }

    /// The DenseFeatures layer saved in `directory`.
    pub fn load(directory: impl AsRef<Path>, storage: TableStorage) -> Result<DenseFeatures> {
        let dir = path_string(directory.as_ref())?;
        let opts = load_options(storage);
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_dense_features_load(dir.as_ptr(), &opts, &mut out) })?;
        NonNull::new(out)
            .map(|raw| DenseFeatures { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL layer"))
    }

    /// The column named `name` (NotFound otherwise).
    pub fn find_column(&self, name: &str) -> Result<ColumnRef<'_>> {
        let name = c_string("name", name)?;
        let mut out = ptr::null();
        check(unsafe {
            sys::seqfeat_dense_features_find_column(self.as_ptr(), name.as_ptr(), &mut out)
        })?;
        // SAFETY: borrowed from the layer, which it cannot outlive.
        unsafe { ColumnRef::from_raw(out) }
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL column"))
    }

    /// ΣD, the size of the output's last axis.
    pub fn depth(&self) -> i64 {
        unsafe { sys::seqfeat_dense_features_depth(self.as_ptr()) }
    }

    /// `(batch, depth)` for this batch (runs the full validation).
    pub fn output_shape(&self, batch: &Batch<'_>) -> Result<(i64, i64)> {
        let (mut b, mut d) = (0i64, 0i64);
        check(unsafe {
            sys::seqfeat_dense_features_output_shape(self.as_ptr(), batch.as_ptr(), &mut b, &mut d)
        })?;
        Ok((b, d))
    }

    /// Packs `[batch, depth]` into `out`; nothing is written on failure.
    pub fn pack_into(&self, batch: &Batch<'_>, out: &mut [f32]) -> Result<()> {
        check(unsafe {
            sys::seqfeat_dense_features_pack_into(
                self.as_ptr(),
                batch.as_ptr(),
                out.as_mut_ptr(),
                out.len(),
            )
        })
    }

    /// Packs into a new `[batch * depth]` vector.
    pub fn pack(&self, batch: &Batch<'_>) -> Result<Vec<f32>> {
        let (b, d) = self.output_shape(batch)?;
        let mut out = vec![0f32; (b * d) as usize];
        self.pack_into(batch, &mut out)?;
        Ok(out)
    }
}

/// TF's `concatenate_context_input`: `out[b, t] = concat(sequence[b, t, :], context[b, :])`.
/// `sequence` is `[batch, steps, sequence_depth]`, `context` is `[batch, context_depth]`.
pub fn concatenate_context_input(
    context: &[f32],
    context_depth: usize,
    sequence: &[f32],
    batch: usize,
    steps: usize,
    sequence_depth: usize,
) -> Result<Vec<f32>> {
    let out_len = batch * steps * (sequence_depth + context_depth);
    if context.len() != batch * context_depth {
        return Err(Error::invalid_argument(format!(
            "context_input has {} values, expected batch * context_depth = {} * {}",
            context.len(),
            batch,
            context_depth
        )));
    }
    if sequence.len() != batch * steps * sequence_depth {
        return Err(Error::invalid_argument(format!(
            "sequence_input has {} values, expected batch * steps * depth = {} * {} * {}",
            sequence.len(),
            batch,
            steps,
            sequence_depth
        )));
    }
    let mut out = vec![0f32; out_len];
    check(unsafe {
        sys::seqfeat_concatenate_context_input(
            context.as_ptr(),
            context_depth as i64,
            sequence.as_ptr(),
            batch as i64,
            steps as i64,
            sequence_depth as i64,
            out.as_mut_ptr(),
            out.len(),
        )
    })?;
    Ok(out)
}
