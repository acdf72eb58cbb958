//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use seqfeat::{Error, ErrorCode};

/// Asserts two float slices are equal to float32 rounding of the same arithmetic.
#[track_caller]
pub fn assert_close(actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len(), "length: {actual:?} vs {expected:?}");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let tolerance = 1e-5 * e.abs().max(1.0);
        assert!((a - e).abs() <= tolerance, "element {i}: {a} != {e}\n{actual:?}\n{expected:?}");
    }
}

/// Asserts an error has the given code and that its message mentions every word.
#[track_caller]
pub fn assert_error<T: std::fmt::Debug>(
    result: Result<T, Error>,
    code: ErrorCode,
    words: &[&str],
) -> Error {
    let error = result.expect_err("expected an error");
    assert_eq!(error.code(), code, "message: {}", error.message());
    for word in words {
        assert!(error.message().contains(word), "{word:?} not in {:?}", error.message());
    }
    error
}

/// As `assert_error` where the header allows one of several codes.
#[track_caller]
pub fn assert_error_in<T: std::fmt::Debug>(
    result: Result<T, Error>,
    codes: &[ErrorCode],
    words: &[&str],
) -> Error {
    let error = result.expect_err("expected an error");
    assert!(codes.contains(&error.code()), "{:?} not in {codes:?}: {}", error.code(), error.message());
    for word in words {
        assert!(error.message().contains(word), "{word:?} not in {:?}", error.message());
    }
    error
}

/// The examples' deterministic table: table[i][j] = (i % 100) * 0.01 + j * 0.001.
pub fn example_table(rows: usize, dimension: usize) -> Vec<f32> {
    let mut table = vec![0f32; rows * dimension];
    for i in 0..rows {
        for j in 0..dimension {
            table[i * dimension + j] = (i % 100) as f32 * 0.01 + j as f32 * 0.001;
        }
    }
    table
}

/// Row `i` of `table` with `dimension` columns.
pub fn row(table: &[f32], dimension: usize, i: usize) -> Vec<f32> {
    table[i * dimension..(i + 1) * dimension].to_vec()
}

/// A file in the temporary directory, removed on drop.
pub struct TempFile {
    pub path: PathBuf,
}

impl TempFile {
    pub fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir()
            .join(format!("seqfeat-rust-test-{}-{}", std::process::id(), name));
        std::fs::write(&path, contents).expect("write temporary file");
        TempFile { path }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
