//! Embedding, shared embedding, weighted and indicator columns over sequences (compatibility.md
//! §6-§8): combiners over the ids of a step, pruning of negative ids, empty steps as zeros,
//! max_norm, tables (get/set, initializer), and errors.

mod common;

use common::{assert_close, assert_error, assert_error_in};
use seqfeat::{Batch, Column, ColumnKind, Combiner, ErrorCode};

/// Table of identity(5), dimension 2: row r = [2r, 2r + 1].
const TABLE: [f32; 10] = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];

/// A [2, 2, 3] batch: example 0 has steps {1, 2} and {4}; example 1 has {0} and no step 1.
const INDICES: [i64; 12] = [0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0];
const DENSE_SHAPE: [i64; 3] = [2, 2, 3];
const IDS: [i64; 4] = [1, 2, 4, 0];

fn embedded(combiner: Combiner) -> (Vec<i64>, Vec<f32>, Vec<i64>) {
    let ids = Column::identity("ids", 5).build().unwrap();
    let column =
        Column::embedding(&ids, 2).combiner(combiner).initial_table(&TABLE).build().unwrap();
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &INDICES, &DENSE_SHAPE, &IDS).unwrap();
    let (dense, lengths) = column.get_sequence_dense_tensor(&batch).unwrap();
    (dense.shape().to_vec(), dense.to_vec().unwrap(), lengths.to_vec().unwrap())
}

#[test]
fn properties() {
    let ids = Column::identity("ids", 5).build().unwrap();
    let column = Column::embedding(&ids, 2).build().unwrap();
    assert_eq!(column.name(), "ids_embedding");
    assert_eq!(column.kind(), ColumnKind::Embedding);
    assert!(column.is_sequence());
    assert_eq!(column.variable_shape().unwrap(), vec![2]);
    assert_eq!(column.num_buckets().unwrap(), 5);
    assert_eq!(column.table_shape().unwrap(), (5, 2));
    assert_eq!(column.categorical().unwrap().name(), "ids");
    assert_eq!(column.categorical().unwrap().kind(), ColumnKind::Identity);
}

#[test]
fn mean_of_rows() {
    let (shape, dense, lengths) = embedded(Combiner::Mean);
    assert_eq!(shape, vec![2, 2, 2]);
    // (row1 + row2) / 2 = [3, 4]; row4 = [8, 9]; row0 = [0, 1]; empty step -> zeros.
    assert_close(&dense, &[3.0, 4.0, 8.0, 9.0, 0.0, 1.0, 0.0, 0.0]);
    assert_eq!(lengths, vec![2, 1]);
}

#[test]
fn sum_and_sqrtn() {
    let (_, sum, _) = embedded(Combiner::Sum);
    assert_close(&sum, &[6.0, 8.0, 8.0, 9.0, 0.0, 1.0, 0.0, 0.0]);
    let (_, sqrtn, _) = embedded(Combiner::Sqrtn);
    let r = std::f32::consts::SQRT_2;
    assert_close(&sqrtn, &[6.0 / r, 8.0 / r, 8.0, 9.0, 0.0, 1.0, 0.0, 0.0]);
}

#[test]
fn negative_ids_are_pruned_but_count_for_the_length() {
    // Step {-1, 3} -> row3; a step holding only -1 becomes zeros but still counts.
    let ids = Column::identity("ids", 5).build().unwrap();
    let column = Column::embedding(&ids, 2).initial_table(&TABLE).build().unwrap();
    let indices = [0, 0, 0, 0, 0, 1, 1, 1, 0];
    let dense_shape = [2, 2, 2];
    let values = [-1i64, 3, -1];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    let (dense, lengths) = column.get_sequence_dense_tensor(&batch).unwrap();
    assert_close(dense.as_slice().unwrap(), &[6.0, 7.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(lengths.as_slice::<i64>().unwrap(), &[1, 2]);
}

#[test]
fn id_beyond_the_table_is_an_error() {
    // identity without default_value: id 5 reaches a 5-row table (TF: gather InvalidArgument).
    let ids = Column::identity("ids", 5).build().unwrap();
    let column = Column::embedding(&ids, 2).initial_table(&TABLE).build().unwrap();
    let indices = [0, 0];
    let dense_shape = [1, 1];
    let values = [5i64];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    assert_error_in(
        column.get_sequence_dense_tensor(&batch),
        &[ErrorCode::OutOfRange, ErrorCode::InvalidArgument],
        &["5"],
    );
}

#[test]
fn max_norm_clips_rows_before_combining() {
    // Row 0 = [3, 4] (norm 5) becomes [0.6, 0.8] with max_norm 1; row 1 = [0.3, 0.4] is kept.
    let table = [3.0f32, 4.0, 0.3, 0.4];
    let ids = Column::identity("ids", 2).build().unwrap();
    let column = Column::embedding(&ids, 2)
        .combiner(Combiner::Sum)
        .max_norm(1.0)
        .initial_table(&table)
        .build()
        .unwrap();
    let indices = [0, 0, 0, 0, 0, 1];
    let dense_shape = [1, 1, 2];
    let values = [0i64, 1];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    let (dense, _) = column.get_sequence_dense_tensor(&batch).unwrap();
    assert_close(dense.as_slice().unwrap(), &[0.9, 1.2]);
}

#[test]
fn table_get_and_set() {
    let ids = Column::identity("ids", 5).build().unwrap();
    let column = Column::embedding(&ids, 2).initial_table(&TABLE).build().unwrap();
    assert_eq!(column.table_get().unwrap(), TABLE.to_vec());

    let doubled: Vec<f32> = TABLE.iter().map(|v| v * 2.0).collect();
    // SAFETY: no other thread uses this column.
    unsafe { column.table_set(&doubled) }.unwrap();
    assert_eq!(column.table_get().unwrap(), doubled);

    // Wrong counts are errors and change nothing.
    assert_error_in(
        unsafe { column.table_set(&doubled[..9]) },
        &[ErrorCode::InvalidArgument, ErrorCode::BufferTooSmall],
        &[],
    );
    let mut small = [0f32; 4];
    assert_error_in(
        column.table_get_into(&mut small),
        &[ErrorCode::InvalidArgument, ErrorCode::BufferTooSmall],
        &[],
    );
    assert_eq!(small, [0.0; 4]);
    assert_eq!(column.table_get().unwrap(), doubled);
}

#[test]
fn default_initializer_is_seeded_truncated_normal() {
    // TF's default: truncated normal, mean 0, stddev 1/sqrt(dimension), cut at 2 stddev.
    let ids = Column::identity("ids", 100).build().unwrap();
    let a = Column::embedding(&ids, 4).seed(7).build().unwrap().table_get().unwrap();
    let b = Column::embedding(&ids, 4).seed(7).build().unwrap().table_get().unwrap();
    let c = Column::embedding(&ids, 4).seed(8).build().unwrap().table_get().unwrap();
    assert_eq!(a.len(), 400);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let stddev = 0.5f32;
    assert!(a.iter().all(|v| v.abs() <= 2.0 * stddev), "values beyond 2 stddev");
    let mean = a.iter().sum::<f32>() / a.len() as f32;
    let var = a.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / a.len() as f32;
    assert!(mean.abs() < 0.1, "mean {mean}");
    // A normal truncated at 2 stddev has variance 0.774 * stddev^2.
    assert!((var.sqrt() - 0.88 * stddev).abs() < 0.1, "stddev {}", var.sqrt());
}

#[test]
fn embedding_errors() {
    let ids = Column::identity("ids", 5).build().unwrap();
    assert_error(Column::embedding(&ids, 0).build(), ErrorCode::InvalidArgument, &["dimension"]);
    assert_error_in(
        Column::embedding(&ids, 2).initial_table(&TABLE[..8]).build(),
        &[ErrorCode::InvalidArgument, ErrorCode::BufferTooSmall],
        &[],
    );
    let numeric = Column::numeric("x").build().unwrap();
    assert_error(Column::embedding(&numeric, 2).build(), ErrorCode::InvalidArgument, &["x"]);
    assert_error(Column::indicator(&numeric).build(), ErrorCode::InvalidArgument, &["x"]);
}

// ----------------------------------------------------------------------------------------------
// Weighted
// ----------------------------------------------------------------------------------------------

fn weighted_embedding(combiner: Combiner) -> Vec<f32> {
    let ids = Column::identity("ids", 5).build().unwrap();
    let weighted = Column::weighted(&ids, "w").build().unwrap();
    assert_eq!(weighted.name(), "ids_weighted_by_w");
    assert_eq!(weighted.kind(), ColumnKind::Weighted);
    let column =
        Column::embedding(&weighted, 2).combiner(combiner).initial_table(&TABLE).build().unwrap();
    assert_eq!(column.name(), "ids_weighted_by_w_embedding");
    // Example 0: step 0 {1: 2.0, 2: 0.5}, step 1 {4: 1.0}; example 1: step 0 {0: 0.0}.
    let indices = [0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0];
    let dense_shape = [2, 2, 2];
    let values = [1i64, 2, 4, 0];
    let weights = [2.0f32, 0.5, 1.0, 0.0];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    batch.add_sparse("w", &indices, &dense_shape, &weights).unwrap();
    let (dense, _) = column.get_sequence_dense_tensor(&batch).unwrap();
    dense.to_vec().unwrap()
}

#[test]
fn weighted_combiners() {
    // sum: 2 * [2, 3] + 0.5 * [4, 5] = [6, 8.5]; a zero weight is kept by sum: 0 * row0.
    assert_close(&weighted_embedding(Combiner::Sum), &[6.0, 8.5, 8.0, 9.0, 0.0, 0.0, 0.0, 0.0]);
    // mean: / (2 + 0.5); weight 0 is pruned for mean, leaving an empty step (zeros).
    assert_close(
        &weighted_embedding(Combiner::Mean),
        &[2.4, 3.4, 8.0, 9.0, 0.0, 0.0, 0.0, 0.0],
    );
    // sqrtn: / sqrt(2^2 + 0.5^2).
    let n = 4.25f32.sqrt();
    assert_close(
        &weighted_embedding(Combiner::Sqrtn),
        &[6.0 / n, 8.5 / n, 8.0, 9.0, 0.0, 0.0, 0.0, 0.0],
    );
}

#[test]
fn weighted_sparse_tensors_carry_weights() {
    let ids = Column::identity("ids", 5).build().unwrap();
    let weighted = Column::weighted(&ids, "w").build().unwrap();
    let indices = [0, 0, 0, 1];
    let dense_shape = [1, 2];
    let values = [3i64, 1];
    let weights = [0.25f32, 4.0];
    let ints = [1i64, 2];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    batch.add_sparse("w", &indices, &dense_shape, &weights).unwrap();
    let sparse = weighted.get_sparse_tensors(&batch).unwrap();
    assert_eq!(sparse.ids.as_slice::<i64>().unwrap(), &[3, 1]);
    assert_eq!(sparse.weights.expect("weights").as_slice::<f32>().unwrap(), &[0.25, 4.0]);

    // Integer weights for a float weight column are a dtype error (TF: "Bad dtype").
    batch.add_sparse("w", &indices, &dense_shape, &ints).unwrap();
    assert_error(weighted.get_sparse_tensors(&batch), ErrorCode::DtypeMismatch, &["Bad dtype"]);
}

#[test]
fn weighted_column_rejects_a_weight_dtype_other_than_the_declared_one() {
    let ids = Column::identity("ids", 5).build().unwrap();
    let weighted = Column::weighted(&ids, "w").build().unwrap();
    let indices = [0, 0, 0, 1];
    let dense_shape = [1, 2];
    let values = [3i64, 1];
    let doubles = [0.25f64, 4.0];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    batch.add_sparse("w", &indices, &dense_shape, &doubles).unwrap();
    assert_error(weighted.get_sparse_tensors(&batch), ErrorCode::DtypeMismatch, &["Bad dtype"]);
}

// ----------------------------------------------------------------------------------------------
// Shared embeddings
// ----------------------------------------------------------------------------------------------

#[test]
fn shared_embeddings_share_one_table() {
    let bbb = Column::identity("bbb", 3).build().unwrap();
    let aaa = Column::identity("aaa", 3).build().unwrap();
    let table = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0];
    let shared = Column::shared_embeddings(&[&bbb, &aaa], 2).initial_table(&table).build().unwrap();
    assert_eq!(shared.len(), 2);
    // In input order, each named <categorical>_shared_embedding; the table name is sorted.
    assert_eq!(shared[0].name(), "bbb_shared_embedding");
    assert_eq!(shared[1].name(), "aaa_shared_embedding");
    assert_eq!(shared[0].kind(), ColumnKind::SharedEmbedding);
    assert_eq!(shared[0].table_name().unwrap(), "aaa_bbb_shared_embedding");
    assert_eq!(shared[1].table_name().unwrap(), "aaa_bbb_shared_embedding");
    assert_eq!(shared[1].table_shape().unwrap(), (3, 2));

    let indices = [0, 0];
    let dense_shape = [1, 1];
    let two = [2i64];
    let one = [1i64];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("aaa", &indices, &dense_shape, &two).unwrap();
    batch.add_sparse("bbb", &indices, &dense_shape, &one).unwrap();
    let (a, _) = shared[1].get_sequence_dense_tensor(&batch).unwrap();
    let (b, _) = shared[0].get_sequence_dense_tensor(&batch).unwrap();
    assert_eq!(a.as_slice::<f32>().unwrap(), &[4.0, 5.0]);
    assert_eq!(b.as_slice::<f32>().unwrap(), &[2.0, 3.0]);

    // Setting the table through one column is visible through the other.
    let ten = [10.0f32, 11.0, 12.0, 13.0, 14.0, 15.0];
    // SAFETY: no other thread uses these columns.
    unsafe { shared[0].table_set(&ten) }.unwrap();
    assert_eq!(shared[1].table_get().unwrap(), ten.to_vec());
    let (a, _) = shared[1].get_sequence_dense_tensor(&batch).unwrap();
    assert_eq!(a.as_slice::<f32>().unwrap(), &[14.0, 15.0]);

    let named = Column::shared_embeddings(&[&aaa, &bbb], 2)
        .collection_name("my_table")
        .build()
        .unwrap();
    assert_eq!(named[0].table_name().unwrap(), "my_table");
}

#[test]
fn shared_embeddings_errors() {
    let aaa = Column::identity("aaa", 3).build().unwrap();
    let bbb = Column::identity("bbb", 4).build().unwrap();
    let ccc = Column::hash_bucket("ccc", 3).build().unwrap();
    assert_error(
        Column::shared_embeddings(&[&aaa, &bbb], 2).build(),
        ErrorCode::InvalidArgument,
        &["same number of buckets"],
    );
    assert_error(
        Column::shared_embeddings(&[&aaa, &ccc], 2).build(),
        ErrorCode::InvalidArgument,
        &["same type"],
    );
    assert_error(
        Column::shared_embeddings(&[&aaa], 0).build(),
        ErrorCode::InvalidArgument,
        &["dimension"],
    );
}

// ----------------------------------------------------------------------------------------------
// Indicator
// ----------------------------------------------------------------------------------------------

#[test]
fn indicator_counts_ids_and_drops_invalid_ones() {
    let ids = Column::identity("ids", 5).build().unwrap();
    let column = Column::indicator(&ids).build().unwrap();
    assert_eq!(column.name(), "ids_indicator");
    assert_eq!(column.kind(), ColumnKind::Indicator);
    assert_eq!(column.variable_shape().unwrap(), vec![5]);
    // Step 0 {1, 1, 3}; step 1 {-1, 7} (both outside [0, 5): nothing, silently).
    let indices = [0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1];
    let dense_shape = [1, 2, 3];
    let values = [1i64, 1, 3, -1, 7];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    let (dense, lengths) = column.get_sequence_dense_tensor(&batch).unwrap();
    assert_eq!(dense.shape(), &[1, 2, 5]);
    assert_eq!(
        dense.as_slice::<f32>().unwrap(),
        &[0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(lengths.as_slice::<i64>().unwrap(), &[2]);
}

#[test]
fn indicator_over_vocabulary_drops_oov() {
    let words = Column::vocabulary_list("w", &["x", "y"]).build().unwrap();
    let column = Column::indicator(&words).build().unwrap();
    let indices = [0, 0, 0, 1, 0, 2];
    let dense_shape = [1, 3];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse_strings("w", &indices, &dense_shape, &["y", "zzz", "x"]).unwrap();
    let (dense, lengths) = column.get_sequence_dense_tensor(&batch).unwrap();
    assert_eq!(dense.as_slice::<f32>().unwrap(), &[0.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(lengths.as_slice::<i64>().unwrap(), &[3]);
}
