//! Feature columns: owned handles, borrowed views and one builder per column kind.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{self, NonNull};

use seqfeat_sys as sys;

use crate::batch::Batch;
use crate::dtype::DType;
use crate::error::{check, Error, ErrorCode, Result};
use crate::strings::{borrowed_str, c_string, StringBuffer};
use crate::tensor::Tensor;

/// `SEQFEAT_COLUMN_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    Numeric,
    Identity,
    HashBucket,
    VocabularyList,
    VocabularyFile,
    Weighted,
    Embedding,
    SharedEmbedding,
    Indicator,
    /// A kind this version of the crate does not know (a newer library).
    Other(i32),
}

impl ColumnKind {
    fn from_raw(raw: i32) -> ColumnKind {
        match raw {
            sys::SEQFEAT_COLUMN_NUMERIC => ColumnKind::Numeric,
            sys::SEQFEAT_COLUMN_IDENTITY => ColumnKind::Identity,
            sys::SEQFEAT_COLUMN_HASH_BUCKET => ColumnKind::HashBucket,
            sys::SEQFEAT_COLUMN_VOCABULARY_LIST => ColumnKind::VocabularyList,
            sys::SEQFEAT_COLUMN_VOCABULARY_FILE => ColumnKind::VocabularyFile,
            sys::SEQFEAT_COLUMN_WEIGHTED => ColumnKind::Weighted,
            sys::SEQFEAT_COLUMN_EMBEDDING => ColumnKind::Embedding,
            sys::SEQFEAT_COLUMN_SHARED_EMBEDDING => ColumnKind::SharedEmbedding,
            sys::SEQFEAT_COLUMN_INDICATOR => ColumnKind::Indicator,
            other => ColumnKind::Other(other),
        }
    }

    /// Categorical kinds (identity, hash bucket, vocabularies, weighted).
    pub fn is_categorical(self) -> bool {
        matches!(
            self,
            ColumnKind::Identity
                | ColumnKind::HashBucket
                | ColumnKind::VocabularyList
                | ColumnKind::VocabularyFile
                | ColumnKind::Weighted
        )
    }
}

/// `SEQFEAT_COMBINER_*`: how the embeddings of one step's ids are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Combiner {
    Sum,
    /// TF's default.
    #[default]
    Mean,
    Sqrtn,
}

impl Combiner {
    fn to_raw(self) -> i32 {
        match self {
            Combiner::Sum => sys::SEQFEAT_COMBINER_SUM,
            Combiner::Mean => sys::SEQFEAT_COMBINER_MEAN,
            Combiner::Sqrtn => sys::SEQFEAT_COMBINER_SQRTN,
        }
    }
}

/// Value-wise normalizer of a numeric column, applied to present values only (never padding).
#[derive(Debug, Clone, Copy, Default)]
pub enum Normalizer {
    #[default]
    None,
    /// `x * scale + shift`
    ScaleShift { scale: f32, shift: f32 },
    /// `(x - mean) / stddev`
    ZScore { mean: f32, stddev: f32 },
    /// `ln(1 + x)`
    Log1p,
    /// `min(max(x, min), max)`
    Clip { min: f32, max: f32 },
    /// Any function of one value. A panic inside it yields NaN (it cannot unwind into C).
    Callback(fn(f32) -> f32),
}

unsafe extern "C" fn normalizer_trampoline(value: f32, user_data: *mut c_void) -> f32 {
    // SAFETY: user_data is the `fn(f32) -> f32` stored by NumericBuilder::build; function
    // pointers are 'static, so it stays valid for as long as the library keeps the column.
    let f = std::mem::transmute::<*mut c_void, fn(f32) -> f32>(user_data);
    std::panic::catch_unwind(|| f(value)).unwrap_or(f32::NAN)
}

/// Anything that can be passed where the C ABI wants a `const seqfeat_column*`.
pub trait AsColumn {
    fn as_column_ptr(&self) -> *const sys::seqfeat_column;
}

impl<T: AsColumn + ?Sized> AsColumn for &T {
    fn as_column_ptr(&self) -> *const sys::seqfeat_column {
        (**self).as_column_ptr()
    }
}

/// An owned feature column. Columns are immutable (except for embedding tables, see
/// [`Column::table_set`]) and may be shared between threads; the library reference-counts them,
/// so dropping a column that an embedding column or a layer still uses is safe.
pub struct Column {
    raw: NonNull<sys::seqfeat_column>,
}

// SAFETY: the header promises columns are immutable and usable from any number of threads.
unsafe impl Send for Column {}
unsafe impl Sync for Column {}

impl Drop for Column {
    fn drop(&mut self) {
        // SAFETY: we own the handle and free it exactly once.
        unsafe { sys::seqfeat_column_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Column").field("name", &self.name()).field("kind", &self.kind()).finish()
    }
}

impl AsColumn for Column {
    fn as_column_ptr(&self) -> *const sys::seqfeat_column {
        self.raw.as_ptr()
    }
}

/// A column borrowed from its parent (the categorical column inside an embedding column, a
/// column of a layer); valid while the parent lives.
#[derive(Clone, Copy)]
pub struct ColumnRef<'a> {
    raw: NonNull<sys::seqfeat_column>,
    _parent: PhantomData<&'a Column>,
}

// SAFETY: a view of an immutable, thread-safe column.
unsafe impl Send for ColumnRef<'_> {}
unsafe impl Sync for ColumnRef<'_> {}

impl AsColumn for ColumnRef<'_> {
    fn as_column_ptr(&self) -> *const sys::seqfeat_column {
        self.raw.as_ptr()
    }
}

impl std::fmt::Debug for ColumnRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColumnRef").field("name", &self.name()).field("kind", &self.kind()).finish()
    }
}

impl<'a> ColumnRef<'a> {
    /// An owned handle to the same column (the library counts references): it outlives the
    /// parent, and through it a borrowed column's embedding table can be changed
    /// ([`Column::table_set`]), e.g. the table of a loaded layer's column.
    pub fn retain(&self) -> Result<Column> {
        let mut out = std::ptr::null_mut();
        // SAFETY: self.raw is a live column; out receives a new handle that Column frees.
        unsafe {
            check(sys::seqfeat_column_retain(self.raw.as_ptr(), &mut out))?;
            Column::from_raw(out)
        }
    }

    /// # Safety
    /// `raw` must be NULL or a column that outlives `'a`.
    pub(crate) unsafe fn from_raw(raw: *const sys::seqfeat_column) -> Option<ColumnRef<'a>> {
        NonNull::new(raw as *mut sys::seqfeat_column)
            .map(|raw| ColumnRef { raw, _parent: PhantomData })
    }
}

/// Sparse id tensors of a categorical column (TF's `get_sparse_tensors`).
#[derive(Debug)]
pub struct SparseTensors {
    /// int64 `[N, R]`
    pub indices: Tensor,
    /// int64 `[N]`
    pub ids: Tensor,
    /// int64 `[R]`
    pub dense_shape: Tensor,
    /// float32 `[N]` for weighted columns.
    pub weights: Option<Tensor>,
}

/// The read-only queries shared by [`Column`] and [`ColumnRef`].
macro_rules! column_queries {
    ($ty:ty) => {
        impl $ty {
            pub fn as_ptr(&self) -> *const sys::seqfeat_column {
                self.raw.as_ptr()
            }

            /// The column's name (`key`, `<key>_embedding`, `<key>_indicator`, ...).
            pub fn name(&self) -> &str {
                // SAFETY: borrowed from a live column.
                unsafe { borrowed_str(sys::seqfeat_column_name(self.as_ptr())) }
            }

            pub fn kind(&self) -> ColumnKind {
                ColumnKind::from_raw(unsafe { sys::seqfeat_column_kind(self.as_ptr()) })
            }

            /// True for sequence columns (a dense column is one if its categorical column is).
            pub fn is_sequence(&self) -> bool {
                unsafe { sys::seqfeat_column_is_sequence(self.as_ptr()) != 0 }
            }

            /// `num_buckets` of a categorical column (of the wrapped one for dense columns).
            pub fn num_buckets(&self) -> Result<i64> {
                let mut out = 0i64;
                check(unsafe { sys::seqfeat_column_num_buckets(self.as_ptr(), &mut out) })?;
                Ok(out)
            }

            /// `variable_shape`: the numeric shape, `[dimension]`, or `[num_buckets]`.
            pub fn variable_shape(&self) -> Result<Vec<i64>> {
                let mut shape = vec![0i64; 8];
                let mut rank = 0usize;
                let first = check(unsafe {
                    sys::seqfeat_column_variable_shape(
                        self.as_ptr(),
                        shape.as_mut_ptr(),
                        shape.len(),
                        &mut rank,
                    )
                });
                let too_small = matches!(&first, Err(e) if e.code() == ErrorCode::BufferTooSmall);
                if too_small || (first.is_ok() && rank > shape.len()) {
                    // Ask for the rank alone, then for exactly that many dims.
                    check(unsafe {
                        sys::seqfeat_column_variable_shape(
                            self.as_ptr(),
                            ptr::null_mut(),
                            0,
                            &mut rank,
                        )
                    })?;
                    shape.resize(rank, 0);
                    check(unsafe {
                        sys::seqfeat_column_variable_shape(
                            self.as_ptr(),
                            shape.as_mut_ptr(),
                            shape.len(),
                            &mut rank,
                        )
                    })?;
                } else {
                    first?;
                }
                shape.truncate(rank);
                Ok(shape)
            }

            /// The categorical column wrapped by an embedding, indicator or weighted column.
            pub fn categorical(&self) -> Result<ColumnRef<'_>> {
                let mut out: *const sys::seqfeat_column = ptr::null();
                check(unsafe { sys::seqfeat_column_categorical(self.as_ptr(), &mut out) })?;
                // SAFETY: borrowed from self, which it cannot outlive.
                unsafe { ColumnRef::from_raw(out) }.ok_or_else(|| {
                    Error::new(ErrorCode::Internal, "seqfeat_column_categorical gave NULL")
                })
            }

            /// `(rows, dimension)` of an embedding column's table.
            pub fn table_shape(&self) -> Result<(i64, i64)> {
                let (mut rows, mut dimension) = (0i64, 0i64);
                check(unsafe {
                    sys::seqfeat_column_table_shape(self.as_ptr(), &mut rows, &mut dimension)
                })?;
                Ok((rows, dimension))
            }

            /// The table (variable) name, e.g. `aaa_bbb_shared_embedding`.
            pub fn table_name(&self) -> Result<String> {
                let mut out: *const std::os::raw::c_char = ptr::null();
                check(unsafe { sys::seqfeat_column_table_name(self.as_ptr(), &mut out) })?;
                Ok(unsafe { borrowed_str(out) }.to_owned())
            }

            /// Copies the row-major table into `out` (`rows * dimension` values).
            pub fn table_get_into(&self, out: &mut [f32]) -> Result<()> {
                check(unsafe {
                    sys::seqfeat_column_table_get(self.as_ptr(), out.as_mut_ptr(), out.len())
                })
            }

            /// False when the table is a read-only memory-mapped view (a layer loaded with
            /// [`crate::TableStorage::Mmap`]); setting or training it fails.
            pub fn table_writable(&self) -> Result<bool> {
                let mut out = 0i32;
                check(unsafe { sys::seqfeat_column_table_writable(self.as_ptr(), &mut out) })?;
                Ok(out != 0)
            }

            /// A copy of the row-major table.
            pub fn table_get(&self) -> Result<Vec<f32>> {
                let (rows, dimension) = self.table_shape()?;
                let mut out = vec![0f32; (rows * dimension) as usize];
                self.table_get_into(&mut out)?;
                Ok(out)
            }

            /// TF's `get_sequence_dense_tensor`: dense float32 `[B, T, width]` and lengths
            /// int64 `[B]`.
            pub fn get_sequence_dense_tensor(&self, batch: &Batch<'_>) -> Result<(Tensor, Tensor)> {
                let mut dense = ptr::null_mut();
                let mut lengths = ptr::null_mut();
                check(unsafe {
                    sys::seqfeat_column_get_sequence_dense_tensor(
                        self.as_ptr(),
                        batch.as_ptr(),
                        &mut dense,
                        &mut lengths,
                    )
                })?;
                // SAFETY: both handles were just created for us.
                unsafe { Ok((Tensor::from_raw(dense)?, Tensor::from_raw(lengths)?)) }
            }

            /// TF's `get_sparse_tensors`: the id stage of a categorical column.
            pub fn get_sparse_tensors(&self, batch: &Batch<'_>) -> Result<SparseTensors> {
                let mut indices = ptr::null_mut();
                let mut ids = ptr::null_mut();
                let mut dense_shape = ptr::null_mut();
                let mut weights = ptr::null_mut();
                check(unsafe {
                    sys::seqfeat_column_get_sparse_tensors(
                        self.as_ptr(),
                        batch.as_ptr(),
                        &mut indices,
                        &mut ids,
                        &mut dense_shape,
                        &mut weights,
                    )
                })?;
                // SAFETY: the handles were just created for us; weights may be NULL.
                unsafe {
                    Ok(SparseTensors {
                        indices: Tensor::from_raw(indices)?,
                        ids: Tensor::from_raw(ids)?,
                        dense_shape: Tensor::from_raw(dense_shape)?,
                        weights: if weights.is_null() {
                            None
                        } else {
                            Some(Tensor::from_raw(weights)?)
                        },
                    })
                }
            }
        }
    };
}

column_queries!(Column);
column_queries!(ColumnRef<'_>);

impl Column {
    /// Overwrites the table (`rows * dimension` values); every column sharing the table sees
    /// the change. Only the owner of an embedding column can do this, not a [`ColumnRef`].
    ///
    /// # Safety
    /// No pack or column call that reads this table (through this column, a column sharing its
    /// table, or a layer holding either) may run at the same time on another thread. Set initial
    /// values with `initial_table` on the builder to avoid this.
    pub unsafe fn table_set(&self, values: &[f32]) -> Result<()> {
        check(sys::seqfeat_column_table_set(self.raw.as_ptr(), values.as_ptr(), values.len()))
    }

    /// # Safety
    /// `raw` must be a handle the caller owns (freshly created).
    unsafe fn from_raw(raw: *mut sys::seqfeat_column) -> Result<Column> {
        NonNull::new(raw)
            .map(|raw| Column { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL column"))
    }

    /// A borrowed view of this column.
    pub fn view(&self) -> ColumnRef<'_> {
        ColumnRef { raw: self.raw, _parent: PhantomData }
    }

    /// `sequence_numeric_column(key)` (or `numeric_column` with `.sequence(false)`).
    pub fn numeric(key: &str) -> NumericBuilder {
        NumericBuilder {
            key: key.to_owned(),
            sequence: true,
            shape: Vec::new(),
            default_value: 0.0,
            dtype: DType::Float32,
            normalizer: Normalizer::None,
        }
    }

    /// `sequence_categorical_column_with_identity(key, num_buckets)`.
    pub fn identity(key: &str, num_buckets: i64) -> IdentityBuilder {
        IdentityBuilder {
            key: key.to_owned(),
            sequence: true,
            num_buckets,
            default_value: sys::SEQFEAT_NO_DEFAULT,
        }
    }

    /// `sequence_categorical_column_with_hash_bucket(key, hash_bucket_size)`, strings by default.
    pub fn hash_bucket(key: &str, hash_bucket_size: i64) -> HashBucketBuilder {
        HashBucketBuilder {
            key: key.to_owned(),
            sequence: true,
            hash_bucket_size,
            dtype: DType::String,
        }
    }

    /// `sequence_categorical_column_with_vocabulary_list(key, vocabulary_list)` over strings
    /// (the list is copied).
    pub fn vocabulary_list<S: AsRef<[u8]>>(key: &str, vocabulary: &[S]) -> VocabularyListBuilder {
        VocabularyListBuilder {
            key: key.to_owned(),
            sequence: true,
            vocabulary: Vocabulary::Strings(StringBuffer::from_values(vocabulary), vocabulary.len()),
            dtype: DType::String,
            default_value: -1,
            num_oov_buckets: 0,
        }
    }

    /// `sequence_categorical_column_with_vocabulary_list(key, vocabulary_list)` over integers;
    /// the column accepts int64 inputs unless `.dtype(DType::Int32)` is given.
    pub fn vocabulary_list_ints(key: &str, vocabulary: &[i64]) -> VocabularyListBuilder {
        VocabularyListBuilder {
            key: key.to_owned(),
            sequence: true,
            vocabulary: Vocabulary::Ints(vocabulary.to_vec()),
            dtype: DType::Int64,
            default_value: -1,
            num_oov_buckets: 0,
        }
    }

    /// `sequence_categorical_column_with_vocabulary_file(key, vocabulary_file)`; the file is read
    /// by `build()`.
    pub fn vocabulary_file(key: &str, vocabulary_file: impl AsRef<Path>) -> VocabularyFileBuilder {
        VocabularyFileBuilder {
            key: key.to_owned(),
            sequence: true,
            path: vocabulary_file.as_ref().as_os_str().as_bytes().to_vec(),
            vocabulary_size: -1,
            num_oov_buckets: 0,
            default_value: sys::SEQFEAT_NO_DEFAULT,
            dtype: DType::String,
        }
    }

    /// `weighted_categorical_column(categorical, weight_feature_key)`, float32 weights.
    pub fn weighted<'a>(
        categorical: &'a impl AsColumn,
        weight_feature_key: &str,
    ) -> WeightedBuilder<'a> {
        WeightedBuilder {
            categorical: categorical.as_column_ptr(),
            weight_feature_key: weight_feature_key.to_owned(),
            dtype: DType::Float32,
            _categorical: PhantomData,
        }
    }

    /// `embedding_column(categorical, dimension)`.
    pub fn embedding<'a>(categorical: &'a impl AsColumn, dimension: i64) -> EmbeddingBuilder<'a> {
        EmbeddingBuilder {
            categorical: categorical.as_column_ptr(),
            options: EmbeddingOptions::new(dimension),
            _categorical: PhantomData,
        }
    }

    /// `indicator_column(categorical)`.
    pub fn indicator(categorical: &impl AsColumn) -> IndicatorBuilder<'_> {
        IndicatorBuilder { categorical: categorical.as_column_ptr(), _categorical: PhantomData }
    }

    /// `shared_embeddings(categorical_columns, dimension)`: one table for all columns.
    pub fn shared_embeddings<'a, C: AsColumn>(
        categorical: &'a [C],
        dimension: i64,
    ) -> SharedEmbeddingsBuilder<'a> {
        SharedEmbeddingsBuilder {
            categorical: categorical.iter().map(AsColumn::as_column_ptr).collect(),
            options: EmbeddingOptions::new(dimension),
            collection_name: None,
            _categorical: PhantomData,
        }
    }
}

fn create_column(f: impl FnOnce(*mut *mut sys::seqfeat_column) -> i32) -> Result<Column> {
    let mut out = ptr::null_mut();
    check(f(&mut out))?;
    // SAFETY: the call succeeded and wrote a handle we now own.
    unsafe { Column::from_raw(out) }
}

/// Builder of a (sequence) numeric column.
#[derive(Debug, Clone)]
pub struct NumericBuilder {
    key: String,
    sequence: bool,
    shape: Vec<i64>,
    default_value: f32,
    dtype: DType,
    normalizer: Normalizer,
}

impl NumericBuilder {
    /// false builds TF's non-sequence `numeric_column`.
    pub fn sequence(mut self, sequence: bool) -> Self {
        self.sequence = sequence;
        self
    }
    /// Per-step shape; `(1,)` by default.
    pub fn shape(mut self, shape: &[i64]) -> Self {
        self.shape = shape.to_vec();
        self
    }
    /// Fills missing positions (gaps and padding); 0 by default.
    pub fn default_value(mut self, default_value: f32) -> Self {
        self.default_value = default_value;
        self
    }
    /// Declared dtype: float32 by default, or another int/float type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    pub fn normalizer(mut self, normalizer: Normalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    pub fn build(self) -> Result<Column> {
        let key = c_string("column key", self.key)?;
        let mut opts = unsafe {
            let mut opts = std::mem::zeroed::<sys::seqfeat_numeric_options>();
            sys::seqfeat_numeric_options_default(&mut opts);
            opts
        };
        if !self.shape.is_empty() {
            opts.shape = self.shape.as_ptr();
            opts.shape_rank = self.shape.len();
        }
        opts.default_value = self.default_value;
        opts.dtype = self.dtype.to_raw();
        let (kind, a, b) = match self.normalizer {
            Normalizer::None => (sys::SEQFEAT_NORMALIZER_NONE, 0.0, 0.0),
            Normalizer::ScaleShift { scale, shift } => {
                (sys::SEQFEAT_NORMALIZER_SCALE_SHIFT, scale, shift)
            }
            Normalizer::ZScore { mean, stddev } => (sys::SEQFEAT_NORMALIZER_ZSCORE, mean, stddev),
            Normalizer::Log1p => (sys::SEQFEAT_NORMALIZER_LOG1P, 0.0, 0.0),
            Normalizer::Clip { min, max } => (sys::SEQFEAT_NORMALIZER_CLIP, min, max),
            Normalizer::Callback(f) => {
                opts.normalizer_fn = Some(normalizer_trampoline);
                opts.normalizer_user_data = f as *mut c_void;
                (sys::SEQFEAT_NORMALIZER_CALLBACK, 0.0, 0.0)
            }
        };
        opts.normalizer = kind;
        opts.normalizer_a = a;
        opts.normalizer_b = b;
        create_column(|out| unsafe {
            sys::seqfeat_numeric_column_create(key.as_ptr(), self.sequence as i32, &opts, out)
        })
    }
}

/// Builder of a (sequence) identity column.
#[derive(Debug, Clone)]
pub struct IdentityBuilder {
    key: String,
    sequence: bool,
    num_buckets: i64,
    default_value: i64,
}

impl IdentityBuilder {
    pub fn sequence(mut self, sequence: bool) -> Self {
        self.sequence = sequence;
        self
    }
    /// Replaces ids outside `[0, num_buckets)`; no default (no range check) if not given.
    pub fn default_value(mut self, default_value: i64) -> Self {
        self.default_value = default_value;
        self
    }
    pub fn build(self) -> Result<Column> {
        let key = c_string("column key", self.key)?;
        create_column(|out| unsafe {
            sys::seqfeat_identity_column_create(
                key.as_ptr(),
                self.sequence as i32,
                self.num_buckets,
                self.default_value,
                out,
            )
        })
    }
}

/// Builder of a (sequence) hash-bucket column.
#[derive(Debug, Clone)]
pub struct HashBucketBuilder {
    key: String,
    sequence: bool,
    hash_bucket_size: i64,
    dtype: DType,
}

impl HashBucketBuilder {
    pub fn sequence(mut self, sequence: bool) -> Self {
        self.sequence = sequence;
        self
    }
    /// `DType::String` (default), `Int32` or `Int64` (integers hash as their decimal string).
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    pub fn build(self) -> Result<Column> {
        let key = c_string("column key", self.key)?;
        create_column(|out| unsafe {
            sys::seqfeat_hash_bucket_column_create(
                key.as_ptr(),
                self.sequence as i32,
                self.hash_bucket_size,
                self.dtype.to_raw(),
                out,
            )
        })
    }
}

#[derive(Debug, Clone)]
enum Vocabulary {
    Strings(StringBuffer, usize),
    Ints(Vec<i64>),
}

/// Builder of a (sequence) vocabulary-list column.
#[derive(Debug, Clone)]
pub struct VocabularyListBuilder {
    key: String,
    sequence: bool,
    vocabulary: Vocabulary,
    dtype: DType,
    default_value: i64,
    num_oov_buckets: i64,
}

impl VocabularyListBuilder {
    pub fn sequence(mut self, sequence: bool) -> Self {
        self.sequence = sequence;
        self
    }
    /// Input dtype family of an integer vocabulary: `Int64` (default) or `Int32`.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Id of values not in the list when there are no OOV buckets (-1 by default).
    pub fn default_value(mut self, default_value: i64) -> Self {
        self.default_value = default_value;
        self
    }
    pub fn num_oov_buckets(mut self, num_oov_buckets: i64) -> Self {
        self.num_oov_buckets = num_oov_buckets;
        self
    }
    pub fn build(self) -> Result<Column> {
        let key = c_string("column key", self.key)?;
        match &self.vocabulary {
            Vocabulary::Strings(buffer, count) => {
                if self.dtype != DType::String {
                    return Err(Error::new(
                        ErrorCode::DtypeMismatch,
                        format!(
                            "dtype {:?} and vocabulary dtype string do not match, column_name: {}",
                            self.dtype,
                            key.to_string_lossy()
                        ),
                    ));
                }
                let view = buffer.view();
                create_column(|out| unsafe {
                    sys::seqfeat_vocabulary_list_column_create_strings(
                        key.as_ptr(),
                        self.sequence as i32,
                        view.offsets_ptr(),
                        view.bytes_ptr(),
                        *count,
                        self.default_value,
                        self.num_oov_buckets,
                        out,
                    )
                })
            }
            Vocabulary::Ints(values) => create_column(|out| unsafe {
                sys::seqfeat_vocabulary_list_column_create_ints(
                    key.as_ptr(),
                    self.sequence as i32,
                    values.as_ptr(),
                    values.len(),
                    self.dtype.to_raw(),
                    self.default_value,
                    self.num_oov_buckets,
                    out,
                )
            }),
        }
    }
}

/// Builder of a (sequence) vocabulary-file column.
#[derive(Debug, Clone)]
pub struct VocabularyFileBuilder {
    key: String,
    sequence: bool,
    path: Vec<u8>,
    vocabulary_size: i64,
    num_oov_buckets: i64,
    default_value: i64,
    dtype: DType,
}

impl VocabularyFileBuilder {
    pub fn sequence(mut self, sequence: bool) -> Self {
        self.sequence = sequence;
        self
    }
    /// Use the first `vocabulary_size` lines; all lines by default.
    pub fn vocabulary_size(mut self, vocabulary_size: i64) -> Self {
        self.vocabulary_size = vocabulary_size;
        self
    }
    pub fn num_oov_buckets(mut self, num_oov_buckets: i64) -> Self {
        self.num_oov_buckets = num_oov_buckets;
        self
    }
    /// Id of values not in the file when there are no OOV buckets (-1 if not given).
    pub fn default_value(mut self, default_value: i64) -> Self {
        self.default_value = default_value;
        self
    }
    /// `DType::String` (default) or an integer type (each line parsed as int64).
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    pub fn build(self) -> Result<Column> {
        let key = c_string("column key", self.key)?;
        let path = c_string("vocabulary_file", self.path)?;
        create_column(|out| unsafe {
            sys::seqfeat_vocabulary_file_column_create(
                key.as_ptr(),
                self.sequence as i32,
                path.as_ptr(),
                self.vocabulary_size,
                self.num_oov_buckets,
                self.default_value,
                self.dtype.to_raw(),
                out,
            )
        })
    }
}

/// Builder of a weighted categorical column.
#[derive(Debug, Clone)]
pub struct WeightedBuilder<'a> {
    categorical: *const sys::seqfeat_column,
    weight_feature_key: String,
    dtype: DType,
    _categorical: PhantomData<&'a Column>,
}

impl WeightedBuilder<'_> {
    /// Weight dtype: float32 (default), float64 or an integer type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    pub fn build(self) -> Result<Column> {
        let key = c_string("weight_feature_key", self.weight_feature_key)?;
        create_column(|out| unsafe {
            sys::seqfeat_weighted_column_create(
                self.categorical,
                key.as_ptr(),
                self.dtype.to_raw(),
                out,
            )
        })
    }
}

#[derive(Debug, Clone)]
struct EmbeddingOptions<'a> {
    dimension: i64,
    combiner: Combiner,
    max_norm: Option<f32>,
    trainable: bool,
    seed: Option<u64>,
    initial_table: Option<&'a [f32]>,
}

impl<'a> EmbeddingOptions<'a> {
    fn new(dimension: i64) -> Self {
        EmbeddingOptions {
            dimension,
            combiner: Combiner::Mean,
            max_norm: None,
            trainable: true,
            seed: None,
            initial_table: None,
        }
    }

    fn to_raw(&self) -> sys::seqfeat_embedding_options {
        let mut opts = unsafe {
            let mut opts = std::mem::zeroed::<sys::seqfeat_embedding_options>();
            sys::seqfeat_embedding_options_default(&mut opts);
            opts
        };
        opts.dimension = self.dimension;
        opts.combiner = self.combiner.to_raw();
        if let Some(max_norm) = self.max_norm {
            opts.has_max_norm = 1;
            opts.max_norm = max_norm;
        }
        opts.trainable = self.trainable as i32;
        if let Some(seed) = self.seed {
            opts.seed = seed;
        }
        if let Some(table) = self.initial_table {
            opts.initial_table = table.as_ptr();
            opts.initial_table_count = table.len();
        }
        opts
    }
}

macro_rules! embedding_setters {
    () => {
        /// Combiner of the ids of one step; mean by default.
        pub fn combiner(mut self, combiner: Combiner) -> Self {
            self.options.combiner = combiner;
            self
        }
        /// Clip each looked-up row to this L2 norm before combining.
        pub fn max_norm(mut self, max_norm: f32) -> Self {
            self.options.max_norm = Some(max_norm);
            self
        }
        pub fn trainable(mut self, trainable: bool) -> Self {
            self.options.trainable = trainable;
            self
        }
        /// Seed of the default truncated-normal initializer.
        pub fn seed(mut self, seed: u64) -> Self {
            self.options.seed = Some(seed);
            self
        }
        /// Initial row-major table of `num_buckets * dimension` values (copied by `build`).
        pub fn initial_table(mut self, table: &'a [f32]) -> Self {
            self.options.initial_table = Some(table);
            self
        }
    };
}

/// Builder of an embedding column.
#[derive(Debug, Clone)]
pub struct EmbeddingBuilder<'a> {
    categorical: *const sys::seqfeat_column,
    options: EmbeddingOptions<'a>,
    _categorical: PhantomData<&'a Column>,
}

impl<'a> EmbeddingBuilder<'a> {
    embedding_setters!();

    pub fn build(self) -> Result<Column> {
        let opts = self.options.to_raw();
        create_column(|out| unsafe {
            sys::seqfeat_embedding_column_create(self.categorical, &opts, out)
        })
    }
}

/// Builder of shared embedding columns (one table).
#[derive(Debug, Clone)]
pub struct SharedEmbeddingsBuilder<'a> {
    categorical: Vec<*const sys::seqfeat_column>,
    options: EmbeddingOptions<'a>,
    collection_name: Option<String>,
    _categorical: PhantomData<&'a Column>,
}

impl<'a> SharedEmbeddingsBuilder<'a> {
    embedding_setters!();

    /// Name of the shared table; `'_'.join(sorted names) + '_shared_embedding'` by default.
    pub fn collection_name(mut self, name: &str) -> Self {
        self.collection_name = Some(name.to_owned());
        self
    }

    /// One column per categorical column, in input order.
    pub fn build(self) -> Result<Vec<Column>> {
        let opts = self.options.to_raw();
        let name = self.collection_name.map(|n| c_string("collection_name", n)).transpose()?;
        let name_ptr = name.as_ref().map_or(ptr::null(), |n| n.as_ptr());
        let mut out: Vec<*mut sys::seqfeat_column> = vec![ptr::null_mut(); self.categorical.len()];
        check(unsafe {
            sys::seqfeat_shared_embeddings_create(
                self.categorical.as_ptr(),
                self.categorical.len(),
                &opts,
                name_ptr,
                out.as_mut_ptr(),
            )
        })?;
        // SAFETY: on success every slot holds a handle we now own; collect frees them all if one
        // were NULL (an internal error).
        out.into_iter().map(|raw| unsafe { Column::from_raw(raw) }).collect()
    }
}

/// Builder of an indicator column.
#[derive(Debug, Clone)]
pub struct IndicatorBuilder<'a> {
    categorical: *const sys::seqfeat_column,
    _categorical: PhantomData<&'a Column>,
}

impl IndicatorBuilder<'_> {
    pub fn build(self) -> Result<Column> {
        create_column(|out| unsafe { sys::seqfeat_indicator_column_create(self.categorical, out) })
    }
}
