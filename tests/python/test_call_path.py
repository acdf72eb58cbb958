"""The layer's call path: reused output memory, out= buffers, cached call state, and strings
handed over without per-string encoding (numpy 'U' / 'S' arrays, lists and object arrays of
str). Every result is compared with a reference computed another way on random inputs."""

import ctypes as C
import gc

import numpy as np
import pytest

import seqfeat as sf
from seqfeat import _capi
from seqfeat._capi import lib
from seqfeat._errors import CALL, check
from seqfeat._tensors import Batch, encode_strings, tensor_to_numpy
from conftest import assert_equal

ROWS, DIM = 97, 5


def embedding_layer(seed=3):
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    cat = sf.sequence_categorical_column_with_identity("ids", ROWS)
    layer = sf.SequenceFeatures([sf.embedding_column(cat, DIM, combiner="sum",
                                                     initializer=table)])
    return layer, table


def random_ragged(rng, batch=None, max_len=6):
    batch = int(rng.integers(1, 9)) if batch is None else batch
    lengths = rng.integers(0, max_len + 1, size=batch)
    splits = np.zeros(batch + 1, dtype=np.int64)
    np.cumsum(lengths, out=splits[1:])
    ids = rng.integers(0, ROWS, size=int(splits[-1]), dtype=np.int64)
    return ids, splits


def reference(table, ids, splits, max_length=None):
    """Naive padding of table rows: out[b, t] = table[ids of step t of example b]."""
    lengths = np.diff(splits)
    steps = max_length or (int(lengths.max()) if lengths.size else 0)
    out = np.zeros((lengths.size, steps, DIM), dtype=np.float32)
    for b in range(lengths.size):
        for t in range(min(lengths[b], steps)):
            out[b, t] = table[ids[splits[b] + t]]
    return out, np.minimum(lengths, steps)


def test_results_stay_valid_while_held_and_memory_is_reused_once_released():
    layer, table = embedding_layer()
    rng = np.random.default_rng(0)
    held = []
    for _ in range(12):
        ids, splits = random_ragged(rng)
        dense, lengths = layer({"ids": sf.RaggedTensor.from_row_splits(ids, splits)})
        held.append((dense, lengths, ids, splits))
    # Every result still holds its own batch's values: nothing was overwritten.
    for dense, lengths, ids, splits in held:
        want, want_lengths = reference(table, ids, splits)
        assert_equal(dense, want)
        assert_equal(lengths, want_lengths)
    addresses = {d.__array_interface__["data"][0] for d, *_ in held}
    assert len(addresses) == len(held)

    # Released results: their memory comes back (the pool keeps at most three blocks).
    del held, dense, lengths
    gc.collect()
    seen = set()
    for _ in range(10):
        ids, splits = random_ragged(rng, batch=4)
        dense, lengths = layer({"ids": sf.RaggedTensor.from_row_splits(ids, splits)})
        want, want_lengths = reference(table, ids, splits)
        assert_equal(dense, want)
        assert_equal(lengths, want_lengths)
        seen.add(dense.__array_interface__["data"][0])
        del dense, lengths
    assert len(seen) <= 3


def test_torch_tensor_keeps_the_block_alive():
    torch = pytest.importorskip("torch")
    layer, table = embedding_layer()
    rng = np.random.default_rng(1)
    ids, splits = random_ragged(rng, batch=5)
    dense, _ = layer({"ids": sf.RaggedTensor.from_row_splits(ids, splits)})
    tensor = torch.from_numpy(dense)
    del dense
    for _ in range(5):
        other_ids, other_splits = random_ragged(rng, batch=5)
        layer({"ids": sf.RaggedTensor.from_row_splits(other_ids, other_splits)})
    want, _ = reference(table, ids, splits)
    assert_equal(tensor.numpy(), want)


def test_out_buffers_receive_the_result():
    layer, table = embedding_layer()
    rng = np.random.default_rng(2)
    dense_buf = np.full(8 * 6 * DIM + 11, -1.0, dtype=np.float32)
    lengths_buf = np.full(9, -1, dtype=np.int64)
    mask_buf = np.full(8 * 6 + 3, 7, dtype=np.uint8)
    for _ in range(8):
        ids, splits = random_ragged(rng)
        features = {"ids": sf.RaggedTensor.from_row_splits(ids, splits)}
        dense, lengths, mask = layer(features, out=(dense_buf, lengths_buf, mask_buf),
                                     return_mask=True)
        assert np.shares_memory(dense, dense_buf) and np.shares_memory(lengths, lengths_buf)
        assert np.shares_memory(mask, mask_buf)
        want, want_lengths = reference(table, ids, splits)
        assert_equal(dense, want)
        assert_equal(lengths, want_lengths)
        steps = want.shape[1]
        assert_equal(mask, (np.arange(steps)[None, :] < want_lengths[:, None]).astype(np.uint8))
    # A buffer of exactly the output's shape is returned as it is.
    ids, splits = random_ragged(rng, batch=3)
    want, _ = reference(table, ids, splits, max_length=6)
    exact = np.empty((3, 6, DIM), dtype=np.float32)
    dense, _ = layer({"ids": sf.RaggedTensor.from_row_splits(ids, splits)}, max_length=6,
                     out=exact)
    assert dense is exact
    assert_equal(exact, want)


def test_out_buffers_are_checked():
    layer, _ = embedding_layer()
    features = {"ids": sf.RaggedTensor.from_row_splits(np.array([1, 2, 3]), np.array([0, 3]))}
    with pytest.raises(ValueError, match=r"needs \[1, 3, 5\] = 15"):
        layer(features, out=np.zeros(14, dtype=np.float32))
    with pytest.raises(ValueError, match="float32"):
        layer(features, out=np.zeros(30, dtype=np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        layer(features, out=np.zeros((30, 2), dtype=np.float32)[:, 0])
    with pytest.raises(ValueError, match="sequence_length"):
        layer(features, out=(np.zeros(30, dtype=np.float32), np.zeros(0, dtype=np.int64)))
    with pytest.raises(ValueError, match="return_mask"):
        layer(features, out=(np.zeros(30, np.float32), np.zeros(1, np.int64), np.zeros(3, np.uint8)))
    # Nothing was left half-done: a good call still works.
    dense, lengths = layer(features)
    assert dense.shape == (1, 3, DIM) and lengths.tolist() == [3]


def test_stats_follow_the_last_call():
    cat = sf.sequence_categorical_column_with_vocabulary_list("w", ["a", "b"], num_oov_buckets=1)
    layer = sf.SequenceFeatures([sf.indicator_column(cat)])
    assert layer.last_stats is None
    for words, oov in ((["a", "z", "q"], 2), (["b"], 0), (["x"], 1)):
        layer({"w": sf.RaggedTensor.from_row_splits(np.array(words), [0, len(words)])})
        assert layer.last_stats["w_indicator"]["oov_hits"] == oov


def random_text(rng, n, alphabet="abcxyz 0é中😀Ωߟ"):
    return ["".join(rng.choice(list(alphabet), size=int(rng.integers(0, 6)))) for _ in range(n)]


def naive_strings(items):
    encoded = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in items]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return offsets, b"".join(encoded)


@pytest.mark.parametrize("alphabet", ["abc xyz", "abcxyz é中😀Ωߟ", "ab\x00é"])
def test_encode_strings_matches_per_string_encoding(alphabet):
    rng = np.random.default_rng(4)
    for n in (0, 1, 7, 500):
        items = random_text(rng, n, alphabet)
        for given in (items, np.array(items, dtype=object), np.array(items, dtype=str)):
            offsets, data = encode_strings(given)
            want_offsets, want_data = naive_strings(items)
            assert data == want_data
            assert_equal(offsets, want_offsets)
    mixed = ["a", b"\xff\x00", "é"]
    offsets, data = encode_strings(np.array(mixed, dtype=object))
    assert data == b"a\xff\x00\xc3\xa9" and offsets.tolist() == [0, 1, 3, 5]
    with pytest.raises(TypeError, match="expected a string"):
        encode_strings(np.array(["a", 3], dtype=object))


def ids_through_offsets(column, items, splits):
    """Reference ids: the strings encoded one by one and given as offsets + bytes."""
    offsets, data = naive_strings(items)
    batch = Batch()
    try:
        check(lib.batch_add_ragged_strings(batch.handle, b"t", len(splits) - 1,
                                           splits.ctypes.data_as(_capi.i64p), 0, None,
                                           offsets.ctypes.data_as(_capi.i64p), data, len(items)),
              CALL)
        handles = [C.c_void_p() for _ in range(4)]
        check(lib.column_get_sparse_tensors(column._handle, batch.handle,
                                            *(C.byref(h) for h in handles)), CALL)
        arrays = [tensor_to_numpy(h) for h in handles]
        return arrays[1]
    finally:
        batch.close()


@pytest.mark.parametrize("make_column", [
    lambda: sf.sequence_categorical_column_with_hash_bucket("t", 1 << 18),
    lambda: sf.sequence_categorical_column_with_vocabulary_list(
        "t", ["a", "é", "中😀", "", "xyz", "Ω0"], num_oov_buckets=3),
])
def test_every_string_form_gives_the_ids_of_per_string_encoding(make_column):
    column = make_column()
    rng = np.random.default_rng(6)
    items = random_text(rng, 400)
    splits = np.array([0, 150, 150, 400], dtype=np.int64)
    want = ids_through_offsets(column, items, splits)
    forms = {
        "list": items,
        "object": np.array(items, dtype=object),
        "U": np.array(items, dtype=str),
        "U big-endian": np.array(items, dtype=str).astype(">U8"),
        "S": np.array([s.encode("utf-8") for s in items], dtype=bytes),
    }
    for name, values in forms.items():
        feature = sf.RaggedTensor.from_row_splits(values, splits)
        got = column.get_sparse_tensors({"t": feature}).id_tensor.values
        assert_equal(got, want), name
