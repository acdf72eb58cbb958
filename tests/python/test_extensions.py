"""libseqfeat's extensions (compatibility.md §14): ragged and dense inputs, max_length with padding and
truncating, masks, strict mode, per-call statistics and built-in normalizers."""

import numpy as np
import pytest

import seqfeat as sf
from conftest import E, assert_close, assert_equal, ids_embedding


def layer_num_emb(combiner="sum"):
    return sf.SequenceFeatures([sf.sequence_numeric_column("num"), ids_embedding(combiner)])


# ------------------------------------------------------------------ ragged inputs

def coo_features():
    # ex0: steps (num, ids) = (1, {0, 1}), (2, {2}); ex1: (3, {3}).
    return {"num": sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [1.0, 2.0, 3.0], [2, 2]),
            "ids": sf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]], [0, 1, 2, 3],
                                   [2, 2, 2])}


EXPECTED = [[[1, 2, 1], [3, 4, 2]], [[-1, 1, 3], [0, 0, 0]]]


def test_coo_reference():
    out, length = layer_num_emb()(coo_features())
    assert_close(out, EXPECTED)
    assert_equal(length, [2, 1])


def test_ragged_gives_the_same_output_as_coo():
    steps = sf.RaggedTensor.from_row_splits([0, 1, 2, 3], row_splits=[0, 2, 3, 4])
    features = {"num": sf.RaggedTensor.from_row_splits([1.0, 2.0, 3.0], [0, 2, 3]),
                "ids": sf.RaggedTensor.from_row_splits(steps, [0, 2, 3])}
    out, length = layer_num_emb()(features)
    assert_close(out, EXPECTED)
    assert_equal(length, [2, 1])


def test_nested_lists_are_ragged():
    features = {"num": [[1.0, 2.0], [3.0]], "ids": [[[0, 1], [2]], [[3]]]}
    out, length = layer_num_emb()(features)
    assert_close(out, EXPECTED)
    assert_equal(length, [2, 1])


def test_ragged_t_is_the_longest_sequence():
    col = sf.sequence_numeric_column("num", default_value=-1.0)
    out, length = sf.SequenceFeatures([col])({"num": [[1.0], [2.0, 3.0, 4.0], []]})
    assert_close(out, [[[1], [-1], [-1]], [[2], [3], [4]], [[-1], [-1], [-1]]])
    assert_equal(length, [1, 3, 0])


def test_ragged_strings():
    col = sf.embedding_column(sf.sequence_categorical_column_with_vocabulary_list(
        "v", ["p", "q", "r", "s"]), 2, combiner="sum", initializer=E)
    out, length = sf.SequenceFeatures([col])({"v": [["s", "p"], [b"q"]]})
    assert_close(out, [[[-1, 1], [1, 0]], [[0, 2], [0, 0]]])
    assert_equal(length, [2, 1])


def test_ragged_numeric_with_shape():
    # Multi-valued steps of a numeric column with shape (2,).
    col = sf.sequence_numeric_column("num", shape=(2,))
    out, length = sf.SequenceFeatures([col])({"num": [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]]})
    assert_close(out, [[[1, 2], [3, 4]], [[5, 6], [0, 0]]])
    assert_equal(length, [2, 1])


# ------------------------------------------------------------------ dense inputs

def test_dense_categorical_equals_coo():
    emb = ids_embedding("sum")
    dense_ids = np.array([[[0, 1], [2, -1]], [[3, -1], [-1, -1]]], dtype=np.int64)
    out_dense, len_dense = sf.SequenceFeatures([emb])({"ids": dense_ids})
    out_coo, len_coo = sf.SequenceFeatures([emb])({"ids": coo_features()["ids"]})
    assert_close(out_dense, out_coo)
    assert_equal(len_dense, len_coo)
    assert_equal(len_dense, [2, 1])


def test_dense_numeric_every_cell_is_present():
    col = sf.sequence_numeric_column("num")
    out, length = sf.SequenceFeatures([col])({"num": np.array([[1.0, 2.0], [3.0, 4.0]])})
    assert_close(out, [[[1], [2]], [[3], [4]]])
    assert_equal(length, [2, 2])


def test_dense_rank1_is_one_step_per_example():
    col = sf.sequence_numeric_column("num")
    out, length = sf.SequenceFeatures([col])({"num": np.array([5.0, 6.0], np.float32)})
    assert_close(out, [[[5]], [[6]]])
    assert_equal(length, [1, 1])


def test_dense_weights():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.embedding_column(sf.weighted_categorical_column(ids, "w"), 2, combiner="sum",
                              initializer=E)
    features = {"ids": np.array([[1, 2]], np.int64), "w": np.array([[0.5, 2.0]], np.float32)}
    dense, length = col.get_sequence_dense_tensor(features)
    assert_close(dense, [[[0, 1], [6, 8]]])
    assert_equal(length, [2])


def test_dense_weights_drop_zero_cells():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    col = sf.weighted_categorical_column(ids, "w")
    features = {"ids": np.array([[1, -1]], np.int64), "w": np.array([[0.5, 0.0]], np.float32)}
    pair = col.get_sparse_tensors(features)
    assert_equal(pair.id_tensor.values, [1])
    assert_equal(pair.weight_tensor.values, np.array([0.5], np.float32))


# ------------------------------------------------------------------ max_length, padding, truncating

NUM = {"num": [[1.0, 2.0], [3.0, 4.0, 5.0]]}


def num_layer():
    return sf.SequenceFeatures([sf.sequence_numeric_column("num", default_value=-1.0)])


def test_max_length_pads_post():
    out, length, mask = num_layer()(NUM, max_length=4, return_mask=True)
    assert_close(out[..., 0], [[1, 2, -1, -1], [3, 4, 5, -1]])
    assert_equal(length, [2, 3])
    assert_equal(mask, [[1, 1, 0, 0], [1, 1, 1, 0]])
    assert mask.dtype == np.uint8


def test_max_length_pads_pre():
    out, length, mask = num_layer()(NUM, max_length=4, padding="pre", return_mask=True)
    assert_close(out[..., 0], [[-1, -1, 1, 2], [-1, 3, 4, 5]])
    assert_equal(length, [2, 3])
    assert_equal(mask, [[0, 0, 1, 1], [0, 1, 1, 1]])


def test_max_length_truncates_post_keeps_first_steps():
    layer = num_layer()
    out, length = layer(NUM, max_length=2)
    assert_close(out[..., 0], [[1, 2], [3, 4]])
    assert_equal(length, [2, 2])
    assert layer.last_stats["num"]["steps_truncated"] == 1


def test_max_length_truncates_pre_keeps_last_steps():
    out, length = num_layer()(NUM, max_length=2, truncating="pre")
    assert_close(out[..., 0], [[1, 2], [4, 5]])
    assert_equal(length, [2, 2])


def test_max_length_with_coo_input():
    sp = sf.SparseTensor([[0, 0], [0, 2]], [1.0, 2.0], [1, 3])
    out, length = num_layer()({"num": sp}, max_length=5)
    assert_close(out[..., 0], [[1, -1, 2, -1, -1]])
    assert_equal(length, [3])


def test_max_length_embedding_padding_is_zero():
    out, length = sf.SequenceFeatures([ids_embedding("sum")])(
        {"ids": [[[0, 1]]]}, max_length=3, padding="pre")
    assert_close(out, [[[0, 0], [0, 0], [1, 2]]])
    assert_equal(length, [1])


@pytest.mark.parametrize("kwargs", [{"max_length": 0}, {"max_length": -1}, {"padding": "mid"},
                                    {"truncating": "both"}])
def test_bad_pack_options(kwargs):
    with pytest.raises(ValueError):
        num_layer()(NUM, **kwargs)


def test_mask_without_max_length():
    _, length, mask = layer_num_emb()(coo_features(), return_mask=True)
    assert_equal(mask, [[1, 1], [1, 0]])


# ------------------------------------------------------------------ statistics

def test_stats_counts():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    ind = sf.indicator_column(ids)
    voc = sf.indicator_column(sf.sequence_categorical_column_with_vocabulary_list(
        "v", ["a", "b"]))
    layer = sf.SequenceFeatures([ind, voc])
    # ids: 7 and -1 dropped (2); example 2 is empty. v: 'x' and 'y' are OOV (2 hits) and, as -1
    # ids, dropped too.
    features = {"ids": [[1, 7], [-1, 2], []],
                "v": [["a", "x"], ["y", "b"], []]}
    out, length = layer(features)
    assert_equal(length, [2, 2, 0])
    stats = layer.last_stats
    assert set(stats) == {"ids_indicator", "v_indicator"}
    assert stats["ids_indicator"] == {"dropped_invalid": 2, "oov_hits": 0, "steps_truncated": 0,
                                      "empty_examples": 1}
    assert stats["v_indicator"]["oov_hits"] == 2
    assert stats["v_indicator"]["dropped_invalid"] == 2
    assert stats["v_indicator"]["empty_examples"] == 1


def test_stats_identity_default_counts_as_oov():
    ids = sf.sequence_categorical_column_with_identity("ids", 4, default_value=0)
    layer = sf.SequenceFeatures([sf.indicator_column(ids)])
    out, _ = layer({"ids": [[1, 9, -3]]})
    assert_close(out, [[[0, 1, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]]])
    assert layer.last_stats["ids_indicator"]["oov_hits"] == 2
    assert layer.last_stats["ids_indicator"]["dropped_invalid"] == 0


# ------------------------------------------------------------------ strict mode

def test_strict_out_of_range_id_names_the_column():
    layer = sf.SequenceFeatures([sf.indicator_column(
        sf.sequence_categorical_column_with_identity("ids", 4))])
    features = {"ids": [[1, 7]]}
    out, _ = layer(features)  # TF-compatible: silently nothing
    assert_close(out, [[[0, 1, 0, 0], [0, 0, 0, 0]]])
    with pytest.raises(sf.InvalidArgumentError) as info:
        layer(features, strict=True)
    assert "ids" in str(info.value) and "7" in str(info.value)


def test_strict_negative_id_in_embedding():
    layer = sf.SequenceFeatures([ids_embedding("sum")])
    with pytest.raises(sf.InvalidArgumentError):
        layer({"ids": [[0, -1]]}, strict=True)


def test_strict_oov_without_oov_buckets():
    col = sf.indicator_column(sf.sequence_categorical_column_with_vocabulary_list("v", ["a"]))
    layer = sf.SequenceFeatures([col])
    with pytest.raises(sf.InvalidArgumentError) as info:
        layer({"v": [["a", "zebra"]]}, strict=True)
    assert "zebra" in str(info.value)
    # With OOV buckets nothing is lost, so strict mode accepts it.
    oov = sf.indicator_column(sf.sequence_categorical_column_with_vocabulary_list(
        "v", ["a"], num_oov_buckets=2))
    out, _ = sf.SequenceFeatures([oov])({"v": [["a", "zebra"]]}, strict=True)
    # 'zebra': Fingerprint64 mod 2 = 0 -> bucket 1 + 0.
    assert_close(out, [[[1, 0, 0], [0, 1, 0]]])


def test_strict_truncation_is_an_error():
    with pytest.raises(sf.InvalidArgumentError):
        num_layer()(NUM, max_length=2, strict=True)


def test_strict_unequal_lengths_name_the_example():
    aaa = sf.sequence_numeric_column("aaa")
    bbb = sf.sequence_numeric_column("bbb")
    with pytest.raises(sf.InvalidArgumentError) as info:
        sf.SequenceFeatures([aaa, bbb])({"aaa": [[1.0, 2.0], [3.0]], "bbb": [[1.0], [3.0]]},
                                        strict=True)
    assert "aaa" in str(info.value) and "bbb" in str(info.value)


# ------------------------------------------------------------------ built-in normalizers

@pytest.mark.parametrize("normalizer, expected", [
    (sf.normalizers.scale_shift(2.0, 1.0), [3.0, 5.0, -7.0]),
    (sf.normalizers.zscore(2.0, 4.0), [-0.25, 0.0, -1.5]),
    (sf.normalizers.log1p(), [np.log(2.0), np.log(3.0), None]),
    (sf.normalizers.clip(0.0, 1.5), [1.0, 1.5, 0.0]),
])
def test_builtin_normalizers(normalizer, expected):
    values = [1.0, 2.0, -4.0] if expected[2] is not None else [1.0, 2.0]
    expected = [e for e in expected if e is not None]
    col = sf.sequence_numeric_column("num", default_value=9.0, normalizer_fn=normalizer)
    n = len(values)
    sp = sf.SparseTensor([[0, i] for i in range(n)], values, [1, n + 1])
    dense, length = col.get_sequence_dense_tensor({"num": sp})
    # The padding step keeps the default: normalizers never see it.
    assert_close(dense[0, :, 0], expected + [9.0], atol=1e-6)
    assert_equal(length, [n])
    # Called from Python, a built-in computes the same values.
    assert_close(normalizer(np.array(values, np.float32)), expected, atol=1e-6)


def test_builtin_normalizer_parameter_checks():
    with pytest.raises(ValueError):
        sf.normalizers.zscore(0.0, 0.0)
    with pytest.raises(ValueError):
        sf.normalizers.clip(2.0, 1.0)


def test_truncating_pre_counts_removed_steps():
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("x")])
    out, length, mask = layer({"x": [[1.0, 2.0, 3.0], [4.0]]}, max_length=1, truncating="pre",
                              return_mask=True)
    assert_close(out, [[[3.0]], [[4.0]]])
    assert_equal(length, [1, 1])
    assert_equal(mask, [[1], [1]])
    assert layer.last_stats["x"]["steps_truncated"] == 2


@pytest.mark.parametrize("max_length, expected", [(4, [1, 0, 0, 2]), (6, [1, 0, 0, 2, 0, 0])])
def test_max_length_keeps_every_step_of_3d_numeric(max_length, expected):
    # [1, 2, 2] input -> 4 steps [1, 0, 0, 2] with sequence_length 2 (compatibility.md §3). Padding to
    # max_length >= 4 at the end must keep all four steps; max_length = 4 is TF's own output.
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("x")])
    sp = sf.SparseTensor([[0, 0, 0], [0, 1, 1]], [1.0, 2.0], [1, 2, 2])
    out, length = layer({"x": sp})
    assert_close(out[0, :, 0], [1, 0, 0, 2])
    out, length = layer({"x": sp}, max_length=max_length)
    assert_close(out[0, :, 0], expected)
    assert_equal(length, [2])
