"""Python lists and object arrays of str or bytes handed to a layer as one NUL-separated
buffer, numpy 'U' arrays converted by the library and 'S' arrays read in place: every form gives
the ids of the same strings handed over as UTF-8 bytes + offsets (OffsetStrings), on random
strings (ASCII, 2- to 4-byte code points, empty strings, NUL inside a string), and the lists
keep their error messages."""

import numpy as np
import pytest

import seqfeat as sf
from conftest import assert_equal
from seqfeat.data import OffsetStrings

_ALPHABET = ["a", "b", "z", "0", " ", "\u00e9", "\u07ff", "\u0800", "\u4e2d", "\uffff",
             "\U0001F600", "\U0010FFFF"]


def random_strings(rng, n, ascii_only):
    letters = _ALPHABET[:5] if ascii_only else _ALPHABET
    return ["".join(rng.choice(letters, size=int(rng.integers(0, 8)))) for _ in range(n)]


def ids(column, values, row_splits):
    rt = sf.RaggedTensor.from_row_splits(values, row_splits)
    return column.get_sparse_tensors({column.key: rt}).id_tensor.values


def offset_strings(strings):
    """The reference input: UTF-8 bytes + Arrow-style offsets, handed over as they are."""
    encoded = [s if isinstance(s, bytes) else s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return OffsetStrings(offsets, np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8))


def columns():
    vocabulary = ["a", "b z", "\u00e9\u4e2d", "", "x\0y", "\U0001F600"]
    return [sf.sequence_categorical_column_with_hash_bucket("t", 1 << 18),
            sf.sequence_categorical_column_with_vocabulary_list("t", vocabulary,
                                                                num_oov_buckets=3)]


@pytest.mark.parametrize("ascii_only", [True, False])
def test_every_string_form_gives_the_ids_of_utf8_bytes(ascii_only):
    rng = np.random.default_rng(7)
    strings = random_strings(rng, 500, ascii_only) + ["a", "", "b z", "\u00e9\u4e2d"]
    splits = [0, 200, 200, len(strings)]
    encoded = [s.encode("utf-8") for s in strings]
    for column in columns():
        want = ids(column, offset_strings(strings), splits)
        assert_equal(ids(column, list(strings), splits), want)
        assert_equal(ids(column, list(encoded), splits), want)
        assert_equal(ids(column, np.array(strings, dtype=object), splits), want)
        assert_equal(ids(column, np.array(encoded, dtype=object), splits), want)
        assert_equal(ids(column, np.array(strings, dtype=str), splits), want)
        if ascii_only:  # 'S' arrays hold bytes as given
            assert_equal(ids(column, np.array([s.encode() for s in strings], dtype=bytes),
                             splits), want)


def test_a_list_with_nul_inside_a_string_keeps_the_nul():
    strings = ["x\0y", "", "a", "\0"]
    for column in columns():
        want = ids(column, offset_strings(strings), [0, 4])
        assert_equal(ids(column, strings, [0, 4]), want)
        assert_equal(ids(column, [s.encode() for s in strings], [0, 4]), want)
        assert_equal(ids(column, np.array(strings, dtype=object), [0, 4]), want)
    # "x\0y" is the vocabulary's key 4, "" its key 3, "a" key 0; "\0" is out of vocabulary.
    got = ids(columns()[1], strings, [0, 4])
    assert got[:3].tolist() == [4, 3, 0]
    assert got[3] >= 6


def test_a_list_hashes_like_tensorflow():
    # Fingerprint64("Hello") = 15404698994557526151 (TF's frozen constant), mod 1000 = 151.
    column = sf.sequence_categorical_column_with_hash_bucket("t", 1000)
    assert ids(column, ["Hello", "Hello"], [0, 1, 2]).tolist() == [151, 151]


def test_lists_mixing_bytes_and_str_and_two_levels():
    column = columns()[1]
    mixed = ["a", b"b z", "\u00e9\u4e2d", b"\xff"]
    want = ids(column, offset_strings(mixed), [0, 2, 4])
    assert_equal(ids(column, mixed, [0, 2, 4]), want)
    assert_equal(ids(column, np.array(mixed, dtype=object), [0, 2, 4]), want)
    inner = sf.RaggedTensor.from_row_splits(["a", "", "b z"], [0, 2, 3])
    rt = sf.RaggedTensor.from_row_splits(inner, [0, 2])
    got = column.get_sparse_tensors({"t": rt}).id_tensor.values
    assert got.tolist() == [0, 3, 1]


def test_nested_and_dense_python_lists_give_the_ids_of_utf8_bytes():
    column = columns()[1]
    layer = sf.SequenceFeatures([sf.indicator_column(column)])
    nested = [["a", "b z"], [], ["\U0001F600", "q", ""]]
    flat = [s for row in nested for s in row]
    reference = sf.RaggedTensor.from_row_splits(offset_strings(flat), [0, 2, 2, 5])
    assert_equal(layer({"t": nested})[0], layer({"t": reference})[0])
    dense = sf.DenseFeatures([sf.indicator_column(
        sf.categorical_column_with_vocabulary_list("c", ["a", "\u00e9"]))])
    assert_equal(dense({"c": [["\u00e9"], ["a"], ["zz"]]}),
                 [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])


def test_a_list_reads_back_as_an_object_array():
    rt = sf.RaggedTensor.from_row_splits(["a", "bc", ""], [0, 1, 3])
    assert isinstance(rt.values, np.ndarray) and rt.values.dtype == object
    assert rt.values.tolist() == ["a", "bc", ""]
    assert rt.to_list() == [["a"], ["bc", ""]]
    with pytest.raises(ValueError, match="row_splits end at 2 but there are 3 values"):
        sf.RaggedTensor.from_row_splits(["a", "bc", ""], [0, 2])


def test_a_list_with_a_value_that_is_not_a_string_names_it():
    layer = sf.SequenceFeatures([sf.embedding_column(columns()[0], 2)])
    rt = sf.RaggedTensor.from_row_splits(["home", "cart", None], [0, 1, 3])
    with pytest.raises(TypeError) as info:
        layer({"t": rt})
    assert str(info.value) == ("Feature t, example 1, step 1: expected a string (str or bytes), "
                               "got None.")


def test_a_list_with_a_lone_surrogate_raises_the_encoding_error():
    column = columns()[0]
    with pytest.raises(UnicodeEncodeError):
        ids(column, ["a", "\ud800"], [0, 2])
