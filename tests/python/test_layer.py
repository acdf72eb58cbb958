"""SequenceFeatures / sequence_input_layer / concatenate_context_input: compatibility.md §9,
§10, §11; the seed example."""

import numpy as np
import pytest

import seqfeat as sf
from conftest import assert_close, assert_equal, ids_embedding, seed_table


def numeric_sp(indices, values, dense_shape):
    return sf.SparseTensor(indices, values, dense_shape)


# ------------------------------------------------------------------ the seed example

SEED_INDICES = [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]]


def seed_layer():
    rating = sf.sequence_numeric_column("rating")
    watches = sf.sequence_categorical_column_with_identity("watches", num_buckets=1000)
    watches_embedding = sf.embedding_column(watches, dimension=10)
    watches_embedding.set_table(seed_table(1000, 10))
    return sf.SequenceFeatures([rating, watches_embedding])


def seed_features():
    return {"rating": sf.SparseTensor(SEED_INDICES, [3.0, 5.0, 1.0, 2.0, 3.0], [2, 5]),
            "watches": sf.SparseTensor(SEED_INDICES, [12, 34, 7, 7, 999], [2, 5])}


def test_seed_example():
    sequence_input, sequence_length = seed_layer()(seed_features())
    assert sequence_input.shape == (2, 5, 11)
    assert sequence_input.dtype == np.float32
    j = np.arange(10) * 0.001
    expected = np.zeros((2, 5, 11))
    expected[0, 0] = np.concatenate([[3.0], 0.12 + j])
    expected[0, 1] = np.concatenate([[5.0], 0.34 + j])
    expected[1, 0] = np.concatenate([[1.0], 0.07 + j])
    expected[1, 1] = np.concatenate([[2.0], 0.07 + j])
    expected[1, 2] = np.concatenate([[3.0], 0.99 + j])  # 999 % 100 = 99
    assert_close(sequence_input, expected, atol=1e-6)
    assert_equal(sequence_length, [2, 3])
    assert sequence_length.dtype == np.int64


def test_layer_properties():
    layer = seed_layer()
    assert [c.name for c in layer.feature_columns] == ["rating", "watches_embedding"]
    assert layer.output_depth == 11
    assert layer.column_slices == {"rating": (0, 1), "watches_embedding": (1, 10)}
    assert layer.compute_output_shape((None, None)) == (None, None, 11)
    assert layer.name == "sequence_features"
    assert layer.trainable is True


# ------------------------------------------------------------------ ordering and packing

def test_columns_sorted_by_name():
    zzz = sf.sequence_numeric_column("zzz")
    aaa = sf.sequence_numeric_column("aaa", shape=(2,))
    layer = sf.SequenceFeatures([zzz, aaa])
    features = {"aaa": numeric_sp([[0, 0], [0, 1], [0, 2], [0, 3]], [1.0, 2.0, 3.0, 4.0], [1, 4]),
                "zzz": numeric_sp([[0, 0], [0, 1]], [9.0, 8.0], [1, 2])}
    out, length = layer(features)
    # aaa: 2 values per step, first; then zzz.
    assert_close(out, [[[1, 2, 9], [3, 4, 8]]])
    assert_equal(length, [2])


def test_sorting_is_plain_string_order():
    cols = [sf.sequence_numeric_column(k) for k in ("b", "B", "a_b", "a")]
    assert [c.name for c in sf.SequenceFeatures(cols).feature_columns] == ["B", "a", "a_b", "b"]


def test_single_column_is_wrapped():
    col = sf.sequence_numeric_column("aaa")
    out, length = sf.SequenceFeatures(col)({"aaa": numeric_sp([[0, 0]], [4.0], [1, 1])})
    assert_close(out, [[[4.0]]])
    assert_equal(length, [1])


def test_generator_of_columns_is_accepted():
    cols = (sf.sequence_numeric_column(k) for k in ("a", "b"))
    assert len(sf.SequenceFeatures(cols).feature_columns) == 2


def test_extra_features_are_ignored():
    col = sf.sequence_numeric_column("aaa")
    out, _ = sf.SequenceFeatures([col])({"aaa": numeric_sp([[0, 0]], [4.0], [1, 1]),
                                         "unused": 3})
    assert_close(out, [[[4.0]]])


def test_numeric_and_embedding_of_3d_ids():
    emb = ids_embedding("sum")
    num = sf.sequence_numeric_column("num")
    features = {"ids": sf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0]], [0, 1, 3], [1, 2, 2]),
                "num": numeric_sp([[0, 0], [0, 1]], [5.0, 6.0], [1, 2])}
    out, length = sf.SequenceFeatures([num, emb])(features)
    assert_close(out, [[[1, 2, 5], [-1, 1, 6]]])
    assert_equal(length, [2])


# ------------------------------------------------------------------ length and T checks

def test_unequal_sequence_lengths_name_both_columns():
    aaa = sf.sequence_numeric_column("aaa")
    bbb = sf.sequence_numeric_column("bbb")
    features = {"aaa": numeric_sp([[0, 0], [0, 1], [1, 0]], [1.0, 2.0, 3.0], [2, 2]),
                "bbb": numeric_sp([[0, 0], [1, 0]], [1.0, 2.0], [2, 2])}
    with pytest.raises(sf.InvalidArgumentError) as info:
        sf.SequenceFeatures([aaa, bbb])(features)
    assert "aaa" in str(info.value) and "bbb" in str(info.value)


def test_different_t_names_both_columns():
    aaa = sf.sequence_numeric_column("aaa")
    bbb = sf.sequence_numeric_column("bbb")
    features = {"aaa": numeric_sp([[0, 0], [1, 0]], [1.0, 2.0], [2, 2]),
                "bbb": numeric_sp([[0, 0], [1, 0]], [1.0, 2.0], [2, 3])}
    with pytest.raises(sf.InvalidArgumentError) as info:
        sf.SequenceFeatures([aaa, bbb])(features)
    assert "aaa" in str(info.value) and "bbb" in str(info.value)


def test_3d_numeric_next_to_2d_column_with_same_length_fails_on_t():
    # 3-D numeric [1, 2, 2] gives T = 4 with length 2; the 2-D column has T = 2, length 2.
    aaa = sf.sequence_numeric_column("aaa")
    bbb = sf.sequence_numeric_column("bbb")
    features = {"aaa": numeric_sp([[0, 0, 0], [0, 1, 0]], [1.0, 2.0], [1, 2, 2]),
                "bbb": numeric_sp([[0, 0], [0, 1]], [1.0, 2.0], [1, 2])}
    with pytest.raises(sf.InvalidArgumentError):
        sf.SequenceFeatures([aaa, bbb])(features)


def test_different_batch_sizes_fail():
    aaa = sf.sequence_numeric_column("aaa")
    bbb = sf.sequence_numeric_column("bbb")
    features = {"aaa": numeric_sp([[0, 0]], [1.0], [1, 1]),
                "bbb": numeric_sp([[0, 0]], [1.0], [2, 1])}
    with pytest.raises(ValueError):
        sf.SequenceFeatures([aaa, bbb])(features)


# ------------------------------------------------------------------ index validation

@pytest.mark.parametrize("indices", [
    [[0, 1], [0, 0]],          # out of order within a row
    [[1, 0], [0, 0]],          # out of order across rows
    [[0, 0], [0, 2]],          # step beyond dense_shape[1]
    [[0, 0], [2, 0]],          # example beyond dense_shape[0]
])
def test_categorical_index_validation(indices):
    emb = ids_embedding("sum")
    sp = sf.SparseTensor(indices, [0, 1], [2, 2])
    with pytest.raises(sf.InvalidArgumentError):
        sf.SequenceFeatures([emb])({"ids": sp})


def test_3d_index_beyond_k_is_an_error():
    emb = ids_embedding("sum")
    sp = sf.SparseTensor([[0, 0, 0], [0, 0, 2]], [0, 1], [1, 1, 2])
    with pytest.raises(sf.InvalidArgumentError):
        sf.SequenceFeatures([emb])({"ids": sp})


# ------------------------------------------------------------------ construction errors

def test_dict_of_columns_rejected():
    col = sf.sequence_numeric_column("aaa")
    with pytest.raises(ValueError, match="^Expected feature_columns to be iterable, found dict.$"):
        sf.SequenceFeatures({"aaa": col})


def test_empty_columns_rejected():
    with pytest.raises(ValueError, match="feature_columns must not be empty."):
        sf.SequenceFeatures([])


def test_non_column_items_rejected():
    with pytest.raises(ValueError, match="Items of feature_columns must be a FeatureColumn"):
        sf.SequenceFeatures([sf.sequence_numeric_column("aaa"), "bbb"])


def test_duplicate_names_rejected():
    with pytest.raises(ValueError, match="Duplicate feature column name found for columns"):
        sf.SequenceFeatures([sf.sequence_numeric_column("aaa"),
                             sf.sequence_numeric_column("aaa", shape=(2,))])


@pytest.mark.parametrize("make", [
    lambda: sf.sequence_categorical_column_with_identity("aaa", 3),
    lambda: sf.numeric_column("aaa"),
])
def test_non_sequence_dense_columns_rejected(make):
    with pytest.raises(ValueError, match="Items of feature_columns must be a .*SequenceDenseColumn"
                                         ".*You can wrap a categorical column with an "
                                         "embedding_column or indicator_column"):
        sf.SequenceFeatures([make()])


def test_embedding_over_non_sequence_column_fails_at_call():
    col = sf.embedding_column(sf.categorical_column_with_identity("ids", 3), 2)
    layer = sf.SequenceFeatures([col])
    with pytest.raises(ValueError, match="SequenceCategoricalColumn"):
        layer({"ids": sf.SparseTensor([[0, 0]], [1], [1, 1])})


# ------------------------------------------------------------------ call errors

@pytest.mark.parametrize("features", [[1, 2], None, "rating"])
def test_features_must_be_a_dict(features):
    with pytest.raises(ValueError, match="We expected a dictionary here. Instead we got: "):
        seed_layer()(features)


def test_missing_feature():
    features = seed_features()
    del features["watches"]
    with pytest.raises(ValueError, match="^Feature watches is not in features dictionary.$"):
        seed_layer()(features)


@pytest.mark.parametrize("value", [np.float32(3.0), np.array(3.0), 3.0])
def test_rank0_feature(value):
    col = sf.sequence_numeric_column("aaa")
    with pytest.raises(ValueError, match="cannot have rank 0"):
        sf.SequenceFeatures([col])({"aaa": value})


def test_rank0_sparse_feature():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(np.zeros((0, 0), np.int64), [], np.zeros(0, np.int64))
    with pytest.raises(ValueError, match="cannot have rank 0"):
        sf.SequenceFeatures([col])({"aaa": sp})


# ------------------------------------------------------------------ sequence_input_layer

def test_sequence_input_layer_matches_sequence_features():
    rating = sf.sequence_numeric_column("rating")
    watches = sf.sequence_categorical_column_with_identity("watches", num_buckets=1000)
    emb = sf.embedding_column(watches, dimension=10, initializer=seed_table(1000, 10))
    a, la = sf.sequence_input_layer(seed_features(), [emb, rating])
    b, lb = seed_layer()(seed_features())
    assert_close(a, b)
    assert_equal(la, lb)


def test_sequence_input_layer_type_message():
    with pytest.raises(ValueError, match="All feature_columns must be of type "
                                         "_SequenceDenseColumn"):
        sf.sequence_input_layer({}, [sf.sequence_categorical_column_with_identity("a", 2)])


# ------------------------------------------------------------------ concatenate_context_input

def test_concatenate_context_input():
    seq = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    ctx = np.array([[100.0], [200.0]], dtype=np.float32)
    out = sf.concatenate_context_input(ctx, seq)
    assert out.shape == (2, 3, 3) and out.dtype == np.float32
    expected = [[[0, 1, 100], [2, 3, 100], [4, 5, 100]],
                [[6, 7, 200], [8, 9, 200], [10, 11, 200]]]
    assert_close(out, expected)


def test_concatenate_context_input_checks_in_order():
    seq = np.zeros((2, 3, 2), np.float32)
    ctx = np.zeros((2, 1), np.float32)
    with pytest.raises(ValueError, match="sequence_input must have rank 3"):
        sf.concatenate_context_input(ctx[0], seq[0])
    with pytest.raises(TypeError, match="sequence_input must have dtype float32; got "):
        sf.concatenate_context_input(ctx[0], seq.astype(np.float64))
    with pytest.raises(ValueError, match="context_input must have rank 2"):
        sf.concatenate_context_input(ctx[0], seq)
    with pytest.raises(TypeError, match="context_input must have dtype float32; got "):
        sf.concatenate_context_input(ctx.astype(np.int32), seq)


def test_concatenate_context_input_batch_mismatch():
    with pytest.raises(ValueError):
        sf.concatenate_context_input(np.zeros((3, 1), np.float32), np.zeros((2, 3, 2), np.float32))


def test_concatenate_after_layer():
    out, _ = seed_layer()(seed_features())
    ctx = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    full = sf.concatenate_context_input(ctx, out)
    assert full.shape == (2, 5, 13)
    assert_close(full[:, :, :11], out)
    assert_close(full[1, 4, 11:], [3.0, 4.0])


def test_concatenate_context_input_zero_steps():
    out = sf.concatenate_context_input(np.ones((2, 1), np.float32), np.zeros((2, 0, 3), np.float32))
    assert out.shape == (2, 0, 4)
