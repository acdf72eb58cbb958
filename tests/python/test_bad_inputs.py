"""The bad-input catalogue through Python: the malformed inputs of the C catalogue
(tests/capi/test_bad_inputs.cc) that a Python caller can produce, each asserting the exception
type and a message naming what is wrong. Sizes that overflow used to crash the process; they are
the first entries."""

import numpy as np
import pytest

import seqfeat as sf

BIG = 2**61


@pytest.fixture
def ids_layer():
    return sf.SequenceFeatures([sf.embedding_column(
        sf.sequence_categorical_column_with_identity("ids", 10), 4)])


def raises(exc, *parts):
    """Context manager: `exc` is raised and its message contains every part."""
    class Check:
        def __enter__(self):
            self.ctx = pytest.raises(exc)
            self.info = self.ctx.__enter__()
            return self

        def __exit__(self, *a):
            handled = self.ctx.__exit__(*a)
            message = str(self.info.value)
            for p in parts:
                assert p in message, f"{message!r} lacks {p!r}"
            return handled
    return Check()


def ragged(values, row_splits, step_splits=None):
    """A RaggedTensor built without the Python-side validation, so the library sees it."""
    flat = np.asarray(values)
    if step_splits is not None:
        flat = sf.RaggedTensor.from_row_splits(flat, np.asarray(step_splits, np.int64),
                                               validate=False)
    return sf.RaggedTensor.from_row_splits(flat, np.asarray(row_splits, np.int64), validate=False)


# --- sizes that overflow (used to end the process with SIGSEGV) -----------------------------

def test_max_length_overflow_dlpack(ids_layer):
    with raises(sf.InvalidArgumentError, "2305843009213693952", "does not fit in a 64-bit size"):
        ids_layer({"ids": [[1, 2], [3]]}, max_length=2**61, output="dlpack")


def test_dense_shape_overflow_dlpack(ids_layer):
    st = sf.SparseTensor([[0, 0], [1, 0]], np.array([1, 2]), [2, 2**60])
    with raises(sf.InvalidArgumentError, "1152921504606846976", "does not fit in a 64-bit size"):
        ids_layer({"ids": st}, output="dlpack")


def test_max_length_overflow_numpy(ids_layer):
    with raises(sf.InvalidArgumentError, "output [2, 2305843009213693952", "does not fit"):
        ids_layer({"ids": [[1, 2], [3]]}, max_length=2**61)


def test_dense_shape_overflow_numpy(ids_layer):
    st = sf.SparseTensor([[0, 0], [1, 0]], np.array([1, 2]), [2, 2**60])
    with raises(sf.InvalidArgumentError, "output [2, 1152921504606846976, 4]", "does not fit"):
        ids_layer({"ids": st})


def test_two_wide_indicators():
    a = sf.indicator_column(sf.sequence_categorical_column_with_identity("a", 2**62))
    z = sf.indicator_column(sf.sequence_categorical_column_with_identity("z", 2**62))
    with raises(ValueError, "depth of the layer", "does not fit"):
        sf.SequenceFeatures([a, z])


def test_dense_features_batch_times_depth():
    ind = sf.indicator_column(sf.categorical_column_with_identity("ids", 2**62))
    with raises(sf.InvalidArgumentError, "output [4, 1, 4611686018427387904]", "does not fit"):
        sf.DenseFeatures([ind])({"ids": np.array([[1], [2], [3], [4]])})


def test_output_above_allocation_limit(ids_layer):
    before = sf.allocation_limit()
    sf.set_allocation_limit(1000)
    try:
        assert sf.allocation_limit() == 1000
        with raises(MemoryError, "output tensor of shape [1, 64, 4]", "1024 bytes asked for",
                    "allocation limit of 1000 bytes"):
            ids_layer({"ids": [[1] * 64]}, output="dlpack")
    finally:
        sf.set_allocation_limit(0)
    assert sf.allocation_limit() == before


def test_allocation_limit_negative():
    with raises(ValueError, "must be >= 0 bytes, got -1"):
        sf.set_allocation_limit(-1)


def test_batch_dimension_above_allocation_limit(ids_layer):
    sf.set_allocation_limit(1 << 30)
    try:
        st = sf.SparseTensor(np.zeros((0, 2), np.int64), np.zeros(0, np.int64), [2**40, 3])
        with raises(MemoryError, "feature ids", "1099511627776 examples", "bytes asked for"):
            ids_layer({"ids": st}, output="dlpack")
    finally:
        sf.set_allocation_limit(0)


def test_table_rows_times_dimension_overflow():
    ids = sf.sequence_categorical_column_with_identity("ids", 2**40)
    with raises(ValueError, "embedding table", "1099511627776 x 16777216 does not fit"):
        sf.embedding_column(ids, 2**24)


# --- dtypes -----------------------------------------------------------------------------------

def test_float_ids_for_identity(ids_layer):
    with raises(sf.InvalidArgumentError, "not integer", "key: ids", "float"):
        ids_layer({"ids": ragged(np.array([1.0, 2.0], np.float32), [0, 2])})


def test_strings_for_numeric():
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("x")])
    with raises(sf.InvalidArgumentError, "feature x", "dtype string"):
        layer({"x": ragged(np.array(["a", "b"], object), [0, 2])})


def test_weight_dtype_mismatch():
    ids = sf.sequence_categorical_column_with_identity("ids", 10)
    layer = sf.SequenceFeatures([sf.embedding_column(
        sf.weighted_categorical_column(ids, "w"), 2)])
    with raises(sf.InvalidArgumentError, "expected float32, but got float64", "weight feature w"):
        layer({"ids": ragged(np.array([1, 2]), [0, 2]),
               "w": ragged(np.array([0.5, 0.5], np.float64), [0, 2])})


# --- sparse indices ---------------------------------------------------------------------------

def test_sparse_index_past_batch(ids_layer):
    st = sf.SparseTensor([[0, 0], [2, 0]], np.array([1, 2]), [2, 3])
    with raises(sf.InvalidArgumentError, "feature ids", "indices[1, 0] = 2 not in [0, 2)"):
        ids_layer({"ids": st})


def test_sparse_index_negative(ids_layer):
    st = sf.SparseTensor([[0, -1]], np.array([1]), [2, 3])
    with raises(sf.InvalidArgumentError, "feature ids", "indices[0, 1] = -1 not in [0, 3)"):
        ids_layer({"ids": st})


def test_sparse_indices_unsorted(ids_layer):
    st = sf.SparseTensor([[1, 0], [0, 0]], np.array([1, 2]), [2, 3])
    with raises(sf.InvalidArgumentError, "not in canonical row-major order at entry 1"):
        ids_layer({"ids": st})


def test_sparse_negative_dense_shape(ids_layer):
    st = sf.SparseTensor([[0, 0]], np.array([1]), [2, -1])
    with raises(sf.InvalidArgumentError, "negative dense_shape dimension -1"):
        ids_layer({"ids": st})


def test_sparse_values_per_step_overflow(ids_layer):
    st = sf.SparseTensor(np.zeros((0, 4), np.int64), np.zeros(0, np.int64), [1, 1, 2**32, 2**32])
    with raises(sf.InvalidArgumentError, "feature ids", "does not fit in a 64-bit size"):
        ids_layer({"ids": st})


# --- row_splits / step_splits -----------------------------------------------------------------

@pytest.mark.parametrize("values,row_splits,step_splits,parts", [
    ([1, 2], [1, 2], None, ["row_splits[0] must be 0, got 1"]),
    ([1, 2, 3], [0, 2, 1, 3], None, ["row_splits[2] = 1 < row_splits[1] = 2", "example 1"]),
    ([1, 2, 3], [0, 1, 2], None, ["row_splits[2] = 2 must equal the number of values (3)"]),
    ([1, 2], [0, 1, 3], [0, 1, 2], ["row_splits[2] = 3 must equal the number of steps (2)"]),
    ([1, 2], [0, 2], [1, 1, 2], ["step_splits[0] must be 0, got 1"]),
    ([1, 2], [0, 2], [0, 2, 1], ["step_splits[2] = 1 < step_splits[1] = 2"]),
    ([1, 2, 3], [0, 2], [0, 1, 2], ["step_splits[2] = 2 must equal the number of values (3)"]),
])
def test_bad_splits(ids_layer, values, row_splits, step_splits, parts):
    with raises(sf.InvalidArgumentError, "Feature ids", *parts):
        ids_layer({"ids": ragged(np.array(values, np.int64), row_splits, step_splits)})


# --- ids, NaN / Inf ---------------------------------------------------------------------------

def test_id_at_num_buckets(ids_layer):
    with raises(sf.InvalidArgumentError, "= 10 is not in [0, 10)", "feature ids", "example 1",
                "value 10"):
        ids_layer({"ids": [[1], [2, 10]]})


def test_negative_ids_are_dropped():
    ids = sf.sequence_categorical_column_with_identity("ids", 3)
    table = np.array([[0, 0], [1, 10], [2, 20]], np.float32)
    layer = sf.SequenceFeatures([sf.embedding_column(ids, 2, combiner="sum",
                                                     initializer=lambda *a, **k: table)])
    dense, lengths = layer({"ids": [[[-1, 1]], [[np.iinfo(np.int64).min, 2]]]})
    np.testing.assert_array_equal(dense, [[[1, 10]], [[2, 20]]])
    np.testing.assert_array_equal(lengths, [1, 1])
    assert layer.last_stats["ids_embedding"]["dropped_invalid"] == 2


def test_strict_int64_min():
    ids = sf.sequence_categorical_column_with_identity("ids", 10)
    layer = sf.SequenceFeatures([sf.indicator_column(ids)])
    with raises(sf.InvalidArgumentError, "(strict)", "id -9223372036854775808", "feature ids"):
        layer({"ids": [[3, np.iinfo(np.int64).min]]}, strict=True)


def test_numeric_nan_and_inf_pass_through():
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("x")])
    dense, _ = layer({"x": [[np.nan, np.inf, -np.inf]]})
    assert np.isnan(dense[0, 0, 0])
    assert dense[0, 1, 0] == np.inf and dense[0, 2, 0] == -np.inf


# --- keys, batch and length mismatches ----------------------------------------------------------

def test_missing_key(ids_layer):
    with raises(ValueError, "Feature ids is not in features dictionary."):
        ids_layer({"other": [[1]]})


def test_batch_size_mismatch():
    a = sf.embedding_column(sf.sequence_categorical_column_with_identity("a", 5), 2)
    layer = sf.SequenceFeatures([a, sf.sequence_numeric_column("x")])
    with raises(sf.InvalidArgumentError, "Batch size (first dimension) of each feature must be same"):
        layer({"a": [[1], [2]], "x": [[1.0, 2.0]]})


def test_sequence_length_mismatch():
    a = sf.embedding_column(sf.sequence_categorical_column_with_identity("a", 5), 2)
    layer = sf.SequenceFeatures([a, sf.sequence_numeric_column("x")])
    with raises(sf.InvalidArgumentError, "sequence lengths of columns a_embedding and x differ"):
        layer({"a": [[1], [2, 3]], "x": [[1.0, 2.0], [3.0]]})


def test_weight_count_mismatch():
    ids = sf.sequence_categorical_column_with_identity("ids", 10)
    layer = sf.SequenceFeatures([sf.embedding_column(
        sf.weighted_categorical_column(ids, "w"), 2)])
    with raises(sf.InvalidArgumentError, "the weight feature w has 1 values but the id feature"):
        layer({"ids": [[1, 2]], "w": [[0.5]]})


# --- vocabularies ---------------------------------------------------------------------------------

def test_vocabulary_file_missing(tmp_path):
    path = str(tmp_path / "absent.txt")
    with raises(ValueError, path):
        sf.sequence_categorical_column_with_vocabulary_file("w", path, vocabulary_size=3)


def test_vocabulary_file_empty_line(write_vocab):
    path = write_vocab("a\n\nb\n")
    with raises(ValueError, "empty line found at line 2", path):
        sf.sequence_categorical_column_with_vocabulary_file("w", path, vocabulary_size=3)


def test_vocabulary_file_duplicate(write_vocab):
    path = write_vocab("a\nb\na\n")
    with raises(ValueError, "line 3 (\"a\") repeats line 1", path):
        sf.sequence_categorical_column_with_vocabulary_file("w", path)


def test_int_vocabulary_line_with_nul(write_vocab):
    path = write_vocab(b"1\nx\x002\n")
    with raises(ValueError, "Field x\\x002 in line 2 of " + path, "is not a valid int64"):
        sf.sequence_categorical_column_with_vocabulary_file("w", path, dtype=sf.int64)


def test_int_vocabulary_very_long_line(write_vocab):
    path = write_vocab("1\n" + "9" * (1 << 20) + "\n")
    with pytest.raises(ValueError) as info:
        sf.sequence_categorical_column_with_vocabulary_file("w", path, dtype=sf.int64)
    assert "in line 2 of " + path in str(info.value) and len(str(info.value)) < 1024


def test_vocabulary_list_duplicates():
    with raises(ValueError, "Duplicate keys in vocabulary_list [5, 6, 5], column_name: ids"):
        sf.sequence_categorical_column_with_vocabulary_list("ids", [5, 6, 5])


# --- tables ----------------------------------------------------------------------------------------

def test_embedding_dimension_zero():
    ids = sf.sequence_categorical_column_with_identity("ids", 3)
    with pytest.raises(ValueError):
        sf.embedding_column(ids, 0)
