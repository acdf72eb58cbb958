"""The Python binding itself: every C function declared, library loading, errors, input forms
(strings, duck-typed tensors, dtypes), output ownership and reuse."""

import collections
import gc
import os
import re

import numpy as np
import pytest

import seqfeat as sf
from seqfeat import _capi
from conftest import E, assert_close, assert_equal, ids_embedding

HEADER = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "include", "seqfeat",
                      "seqfeat.h")


def header_functions():
    text = open(HEADER).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return sorted(set(re.findall(r"\b(seqfeat_\w+)\s*\(", text)))


def test_every_header_function_is_declared_and_exported():
    names = header_functions()
    assert len(names) > 60
    missing_decl = [n for n in names if n not in _capi._SIGNATURES]
    assert missing_decl == []
    assert _capi.lib.missing == []


def test_library_loaded_from_env_and_version():
    path = os.environ.get("SEQFEAT_LIBRARY")
    if path:
        assert os.path.samefile(_capi.lib.dll._name, path)
    assert re.fullmatch(r"\d+\.\d+\.\d+", sf.library_version())


def test_invalid_argument_error_is_a_value_error_with_code():
    assert issubclass(sf.InvalidArgumentError, ValueError)
    col = sf.sequence_numeric_column("x", shape=(3,))
    with pytest.raises(sf.InvalidArgumentError) as info:
        col.get_sequence_dense_tensor({"x": sf.SparseTensor([[0, 0]], [1.0], [1, 2])})
    assert info.value.code < 0
    assert str(info.value)


def test_library_construction_error_is_value_error_with_message(write_vocab):
    path = write_vocab("a\nb\n")
    with pytest.raises(ValueError) as info:
        sf.sequence_categorical_column_with_vocabulary_file("v", path, vocabulary_size=5)
    assert not isinstance(info.value, sf.InvalidArgumentError)
    assert "vocab.txt" in str(info.value)


# ------------------------------------------------------------------ strings

def hash10(values, shape=None):
    col = sf.sequence_categorical_column_with_hash_bucket("s", 10)
    if shape is None:
        value = values
    else:
        value = sf.SparseTensor([[0, i] for i in range(len(values))], values, shape)
    return col.get_sparse_tensors({"s": value}).id_tensor


@pytest.mark.parametrize("values", [
    ["a", "b", "c", "d"], [b"a", b"b", b"c", b"d"], ["a", b"b", "c", b"d"],
    np.array(["a", "b", "c", "d"]), np.array([b"a", b"b", b"c", b"d"]),
    np.array(["a", "b", "c", "d"], dtype=object),
])
def test_string_forms_hash_alike(values):
    assert_equal(hash10(values, [1, 4]).values, [9, 2, 2, 5])


def test_bytes_are_hashed_as_given():
    # Fingerprint64(b"\xff") = 2425282684166416103, Fingerprint64(b"a\xffb") = 10426836884683073074.
    ids = hash10([b"\xff", b"a\xffb"], [1, 2])
    assert_equal(ids.values, [3, 4])


@pytest.mark.parametrize("dense", [np.array([[b"a", b""], [b"b", b"c"]]),
                                   np.array([["a", ""], ["b", "c"]]),
                                   np.array([["a", ""], ["b", "c"]], dtype=object)])
def test_dense_string_forms_drop_empty(dense):
    ids = hash10(dense)
    assert_equal(ids.indices, [[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    assert_equal(ids.values, [9, 2, 2])


@pytest.mark.parametrize("values", [np.array([b"a", b"b", b"c"]), ["a", "b", "c"]])
def test_ragged_string_forms(values):
    rt = sf.RaggedTensor.from_row_splits(values, [0, 2, 3])
    ids = hash10(rt)
    assert_equal(ids.values, [9, 2, 2])
    assert_equal(ids.indices, [[0, 0, 0], [0, 1, 0], [1, 0, 0]])


def test_unicode_keys_and_values():
    col = sf.sequence_categorical_column_with_vocabulary_list("größe", ["klein", "groß"])
    out = col.get_sparse_tensors({"größe": [["groß", "klein"]]}).id_tensor
    assert_equal(out.values, [1, 0])


# ------------------------------------------------------------------ other input forms

def test_duck_typed_sparse_and_ragged_tensors():
    Sparse = collections.namedtuple("Sparse", ["indices", "values", "dense_shape"])
    Ragged = collections.namedtuple("Ragged", ["values", "row_splits"])
    col = ids_embedding("sum")
    a, _ = col.get_sequence_dense_tensor({"ids": Sparse([[0, 0], [0, 1]], [2, 3], [1, 2])})
    b, _ = col.get_sequence_dense_tensor({"ids": Ragged(np.array([2, 3]), np.array([0, 2]))})
    assert_close(a, [[[3, 4], [-1, 1]]])
    assert_close(b, a)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.uint8, np.uint32])
def test_small_integer_dtypes_are_widened(dtype):
    col = sf.sequence_categorical_column_with_identity("ids", 4)
    ids = col.get_sparse_tensors({"ids": sf.SparseTensor([[0, 0]], np.array([3], dtype),
                                                          [1, 1])}).id_tensor
    assert_equal(ids.values, [3])


def test_bool_values_rejected():
    with pytest.raises(TypeError):
        sf.SparseTensor([[0, 0]], np.array([True]), [1, 1])


def test_layer_reused_across_batch_shapes():
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("x")])
    a, la = layer({"x": [[1.0, 2.0, 3.0]]})
    b, lb = layer({"x": [[1.0], [2.0], [3.0]]})
    assert a.shape == (1, 3, 1) and b.shape == (3, 1, 1)
    assert_equal(la, [3])
    assert_equal(lb, [1, 1, 1])


def test_empty_batch():
    layer = sf.SequenceFeatures([ids_embedding("sum")])
    out, length = layer({"ids": sf.SparseTensor(np.zeros((0, 2)), np.zeros(0, np.int64), [0, 3])})
    assert out.shape == (0, 3, 2)
    assert length.shape == (0,)


def test_column_outputs_outlive_everything_else():
    col = ids_embedding("sum")
    dense, length = col.get_sequence_dense_tensor({"ids": [[2, 3]]})
    ids_pair = col.categorical_column.get_sparse_tensors({"ids": [[2, 3]]})
    del col
    gc.collect()
    assert_close(dense, [[[3, 4], [-1, 1]]])
    assert_equal(length, [2])
    assert_equal(ids_pair.id_tensor.values, [2, 3])


def test_categorical_column_outlives_its_python_handle():
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    emb = sf.embedding_column(ids, 2, combiner="sum", initializer=E)
    layer = sf.SequenceFeatures([emb])
    del ids, emb
    gc.collect()
    out, _ = layer({"ids": [[1]]})
    assert_close(out, [[[0, 2]]])


def test_input_arrays_are_not_modified():
    values = np.array([1.0, 2.0], np.float32)
    col = sf.sequence_numeric_column("x", normalizer_fn=lambda v: v * 10.0)
    col.get_sequence_dense_tensor({"x": sf.SparseTensor([[0, 0], [0, 1]], values, [1, 2])})
    assert_equal(values, np.array([1.0, 2.0], np.float32))


def test_bad_library_path_is_a_clear_import_error(tmp_path):
    import subprocess
    import sys
    env = dict(os.environ, SEQFEAT_LIBRARY=str(tmp_path / "missing.so"),
               PYTHONPATH=os.path.dirname(os.path.dirname(sf.__file__)))
    proc = subprocess.run([sys.executable, "-c", "import seqfeat"], env=env, capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert "SEQFEAT_LIBRARY" in proc.stderr and "missing.so" in proc.stderr
