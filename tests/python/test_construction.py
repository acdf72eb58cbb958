"""Constructor checks and their order (compatibility.md §3, §4.1-4.5, §6.1, §7, §8, §11,
§13),
dtypes, properties and names."""

import numpy as np
import pytest

import seqfeat as sf


# ------------------------------------------------------------------ dtypes

@pytest.mark.parametrize("given, expected", [
    (sf.string, sf.string), ("string", sf.string), (np.str_, sf.string), (np.object_, sf.string),
    (sf.int64, sf.int64), ("int64", sf.int64), (np.int64, sf.int64), (np.dtype("int64"), sf.int64),
    ("int32", sf.int32), (np.int32, sf.int32),
    ("float32", sf.float32), (np.float32, sf.float32),
    ("float64", sf.float64), (np.dtype(np.float64), sf.float64),
])
def test_dtypes_accept_constants_names_and_numpy(given, expected):
    assert sf.as_dtype(given) is expected
    col = sf.sequence_numeric_column("x", dtype=given) if expected != sf.string else None
    if col is not None:
        assert col.dtype is expected


def test_dtype_text_and_numpy_interop():
    assert str(sf.int64) == "<dtype: 'int64'>"
    assert sf.float32 == "float32" and sf.float32 == np.float32
    assert np.zeros(2, sf.float32).dtype == np.float32
    with pytest.raises(TypeError):
        sf.as_dtype("no_such_dtype")


# ------------------------------------------------------------------ numeric

def test_numeric_shape_dimensions_must_be_integers():
    with pytest.raises(TypeError, match=r"shape dimensions must be integer\. shape: .*key: aaa"):
        sf.sequence_numeric_column("aaa", shape=(1.0,))


@pytest.mark.parametrize("shape", [(0,), (2, -1), 0])
def test_numeric_shape_dimensions_must_be_positive(shape):
    with pytest.raises(ValueError, match="shape dimensions must be greater than 0"):
        sf.sequence_numeric_column("aaa", shape=shape)


def test_numeric_dtype_must_be_numeric():
    with pytest.raises(ValueError, match=r"dtype must be convertible to float\. dtype: .*key: aaa"):
        sf.sequence_numeric_column("aaa", dtype=sf.string)


def test_numeric_normalizer_must_be_callable():
    with pytest.raises(TypeError, match="normalizer_fn must be a callable. Given: 3"):
        sf.sequence_numeric_column("aaa", normalizer_fn=3)


def test_numeric_check_order_shape_then_dtype_then_normalizer():
    with pytest.raises(TypeError, match="shape dimensions"):
        sf.sequence_numeric_column("aaa", shape=("x",), dtype=sf.string, normalizer_fn=3)
    with pytest.raises(ValueError, match="dtype must be convertible"):
        sf.sequence_numeric_column("aaa", dtype=sf.string, normalizer_fn=3)


def test_numeric_key_must_be_a_string():
    with pytest.raises(ValueError, match="key must be a string"):
        sf.sequence_numeric_column(1)


# ------------------------------------------------------------------ identity

def test_identity_num_buckets_must_be_positive():
    with pytest.raises(ValueError, match=r"num_buckets 0 < 1, column_name aaa"):
        sf.sequence_categorical_column_with_identity("aaa", num_buckets=0)


@pytest.mark.parametrize("default", [-1, 4])
def test_identity_default_value_in_range(default):
    with pytest.raises(ValueError,
                       match=rf"default_value {default} not in range \[0, 4\), column_name aaa"):
        sf.sequence_categorical_column_with_identity("aaa", num_buckets=4, default_value=default)


def test_identity_key_must_be_a_string():
    with pytest.raises(ValueError, match="key must be a string"):
        sf.sequence_categorical_column_with_identity(("aaa",), num_buckets=4)


def test_identity_properties():
    col = sf.sequence_categorical_column_with_identity("aaa", num_buckets=7, default_value=3)
    assert col.name == "aaa"
    assert col.num_buckets == 7
    assert col.is_sequence
    assert isinstance(col, sf.CategoricalColumn)
    assert not sf.categorical_column_with_identity("aaa", num_buckets=7).is_sequence


# ------------------------------------------------------------------ hash bucket

def test_hash_bucket_size_must_be_set():
    with pytest.raises(ValueError, match="hash_bucket_size must be set. key: aaa"):
        sf.sequence_categorical_column_with_hash_bucket("aaa", hash_bucket_size=None)


def test_hash_bucket_size_at_least_one():
    with pytest.raises(ValueError, match="hash_bucket_size must be at least 1"):
        sf.sequence_categorical_column_with_hash_bucket("aaa", hash_bucket_size=0)


def test_hash_bucket_size_one_and_huge_are_allowed():
    assert sf.sequence_categorical_column_with_hash_bucket("aaa", 1).num_buckets == 1
    big = 2**63 - 1
    assert sf.sequence_categorical_column_with_hash_bucket("aaa", big).num_buckets == big


@pytest.mark.parametrize("dtype", [sf.float32, "float64"])
def test_hash_bucket_dtype_must_be_string_or_integer(dtype):
    with pytest.raises(ValueError, match="dtype must be string or integer"):
        sf.sequence_categorical_column_with_hash_bucket("aaa", 10, dtype=dtype)


def test_hash_bucket_key_must_be_a_string():
    with pytest.raises(ValueError, match="key must be a string"):
        sf.sequence_categorical_column_with_hash_bucket(None, 10)


# ------------------------------------------------------------------ vocabulary list

@pytest.mark.parametrize("vocab", [None, [], ()])
def test_vocab_list_must_be_non_empty(vocab):
    with pytest.raises(ValueError, match=r"vocabulary_list .* must be non-empty, column_name: aaa"):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", vocab)


def test_vocab_list_duplicates():
    with pytest.raises(ValueError, match="Duplicate keys in vocabulary_list"):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", ["a", "b", "a"])


def test_vocab_list_oov_and_default_conflict():
    with pytest.raises(ValueError,
                       match="Can't specify both num_oov_buckets and default_value in aaa."):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", ["a"], default_value=2,
                                                            num_oov_buckets=100)


def test_vocab_list_negative_oov():
    with pytest.raises(ValueError, match="Invalid num_oov_buckets -1 in aaa."):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", ["a"], num_oov_buckets=-1)


def test_vocab_list_float_vocabulary_rejected():
    with pytest.raises(ValueError,
                       match="column_name: aaa vocabulary dtype must be string or integer"):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", [1.0, 2.0])


@pytest.mark.parametrize("vocab, dtype", [(["a", "b"], sf.int64), ([1, 2], sf.string),
                                          ([1, 2], sf.float32)])
def test_vocab_list_dtype_mismatch(vocab, dtype):
    with pytest.raises(ValueError, match=r"dtype .* and vocabulary dtype .* do not match, "
                                         r"column_name: aaa"):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", vocab, dtype=dtype)


def test_vocab_list_float_dtype_with_string_vocab():
    # Integer-ness agrees (neither is integer), so the later string/int check fires.
    with pytest.raises(ValueError, match="column_name: aaa dtype must be string or integer"):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", ["a"], dtype=sf.float32)


def test_vocab_list_check_order():
    # Duplicate check comes before the OOV checks, which come before the dtype check.
    with pytest.raises(ValueError, match="Duplicate keys"):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", [1.0, 1.0],
                                                            num_oov_buckets=-1)
    with pytest.raises(ValueError, match="Invalid num_oov_buckets"):
        sf.sequence_categorical_column_with_vocabulary_list("aaa", [1.0, 2.0],
                                                            num_oov_buckets=-1)
    # The key check is the last one.
    with pytest.raises(ValueError, match="vocabulary dtype must be string or integer"):
        sf.sequence_categorical_column_with_vocabulary_list(1, [1.0])
    with pytest.raises(ValueError, match="key must be a string"):
        sf.sequence_categorical_column_with_vocabulary_list(1, ["a"])


def test_vocab_list_dtype_inference_and_num_buckets():
    s = sf.sequence_categorical_column_with_vocabulary_list("aaa", ["a", "b", "c"],
                                                            num_oov_buckets=2)
    assert s.dtype == sf.string
    assert s.num_buckets == 5
    i = sf.sequence_categorical_column_with_vocabulary_list("bbb", [3, 1])
    assert i.dtype == sf.int64
    assert i.num_buckets == 2
    assert i.name == "bbb"
    j = sf.sequence_categorical_column_with_vocabulary_list("ccc", [3, 1], dtype=sf.int32)
    assert j.dtype == sf.int32


# ------------------------------------------------------------------ vocabulary file

@pytest.mark.parametrize("name", [None, ""])
def test_vocab_file_missing_name(name):
    with pytest.raises(ValueError, match="Missing vocabulary_file in aaa."):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", name)


def test_vocab_file_must_exist_when_size_is_counted(tmp_path):
    with pytest.raises(ValueError, match="vocabulary_file in aaa does not exist."):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", str(tmp_path / "nope.txt"))


def test_vocab_file_missing_with_explicit_size_fails_when_read(tmp_path):
    path = str(tmp_path / "nope.txt")
    with pytest.raises(ValueError) as info:
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path, vocabulary_size=3)
    assert "nope.txt" in str(info.value)


@pytest.mark.parametrize("size", [0, -2])
def test_vocab_file_invalid_size(write_vocab, size):
    path = write_vocab("a\nb\n")
    with pytest.raises(ValueError, match="Invalid vocabulary_size in aaa."):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path, vocabulary_size=size)


def test_vocab_file_empty_file_has_size_zero(write_vocab):
    path = write_vocab("")
    with pytest.raises(ValueError, match="Invalid vocabulary_size in aaa."):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path)


def test_vocab_file_oov_checks(write_vocab):
    path = write_vocab("a\nb\n")
    with pytest.raises(ValueError, match="Can't specify both num_oov_buckets and default_value"):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path, num_oov_buckets=3,
                                                            default_value=0)
    with pytest.raises(ValueError, match="Invalid num_oov_buckets -3 in aaa."):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path, num_oov_buckets=-3)


def test_vocab_file_dtype_and_key(write_vocab):
    path = write_vocab("a\nb\n")
    with pytest.raises(ValueError, match="dtype must be string or integer"):
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path, dtype=sf.float32)
    with pytest.raises(ValueError, match="key must be a string"):
        sf.sequence_categorical_column_with_vocabulary_file(5, path)


@pytest.mark.parametrize("text, size", [("a\nb", 2), ("a\nb\n", 2), ("a\r\nb\r\nc\r\n", 3)])
def test_vocab_file_counts_lines_like_python(write_vocab, text, size):
    col = sf.sequence_categorical_column_with_vocabulary_file("aaa", write_vocab(text))
    assert col.num_buckets == size
    assert col.vocabulary_size == size


def test_vocab_file_num_buckets_adds_oov(write_vocab):
    path = write_vocab("a\nb\nc\n")
    col = sf.sequence_categorical_column_with_vocabulary_file("aaa", path, num_oov_buckets=5)
    assert col.num_buckets == 8


@pytest.mark.parametrize("text, size, dtype", [
    ("a\nb\n", 3, sf.string),        # fewer lines than vocabulary_size
    ("a\n\nb\n", None, sf.string),   # an empty line
    ("a\nb\na\n", None, sf.string),  # a duplicate line
    ("1\nx\n", None, sf.int64),      # not an integer
])
def test_vocab_file_content_errors_at_construction(write_vocab, text, size, dtype):
    path = write_vocab(text)
    with pytest.raises(ValueError) as info:
        sf.sequence_categorical_column_with_vocabulary_file("aaa", path, vocabulary_size=size,
                                                            dtype=dtype)
    assert "vocab.txt" in str(info.value)


def test_vocab_file_lines_after_size_are_ignored(write_vocab):
    # The duplicate 'a' is on line 3, after vocabulary_size = 2: not read, not an error.
    col = sf.sequence_categorical_column_with_vocabulary_file("aaa", write_vocab("a\nb\na\n"),
                                                              vocabulary_size=2)
    assert col.num_buckets == 2


# ------------------------------------------------------------------ weighted

@pytest.mark.parametrize("dtype", [None, sf.string])
def test_weighted_dtype_must_be_numeric(dtype):
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(ValueError, match="is not convertible to float"):
        sf.weighted_categorical_column(ids, "w", dtype=dtype)


def test_weighted_name_and_num_buckets():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    w = sf.weighted_categorical_column(ids, "w")
    assert w.name == "ids_weighted_by_w"
    assert w.num_buckets == 4
    assert w.weight_feature_key == "w"
    assert w.dtype == sf.float32


# ------------------------------------------------------------------ embedding

@pytest.mark.parametrize("dimension", [None, 0, -1])
def test_embedding_invalid_dimension(dimension):
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(ValueError, match=f"Invalid dimension {dimension}."):
        sf.embedding_column(ids, dimension)


@pytest.mark.parametrize("ckpt, name", [("/ckpt", None), (None, "embedding_weights")])
def test_embedding_ckpt_arguments_both_or_none(ckpt, name):
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(ValueError, match="Must specify both `ckpt_to_load_from` and "
                                         "`tensor_name_in_ckpt` or none of them."):
        sf.embedding_column(ids, 2, ckpt_to_load_from=ckpt, tensor_name_in_ckpt=name)


def test_embedding_ckpt_arguments_both_given_points_to_table_loading():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(ValueError, match="set_table"):
        sf.embedding_column(ids, 2, ckpt_to_load_from="/ckpt",
                            tensor_name_in_ckpt="embedding_weights")


@pytest.mark.parametrize("initializer", ["zeros", 1.5, object()])
def test_embedding_initializer_must_be_callable_or_array(initializer):
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(ValueError, match="initializer must be callable if specified. "
                                         "Embedding of column_name: ids"):
        sf.embedding_column(ids, 2, initializer=initializer)


def test_embedding_check_order_dimension_ckpt_initializer():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(ValueError, match="Invalid dimension"):
        sf.embedding_column(ids, 0, ckpt_to_load_from="/x", initializer="bad")
    with pytest.raises(ValueError, match="Must specify both"):
        sf.embedding_column(ids, 2, ckpt_to_load_from="/x", initializer="bad")


def test_embedding_initializer_of_wrong_shape():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(ValueError, match="shape"):
        sf.embedding_column(ids, 2, initializer=np.zeros((3, 2)))


def test_embedding_bad_combiner_accepted_at_construction_rejected_at_call():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.embedding_column(ids, 2, combiner="my_combiner")
    sp = sf.SparseTensor([[0, 0]], [1], [1, 1])
    with pytest.raises(ValueError, match="combiner must be one of 'mean', 'sqrtn' or 'sum'"):
        col.get_sequence_dense_tensor({"ids": sp})
    with pytest.raises(ValueError, match="combiner must be one of 'mean', 'sqrtn' or 'sum'"):
        sf.SequenceFeatures([col])({"ids": sp})


def test_embedding_properties():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.embedding_column(ids, 3, combiner="sqrtn", max_norm=2.0, trainable=False)
    assert col.name == "ids_embedding"
    assert col.variable_shape == (3,)
    assert col.dimension == 3
    assert col.combiner == "sqrtn"
    assert col.max_norm == 2.0
    assert col.trainable is False
    assert col.use_safe_embedding_lookup is True
    assert col.categorical_column is ids
    assert col.table_shape == (4, 3)
    assert col.get_table().shape == (4, 3)


def test_embedding_requires_categorical_column():
    with pytest.raises(ValueError):
        sf.embedding_column(sf.sequence_numeric_column("x"), 2)


# ------------------------------------------------------------------ shared embeddings

def test_shared_embeddings_names_order_and_table_name():
    a = sf.sequence_categorical_column_with_identity("aaa", 3)
    b = sf.sequence_categorical_column_with_identity("bbb", 3)
    cols = sf.shared_embeddings([b, a], dimension=2)
    assert [c.name for c in cols] == ["bbb_shared_embedding", "aaa_shared_embedding"]
    assert cols[0].table_name == "aaa_bbb_shared_embedding"
    assert cols[1].table_name == "aaa_bbb_shared_embedding"
    assert cols[0].variable_shape == (2,)
    named = sf.shared_embeddings([a, b], dimension=2, shared_embedding_collection_name="shared")
    assert named[0].table_name == "shared"


def test_shared_embeddings_different_types():
    a = sf.sequence_categorical_column_with_identity("aaa", 3)
    b = sf.sequence_categorical_column_with_hash_bucket("bbb", 3)
    with pytest.raises(ValueError, match="same type"):
        sf.shared_embeddings([a, b], dimension=2)


def test_shared_embeddings_different_num_buckets():
    a = sf.sequence_categorical_column_with_identity("aaa", 3)
    b = sf.sequence_categorical_column_with_identity("bbb", 4)
    with pytest.raises(ValueError, match="same number of buckets"):
        sf.shared_embeddings([a, b], dimension=2)


def test_shared_embeddings_weighted_and_sequence_unwrap_to_same_type():
    a = sf.sequence_categorical_column_with_identity("aaa", 3)
    b = sf.weighted_categorical_column(sf.sequence_categorical_column_with_identity("bbb", 3), "w")
    c = sf.categorical_column_with_identity("ccc", 3)
    cols = sf.shared_embeddings([a, b, c], dimension=2)
    assert [x.name for x in cols] == ["aaa_shared_embedding", "bbb_weighted_by_w_shared_embedding",
                                      "ccc_shared_embedding"]


def test_shared_embeddings_argument_checks():
    a = sf.sequence_categorical_column_with_identity("aaa", 3)
    with pytest.raises(ValueError, match="Invalid dimension"):
        sf.shared_embeddings([a], dimension=0)
    with pytest.raises(ValueError, match="Must specify both"):
        sf.shared_embeddings([a], dimension=2, tensor_name_in_ckpt="t")
    with pytest.raises(ValueError, match="initializer must be callable if specified."):
        sf.shared_embeddings([a], dimension=2, initializer="ones")
    with pytest.raises(ValueError, match="CategoricalColumn"):
        sf.shared_embeddings([sf.sequence_numeric_column("n")], dimension=2)


# ------------------------------------------------------------------ indicator

def test_indicator_requires_categorical():
    with pytest.raises(ValueError, match="Unsupported input type. Input must be a "
                                         "CategoricalColumn."):
        sf.indicator_column(sf.sequence_numeric_column("x"))


def test_indicator_properties():
    ids = sf.sequence_categorical_column_with_identity("ids", 5)
    col = sf.indicator_column(ids)
    assert col.name == "ids_indicator"
    assert col.variable_shape == (1, 5)
    assert isinstance(col, sf.SequenceDenseColumn)


# ------------------------------------------------------------------ tensors

def test_sparse_tensor_conversions():
    st = sf.SparseTensor([[0, 0], [1, 2]], ["a", "b"], [2, 3])
    assert st.indices.dtype == np.int64 and st.indices.shape == (2, 2)
    assert st.dense_shape.tolist() == [2, 3]
    assert st.values.tolist() == ["a", "b"]
    # Rank-1: indices given flat are [N, 1].
    r1 = sf.SparseTensor([0, 2], [1.0, 2.0], [3])
    assert r1.indices.shape == (2, 1)
    # Python floats become float32 (as tf.constant); numpy arrays keep their dtype.
    assert sf.SparseTensor([[0, 0]], [1.5], [1, 1]).values.dtype == np.float32
    assert sf.SparseTensor([[0, 0]], np.array([1.5]), [1, 1]).values.dtype == np.float64
    empty = sf.SparseTensor(np.zeros((0, 2)), [], [2, 0])
    assert empty.indices.shape == (0, 2)
    with pytest.raises(ValueError):
        sf.SparseTensor([[0, 0]], [1.0, 2.0], [1, 2])


def test_ragged_tensor_from_row_splits_and_lists():
    rt = sf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 3])
    assert rt.to_list() == [[1, 2], [3]]
    assert rt.nrows() == 2
    nested = sf.RaggedTensor.from_row_splits(sf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 3]),
                                             [0, 1, 2])
    assert nested.to_list() == [[[1, 2]], [[3]]]
    assert nested.ragged_rank == 2
    assert sf.ragged.constant([[[1, 2]], [[3]]]).to_list() == [[[1, 2]], [[3]]]
    with pytest.raises(ValueError):
        sf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2])
    with pytest.raises(ValueError):
        sf.RaggedTensor.from_row_splits([1, 2, 3], [0, 3, 2, 3])
