//! sequence_numeric_column (compatibility.md §3, §2): densify with default_value, re-chunk by shape,
//! T from dense_shape, lengths from the maximum column index.

mod common;

use common::{assert_close, assert_error, assert_error_in};
use seqfeat::{Batch, Column, ColumnKind, DType, ErrorCode, Normalizer};

fn dense_of(column: &Column, batch: &Batch<'_>) -> (Vec<i64>, Vec<f32>, Vec<i64>) {
    let (dense, lengths) = column.get_sequence_dense_tensor(batch).unwrap();
    (
        dense.shape().to_vec(),
        dense.to_vec::<f32>().unwrap(),
        lengths.to_vec::<i64>().unwrap(),
    )
}

#[test]
fn properties() {
    let column = Column::numeric("price").shape(&[2, 3]).build().unwrap();
    assert_eq!(column.name(), "price");
    assert_eq!(column.kind(), ColumnKind::Numeric);
    assert!(column.is_sequence());
    assert_eq!(column.variable_shape().unwrap(), vec![2, 3]);

    let scalar = Column::numeric("price").build().unwrap();
    assert_eq!(scalar.variable_shape().unwrap(), vec![1]);

    let context = Column::numeric("price").sequence(false).build().unwrap();
    assert!(!context.is_sequence());

    // A rank beyond the first guess of 8 dims is fetched in full.
    let deep = Column::numeric("deep").shape(&[1, 2, 1, 1, 1, 1, 1, 1, 1, 3]).build().unwrap();
    assert_eq!(deep.variable_shape().unwrap(), vec![1, 2, 1, 1, 1, 1, 1, 1, 1, 3]);
}

#[test]
fn default_value_fills_gaps_and_padding() {
    // Example 0 has values at steps 0 and 2 (a gap at 1), example 1 only at step 1.
    let column = Column::numeric("price").default_value(9.0).build().unwrap();
    let indices = [0, 0, 0, 2, 1, 1];
    let dense_shape = [2, 4];
    let values = [1.0f32, 2.0, 3.0];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("price", &indices, &dense_shape, &values).unwrap();

    let (shape, dense, lengths) = dense_of(&column, &batch);
    assert_eq!(shape, vec![2, 4, 1]);
    assert_eq!(dense, vec![1.0, 9.0, 2.0, 9.0, 9.0, 3.0, 9.0, 9.0]);
    // Lengths are the maximum index + 1, so the gap counts: [3, 2].
    assert_eq!(lengths, vec![3, 2]);
}

#[test]
fn steps_come_from_dense_shape_not_from_the_longest_sequence() {
    let column = Column::numeric("x").build().unwrap();
    let indices = [0, 0, 1, 0, 1, 1];
    let dense_shape = [2, 6];
    let values = [1.0f32, 2.0, 3.0];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &indices, &dense_shape, &values).unwrap();
    let (shape, dense, lengths) = dense_of(&column, &batch);
    assert_eq!(shape, vec![2, 6, 1]);
    assert_eq!(dense, vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(lengths, vec![1, 2]);
}

#[test]
fn shape_two_on_2d_input_divides_lengths() {
    // compatibility.md §2: 2-D numeric, shape=(2,), columns {0} and {0,1} -> lengths [1, 1].
    let column = Column::numeric("x").shape(&[2]).build().unwrap();
    let indices = [0, 0, 1, 0, 1, 1];
    let dense_shape = [2, 2];
    let values = [1.0f32, 2.0, 3.0];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &indices, &dense_shape, &values).unwrap();
    let (shape, dense, lengths) = dense_of(&column, &batch);
    assert_eq!(shape, vec![2, 1, 2]);
    assert_eq!(dense, vec![1.0, 0.0, 2.0, 3.0]);
    assert_eq!(lengths, vec![1, 1]);
}

#[test]
fn shape_three_rechunks_rows_of_six() {
    // [B, 6] with shape (3,) -> [B, 2, 3]; length = ceil(max_col / 3).
    let column = Column::numeric("x").shape(&[3]).build().unwrap();
    let indices = [0, 0, 0, 1, 0, 2, 0, 3, 1, 0];
    let dense_shape = [2, 6];
    let values = [1.0f32, 2.0, 3.0, 4.0, 5.0];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &indices, &dense_shape, &values).unwrap();
    let (shape, dense, lengths) = dense_of(&column, &batch);
    assert_eq!(shape, vec![2, 2, 3]);
    assert_eq!(
        dense,
        vec![1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(lengths, vec![2, 1]);
}

#[test]
fn three_dimensional_input_flattens_steps_but_lengths_use_dim_one() {
    // compatibility.md §3: dense_shape (2, 2, 2) with shape (1,) gives 4 steps but lengths [2, 2].
    let column = Column::numeric("x").build().unwrap();
    let indices = [0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1];
    let dense_shape = [2, 2, 2];
    let values = [1.0f32, 2.0, 3.0, 4.0, 5.0];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &indices, &dense_shape, &values).unwrap();
    let (shape, dense, lengths) = dense_of(&column, &batch);
    assert_eq!(shape, vec![2, 4, 1]);
    assert_eq!(dense, vec![1.0, 2.0, 3.0, 0.0, 4.0, 0.0, 0.0, 5.0]);
    assert_eq!(lengths, vec![2, 2]);
}

#[test]
fn integer_and_double_inputs_become_float32() {
    let column = Column::numeric("x").build().unwrap();
    let indices = [0, 0, 0, 1];
    let dense_shape = [1, 2];
    let ints = [7i64, -2];
    let doubles = [0.5f64, 1.25];
    let int32s = [3i32, 4];

    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &indices, &dense_shape, &ints).unwrap();
    assert_eq!(dense_of(&column, &batch).1, vec![7.0, -2.0]);
    batch.add_sparse("x", &indices, &dense_shape, &doubles).unwrap();
    assert_eq!(dense_of(&column, &batch).1, vec![0.5, 1.25]);
    batch.add_sparse("x", &indices, &dense_shape, &int32s).unwrap();
    assert_eq!(dense_of(&column, &batch).1, vec![3.0, 4.0]);
}

fn normalized(normalizer: Normalizer, values: &[f32]) -> Vec<f32> {
    let column = Column::numeric("x").normalizer(normalizer).build().unwrap();
    // One example, values at the first steps, one padding step at the end.
    let indices: Vec<i64> = (0..values.len() as i64).flat_map(|t| [0, t]).collect();
    let dense_shape = [1, values.len() as i64 + 1];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &indices, &dense_shape, values).unwrap();
    dense_of(&column, &batch).1
}

fn times_ten(x: f32) -> f32 {
    x * 10.0
}

#[test]
fn normalizers_apply_to_present_values_never_padding() {
    assert_close(
        &normalized(Normalizer::ScaleShift { scale: 2.0, shift: 1.0 }, &[1.0, 2.0]),
        &[3.0, 5.0, 0.0],
    );
    assert_close(
        &normalized(Normalizer::ZScore { mean: 1.0, stddev: 2.0 }, &[5.0, 1.0]),
        &[2.0, 0.0, 0.0],
    );
    assert_close(
        &normalized(Normalizer::Log1p, &[0.0, std::f32::consts::E - 1.0]),
        &[0.0, 1.0, 0.0],
    );
    assert_close(
        &normalized(Normalizer::Clip { min: 0.0, max: 1.0 }, &[-1.0, 0.5, 3.0]),
        &[0.0, 0.5, 1.0, 0.0],
    );
    assert_close(&normalized(Normalizer::Callback(times_ten), &[1.5, -2.0]), &[15.0, -20.0, 0.0]);
}

#[test]
fn construction_errors() {
    assert_error(
        Column::numeric("x").shape(&[2, 0]).build(),
        ErrorCode::InvalidArgument,
        &["x"],
    );
    assert_error_in(
        Column::numeric("x").dtype(DType::String).build(),
        &[ErrorCode::InvalidArgument, ErrorCode::DtypeMismatch],
        &["x"],
    );
    assert_error(
        Column::numeric("x").normalizer(Normalizer::ZScore { mean: 0.0, stddev: 0.0 }).build(),
        ErrorCode::InvalidArgument,
        &[],
    );
    assert_error(
        Column::numeric("x").normalizer(Normalizer::Clip { min: 2.0, max: 1.0 }).build(),
        ErrorCode::InvalidArgument,
        &[],
    );
    assert_error(Column::numeric("x\0y").build(), ErrorCode::InvalidArgument, &["NUL"]);
}

#[test]
fn call_errors() {
    let column = Column::numeric("x").build().unwrap();
    let dense_shape = [1, 3];
    let values = [1.0f32, 2.0];

    // Missing feature: TF's message.
    let empty = Batch::new().unwrap();
    assert_error(
        column.get_sequence_dense_tensor(&empty),
        ErrorCode::NotFound,
        &["Feature x is not in features dictionary"],
    );

    // Repeated index (sparse_tensor_to_dense rejects it).
    let repeated = [0, 1, 0, 1];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &repeated, &dense_shape, &values).unwrap();
    assert_error(column.get_sequence_dense_tensor(&batch), ErrorCode::InvalidArgument, &["x"]);

    // Out of order.
    let unordered = [0, 2, 0, 1];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &unordered, &dense_shape, &values).unwrap();
    assert_error(column.get_sequence_dense_tensor(&batch), ErrorCode::InvalidArgument, &["x"]);

    // Outside dense_shape.
    let outside = [0, 0, 0, 3];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("x", &outside, &dense_shape, &values).unwrap();
    assert_error_in(
        column.get_sequence_dense_tensor(&batch),
        &[ErrorCode::InvalidArgument, ErrorCode::OutOfRange],
        &["x"],
    );

    // Strings are not numbers.
    let indices = [0, 0, 0, 1];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse_strings("x", &indices, &dense_shape, &["a", "b"]).unwrap();
    assert_error(column.get_sequence_dense_tensor(&batch), ErrorCode::DtypeMismatch, &["x"]);

    // prod(dense_shape[1:]) = 4 is not a multiple of prod(shape) = 3.
    let chunked = Column::numeric("y").shape(&[3]).build().unwrap();
    let four = [1, 4];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("y", &indices, &four, &values).unwrap();
    assert_error(chunked.get_sequence_dense_tensor(&batch), ErrorCode::InvalidArgument, &["y"]);
}

#[test]
fn the_safe_api_checks_buffer_lengths_before_calling_the_library() {
    let indices = [0, 0, 0];
    let dense_shape = [1, 3];
    let values = [1.0f32, 2.0];
    let shape = [2, 2];
    let splits = [0, 1, 3];
    let mut batch = Batch::new().unwrap();
    assert_error(
        batch.add_sparse("x", &indices, &dense_shape, &values),
        ErrorCode::InvalidArgument,
        &["indices"],
    );
    assert_error(
        batch.add_dense("x", &shape, &values),
        ErrorCode::InvalidArgument,
        &["shape"],
    );
    assert_error(
        batch.add_ragged("x", &splits, None, &values),
        ErrorCode::InvalidArgument,
        &["row_splits"],
    );
    assert_error(
        seqfeat::Strings::new(&[0, 4], b"abc"),
        ErrorCode::InvalidArgument,
        &["bytes"],
    );
}
