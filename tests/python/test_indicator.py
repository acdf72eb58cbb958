"""indicator_column over sequence columns: compatibility.md §8."""

import numpy as np
import pytest

import seqfeat as sf
from conftest import assert_close, assert_equal


def test_multi_hot_counts_and_silent_out_of_range():
    ids = sf.sequence_categorical_column_with_identity("ids", num_buckets=4)
    col = sf.indicator_column(ids)
    # ex0 step0 {1, 1, 2}, step1 {7} (out of range: nothing, but counts for the length);
    # ex1 step0 {3, -1}.
    sp = sf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 1, 0], [1, 0, 0], [1, 0, 1]],
                         [1, 1, 2, 7, 3, -1], [2, 2, 3])
    dense, length = col.get_sequence_dense_tensor({"ids": sp})
    assert dense.shape == (2, 2, 4)
    assert_close(dense, [[[0, 2, 1, 0], [0, 0, 0, 0]], [[0, 0, 0, 1], [0, 0, 0, 0]]])
    assert_equal(length, [2, 1])


def test_one_id_per_step_and_padding():
    ids = sf.sequence_categorical_column_with_identity("ids", num_buckets=3)
    sp = sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [2, 0, 1], [2, 3])
    dense, length = sf.indicator_column(ids).get_sequence_dense_tensor({"ids": sp})
    assert_close(dense, [[[0, 0, 1], [1, 0, 0], [0, 0, 0]], [[0, 1, 0], [0, 0, 0], [0, 0, 0]]])
    assert_equal(length, [2, 1])


def test_vocabulary_oov_contributes_nothing():
    v = sf.sequence_categorical_column_with_vocabulary_list("v", ["a", "b"])
    sp = sf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0]], ["b", "x", "x"], [1, 2, 2])
    dense, length = sf.indicator_column(v).get_sequence_dense_tensor({"v": sp})
    assert_close(dense, [[[0, 1], [0, 0]]])
    assert_equal(length, [2])


def test_vocabulary_oov_buckets_are_buckets():
    # 'skywalker' -> 2 + Fingerprint64 mod 3 = 2 + 0.
    v = sf.sequence_categorical_column_with_vocabulary_list("v", ["a", "b"], num_oov_buckets=3)
    sp = sf.SparseTensor([[0, 0], [0, 1]], ["skywalker", "a"], [1, 2])
    assert 8332060478004835230 % 3 == 0
    dense, _ = sf.indicator_column(v).get_sequence_dense_tensor({"v": sp})
    assert_close(dense, [[[0, 0, 1, 0, 0], [1, 0, 0, 0, 0]]])


def test_indicator_in_layer_next_to_embedding_of_same_column():
    ids = sf.sequence_categorical_column_with_identity("x", num_buckets=2)
    emb = sf.embedding_column(ids, 1, initializer=[[10.0], [20.0]])
    ind = sf.indicator_column(ids)
    layer = sf.SequenceFeatures([ind, emb])
    assert [c.name for c in layer.feature_columns] == ["x_embedding", "x_indicator"]
    sp = sf.SparseTensor([[0, 0], [0, 1]], [1, 0], [1, 2])
    out, length = layer({"x": sp})
    assert_close(out, [[[20, 0, 1], [10, 1, 0]]])
    assert_equal(length, [2])


def test_weighted_sequence_indicator_sums_weights():
    # Extension (compatibility.md §14): weights of a weighted sequence column are added into
    # their buckets.
    ids = sf.sequence_categorical_column_with_identity("ids", num_buckets=3)
    col = sf.indicator_column(sf.weighted_categorical_column(ids, "w"))
    idx = [[0, 0, 0], [0, 0, 1], [0, 0, 2]]
    features = {"ids": sf.SparseTensor(idx, [1, 1, 2], [1, 1, 3]),
                "w": sf.SparseTensor(idx, np.array([0.5, 0.25, 2.0], np.float32), [1, 1, 3])}
    dense, length = col.get_sequence_dense_tensor(features)
    assert_close(dense, [[[0, 0.75, 2.0]]])
    assert_equal(length, [1])


def test_indicator_over_non_sequence_column_fails_at_call():
    col = sf.indicator_column(sf.categorical_column_with_identity("ids", 3))
    layer = sf.SequenceFeatures([col])  # passes the type check, as in TF
    with pytest.raises(ValueError, match="SequenceCategoricalColumn"):
        layer({"ids": sf.SparseTensor([[0, 0]], [1], [1, 1])})


def test_repeated_index_counts_twice():
    # compatibility.md §13.1: repeated indices are allowed for categorical columns, each entry counts.
    ids = sf.sequence_categorical_column_with_identity("ids", num_buckets=3)
    sp = sf.SparseTensor([[0, 0], [0, 0]], [1, 1], [1, 1])
    dense, _ = sf.indicator_column(ids).get_sequence_dense_tensor({"ids": sp})
    assert_close(dense, [[[0, 2, 0]]])
