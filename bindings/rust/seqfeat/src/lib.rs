//! TensorFlow's sequence feature columns without TensorFlow: a safe Rust API over libseqfeat.
//!
//! ```no_run
//! use seqfeat::{Batch, Column, PackOptions, SequenceFeatures};
//!
//! # fn main() -> seqfeat::Result<()> {
//! let rating = Column::numeric("rating").build()?;
//! let watches = Column::identity("watches", 1000).build()?;
//! let watches_embedding = Column::embedding(&watches, 10).build()?;
//! let layer = SequenceFeatures::new(&[&rating, &watches_embedding])?;
//!
//! let indices = [0, 0, 0, 1, 1, 0];
//! let dense_shape = [2, 2];
//! let ratings = [3.0f32, 5.0, 1.0];
//! let ids = [12i64, 34, 7];
//! let mut batch = Batch::new()?;
//! batch.add_sparse("rating", &indices, &dense_shape, &ratings)?;
//! batch.add_sparse("watches", &indices, &dense_shape, &ids)?;
//! let packed = layer.pack(&batch, &PackOptions::default(), None)?;
//! assert_eq!(packed.dense.shape(), &[2, 2, 11]);
//! assert_eq!(packed.sequence_length.as_slice::<i64>()?, &[2, 1]);
//! # Ok(())
//! # }
//! ```
//!
//! A batch only views its inputs, so it cannot outlive them:
//!
//! ```compile_fail
//! use seqfeat::Batch;
//! let mut batch = Batch::new().unwrap();
//! {
//!     let values = vec![1.0f32];
//!     batch.add_sparse("x", &[0, 0], &[1, 1], &values).unwrap();
//! } // `values` is dropped here while the batch still views it: rejected at compile time.
//! drop(batch);
//! ```
//!
//! Thread rules follow the C header: [`Column`], [`SequenceFeatures`] and [`DenseFeatures`] are
//! `Send + Sync`, and so is a [`Plan`]; [`Batch`], [`Tensor`], [`Stats`], [`Gradients`] and [`Optimizer`] are `Send` only.

mod batch;
mod column;
mod dtype;
mod error;
mod features;
mod plan;
mod records;
mod stats;
mod strings;
mod tensor;
mod train;

pub use batch::Batch;
pub use column::{
    AsColumn, Column, ColumnKind, ColumnRef, Combiner, EmbeddingBuilder, HashBucketBuilder,
    IdentityBuilder, IndicatorBuilder, Normalizer, NumericBuilder, SharedEmbeddingsBuilder,
    SparseTensors, VocabularyFileBuilder, VocabularyListBuilder, WeightedBuilder,
};
pub use dtype::{DType, Element, InputElement};
pub use error::{Error, ErrorCode, Result};
pub use records::{
    Compression, FeatureKind, FeatureSpec, FeatureView, ParseSpec, ReaderOptions, RecordBatch,
    RecordBatches, RecordReader, RecordType, RecordWriter,
};
pub use features::{
    concatenate_context_input, DenseFeatures, OutputShape, PackOptions, Packed, Padding,
    SequenceFeatures, TableStorage,
};
pub use plan::{Plan, PlannedTable};
pub use stats::{Stat, Stats};
pub use strings::{StringBuffer, StringView, Strings};
pub use tensor::Tensor;
pub use train::{Gradients, Optimizer, OptimizerKind, TableGradient};

/// The raw C ABI.
pub use seqfeat_sys as sys;

/// Runtime library version, "major.minor.patch".
pub fn version() -> &'static str {
    // SAFETY: static, NUL-terminated, never NULL.
    unsafe { std::ffi::CStr::from_ptr(sys::seqfeat_version_string()) }.to_str().unwrap_or("")
}

/// Runtime library version as major * 10000 + minor * 100 + patch.
pub fn version_number() -> u32 {
    unsafe { sys::seqfeat_version_number() }
}
