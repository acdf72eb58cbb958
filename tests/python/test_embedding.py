"""embedding_column / shared_embeddings over sequence columns: compatibility.md §6, §7.

Table E (conftest): e0 = [1, 0], e1 = [0, 2], e2 = [3, 4], e3 = [-1, 1]."""

import math

import numpy as np
import pytest

import seqfeat as sf
from conftest import E, assert_close, assert_equal, ids_embedding

R2 = math.sqrt(2.0)

# [B=2, T=3, K=2]: ex0 step0 {0, 1}, step1 {2}, step2 {}; ex1 step0 {3, 3}, step1 {}, step2 {1}.
MULTI = sf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 2, 0]],
                        [0, 1, 2, 3, 3, 1], [2, 3, 2])


@pytest.mark.parametrize("combiner, expected", [
    ("sum", [[[1, 2], [3, 4], [0, 0]], [[-2, 2], [0, 0], [0, 2]]]),
    ("mean", [[[0.5, 1], [3, 4], [0, 0]], [[-1, 1], [0, 0], [0, 2]]]),
    ("sqrtn", [[[1 / R2, 2 / R2], [3, 4], [0, 0]], [[-2 / R2, 2 / R2], [0, 0], [0, 2]]]),
])
def test_combiners_on_multivalent_steps(combiner, expected):
    col = ids_embedding(combiner)
    dense, length = col.get_sequence_dense_tensor({"ids": MULTI})
    assert dense.shape == (2, 3, 2)
    assert_close(dense, expected)
    assert_equal(length, [2, 3])


def test_one_id_per_step_2d_input():
    col = ids_embedding("mean")
    sp = sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [2, 0, 3], [2, 2])
    dense, length = col.get_sequence_dense_tensor({"ids": sp})
    assert_close(dense, [[[3, 4], [1, 0]], [[-1, 1], [0, 0]]])
    assert_equal(length, [2, 1])


def test_negative_ids_are_dropped_but_count_for_length():
    col = ids_embedding("mean")
    # ex0 step0 {0, -1} -> e0 alone (n = 1); ex0 step1 {-5} -> empty -> zeros; ex1 empty.
    sp = sf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0]], [0, -1, -5], [2, 2, 2])
    dense, length = col.get_sequence_dense_tensor({"ids": sp})
    assert_close(dense, [[[1, 0], [0, 0]], [[0, 0], [0, 0]]])
    assert_equal(length, [2, 0])


@pytest.mark.parametrize("combiner, expected", [
    # clipped rows with max_norm 1: e0 [1, 0], e1 [0, 1], e2 [0.6, 0.8], e3 [-1/√2, 1/√2]
    ("sum", [[[1, 1], [0.6, 0.8], [0, 0]], [[-R2, R2], [0, 0], [0, 1]]]),
    ("mean", [[[0.5, 0.5], [0.6, 0.8], [0, 0]], [[-1 / R2, 1 / R2], [0, 0], [0, 1]]]),
])
def test_max_norm_clips_rows_before_combining(combiner, expected):
    col = ids_embedding(combiner, max_norm=1.0)
    dense, _ = col.get_sequence_dense_tensor({"ids": MULTI})
    assert_close(dense, expected)


def test_max_norm_larger_than_rows_changes_nothing():
    col = ids_embedding("sum", max_norm=10.0)
    dense, _ = col.get_sequence_dense_tensor({"ids": MULTI})
    assert_close(dense, [[[1, 2], [3, 4], [0, 0]], [[-2, 2], [0, 0], [0, 2]]])


def test_max_norm_mean_of_two_rows_differs_from_clipping_the_mean():
    # Step {1, 2}: mean of clipped rows ([0, 1] + [0.6, 0.8]) / 2 = [0.3, 0.9]
    # (clipping the mean [1.5, 3] instead would give [0.447, 0.894]).
    col = ids_embedding("mean", max_norm=1.0)
    sp = sf.SparseTensor([[0, 0, 0], [0, 0, 1]], [1, 2], [1, 1, 2])
    dense, _ = col.get_sequence_dense_tensor({"ids": sp})
    assert_close(dense, [[[0.3, 0.9]]])


def test_id_at_or_above_num_buckets_is_invalid_argument():
    col = ids_embedding("mean")
    sp = sf.SparseTensor([[0, 0]], [4], [1, 1])
    with pytest.raises(sf.InvalidArgumentError):
        col.get_sequence_dense_tensor({"ids": sp})
    with pytest.raises(sf.InvalidArgumentError):
        sf.SequenceFeatures([col])({"ids": sp})


def test_repeated_index_counts_each_entry():
    # The embedding path tolerates a repeated index (0, 0): both entries count.
    col = ids_embedding("sum")
    sp = sf.SparseTensor([[0, 0], [0, 0]], [0, 2], [1, 1])
    dense, length = col.get_sequence_dense_tensor({"ids": sp})
    assert_close(dense, [[[4, 4]]])
    assert_equal(length, [1])


def test_embedding_over_hash_bucket_strings():
    # Fingerprint64('a') mod 4 = 3, Fingerprint64('b') mod 4 = 2.
    col = sf.embedding_column(sf.sequence_categorical_column_with_hash_bucket("s", 4), 2,
                              combiner="sum")
    col.set_table(E)
    sp = sf.SparseTensor([[0, 0], [0, 1]], ["a", "b"], [1, 2])
    assert 12917804110809363939 % 4 == 3 and 11795596070477164822 % 4 == 2
    dense, _ = col.get_sequence_dense_tensor({"s": sp})
    assert_close(dense, [[[-1, 1], [3, 4]]])


def test_embedding_over_vocabulary_with_oov_minus_one_dropped():
    col = sf.embedding_column(
        sf.sequence_categorical_column_with_vocabulary_list("v", ["p", "q", "r", "s"]), 2,
        combiner="mean")
    col.set_table(E)
    sp = sf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0]], ["q", "zzz", "zzz"], [1, 2, 2])
    dense, length = col.get_sequence_dense_tensor({"v": sp})
    assert_close(dense, [[[0, 2], [0, 0]]])
    assert_equal(length, [2])


# ------------------------------------------------------------------ weighted

def weighted_features():
    # ex0 step0 ids {0, 1} weights {2, 0.5}; ex0 step1 id {2} weight {0};
    # ex1 step0 ids {3, 1} weights {-1, 1}.
    idx = [[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1]]
    return {"ids": sf.SparseTensor(idx, [0, 1, 2, 3, 1], [2, 2, 2]),
            "w": sf.SparseTensor(idx, np.array([2.0, 0.5, 0.0, -1.0, 1.0], np.float32),
                                 [2, 2, 2])}


@pytest.mark.parametrize("combiner, expected", [
    # sum keeps zero and negative weights: 2e0 + 0.5e1 = [2, 1]; 0 e2 = 0; -e3 + e1 = [1, 1].
    ("sum", [[[2, 1], [0, 0]], [[1, 1], [0, 0]]]),
    # mean prunes weights <= 0: [2, 1] / 2.5; step {2: 0} empty -> 0; ex1 only e1 (w 1).
    ("mean", [[[0.8, 0.4], [0, 0]], [[0, 2], [0, 0]]]),
    # sqrtn: [2, 1] / sqrt(4 + 0.25).
    ("sqrtn", [[[2 / math.sqrt(4.25), 1 / math.sqrt(4.25)], [0, 0]], [[0, 2], [0, 0]]]),
])
def test_weighted_sequence_embedding(combiner, expected):
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.embedding_column(sf.weighted_categorical_column(ids, "w"), 2, combiner=combiner)
    col.set_table(E)
    assert col.name == "ids_weighted_by_w_embedding"
    dense, length = col.get_sequence_dense_tensor(weighted_features())
    assert_close(dense, expected)
    assert_equal(length, [2, 1])


def test_weights_scale_single_ids():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.embedding_column(sf.weighted_categorical_column(ids, "w"), 2, combiner="sum")
    col.set_table(E)
    features = {"ids": sf.SparseTensor([[0, 0], [0, 1]], [0, 1], [1, 2]),
                "w": sf.SparseTensor([[0, 0], [0, 1]], np.array([3.0, 0.5], np.float32),
                                     [1, 2])}
    dense, _ = col.get_sequence_dense_tensor(features)
    assert_close(dense, [[[3, 0], [0, 1]]])


# ------------------------------------------------------------------ tables

def test_set_and_get_table_roundtrip():
    col = ids_embedding("mean")
    assert_close(col.get_table(), E)
    with pytest.raises(ValueError):
        col.set_table(np.zeros((3, 2)))


def test_callable_initializer_gets_shape_and_dtype():
    calls = []

    def init(shape, dtype):
        calls.append((tuple(shape), dtype))
        return np.arange(shape[0] * shape[1], dtype=np.float32).reshape(shape)

    col = sf.embedding_column(sf.sequence_categorical_column_with_identity("ids", 3), 2,
                              initializer=init)
    assert calls == [((3, 2), sf.float32)]
    assert_close(col.get_table(), [[0, 1], [2, 3], [4, 5]])


def test_array_initializer():
    col = sf.embedding_column(sf.sequence_categorical_column_with_identity("ids", 4), 2,
                              initializer=E.tolist())
    assert_close(col.get_table(), E)


def test_default_initializer_truncated_normal():
    def make():
        ids = sf.sequence_categorical_column_with_identity("ids", 1000)
        return sf.embedding_column(ids, 16).get_table()

    table = make()
    stddev = 1.0 / math.sqrt(16)
    assert table.shape == (1000, 16) and table.dtype == np.float32
    # Truncated at 2 stddev; a normal truncated at ±2σ has standard deviation 0.8796σ.
    assert np.all(np.abs(table) <= 2 * stddev + 1e-6)
    assert abs(float(table.mean())) < 0.01
    assert 0.8 * stddev < float(table.std()) < 0.95 * stddev
    # Seeded: the same construction gives the same table.
    assert_equal(make(), table)


# ------------------------------------------------------------------ shared embeddings

def test_shared_embeddings_share_one_table():
    a = sf.sequence_categorical_column_with_identity("aaa", 4)
    b = sf.sequence_categorical_column_with_identity("bbb", 4)
    ea, eb = sf.shared_embeddings([a, b], dimension=2, combiner="sum")
    ea.set_table(E)
    assert_close(eb.get_table(), E)
    features = {"aaa": sf.SparseTensor([[0, 0], [0, 1]], [2, 1], [1, 2]),
                "bbb": sf.SparseTensor([[0, 0], [0, 1]], [3, 0], [1, 2])}
    out, length = sf.SequenceFeatures([eb, ea])(features)
    # aaa_shared_embedding first, then bbb_shared_embedding.
    assert_close(out, [[[3, 4, -1, 1], [0, 2, 1, 0]]])
    assert_equal(length, [2])
    dense_b, _ = eb.get_sequence_dense_tensor(features)
    assert_close(dense_b, [[[-1, 1], [1, 0]]])


def test_shared_embeddings_initializer_called_once_for_the_shared_table():
    calls = []

    def init(shape, dtype):
        calls.append(tuple(shape))
        return np.ones(shape, np.float32)

    a = sf.sequence_categorical_column_with_identity("aaa", 3)
    b = sf.sequence_categorical_column_with_identity("bbb", 3)
    ea, eb = sf.shared_embeddings([a, b], dimension=2, initializer=init)
    assert calls == [(3, 2)]
    assert_close(ea.get_table(), np.ones((3, 2)))


def test_shared_between_sequence_and_context_column():
    a = sf.sequence_categorical_column_with_identity("aaa", 4)
    c = sf.categorical_column_with_identity("ccc", 4)
    ea, ec = sf.shared_embeddings([a, c], dimension=2, initializer=E)
    assert_close(ec.get_table(), E)
    dense, _ = ea.get_sequence_dense_tensor({"aaa": sf.SparseTensor([[0, 0]], [2], [1, 1])})
    assert_close(dense, [[[3, 4]]])


def test_default_initializer_is_seeded_and_differs_per_column():
    # TF's default: truncated normal, mean 0, stddev 1/sqrt(dimension), cut at 2 stddev.
    a = sf.sequence_categorical_column_with_identity("a", 2000)
    b = sf.sequence_categorical_column_with_identity("b", 2000)
    ta = sf.embedding_column(a, dimension=4, seed=7).get_table()
    assert np.array_equal(ta, sf.embedding_column(a, dimension=4, seed=7).get_table())
    assert not np.array_equal(ta, sf.embedding_column(a, dimension=4, seed=8).get_table())
    assert not np.array_equal(ta, sf.embedding_column(b, dimension=4, seed=7).get_table())
    stddev = 1 / np.sqrt(4)
    assert np.abs(ta).max() <= 2 * stddev
    assert abs(ta.mean()) < 0.02
    # std of a normal truncated at +-2 sigma is 0.8796 sigma
    assert abs(ta.std() - 0.8796 * stddev) < 0.02
    with pytest.raises(ValueError, match="seed"):
        sf.embedding_column(a, dimension=4, seed=-1)
