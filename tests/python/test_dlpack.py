"""DLPack hand-off: library-owned outputs consumed by numpy and torch without a copy; the
DLManagedTensor deleter runs exactly once per tensor, whoever consumes it."""

import gc

import numpy as np
import pytest

import seqfeat as sf
from seqfeat import _dlpack


def _layer_and_features():
    rating = sf.sequence_numeric_column("rating")
    ids = sf.sequence_categorical_column_with_identity("ids", num_buckets=3)
    emb = sf.embedding_column(ids, dimension=2, combiner="sum",
                              initializer=np.array([[1., 2.], [3., 4.], [5., 6.]], np.float32))
    layer = sf.SequenceFeatures([rating, emb])
    idx = np.array([[0, 0], [0, 1], [1, 0]], np.int64)
    features = {"rating": sf.SparseTensor(idx, np.array([1., 2., 3.], np.float32), [2, 2]),
                "ids": sf.SparseTensor(idx, np.array([2, 0, 1], np.int64), [2, 2])}
    # Sorted: ids_embedding (2) then rating (1). Hand-derived from the table rows.
    expected = np.array([[[5., 6., 1.], [1., 2., 2.]],
                         [[3., 4., 3.], [0., 0., 0.]]], np.float32)
    return layer, features, expected


def _settle():
    gc.collect()
    return _dlpack.deleter_calls


def test_numpy_from_dlpack_no_copy_and_one_deleter_call():
    layer, features, expected = _layer_and_features()
    before = _settle()
    dense, lengths, mask = layer(features, output="dlpack", return_mask=True)
    assert dense.shape == (2, 2, 3)
    assert dense.__dlpack_device__() == (1, 0)
    a = np.from_dlpack(dense)
    l = np.from_dlpack(lengths)
    m = np.from_dlpack(mask)
    np.testing.assert_array_equal(a, expected)
    np.testing.assert_array_equal(l, [2, 1])
    np.testing.assert_array_equal(m, [[1, 1], [1, 0]])
    assert a.ctypes.data % 64 == 0  # the library's aligned buffer, not a copy
    with pytest.raises(BufferError):
        dense.__dlpack__()  # consumed once
    assert _settle() == before  # arrays alive: nothing freed yet
    del a, l, m
    assert _settle() == before + 3


def test_torch_from_dlpack_shares_memory_and_frees_once():
    import torch
    layer, features, expected = _layer_and_features()
    before = _settle()
    dense, lengths = layer(features, output="dlpack")
    t = torch.from_dlpack(dense)
    tl = torch.from_dlpack(lengths)
    assert t.dtype == torch.float32 and tl.dtype == torch.int64
    np.testing.assert_array_equal(t.numpy(), expected)
    assert tl.tolist() == [2, 1]
    t[0, 0, 0] = 42.0  # same memory: visible through a second view
    assert t.numpy()[0, 0, 0] == 42.0
    del t, tl
    assert _settle() == before + 2


def test_unconsumed_capsule_and_unconsumed_tensor_are_freed():
    layer, features, _ = _layer_and_features()
    before = _settle()
    dense, lengths = layer(features, output="dlpack")
    capsule = dense.__dlpack__()  # produced, never consumed
    del capsule
    assert _settle() == before + 1  # the capsule's destructor ran the deleter
    del dense, lengths  # lengths never exported: freed by the wrapper, not through DLPack
    assert _settle() == before + 1


def test_output_argument_checked():
    layer, features, _ = _layer_and_features()
    with pytest.raises(ValueError, match="output must be"):
        layer(features, output="torch")
    with pytest.raises(ValueError, match="num_threads"):
        layer(features, num_threads=-1)


def test_num_threads_gives_identical_results():
    layer, features, expected = _layer_and_features()
    for n in (0, 1, 2):
        dense, lengths = layer(features, num_threads=n)
        np.testing.assert_array_equal(dense, expected)
