"""The layer call's short path (numpy arrays and ragged tensors over them, described with one
struct.pack_into per feature): its results against naive references on random inputs, proof
that it was the path taken, what it declines, that it lets go of the inputs, and that its
errors are the general path's."""

import gc
import weakref

import numpy as np
import pytest

import seqfeat as sf
from seqfeat import _call, _columns
from conftest import assert_equal

ROWS, DIM = 89, 6


@pytest.fixture
def general_fill_counter(monkeypatch):
    """Counts calls of the general path's fill (FeatureReader.fill)."""
    calls = []
    original = _columns.FeatureReader.fill

    def counting(self, batch, features):
        calls.append(1)
        return original(self, batch, features)

    monkeypatch.setattr(_columns.FeatureReader, "fill", counting)
    return calls


def general_path(layer, features, **kwargs):
    """layer(features) with the short path turned off."""
    original = _call.FastFill.describe
    _call.FastFill.describe = lambda self, features: False
    try:
        return layer(features, **kwargs)
    finally:
        _call.FastFill.describe = original


def ragged_splits(rng, batch, max_len):
    lengths = rng.integers(0, max_len + 1, size=batch)
    lengths[rng.integers(0, batch)] = max_len  # T is max_len
    splits = np.zeros(batch + 1, dtype=np.int64)
    np.cumsum(lengths, out=splits[1:])
    return splits


def pad_rows(table, ids, splits, steps):
    """out[b, t] = table[id of step t of example b], zeros in padding."""
    B = splits.shape[0] - 1
    out = np.zeros((B, steps, table.shape[1]), dtype=np.float32)
    for b in range(B):
        for t in range(splits[b + 1] - splits[b]):
            out[b, t] = table[ids[splits[b] + t]]
    return out


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_ragged_ids_match_naive_padding(dtype, general_fill_counter):
    rng = np.random.default_rng(11)
    table = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    cat = sf.sequence_categorical_column_with_identity("ids", ROWS)
    layer = sf.SequenceFeatures([sf.embedding_column(cat, DIM, initializer=table)])
    for trial in range(20):
        B = int(rng.integers(1, 12))
        splits = ragged_splits(rng, B, int(rng.integers(1, 9)))
        ids = rng.integers(0, ROWS, size=int(splits[-1])).astype(dtype)
        dense, lengths = layer({"ids": sf.RaggedTensor.from_row_splits(ids, splits)},
                               num_threads=1 + trial % 2)
        steps = int(np.diff(splits).max())
        assert_equal(dense, pad_rows(table, ids.astype(np.int64), splits, steps))
        assert_equal(lengths, np.diff(splits))
    assert general_fill_counter == []


def test_two_level_ragged_weights_match_naive_weighted_mean(general_fill_counter):
    rng = np.random.default_rng(12)
    table = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    cat = sf.sequence_categorical_column_with_identity("ids", ROWS)
    weighted = sf.weighted_categorical_column(cat, "w")
    layer = sf.SequenceFeatures([sf.embedding_column(weighted, DIM, combiner="mean",
                                                     initializer=table)])
    for _ in range(10):
        B = int(rng.integers(1, 7))
        row_splits = ragged_splits(rng, B, 5)
        steps = int(row_splits[-1])
        per_step = rng.integers(1, 4, size=steps)
        step_splits = np.zeros(steps + 1, dtype=np.int64)
        np.cumsum(per_step, out=step_splits[1:])
        n = int(step_splits[-1])
        ids = rng.integers(0, ROWS, size=n, dtype=np.int64)
        w = (rng.random(n) + 0.25).astype(np.float32)

        def ragged(values):
            inner = sf.RaggedTensor.from_row_splits(values, step_splits)
            return sf.RaggedTensor.from_row_splits(inner, row_splits)

        dense, lengths = layer({"ids": ragged(ids), "w": ragged(w)})
        T = int(np.diff(row_splits).max())
        want = np.zeros((B, T, DIM), dtype=np.float32)
        for b in range(B):
            for t in range(row_splits[b + 1] - row_splits[b]):
                s = row_splits[b] + t
                e0, e1 = step_splits[s], step_splits[s + 1]
                acc = np.zeros(DIM, dtype=np.float64)
                for e in range(e0, e1):
                    acc += table[ids[e]].astype(np.float64) * w[e]
                want[b, t] = acc / w[e0:e1].astype(np.float64).sum()
        np.testing.assert_allclose(dense, want, rtol=1e-5, atol=1e-6)
        assert_equal(lengths, np.diff(row_splits))
    assert general_fill_counter == []


def test_dense_numeric_and_string_arrays_agree_with_the_general_path(general_fill_counter):
    rng = np.random.default_rng(13)
    num = sf.sequence_numeric_column("x", shape=(2,))
    hashed = sf.sequence_categorical_column_with_hash_bucket("h", 50)
    vocab = sf.sequence_categorical_column_with_vocabulary_list("v", ["a", "bé", "中"],
                                                                num_oov_buckets=2)
    layer = sf.SequenceFeatures([
        num, sf.embedding_column(hashed, 3, initializer=rng.standard_normal((50, 3))
                                 .astype(np.float32)),
        sf.indicator_column(vocab)])
    words = np.array(["a", "bé", "中", "zz", "", "a😀"])
    for _ in range(10):
        B, T = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        x = rng.standard_normal((B, T * 2))  # dense: every example has T steps
        splits = np.arange(B + 1, dtype=np.int64) * T
        h = words[rng.integers(0, len(words), size=int(splits[-1]))]
        v = words[rng.integers(0, len(words), size=int(splits[-1]))]
        utf8 = [np.array([s.encode() for s in a], dtype=bytes) for a in (h, v)]
        for h_form, v_form in ((h, v), tuple(utf8)):
            features = {"x": x, "h": sf.RaggedTensor.from_row_splits(h_form, splits),
                        "v": sf.RaggedTensor.from_row_splits(v_form, splits)}
            short = layer(features)
            calls = len(general_fill_counter)
            general = general_path(layer, features)
            assert len(general_fill_counter) == calls + 1
            assert_equal(short[0], general[0])
            assert_equal(short[1], general[1])
    assert len(general_fill_counter) == 20  # only the general_path calls


def test_dense_features_take_it_too(general_fill_counter):
    rng = np.random.default_rng(16)
    num = sf.numeric_column("x", shape=(3,))
    cat = sf.categorical_column_with_identity("ids", ROWS)
    table = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    layer = sf.DenseFeatures([num, sf.embedding_column(cat, DIM, combiner="sum",
                                                       initializer=table)])
    for _ in range(5):
        B = int(rng.integers(1, 8))
        x = rng.standard_normal((B, 3)).astype(np.float32)
        ids = rng.integers(0, ROWS, size=(B, 2), dtype=np.int64)
        out = layer({"x": x, "ids": ids})
        # Columns in name order, as TF: ids_embedding, then x.
        want = np.concatenate([table[ids[:, 0]] + table[ids[:, 1]], x], axis=1)
        np.testing.assert_allclose(out, want, rtol=1e-6, atol=1e-6)
    assert general_fill_counter == []


def test_inputs_it_declines_take_the_general_path(general_fill_counter):
    rng = np.random.default_rng(14)
    table = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    cat = sf.sequence_categorical_column_with_identity("ids", ROWS)
    layer = sf.SequenceFeatures([sf.embedding_column(cat, DIM, initializer=table)])
    splits = np.array([0, 3, 4], dtype=np.int64)
    ids = np.array([5, 0, 88, 7], dtype=np.int64)
    want = pad_rows(table, ids, splits, 3)
    strided = np.repeat(ids, 2)[::2]
    assert not strided.flags.c_contiguous
    declined = [
        [[5, 0, 88], [7]],                                               # nested lists
        sf.SparseTensor([[0, 0], [0, 1], [0, 2], [1, 0]], ids, [2, 3]),
    ]
    for features in declined:
        calls = len(general_fill_counter)
        dense, lengths = layer({"ids": features})
        assert len(general_fill_counter) == calls + 1
        assert_equal(dense, want)
        assert_equal(lengths, [3, 1])
    # A strided view inside a ragged tensor is made contiguous by from_row_splits; a
    # read-only array has no writable buffer and is addressed through numpy's ctypes: both
    # stay on the short path.
    read_only = np.frombuffer(ids.tobytes(), dtype=np.int64)
    assert not read_only.flags.writeable
    calls = len(general_fill_counter)
    for values in (strided, read_only):
        dense, _ = layer({"ids": sf.RaggedTensor.from_row_splits(values, splits)})
        assert_equal(dense, want)
    assert len(general_fill_counter) == calls
    # out=, return_mask and dlpack read the batch the short way too.
    features = {"ids": sf.RaggedTensor.from_row_splits(ids, splits)}
    _, _, mask = layer(features, return_mask=True)
    assert_equal(mask, [[1, 1, 1], [1, 0, 0]])
    out = np.zeros(2 * 3 * DIM, dtype=np.float32)
    assert_equal(layer(features, out=out)[0], want)
    dense, _ = layer(features, output="dlpack")
    assert_equal(np.from_dlpack(dense), want)
    assert len(general_fill_counter) == calls


def test_layers_with_python_normalizers_never_take_it(general_fill_counter):
    num = sf.sequence_numeric_column("x", normalizer_fn=lambda v: v * 2)
    layer = sf.SequenceFeatures([num])
    dense, _ = layer({"x": sf.RaggedTensor.from_row_splits(
        np.array([1., 2., 3.], dtype=np.float32), [0, 2, 3])})
    assert_equal(dense[:, :, 0], [[2, 4], [6, 0]])
    assert general_fill_counter == [1]


def test_inputs_are_released_after_the_call():
    cat = sf.sequence_categorical_column_with_identity("ids", ROWS)
    layer = sf.SequenceFeatures([sf.embedding_column(cat, DIM)])
    ids = np.array([1, 2, 3], dtype=np.int64)
    splits = np.array([0, 1, 3], dtype=np.int64)
    alive = weakref.ref(ids)
    layer({"ids": sf.RaggedTensor.from_row_splits(ids, splits)})
    del ids
    gc.collect()
    assert alive() is None


def test_errors_are_the_general_paths(general_fill_counter):
    cat = sf.sequence_categorical_column_with_identity("ids", ROWS)
    layer = sf.SequenceFeatures([sf.embedding_column(cat, DIM)])
    bad = sf.RaggedTensor.from_row_splits(np.array([1, 2, 3], dtype=np.int64),
                                          np.array([0, 3, 2, 3], dtype=np.int64),
                                          validate=False)
    with pytest.raises(sf.InvalidArgumentError) as short:
        layer({"ids": bad})
    assert general_fill_counter == []
    with pytest.raises(sf.InvalidArgumentError) as general:
        general_path(layer, {"ids": bad})
    assert general_fill_counter == [1]
    assert str(short.value) == str(general.value)
    assert "ids" in str(short.value)
    with pytest.raises(ValueError, match="Feature ids is not in features dictionary"):
        layer({"other": bad})
    # A scalar is the general path's rank-0 error, not a descriptor of rank 0.
    with pytest.raises(ValueError) as scalar:
        layer({"ids": np.array(3, dtype=np.int64)})
    with pytest.raises(ValueError) as general_scalar:
        general_path(layer, {"ids": np.array(3, dtype=np.int64)})
    assert str(scalar.value) == str(general_scalar.value)
    # The layer still works after the errors, on the short path.
    dense, lengths = layer({"ids": sf.RaggedTensor.from_row_splits(
        np.array([4, 5], dtype=np.int64), [0, 2])})
    assert dense.shape == (1, 2, DIM)
    assert_equal(lengths, [2])


def test_stats_follow_short_path_calls():
    cat = sf.sequence_categorical_column_with_identity("ids", 10)
    layer = sf.SequenceFeatures([sf.indicator_column(cat)])
    for ids, dropped in (([1, 12, 3, -1], 2), ([4], 0), ([10, 11], 2)):
        layer({"ids": sf.RaggedTensor.from_row_splits(np.array(ids, dtype=np.int64),
                                                      [0, len(ids)])})
        assert layer.last_stats["ids_indicator"]["dropped_invalid"] == dropped


def test_a_full_pool_replaces_its_smallest_free_block():
    rng = np.random.default_rng(15)
    table = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    cat = sf.sequence_categorical_column_with_identity("ids", ROWS)
    layer = sf.SequenceFeatures([sf.embedding_column(cat, DIM, initializer=table)])

    def call(B):
        splits = np.arange(B + 1, dtype=np.int64) * 2
        ids = rng.integers(0, ROWS, size=2 * B, dtype=np.int64)
        dense, _ = layer({"ids": sf.RaggedTensor.from_row_splits(ids, splits)})
        return dense, pad_rows(table, ids, splits, 2)

    held = [call(B) for B in (1, 4, 16)]  # three blocks, each grown for a larger batch
    del held[0]
    held.append(call(64))  # the pool is full: the free block of B = 1 makes way
    held.append(call(256))  # none is free: a block outside the pool
    for dense, want in held:
        assert_equal(dense, want)


def test_from_row_splits_without_validation_keeps_ready_arrays_and_converts_the_rest():
    splits = np.array([0, 2, 3], dtype=np.int64)
    for dtype in (np.int64, np.int32, np.float32, np.float64):
        values = np.arange(3).astype(dtype)
        rt = sf.RaggedTensor.from_row_splits(values, splits, validate=False)
        assert rt.values is values and rt.row_splits is splits
    # Anything else is converted as with validation: int8 -> int64, float16 -> float32,
    # int32 splits -> int64, strided -> contiguous, 2-D -> flat.
    cases = [
        (np.arange(3, dtype=np.int8), splits, np.int64),
        (np.arange(3, dtype=np.float16), splits, np.float32),
        (np.arange(3, dtype=np.int64), splits.astype(np.int32), np.int64),
        (np.arange(6, dtype=np.int64)[::2], splits, np.int64),
        (np.arange(3, dtype=np.int64).reshape(3, 1), splits, np.int64),
    ]
    for values, row_splits, want in cases:
        fast = sf.RaggedTensor.from_row_splits(values, row_splits, validate=False)
        checked = sf.RaggedTensor.from_row_splits(values, row_splits)
        assert fast.values.dtype == want and fast.values.flags.c_contiguous
        assert_equal(fast.values, checked.values)
        assert fast.row_splits.dtype == np.int64
        assert_equal(fast.row_splits, [0, 2, 3])
    with pytest.raises(ValueError, match="non-empty vector"):
        sf.RaggedTensor.from_row_splits(np.arange(3), np.zeros(0, dtype=np.int64),
                                        validate=False)
