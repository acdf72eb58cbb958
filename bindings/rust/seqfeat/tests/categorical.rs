//! The id stage of categorical columns (compatibility.md §4, §5): identity, hash bucket, vocabulary
//! list and vocabulary file, through get_sparse_tensors, plus their construction and call errors.
//! Hash values are FarmHash Fingerprint64 (TF's string_to_hash_bucket_fast) mod the bucket count.

mod common;

use common::{assert_error, assert_error_in, TempFile};
use seqfeat::{Batch, Column, ColumnKind, DType, ErrorCode};

/// A 2-D [1, n] batch with one value per step.
fn ids_of_ints<T: seqfeat::InputElement>(column: &Column, key: &str, values: &[T]) -> Vec<i64> {
    let indices: Vec<i64> = (0..values.len() as i64).flat_map(|t| [0, t]).collect();
    let dense_shape = [1, values.len() as i64];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse(key, &indices, &dense_shape, values).unwrap();
    column.get_sparse_tensors(&batch).unwrap().ids.to_vec::<i64>().unwrap()
}

fn ids_of_strings(column: &Column, key: &str, values: &[&str]) -> Vec<i64> {
    let indices: Vec<i64> = (0..values.len() as i64).flat_map(|t| [0, t]).collect();
    let dense_shape = [1, values.len() as i64];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse_strings(key, &indices, &dense_shape, values).unwrap();
    column.get_sparse_tensors(&batch).unwrap().ids.to_vec::<i64>().unwrap()
}

fn try_ids_of_strings(column: &Column, key: &str, values: &[&str]) -> seqfeat::Result<Vec<i64>> {
    let indices: Vec<i64> = (0..values.len() as i64).flat_map(|t| [0, t]).collect();
    let dense_shape = [1, values.len() as i64];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse_strings(key, &indices, &dense_shape, values)?;
    Ok(column.get_sparse_tensors(&batch)?.ids.to_vec::<i64>().unwrap())
}

fn try_ids_of_ints<T: seqfeat::InputElement>(
    column: &Column,
    key: &str,
    values: &[T],
) -> seqfeat::Result<Vec<i64>> {
    let indices: Vec<i64> = (0..values.len() as i64).flat_map(|t| [0, t]).collect();
    let dense_shape = [1, values.len() as i64];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse(key, &indices, &dense_shape, values)?;
    Ok(column.get_sparse_tensors(&batch)?.ids.to_vec::<i64>().unwrap())
}

// ----------------------------------------------------------------------------------------------
// Identity
// ----------------------------------------------------------------------------------------------

#[test]
fn identity_sparse_tensors_are_reshaped_to_rank_three() {
    // compatibility.md §4: [B, T] becomes [B, T, 1] with index (b, t) -> (b, t, 0).
    let column = Column::identity("ids", 4).default_value(3).build().unwrap();
    assert_eq!(column.kind(), ColumnKind::Identity);
    assert_eq!(column.num_buckets().unwrap(), 4);
    let indices = [0, 0, 1, 0, 1, 1];
    let dense_shape = [2, 2];
    let values = [1i64, -1, 99];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    let sparse = column.get_sparse_tensors(&batch).unwrap();
    assert_eq!(sparse.indices.shape(), &[3, 3]);
    assert_eq!(sparse.indices.as_slice::<i64>().unwrap(), &[0, 0, 0, 1, 0, 0, 1, 1, 0]);
    assert_eq!(sparse.dense_shape.as_slice::<i64>().unwrap(), &[2, 2, 1]);
    // With a default, values outside [0, 4) become the default: (1, -1, 99) -> (1, 3, 3).
    assert_eq!(sparse.ids.as_slice::<i64>().unwrap(), &[1, 3, 3]);
    assert!(sparse.weights.is_none());
}

#[test]
fn identity_without_default_passes_values_through() {
    let column = Column::identity("ids", 4).build().unwrap();
    assert_eq!(ids_of_ints(&column, "ids", &[1i64, -1, 99]), vec![1, -1, 99]);
    assert_eq!(ids_of_ints(&column, "ids", &[2i32, 0]), vec![2, 0]);
}

#[test]
fn identity_three_dimensional_input_is_unchanged() {
    let column = Column::identity("ids", 10).build().unwrap();
    let indices = [0, 0, 0, 0, 0, 1, 1, 1, 0];
    let dense_shape = [2, 2, 2];
    let values = [5i64, 6, 7];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    let sparse = column.get_sparse_tensors(&batch).unwrap();
    assert_eq!(sparse.indices.as_slice::<i64>().unwrap(), &indices);
    assert_eq!(sparse.dense_shape.as_slice::<i64>().unwrap(), &[2, 2, 2]);
    assert_eq!(sparse.ids.as_slice::<i64>().unwrap(), &[5, 6, 7]);
}

#[test]
fn identity_errors() {
    assert_error(Column::identity("ids", 0).build(), ErrorCode::InvalidArgument, &["ids"]);
    assert_error(
        Column::identity("ids", 4).default_value(4).build(),
        ErrorCode::InvalidArgument,
        &["ids"],
    );
    assert_error(
        Column::identity("ids", 4).default_value(-1).build(),
        ErrorCode::InvalidArgument,
        &["ids"],
    );
    let column = Column::identity("ids", 4).build().unwrap();
    assert_error(
        try_ids_of_ints(&column, "ids", &[1.0f32]),
        ErrorCode::DtypeMismatch,
        &["ids"],
    );
    assert_error(
        try_ids_of_strings(&column, "ids", &["1"]),
        ErrorCode::DtypeMismatch,
        &["ids"],
    );
}

// ----------------------------------------------------------------------------------------------
// Hash bucket
// ----------------------------------------------------------------------------------------------

#[test]
fn hash_buckets_of_strings_match_tensorflow() {
    // Fingerprint64 mod 10: a -> 9, b -> 2, c -> 2, d -> 5.
    let column = Column::hash_bucket("tags", 10).build().unwrap();
    assert_eq!(column.kind(), ColumnKind::HashBucket);
    assert_eq!(column.num_buckets().unwrap(), 10);
    assert_eq!(ids_of_strings(&column, "tags", &["a", "b", "c", "d"]), vec![9, 2, 2, 5]);
    // An empty string inside a SparseTensor is hashed like any other value: "" -> 3.
    assert_eq!(ids_of_strings(&column, "tags", &[""]), vec![3]);
}

#[test]
fn hash_buckets_of_integers_use_their_decimal_string() {
    // "101" -> 3, "-5" -> 6 (mod 10).
    let column = Column::hash_bucket("n", 10).dtype(DType::Int64).build().unwrap();
    assert_eq!(ids_of_ints(&column, "n", &[101i64, -5]), vec![3, 6]);
    assert_eq!(ids_of_ints(&column, "n", &[101i32, -5]), vec![3, 6]);
}

#[test]
fn one_hash_bucket_is_allowed() {
    let column = Column::hash_bucket("tags", 1).build().unwrap();
    assert_eq!(ids_of_strings(&column, "tags", &["a", "b", "zzz"]), vec![0, 0, 0]);
}

#[test]
fn hash_bucket_errors() {
    assert_error(Column::hash_bucket("tags", 0).build(), ErrorCode::InvalidArgument, &["tags"]);
    assert_error_in(
        Column::hash_bucket("tags", 10).dtype(DType::Float32).build(),
        &[ErrorCode::InvalidArgument, ErrorCode::DtypeMismatch],
        &["tags"],
    );
    let strings = Column::hash_bucket("tags", 10).build().unwrap();
    assert_error(try_ids_of_ints(&strings, "tags", &[1i64]), ErrorCode::DtypeMismatch, &["tags"]);
    let ints = Column::hash_bucket("n", 10).dtype(DType::Int64).build().unwrap();
    assert_error(try_ids_of_strings(&ints, "n", &["1"]), ErrorCode::DtypeMismatch, &["n"]);
    assert_error(try_ids_of_ints(&ints, "n", &[1.5f64]), ErrorCode::DtypeMismatch, &["n"]);
}

// ----------------------------------------------------------------------------------------------
// Vocabulary list
// ----------------------------------------------------------------------------------------------

#[test]
fn vocabulary_list_of_strings() {
    let vocabulary = ["omar", "stringer", "marlo"];
    let column = Column::vocabulary_list("aaa", &vocabulary).build().unwrap();
    assert_eq!(column.kind(), ColumnKind::VocabularyList);
    assert_eq!(column.num_buckets().unwrap(), 3);
    assert_eq!(ids_of_strings(&column, "aaa", &["marlo", "skywalker", "omar"]), vec![2, -1, 0]);

    let with_default = Column::vocabulary_list("aaa", &vocabulary).default_value(2).build().unwrap();
    assert_eq!(ids_of_strings(&with_default, "aaa", &["skywalker", "omar"]), vec![2, 0]);

    // OOV bucket = 3 + Fingerprint64("skywalker") mod 100 = 3 + 30 (TF's own test value).
    let with_oov = Column::vocabulary_list("aaa", &vocabulary).num_oov_buckets(100).build().unwrap();
    assert_eq!(with_oov.num_buckets().unwrap(), 103);
    assert_eq!(ids_of_strings(&with_oov, "aaa", &["marlo", "skywalker", "omar"]), vec![2, 33, 0]);
}

#[test]
fn vocabulary_list_of_integers() {
    let vocabulary = [30i64, 35, 11, 23, 22];
    let column = Column::vocabulary_list_ints("aaa", &vocabulary).build().unwrap();
    assert_eq!(column.num_buckets().unwrap(), 5);
    assert_eq!(ids_of_ints(&column, "aaa", &[11i64, 100, 30, 22]), vec![2, -1, 0, 4]);

    // OOV: 5 + Fingerprint64("100") mod 10 = 5 + 5.
    let with_oov =
        Column::vocabulary_list_ints("aaa", &vocabulary).num_oov_buckets(10).build().unwrap();
    assert_eq!(ids_of_ints(&with_oov, "aaa", &[11i64, 100]), vec![2, 10]);

    let int32 =
        Column::vocabulary_list_ints("aaa", &vocabulary).dtype(DType::Int32).build().unwrap();
    assert_eq!(ids_of_ints(&int32, "aaa", &[23i32, 1]), vec![3, -1]);
}

#[test]
fn vocabulary_list_errors() {
    let empty: [&str; 0] = [];
    assert_error(Column::vocabulary_list("aaa", &empty).build(), ErrorCode::InvalidArgument, &[
        "aaa",
    ]);
    assert_error(
        Column::vocabulary_list("aaa", &["a", "b", "a"]).build(),
        ErrorCode::InvalidArgument,
        &["Duplicate"],
    );
    assert_error(
        Column::vocabulary_list_ints("aaa", &[1, 2, 1]).build(),
        ErrorCode::InvalidArgument,
        &["Duplicate"],
    );
    assert_error(
        Column::vocabulary_list("aaa", &["a"]).default_value(0).num_oov_buckets(2).build(),
        ErrorCode::InvalidArgument,
        &["aaa"],
    );
    assert_error(
        Column::vocabulary_list("aaa", &["a"]).num_oov_buckets(-1).build(),
        ErrorCode::InvalidArgument,
        &["aaa"],
    );
    let strings = Column::vocabulary_list("aaa", &["a"]).build().unwrap();
    assert_error(try_ids_of_ints(&strings, "aaa", &[1i64]), ErrorCode::DtypeMismatch, &["aaa"]);
    let ints = Column::vocabulary_list_ints("aaa", &[1]).build().unwrap();
    assert_error(try_ids_of_strings(&ints, "aaa", &["1"]), ErrorCode::DtypeMismatch, &["aaa"]);
}

// ----------------------------------------------------------------------------------------------
// Vocabulary file
// ----------------------------------------------------------------------------------------------

#[test]
fn vocabulary_file_lines_are_ids() {
    let file = TempFile::new("wire.txt", b"omar\nstringer\nmarlo\n");
    let column = Column::vocabulary_file("aaa", &file.path).build().unwrap();
    assert_eq!(column.kind(), ColumnKind::VocabularyFile);
    assert_eq!(column.num_buckets().unwrap(), 3);
    assert_eq!(ids_of_strings(&column, "aaa", &["marlo", "skywalker", "omar"]), vec![2, -1, 0]);

    // Only the first vocabulary_size lines are used.
    let two = Column::vocabulary_file("aaa", &file.path).vocabulary_size(2).build().unwrap();
    assert_eq!(two.num_buckets().unwrap(), 2);
    assert_eq!(ids_of_strings(&two, "aaa", &["marlo", "stringer"]), vec![-1, 1]);

    let with_default = Column::vocabulary_file("aaa", &file.path).default_value(1).build().unwrap();
    assert_eq!(ids_of_strings(&with_default, "aaa", &["skywalker"]), vec![1]);

    let with_oov = Column::vocabulary_file("aaa", &file.path).num_oov_buckets(100).build().unwrap();
    assert_eq!(with_oov.num_buckets().unwrap(), 103);
    assert_eq!(ids_of_strings(&with_oov, "aaa", &["skywalker"]), vec![33]);
}

#[test]
fn vocabulary_file_keeps_whole_lines_and_strips_one_carriage_return() {
    let file = TempFile::new("crlf.txt", b"omar\r\nstringer \r\nmarlo");
    let column = Column::vocabulary_file("aaa", &file.path).build().unwrap();
    assert_eq!(column.num_buckets().unwrap(), 3);
    assert_eq!(
        ids_of_strings(&column, "aaa", &["omar", "stringer ", "stringer", "marlo"]),
        vec![0, 1, -1, 2]
    );
}

#[test]
fn vocabulary_file_ignores_lines_after_vocabulary_size() {
    let file = TempFile::new("dup-after.txt", b"a\nb\na\n");
    let column = Column::vocabulary_file("aaa", &file.path).vocabulary_size(2).build().unwrap();
    assert_eq!(ids_of_strings(&column, "aaa", &["b", "a"]), vec![1, 0]);
}

#[test]
fn vocabulary_file_of_integers() {
    let file = TempFile::new("ints.txt", b"30\n35\n11\n");
    let column = Column::vocabulary_file("aaa", &file.path).dtype(DType::Int64).build().unwrap();
    assert_eq!(ids_of_ints(&column, "aaa", &[11i64, 7, 30]), vec![2, -1, 0]);
}

#[test]
fn vocabulary_file_errors() {
    let missing = std::env::temp_dir().join("seqfeat-rust-test-no-such-vocabulary.txt");
    assert_error(
        Column::vocabulary_file("aaa", &missing).build(),
        ErrorCode::NotFound,
        &["seqfeat-rust-test-no-such-vocabulary.txt"],
    );

    let file = TempFile::new("three.txt", b"omar\nstringer\nmarlo\n");
    assert_error(
        Column::vocabulary_file("aaa", &file.path).vocabulary_size(5).build(),
        ErrorCode::InvalidArgument,
        &["three.txt"],
    );

    let empty_line = TempFile::new("empty-line.txt", b"omar\n\nmarlo\n");
    assert_error(
        Column::vocabulary_file("aaa", &empty_line.path).build(),
        ErrorCode::InvalidArgument,
        &["empty-line.txt"],
    );

    let duplicate = TempFile::new("duplicate.txt", b"omar\nmarlo\nomar\n");
    assert_error(
        Column::vocabulary_file("aaa", &duplicate.path).build(),
        ErrorCode::InvalidArgument,
        &["duplicate.txt"],
    );

    let bad_int = TempFile::new("bad-int.txt", b"30\nthirty\n");
    assert_error(
        Column::vocabulary_file("aaa", &bad_int.path).dtype(DType::Int64).build(),
        ErrorCode::InvalidArgument,
        &["bad-int.txt"],
    );

    assert_error(
        Column::vocabulary_file("aaa", &file.path).default_value(0).num_oov_buckets(1).build(),
        ErrorCode::InvalidArgument,
        &["aaa"],
    );
    assert_error(Column::vocabulary_file("aaa", "").build(), ErrorCode::InvalidArgument, &[
        "aaa",
    ]);
}
