"""Python as users write it: inputs without values take the column's dtype, Python lists that
cannot be converted are reported with feature, example, step and value, and keywords a layer
does not understand are TypeErrors (as in Keras). Expected values are derived by hand."""

import numpy as np
import pytest

import seqfeat as sf

from conftest import assert_close, assert_equal


def token_embedding(dimension=2):
    tokens = sf.sequence_categorical_column_with_hash_bucket("query_tokens", 100)
    column = sf.embedding_column(tokens, dimension=dimension, combiner="sum")
    column.set_table(np.ones((100, dimension), np.float32))
    return column


def page_indicator():
    page = sf.sequence_categorical_column_with_vocabulary_list("page", ["home", "cart"])
    return sf.indicator_column(page)


# ----------------------------------------------------------------------------------------------
# Inputs without values: the dtype comes from the column
# ----------------------------------------------------------------------------------------------

def test_string_column_with_steps_but_no_tokens():
    layer = sf.SequenceFeatures([token_embedding()])
    dense, length = layer({"query_tokens": [[[], []], [[]]]})
    # Listed steps count toward the length even when empty; an empty step embeds to zeros.
    assert_equal(length, [2, 1])
    assert_close(dense, np.zeros((2, 2, 2)))


def test_string_column_with_examples_but_no_steps():
    layer = sf.SequenceFeatures([page_indicator()])
    dense, length = layer({"page": [[], []]})
    assert dense.shape == (2, 0, 2)
    assert_equal(length, [0, 0])


def test_string_column_with_no_examples():
    layer = sf.SequenceFeatures([page_indicator()])
    dense, length = layer({"page": sf.ragged.constant([], dtype=sf.string)})
    assert dense.shape == (0, 0, 2)
    assert length.shape == (0,)
    # A rank-1 list is one value per example (TF's [N] -> [N, 1]): B = 0, T = 1.
    dense, length = layer({"page": []})
    assert dense.shape == (0, 1, 2)
    assert length.shape == (0,)


def test_string_column_with_an_empty_sparse_tensor_built_from_lists():
    layer = sf.SequenceFeatures([page_indicator()])
    dense, length = layer({"page": sf.SparseTensor(np.zeros((0, 2)), [], [2, 3])})
    assert_close(dense, np.zeros((2, 3, 2)))
    assert_equal(length, [0, 0])


def test_empty_float_array_for_an_integer_column():
    ids = sf.sequence_categorical_column_with_identity("ids", 3)
    layer = sf.SequenceFeatures([sf.indicator_column(ids)])
    dense, length = layer({"ids": np.zeros((2, 0))})  # float64, but no value to disagree
    assert dense.shape == (2, 0, 3)
    assert_equal(length, [0, 0])


def test_numeric_and_weighted_columns_without_values():
    ids = sf.sequence_categorical_column_with_identity("ids", 3)
    weighted = sf.weighted_categorical_column(ids, "w", dtype=sf.float64)
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("dwell"),
                                 sf.embedding_column(weighted, 2)])
    dense, length = layer({"dwell": [[], []], "ids": [[], []], "w": [[], []]})
    assert dense.shape == (2, 0, 3)
    assert_equal(length, [0, 0])


def test_numeric_and_integer_columns_with_no_examples():
    ids = sf.sequence_categorical_column_with_identity("ids", 3)
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("dwell"), sf.indicator_column(ids)])
    dense, length = layer({"dwell": [], "ids": []})  # rank 1: [0] -> [0, 1]
    assert (dense.shape, length.shape) == ((0, 1, 4), (0,))
    dense, length = layer({"dwell": sf.ragged.constant([]), "ids": sf.ragged.constant([])})
    assert (dense.shape, length.shape) == ((0, 0, 4), (0,))
    context = sf.DenseFeatures([
        sf.numeric_column("age"),
        sf.indicator_column(sf.categorical_column_with_vocabulary_list("country", ["fr", "de"]))])
    assert context({"age": [], "country": []}).shape == (0, 3)


def test_ragged_constant_dtype():
    assert sf.ragged.constant([[1, 2], [3]], dtype=sf.float32).flat_values.dtype == np.float32
    assert_equal(sf.ragged.constant([[1, 2], [3]], dtype="float64").flat_values, [1.0, 2.0, 3.0])
    assert sf.ragged.constant([[1], []], dtype=sf.int32).flat_values.dtype == np.int32
    assert sf.ragged.constant([[], []], dtype=sf.string).flat_values.dtype == object
    assert sf.ragged.constant([[], []], dtype=sf.float32).flat_values.dtype == np.float32
    assert sf.ragged.constant([[], []]).flat_values.dtype == np.int64
    strings = sf.ragged.constant([[["a", "b"]], [[b"c"]]], dtype=sf.string)
    assert strings.to_list() == [[["a", "b"]], [[b"c"]]]
    # Without dtype the values decide: Python floats are float32, ints int64 (TF's rule).
    assert sf.ragged.constant([[1.5]]).flat_values.dtype == np.float32
    assert sf.ragged.constant([[1]]).flat_values.dtype == np.int64


def test_ragged_constant_values_that_do_not_fit_the_dtype():
    with pytest.raises(TypeError, match=r"Example 0, step 1: expected an integer \(int64\), "
                                        r"got float 1\.5"):
        sf.ragged.constant([[1, 1.5]], dtype=sf.int64)
    with pytest.raises(TypeError, match=r"Example 1, step 0: expected a string \(str or bytes\), "
                                        r"got int 5"):
        sf.ragged.constant([["a"], [5]], dtype=sf.string)
    with pytest.raises(TypeError, match=r"Example 0, step 0, value 1: expected a number, got None"):
        sf.ragged.constant([[[1.0, None]]])


# ----------------------------------------------------------------------------------------------
# Python lists that cannot be converted: feature, example, step, value and what was expected
# ----------------------------------------------------------------------------------------------

def numeric_layer():
    return sf.SequenceFeatures([sf.sequence_numeric_column("dwell")])


@pytest.mark.parametrize("value, error, where, got", [
    ([[1.0, None], [3.0]], TypeError, "example 0, step 1", "got None"),
    ([[1.0], [3.0, "x"]], TypeError, "example 1, step 1", "got str 'x'"),
    ([1.0, None], TypeError, "example 1", "got None"),
    ([[[1.0], [2.0, None]]], TypeError, "example 0, step 1, value 1", "got None"),
])
def test_numeric_list_with_a_value_that_is_not_a_number(value, error, where, got):
    with pytest.raises(error) as info:
        numeric_layer()({"dwell": value})
    message = str(info.value)
    assert message.startswith(f"Feature dwell, {where}: ")
    assert "expected a number (float32)" in message
    assert got in message


def test_id_outside_int64():
    ids = sf.sequence_categorical_column_with_identity("page", 10)
    layer = sf.SequenceFeatures([sf.indicator_column(ids)])
    for big in (2**70, 2**63, -(2**63) - 1):
        with pytest.raises(ValueError) as info:
            layer({"page": [[1, 2], [3, big]]})
        assert str(info.value).startswith(f"Feature page, example 1, step 1: the integer {big} "
                                          "does not fit in int64")
    # The edges of int64 are values, not errors (an identity column then drops them as TF).
    dense, _ = layer({"page": [[-(2**63), 2**63 - 1, 4]]})
    assert_close(dense[0, 2], np.eye(10)[4])


def test_row_that_is_not_a_list():
    layer = sf.SequenceFeatures([page_indicator()])
    with pytest.raises(TypeError, match=r"^Feature page, example 1: expected a list of steps, "
                                        r"got None\.$"):
        layer({"page": [["home", "cart"], None]})
    with pytest.raises(TypeError, match=r"^Feature page, example 0: expected a list of steps, "
                                        r"got str 'home'\.$"):
        layer({"page": ["home", ["cart"]]})


def test_numbers_for_a_string_column_and_inconsistent_nesting():
    layer = sf.SequenceFeatures([page_indicator()])
    with pytest.raises(TypeError, match=r"^Feature page, example 0, step 1: expected a string "
                                        r"\(str or bytes\), got int 7\.$"):
        layer({"page": [["home", 7]]})
    with pytest.raises(ValueError, match=r"^Feature page, example 1, step 0: inconsistent "
                                         r"nesting"):
        layer({"page": [["home"], [["cart"]]]})


@pytest.mark.parametrize("value, where", [
    (np.array([["home", None]], dtype=object), "example 0, step 1"),
    (sf.SparseTensor([[0, 0], [1, 2]], np.array(["home", None], dtype=object), [2, 3]),
     "example 1, step 2"),
    (sf.RaggedTensor.from_row_splits(np.array(["home", "cart", None], dtype=object), [0, 1, 3]),
     "example 1, step 1"),
    (sf.RaggedTensor.from_row_splits(
        sf.RaggedTensor.from_row_splits(np.array(["home", "cart", None], dtype=object),
                                        [0, 1, 3]), [0, 1, 2]), "example 1, step 0, value 1"),
])
def test_object_arrays_with_a_value_that_is_not_a_string(value, where):
    layer = sf.SequenceFeatures([page_indicator()])
    with pytest.raises(TypeError) as info:
        layer({"page": value})
    assert str(info.value) == f"Feature page, {where}: expected a string (str or bytes), got None."


def test_list_errors_through_get_sparse_tensors_and_dense_features():
    ids = sf.categorical_column_with_identity("ctx", 4)
    with pytest.raises(TypeError, match=r"^Feature ctx, example 2: expected a number"):
        sf.DenseFeatures([sf.indicator_column(ids)])({"ctx": [1, 2, None]})
    seq = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(TypeError, match=r"^Feature ids, example 0, step 0: expected a number"):
        seq.get_sparse_tensors({"ids": [[None]]})


def test_valid_python_lists_are_unchanged():
    dense, length = numeric_layer()({"dwell": [[1.0, 2], [3.5]]})
    assert_close(dense[:, :, 0], [[1.0, 2.0], [3.5, 0.0]])
    assert_equal(length, [2, 1])
    layer = sf.SequenceFeatures([page_indicator()])
    dense, length = layer({"page": [["home", b"cart"], ["cart"]]})
    assert_close(dense, [[[1, 0], [0, 1]], [[0, 1], [0, 0]]])


# ----------------------------------------------------------------------------------------------
# Keywords: what a layer, a column or a call does not understand is a TypeError
# ----------------------------------------------------------------------------------------------

def test_layer_constructor_rejects_call_options_and_unknown_keywords():
    column = sf.sequence_numeric_column("dwell")
    with pytest.raises(TypeError, match=r"Keyword argument not understood: 'max_length'.*"
                                        r"option of the call: layer\(features, max_length=\.\.\.\)"):
        sf.SequenceFeatures([column], max_length=3)
    with pytest.raises(TypeError, match=r"Keyword argument not understood: 'colums'"):
        sf.SequenceFeatures([column], colums=[column])
    context = sf.numeric_column("age")
    with pytest.raises(TypeError, match=r"Keyword argument not understood: 'partitioner'"):
        sf.DenseFeatures([context], partitioner=None)
    # The documented keywords are accepted.
    layer = sf.SequenceFeatures([column], trainable=False, name="seq")
    assert (layer.trainable, layer.name) == (False, "seq")


def test_columns_and_calls_reject_unknown_keywords():
    with pytest.raises(TypeError):
        sf.sequence_numeric_column("dwell", shap=(2,))
    ids = sf.sequence_categorical_column_with_identity("ids", 4)
    with pytest.raises(TypeError):
        sf.embedding_column(ids, 2, combinr="sum")
    with pytest.raises(TypeError):
        sf.indicator_column(ids, dimension=2)
    layer = numeric_layer()
    with pytest.raises(TypeError):
        layer({"dwell": [[1.0]]}, max_len=3)
    with pytest.raises(TypeError):
        sf.DenseFeatures([sf.numeric_column("age")])({"age": [1.0]}, max_length=3)
