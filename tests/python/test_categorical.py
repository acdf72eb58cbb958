"""The id stage of sequence categorical columns (get_sparse_tensors):
compatibility.md §1.3, §1.4, §4, §5.

Hash constants: TF's frozen FarmHash Fingerprint64 values (TF's hash tests and
core/platform/fingerprint_test.cc), reduced modulo the bucket count by hand."""

import numpy as np
import pytest

import seqfeat as sf
from conftest import assert_equal


def ids_of(column, value, key=None):
    pair = column.get_sparse_tensors({key or column.key: value})
    return pair.id_tensor


# ------------------------------------------------------------------ wrapper reshape

def test_2d_ids_become_rank3():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=3)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], [1, 0, 2], [2, 2])
    pair = col.get_sparse_tensors({"aaa": sp})
    assert pair.weight_tensor is None
    assert_equal(pair.id_tensor.indices, [[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    assert_equal(pair.id_tensor.values, [1, 0, 2])
    assert pair.id_tensor.values.dtype == np.int64
    assert_equal(pair.id_tensor.dense_shape, [2, 2, 1])


def test_3d_ids_unchanged():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=3)
    sp = sf.SparseTensor([[0, 0, 0], [0, 0, 1], [1, 0, 0]], [2, 0, 1], [2, 1, 2])
    ids = ids_of(col, sp)
    assert_equal(ids.indices, [[0, 0, 0], [0, 0, 1], [1, 0, 0]])
    assert_equal(ids.values, [2, 0, 1])
    assert_equal(ids.dense_shape, [2, 1, 2])


def test_rank4_ids_flatten_trailing_dims():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=3)
    sp = sf.SparseTensor([[0, 1, 1, 0], [1, 0, 0, 1]], [1, 2], [2, 2, 2, 2])
    ids = ids_of(col, sp)
    # (b, t, i, j) -> (b, t, i * 2 + j); dense_shape [2, 2, 2 * 2].
    assert_equal(ids.indices, [[0, 1, 2], [1, 0, 1]])
    assert_equal(ids.values, [1, 2])
    assert_equal(ids.dense_shape, [2, 2, 4])


def test_zero_length_t():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=3)
    sp = sf.SparseTensor(np.zeros((0, 2), np.int64), np.zeros(0, np.int64), [2, 0])
    ids = ids_of(col, sp)
    assert ids.indices.shape == (0, 3)
    assert ids.values.shape == (0,)
    assert_equal(ids.dense_shape, [2, 0, 1])


def test_non_sequence_ids_keep_input_rank():
    col = sf.categorical_column_with_identity("aaa", num_buckets=3)
    sp = sf.SparseTensor([[0, 0], [1, 1]], [1, 2], [2, 2])
    ids = ids_of(col, sp)
    assert_equal(ids.indices, [[0, 0], [1, 1]])
    assert_equal(ids.dense_shape, [2, 2])


# ------------------------------------------------------------------ identity

def test_identity_default_replaces_out_of_range():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=4, default_value=3)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], [1, -1, 99], [2, 2])
    assert_equal(ids_of(col, sp).values, [1, 3, 3])


def test_identity_without_default_passes_values_through():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=4)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], [1, -1, 99], [2, 2])
    assert_equal(ids_of(col, sp).values, [1, -1, 99])


def test_identity_int32_input_cast_to_int64():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=4)
    sp = sf.SparseTensor([[0, 0]], np.array([3], np.int32), [1, 1])
    ids = ids_of(col, sp)
    assert ids.values.dtype == np.int64
    assert_equal(ids.values, [3])


@pytest.mark.parametrize("values", [np.array([1.0], np.float32), ["a"]])
def test_identity_rejects_non_integer_input(values):
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=4)
    with pytest.raises(ValueError):
        ids_of(col, sf.SparseTensor([[0, 0]], values, [1, 1]))


def test_dense_integer_input_drops_minus_one():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=4)
    ids = ids_of(col, np.array([[1, -1], [2, 3]], dtype=np.int64))
    assert_equal(ids.indices, [[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    assert_equal(ids.values, [1, 2, 3])
    assert_equal(ids.dense_shape, [2, 2, 1])


# ------------------------------------------------------------------ hash bucket

def test_hash_strings_tf_constants():
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", hash_bucket_size=10)
    sp = sf.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1]], ["a", "b", "c", "d"], [2, 2])
    ids = ids_of(col, sp)
    assert_equal(ids.values, [9, 2, 2, 5])
    assert_equal(ids.indices, [[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0]])


@pytest.mark.parametrize("values", [
    ["omar", "stringer", "marlo"],
    np.array(["omar", "stringer", "marlo"]),
    np.array([b"omar", b"stringer", b"marlo"]),
    np.array(["omar", b"stringer", "marlo"], dtype=object),
])
def test_hash_string_forms(values):
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", hash_bucket_size=10)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], values, [2, 2])
    assert_equal(ids_of(col, sp).values, [6, 4, 1])


@pytest.mark.parametrize("dtype, input_dtype", [(sf.int64, np.int32), (sf.int32, np.int64),
                                                ("int64", np.int64)])
def test_hash_integers_as_decimal_strings(dtype, input_dtype):
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 10, dtype=dtype)
    sp = sf.SparseTensor([[0, 0], [0, 1], [0, 2]], np.array([101, 201, 301], input_dtype), [1, 3])
    assert_equal(ids_of(col, sp).values, [3, 7, 5])


def test_hash_negative_integer():
    # "-5": Fingerprint64 = 17702585896903905816 -> mod 10 = 6.
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 10, dtype=sf.int64)
    assert_equal(ids_of(col, sf.SparseTensor([[0, 0]], [-5], [1, 1])).values, [6])


def test_hash_length_paths():
    # Fingerprint64 of 'x' * 20 (17-32 bytes), 'y' * 40 (33-64), 'z' * 100 (> 64),
    # 'Hello' (0-16, the fingerprint_test constant 15404698994557526151), mod 1000.
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 1000)
    sp = sf.SparseTensor([[0, 0], [0, 1], [0, 2], [0, 3]],
                         ["x" * 20, "y" * 40, "z" * 100, "Hello"], [1, 4])
    expected = [8233088228747857348 % 1000, 276292113409495006 % 1000,
                9220849947163966073 % 1000, 15404698994557526151 % 1000]
    assert expected == [348, 6, 73, 151]
    assert_equal(ids_of(col, sp).values, expected)


def test_hash_utf8_and_empty_string_in_sparse_input():
    # 'é' is hashed as its UTF-8 bytes c3 a9 (693143013273849025); a sparse '' is hashed too
    # (11160318154034397263).
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 1000)
    sp = sf.SparseTensor([[0, 0], [0, 1]], ["é", ""], [1, 2])
    assert_equal(ids_of(col, sp).values, [25, 263])


def test_hash_huge_bucket_count():
    size = 2**63 - 1
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", size)
    ids = ids_of(col, sf.SparseTensor([[0, 0]], ["a"], [1, 1]))
    assert_equal(ids.values, [12917804110809363939 % size])


def test_hash_single_bucket():
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 1)
    sp = sf.SparseTensor([[0, 0], [0, 1]], ["a", "zebra"], [1, 2])
    assert_equal(ids_of(col, sp).values, [0, 0])


def test_hash_dense_string_input_drops_empty_cells():
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 10)
    ids = ids_of(col, np.array([["a", ""], ["b", "c"]]))
    assert_equal(ids.indices, [[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    assert_equal(ids.values, [9, 2, 2])


def test_hash_rejects_float_input():
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 10)
    with pytest.raises(ValueError):
        ids_of(col, sf.SparseTensor([[0, 0]], np.array([1.0], np.float32), [1, 1]))


def test_hash_string_column_rejects_integer_input():
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 10)
    with pytest.raises(ValueError):
        ids_of(col, sf.SparseTensor([[0, 0]], [1], [1, 1]))


def test_hash_integer_column_rejects_string_input():
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 10, dtype=sf.int64)
    with pytest.raises(ValueError):
        ids_of(col, sf.SparseTensor([[0, 0]], ["1"], [1, 1]))


# ------------------------------------------------------------------ vocabulary list

WIRE = ("omar", "stringer", "marlo")


def test_vocab_list_strings():
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", WIRE)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["marlo", "skywalker", "omar"], [2, 2])
    assert_equal(ids_of(col, sp).values, [2, -1, 0])


def test_vocab_list_default_value():
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", WIRE, default_value=2)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["marlo", "skywalker", "omar"], [2, 2])
    assert_equal(ids_of(col, sp).values, [2, 2, 0])


def test_vocab_list_oov_buckets():
    # skywalker: Fingerprint64 mod 100 = 30, offset by the vocabulary size 3.
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", WIRE, num_oov_buckets=100)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["marlo", "skywalker", "omar"], [2, 2])
    assert_equal(ids_of(col, sp).values, [2, 33, 0])
    assert col.num_buckets == 103


def test_vocab_list_integers():
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", (30, 35, 11, 23, 22))
    sp = sf.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1]], np.array([11, 100, 30, 22], np.int32),
                         [2, 2])
    assert_equal(ids_of(col, sp).values, [2, -1, 0, 4])


def test_vocab_list_integers_oov_hash_decimal_string():
    # "100": Fingerprint64 mod 100 = 55, offset 5.
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", (30, 35, 11, 23, 22),
                                                              num_oov_buckets=100)
    sp = sf.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1]], [11, 100, 30, 22], [2, 2])
    assert_equal(ids_of(col, sp).values, [2, 60, 0, 4])


def test_vocab_list_dtype_compatibility_at_call():
    s = sf.sequence_categorical_column_with_vocabulary_list("aaa", WIRE)
    with pytest.raises(ValueError):
        ids_of(s, sf.SparseTensor([[0, 0]], [1], [1, 1]))
    i = sf.sequence_categorical_column_with_vocabulary_list("aaa", (1, 2))
    with pytest.raises(ValueError):
        ids_of(i, sf.SparseTensor([[0, 0]], ["1"], [1, 1]))


def test_vocab_list_dense_string_input():
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", WIRE)
    ids = ids_of(col, np.array([["marlo", ""], ["omar", "stringer"]], dtype=object))
    assert_equal(ids.indices, [[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    assert_equal(ids.values, [2, 0, 1])


# ------------------------------------------------------------------ vocabulary file

def test_vocab_file_strings(write_vocab):
    col = sf.sequence_categorical_column_with_vocabulary_file(
        "aaa", write_vocab("omar\nstringer\nmarlo\n"))
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["marlo", "skywalker", "omar"], [2, 2])
    assert_equal(ids_of(col, sp).values, [2, -1, 0])


def test_vocab_file_default_value(write_vocab):
    col = sf.sequence_categorical_column_with_vocabulary_file(
        "aaa", write_vocab("omar\nstringer\nmarlo\n"), default_value=1)
    sp = sf.SparseTensor([[0, 0], [1, 0]], ["skywalker", "omar"], [2, 1])
    assert_equal(ids_of(col, sp).values, [1, 0])


def test_vocab_file_oov_buckets(write_vocab):
    col = sf.sequence_categorical_column_with_vocabulary_file(
        "aaa", write_vocab("omar\nstringer\nmarlo\n"), num_oov_buckets=100)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["marlo", "skywalker", "omar"], [2, 2])
    assert_equal(ids_of(col, sp).values, [2, 33, 0])


def test_vocab_file_oov_offset_is_lines_loaded(write_vocab):
    # Only the first 2 lines are read: 'marlo' is out of vocabulary now. Offsets: 2 + 91 and
    # 2 + 30 (Fingerprint64 mod 100 of 'marlo' and 'skywalker').
    col = sf.sequence_categorical_column_with_vocabulary_file(
        "aaa", write_vocab("omar\nstringer\nmarlo\n"), vocabulary_size=2, num_oov_buckets=100)
    sp = sf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["marlo", "skywalker", "omar"], [2, 2])
    assert_equal(ids_of(col, sp).values, [93, 32, 0])
    assert col.num_buckets == 102


def test_vocab_file_whole_line_is_the_key_and_cr_is_stripped(write_vocab):
    col = sf.sequence_categorical_column_with_vocabulary_file(
        "aaa", write_vocab("omar\r\n stringer\nmarlo x\n"))
    sp = sf.SparseTensor([[0, 0], [0, 1], [0, 2], [0, 3]],
                         ["omar", "stringer", " stringer", "marlo x"], [1, 4])
    assert_equal(ids_of(col, sp).values, [0, -1, 1, 2])


def test_vocab_file_integers(write_vocab):
    col = sf.sequence_categorical_column_with_vocabulary_file(
        "aaa", write_vocab("30\n35\n11\n23\n22\n"), dtype=sf.int64, num_oov_buckets=100)
    sp = sf.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1]], [11, 100, 30, 22], [2, 2])
    assert_equal(ids_of(col, sp).values, [2, 60, 0, 4])


# ------------------------------------------------------------------ weighted

def test_weighted_get_sparse_tensors():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.weighted_categorical_column(ids, "w")
    features = {"ids": sf.SparseTensor([[0, 0], [1, 0], [1, 1]], [1, 3, 2], [2, 2]),
                "w": sf.SparseTensor([[0, 0], [1, 0], [1, 1]],
                                     np.array([0.5, 2.0, -1.0], np.float32), [2, 2])}
    pair = col.get_sparse_tensors(features)
    assert_equal(pair.id_tensor.values, [1, 3, 2])
    assert_equal(pair.id_tensor.indices, [[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    assert pair.weight_tensor is not None
    assert_equal(pair.weight_tensor.values, np.array([0.5, 2.0, -1.0], np.float32))
    assert pair.weight_tensor.values.dtype == np.float32


def test_weighted_missing_weight_feature():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.weighted_categorical_column(ids, "w")
    with pytest.raises(ValueError, match="Feature w is not in features dictionary."):
        col.get_sparse_tensors({"ids": sf.SparseTensor([[0, 0]], [1], [1, 1])})


def test_weighted_weight_dtype_must_match():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.weighted_categorical_column(ids, "w", dtype=sf.float32)
    features = {"ids": sf.SparseTensor([[0, 0]], [1], [1, 1]),
                "w": sf.SparseTensor([[0, 0]], np.array([0.5], np.float64), [1, 1])}
    with pytest.raises(ValueError):
        col.get_sparse_tensors(features)


def test_rank1_ids_are_one_step_per_example():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=5)
    ids = ids_of(col, sf.SparseTensor([[0], [2]], [1, 3], [3]))
    assert_equal(ids.indices, [[0, 0, 0], [2, 0, 0]])
    assert_equal(ids.values, [1, 3])
    assert_equal(ids.dense_shape, [3, 1, 1])


def test_identity_dense_int32_with_default():
    # -1 cells of a dense input are dropped before the default replaces out-of-range values.
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=5, default_value=0)
    ids = ids_of(col, np.array([[3, -1, 9]], np.int32))
    assert_equal(ids.indices, [[0, 0, 0], [0, 2, 0]])
    assert_equal(ids.values, [3, 0])


def test_hash_dense_integer_input_drops_minus_one():
    col = sf.sequence_categorical_column_with_hash_bucket("aaa", 10, dtype=sf.int64)
    ids = ids_of(col, np.array([[-1, 101]], np.int64))
    assert_equal(ids.indices, [[0, 1, 0]])
    assert_equal(ids.values, [3])


def test_vocab_list_empty_string_is_a_key_in_sparse_input():
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", ["", "a"])
    assert_equal(ids_of(col, sf.SparseTensor([[0, 0], [0, 1]], ["", "a"], [1, 2])).values,
                 [0, 1])


def test_vocab_list_negative_integer_oov():
    # "-5": Fingerprint64 mod 100 = 16, offset 2.
    col = sf.sequence_categorical_column_with_vocabulary_list("aaa", [1, 2], num_oov_buckets=100)
    assert_equal(ids_of(col, sf.SparseTensor([[0, 0]], [-5], [1, 1])).values, [18])


def test_vocab_file_strips_only_one_carriage_return(write_vocab):
    col = sf.sequence_categorical_column_with_vocabulary_file("aaa", write_vocab("a\r\r\nb\n"))
    ids = ids_of(col, sf.SparseTensor([[0, 0], [0, 1]], ["a\r", "a"], [1, 2]))
    assert_equal(ids.values, [0, -1])


def test_vocab_file_trailing_empty_line(write_vocab):
    path = write_vocab("a\nb\n\n")
    with pytest.raises(ValueError, match="empty line"):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path)
    # Only the first 2 lines are read: the empty third line is never seen.
    col = sf.sequence_categorical_column_with_vocabulary_file("aaa", path, vocabulary_size=2)
    assert col.num_buckets == 2
