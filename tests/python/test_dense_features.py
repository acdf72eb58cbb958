"""DenseFeatures for context (non-sequence) columns, sharing tables with sequence columns
(compatibility.md §12), with TF's semantics per example."""

import numpy as np
import pytest

import seqfeat as sf
from conftest import E, assert_close


def test_numeric_and_embedding_sorted_by_name():
    price = sf.numeric_column("price", shape=(2,))
    ids = sf.categorical_column_with_identity("ids", 4)
    emb = sf.embedding_column(ids, 2, combiner="mean", initializer=E)
    layer = sf.DenseFeatures([price, emb])
    assert [c.name for c in layer.feature_columns] == ["ids_embedding", "price"]
    assert layer.output_depth == 4
    features = {"price": np.array([[1.0, 2.0], [3.0, 4.0]], np.float32),
                "ids": sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [0, 1, 2], [2, 2])}
    slices = {}
    out = layer(features, cols_to_output_tensors=slices)
    # ids: example 0 mean(e0, e1) = [0.5, 1]; example 1 e2 = [3, 4].
    assert_close(out, [[0.5, 1, 1, 2], [3, 4, 3, 4]])
    assert_close(slices[emb], [[0.5, 1], [3, 4]])
    assert_close(slices[price], [[1, 2], [3, 4]])


def test_indicator_counts_per_example():
    ids = sf.categorical_column_with_identity("ids", 3)
    out = sf.DenseFeatures([sf.indicator_column(ids)])(
        {"ids": sf.SparseTensor([[0, 0], [0, 1], [0, 2], [1, 0]], [2, 2, 0, 5], [3, 3])})
    assert_close(out, [[1, 0, 2], [0, 0, 0], [0, 0, 0]])


def test_empty_example_embeds_to_zero():
    ids = sf.categorical_column_with_identity("ids", 4)
    emb = sf.embedding_column(ids, 2, combiner="sum", initializer=E)
    out = sf.DenseFeatures([emb])({"ids": sf.SparseTensor([[1, 0]], [3], [3, 1])})
    assert_close(out, [[0, 0], [-1, 1], [0, 0]])


def test_sequence_numeric_rejected_at_construction():
    with pytest.raises(ValueError, match="Items of feature_columns must be a .*DenseColumn"):
        sf.DenseFeatures([sf.sequence_numeric_column("x")])


def test_embedding_over_sequence_column_rejected_at_call():
    emb = sf.embedding_column(sf.sequence_categorical_column_with_identity("ids", 4), 2)
    layer = sf.DenseFeatures([emb])
    with pytest.raises(ValueError, match="SequenceCategoricalColumn"):
        layer({"ids": sf.SparseTensor([[0, 0]], [1], [1, 1])})


def test_context_and_sequence_share_a_table():
    seq = sf.sequence_categorical_column_with_identity("watches", 4)
    ctx = sf.categorical_column_with_identity("favorite", 4)
    seq_emb, ctx_emb = sf.shared_embeddings([seq, ctx], dimension=2, combiner="sum")
    ctx_emb.set_table(E)
    context = sf.DenseFeatures([ctx_emb])({"favorite": np.array([[2], [1]], np.int64)})
    sequence, length = sf.SequenceFeatures([seq_emb])(
        {"watches": sf.SparseTensor([[0, 0], [1, 0], [1, 1]], [3, 0, 0], [2, 2])})
    assert_close(context, [[3, 4], [0, 2]])
    assert_close(sequence, [[[-1, 1], [0, 0]], [[1, 0], [1, 0]]])
    full = sf.concatenate_context_input(context, sequence)
    assert_close(full, [[[-1, 1, 3, 4], [0, 0, 3, 4]], [[1, 0, 0, 2], [1, 0, 0, 2]]])


def test_features_must_be_a_dict():
    layer = sf.DenseFeatures([sf.numeric_column("x")])
    with pytest.raises(ValueError, match="We expected a dictionary here"):
        layer([1.0])


def test_weighted_indicator_sums_weights():
    ids = sf.categorical_column_with_identity("x", 3)
    col = sf.indicator_column(sf.weighted_categorical_column(ids, "w"))
    features = {"x": sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [2, 2, 5], [2, 2]),
                "w": sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [0.5, 0.25, 3.0], [2, 2])}
    # Example 0: 0.5 + 0.25 into bucket 2; example 1: id 5 is out of range, dropped.
    assert_close(sf.DenseFeatures([col])(features), [[0, 0, 0.75], [0, 0, 0]])


def test_numeric_column_needs_dense_input():
    with pytest.raises(ValueError):
        sf.DenseFeatures([sf.numeric_column("p")])({"p": sf.SparseTensor([[0, 0]], [1.0], [1, 1])})


def test_out_of_range_id_with_pruned_weight_is_dropped_under_mean():
    # TF prunes weight <= 0 before the gather under mean: id 7 never reaches the table.
    ids = sf.weighted_categorical_column(sf.categorical_column_with_identity("x", 4), "w")
    features = {"x": sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [1, 7, 2], [2, 2]),
                "w": sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [2.0, 0.0, 1.0], [2, 2])}
    mean = sf.embedding_column(ids, 2, combiner="mean", initializer=E)
    assert_close(sf.DenseFeatures([mean])(features), [[0, 2], [3, 4]])
    total = sf.embedding_column(ids, 2, combiner="sum", initializer=E)
    with pytest.raises(sf.InvalidArgumentError, match=r"7 is not in \[0, 4\)"):
        sf.DenseFeatures([total])(features)


def test_ids_with_more_than_one_step_fail_as_in_tf():
    ids = sf.categorical_column_with_identity("x", 4)
    layer = sf.DenseFeatures([sf.embedding_column(ids, 2, combiner="sum", initializer=E)])
    # [B, 1, K] pools the example's ids; [B, 2, 1] cannot be reshaped to [B, D] in TF.
    one_step = sf.SparseTensor([[0, 0, 0], [0, 0, 1], [1, 0, 0]], [0, 2, 3], [2, 1, 2])
    assert_close(layer({"x": one_step}), [[4, 4], [-1, 1]])
    with pytest.raises(sf.InvalidArgumentError, match=r"dense_shape \[2, 2, 1\]"):
        layer({"x": sf.SparseTensor([[0, 0, 0], [0, 1, 0]], [0, 2], [2, 2, 1])})


def test_get_sparse_tensors_keeps_the_input_rank():
    ids = sf.categorical_column_with_identity("x", 4)
    pair = ids.get_sparse_tensors(
        {"x": sf.SparseTensor([[0, 0, 0], [0, 1, 0], [1, 0, 0]], [1, 2, 3], [2, 2, 1])})
    np.testing.assert_array_equal(pair.id_tensor.dense_shape, [2, 2, 1])
    np.testing.assert_array_equal(pair.id_tensor.indices, [[0, 0, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(pair.id_tensor.values, [1, 2, 3])


def test_numeric_column_default_value_follows_tf():
    # TF's check_default_value: kept as a tuple of the column's shape.
    assert sf.numeric_column("a", shape=(1,), default_value=[-1]).default_value == (-1,)
    assert sf.numeric_column("a", shape=[2], default_value=[1, 2.0]).default_value == (1, 2.0)
    assert sf.numeric_column("a", shape=[2], default_value=[1, 2],
                             dtype="int32").default_value == (1, 2)
    assert sf.numeric_column("a", shape=[1, 2], default_value=3).default_value == ((3, 3),)
    assert sf.numeric_column("a").default_value is None
    with pytest.raises(TypeError, match="must be compatible with dtype"):
        sf.numeric_column("a", shape=[2], default_value=[1, 2.0], dtype="int32")
    with pytest.raises(TypeError, match="must be compatible with dtype"):
        sf.numeric_column("a", default_value=1.0, dtype="int64")
    with pytest.raises(TypeError, match="must be compatible with dtype"):
        sf.numeric_column("a", default_value=["string"])
    with pytest.raises(ValueError, match="shape of default_value must be equal to given shape"):
        sf.numeric_column("a", shape=[2], default_value=[1, 2, 3])
    # The layer's output does not depend on it (TF uses it only when parsing examples).
    col = sf.numeric_column("a", shape=(1,), default_value=[-1])
    assert_close(sf.DenseFeatures([col])({"a": np.array([[4.0], [5.0]], np.float32)}), [[4], [5]])


def test_repeated_calls_reuse_released_output_and_keep_held_ones():
    """The call state's pooled output: a held result is never overwritten by later calls, a
    released block is reused, and every result equals a per-example reference."""
    rng = np.random.default_rng(11)
    table = rng.random((20, 3), dtype=np.float32)
    ids = sf.categorical_column_with_identity("ids", 20)
    layer = sf.DenseFeatures([sf.embedding_column(ids, 3, combiner="sum", initializer=table),
                              sf.numeric_column("x")])

    def draw(B):
        rows = [rng.integers(0, 20, size=int(rng.integers(0, 4))) for _ in range(B)]
        x = rng.random((B, 1), dtype=np.float32)
        idx = [[b, k] for b, r in enumerate(rows) for k in range(len(r))]
        values = [int(v) for r in rows for v in r]
        sparse = sf.SparseTensor(np.array(idx, np.int64).reshape(-1, 2),
                                 np.array(values, np.int64), [B, 3])
        want = np.concatenate([np.stack([table[r].sum(0) if len(r) else np.zeros(3, np.float32)
                                         for r in rows]), x], axis=1)
        return {"ids": sparse, "x": x}, want

    held = []
    for B in (5, 5, 9, 2):
        features, want = draw(B)
        held.append((layer(features), want))
    for out, want in held:
        assert_close(out, want)
    features, want = draw(4)
    first = layer(features)
    address = first.ctypes.data
    del first
    features, want = draw(4)
    again = layer(features)
    assert again.ctypes.data == address
    assert_close(again, want)
