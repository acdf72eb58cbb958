"""sequence_numeric_column: compatibility.md §2 (sequence length) and §3 (densify, default,
reshape)."""

import numpy as np
import pytest

import seqfeat as sf
from conftest import assert_close, assert_equal


def dense(column, sp):
    return column.get_sequence_dense_tensor({column.key: sp})


def test_2d_default_shape_one_value_per_step():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[[0, 0], [1, 0], [1, 1]], values=[0.0, 1.0, 10.0],
                         dense_shape=[2, 2])
    values, length = dense(col, sp)
    # Example 0 has only step 0; step 1 is the default 0.
    assert_close(values, [[[0.0], [0.0]], [[1.0], [10.0]]])
    assert values.dtype == np.float32
    assert_equal(length, [1, 2])
    assert length.dtype == np.int64


def test_defaults_fill_interior_gaps_and_tail():
    col = sf.sequence_numeric_column("aaa", default_value=-1.0)
    sp = sf.SparseTensor(indices=[[0, 1], [1, 0], [1, 3]], values=[2.0, 3.0, 4.0],
                         dense_shape=[2, 4])
    values, length = dense(col, sp)
    assert_close(values, [[[-1.0], [2.0], [-1.0], [-1.0]], [[3.0], [-1.0], [-1.0], [4.0]]])
    # Gaps count: the length is the largest step index + 1.
    assert_equal(length, [2, 4])


def test_t_comes_from_dense_shape_not_longest_sequence():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[[0, 0], [1, 1]], values=[5.0, 6.0], dense_shape=[2, 6])
    values, length = dense(col, sp)
    assert values.shape == (2, 6, 1)
    expected = np.zeros((2, 6, 1))
    expected[0, 0, 0] = 5.0
    expected[1, 1, 0] = 6.0
    assert_close(values, expected)
    assert_equal(length, [1, 2])


def test_2d_input_with_vector_shape_divides_length():
    col = sf.sequence_numeric_column("aaa", shape=(2,))
    sp = sf.SparseTensor(indices=[[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]],
                         values=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], dense_shape=[2, 4])
    values, length = dense(col, sp)
    # Rows [0 1 2 3] and [4 5 _ _] cut into steps of 2 values.
    assert_close(values, [[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [0.0, 0.0]]])
    # ceil(4 / 2) = 2, ceil(2 / 2) = 1.
    assert_equal(length, [2, 1])


def test_2d_length_rounds_up_per_spec_example():
    # compatibility.md §2: 2-D numeric, shape=(2,), columns {0} and {0,1} -> [1, 1].
    col = sf.sequence_numeric_column("aaa", shape=(2,))
    sp = sf.SparseTensor(indices=[[0, 0], [1, 0], [1, 1]], values=[7.0, 8.0, 9.0],
                         dense_shape=[2, 2])
    values, length = dense(col, sp)
    assert_close(values, [[[7.0, 0.0]], [[8.0, 9.0]]])
    assert_equal(length, [1, 1])


def test_2d_input_shape_3_cuts_six_values_into_two_steps():
    col = sf.sequence_numeric_column("aaa", shape=(3,))
    sp = sf.SparseTensor(indices=[[0, i] for i in range(6)] + [[1, 0]],
                         values=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], dense_shape=[2, 6])
    values, length = dense(col, sp)
    assert_close(values, [[[1, 2, 3], [4, 5, 6]], [[7, 0, 0], [0, 0, 0]]])
    assert_equal(length, [2, 1])


def test_2d_input_matrix_shape():
    # [B, 8] with shape (2, 2) -> [B, 2, 2, 2].
    col = sf.sequence_numeric_column("aaa", shape=(2, 2))
    indices = [[0, i] for i in range(8)] + [[1, 0], [1, 1], [1, 2]]
    vals = [float(v) for v in range(8)] + [8.0, 9.0, 10.0]
    sp = sf.SparseTensor(indices=indices, values=vals, dense_shape=[2, 8])
    values, length = dense(col, sp)
    assert values.shape == (2, 2, 2, 2)
    assert_close(values[0], [[[0, 1], [2, 3]], [[4, 5], [6, 7]]])
    assert_close(values[1], [[[8, 9], [10, 0]], [[0, 0], [0, 0]]])
    # ceil(8 / 4) = 2, ceil(3 / 4) = 1.
    assert_equal(length, [2, 1])
    assert col.variable_shape == (2, 2)


def test_3d_input_rechunks_t_times_k_and_length_ignores_k():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 1]],
                         values=[1.0, 2.0, 3.0, 4.0], dense_shape=[2, 2, 2])
    values, length = dense(col, sp)
    # [B, T, K] = [2, 2, 2] with shape (1,) -> 4 steps; row-major flattening of each example.
    assert_close(values, [[[1.0], [0.0], [2.0], [0.0]], [[3.0], [0.0], [0.0], [4.0]]])
    # Length from dim 1 only, no division by prod(shape) for 3-D input: [2, 2].
    assert_equal(length, [2, 2])


def test_3d_input_chunks_straddle_k_axis():
    # [B, 2, 8] with shape (2, 2) -> [B, 4, 2, 2].
    col = sf.sequence_numeric_column("aaa", shape=(2, 2))
    indices = [[0, t, k] for t in range(2) for k in range(8)]
    vals = [float(v) for v in range(16)]
    sp = sf.SparseTensor(indices=indices, values=vals, dense_shape=[1, 2, 8])
    values, length = dense(col, sp)
    assert_close(values, np.arange(16, dtype=np.float64).reshape(1, 4, 2, 2))
    assert_equal(length, [2])


def test_3d_input_one_step_per_k_block():
    # [B, 2, 4] with shape (2, 2) -> [B, 2, 2, 2]; example 0 only has step 0.
    col = sf.sequence_numeric_column("aaa", shape=(2, 2))
    sp = sf.SparseTensor(indices=[[0, 0, 0], [0, 0, 3], [1, 1, 1]], values=[1.0, 2.0, 3.0],
                         dense_shape=[2, 2, 4])
    values, length = dense(col, sp)
    assert_close(values, [[[[1, 0], [0, 2]], [[0, 0], [0, 0]]],
                          [[[0, 0], [0, 0]], [[0, 3], [0, 0]]]])
    assert_equal(length, [1, 2])


def test_reshape_not_divisible_is_invalid_argument():
    col = sf.sequence_numeric_column("aaa", shape=(3,))
    sp = sf.SparseTensor(indices=[[0, 0]], values=[1.0], dense_shape=[1, 4])
    with pytest.raises(sf.InvalidArgumentError):
        dense(col, sp)


@pytest.mark.parametrize("values", [np.array([1, 2], dtype=np.int64),
                                    np.array([1, 2], dtype=np.int32),
                                    np.array([1.0, 2.0], dtype=np.float64)])
def test_any_numeric_input_dtype_gives_float32(values):
    col = sf.sequence_numeric_column("aaa", default_value=0.5)
    sp = sf.SparseTensor(indices=[[0, 0], [0, 2]], values=values, dense_shape=[1, 3])
    out, length = dense(col, sp)
    assert out.dtype == np.float32
    assert_close(out, [[[1.0], [0.5], [2.0]]])
    assert_equal(length, [3])


def test_rank1_sparse_input_is_one_step_per_example():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[[0], [2]], values=[5.0, 7.0], dense_shape=[3])
    values, length = dense(col, sp)
    assert_close(values, [[[5.0]], [[0.0]], [[7.0]]])
    assert_equal(length, [1, 0, 1])


def test_batch_size_from_dense_shape_with_trailing_empty_examples():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[[0, 0], [0, 1]], values=[1.0, 2.0], dense_shape=[3, 2])
    values, length = dense(col, sp)
    assert_close(values, [[[1.0], [2.0]], [[0.0], [0.0]], [[0.0], [0.0]]])
    assert_equal(length, [2, 0, 0])


def test_repeated_index_is_an_error_for_numeric():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[[0, 0], [0, 0]], values=[1.0, 2.0], dense_shape=[1, 2])
    with pytest.raises(sf.InvalidArgumentError):
        dense(col, sp)


def test_out_of_order_indices_are_an_error():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[[0, 1], [0, 0]], values=[1.0, 2.0], dense_shape=[1, 2])
    with pytest.raises(sf.InvalidArgumentError):
        dense(col, sp)


@pytest.mark.parametrize("index", [[0, 2], [1, 0], [0, -1]])
def test_out_of_bounds_indices_are_an_error(index):
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor(indices=[index], values=[1.0], dense_shape=[1, 2])
    with pytest.raises(sf.InvalidArgumentError):
        dense(col, sp)


def test_python_normalizer_sees_only_present_values():
    seen = []

    def normalizer(x):
        seen.append(np.array(x))
        return x * 2.0 + 1.0

    col = sf.sequence_numeric_column("aaa", default_value=0.5, normalizer_fn=normalizer)
    sp = sf.SparseTensor(indices=[[0, 0], [1, 1]], values=[1.0, 2.0], dense_shape=[2, 2])
    values, length = dense(col, sp)
    assert_close(values, [[[3.0], [0.5]], [[0.5], [5.0]]])
    assert_equal(length, [1, 2])
    assert len(seen) == 1
    assert seen[0].dtype == np.float32
    assert_close(seen[0], [1.0, 2.0])


def test_python_normalizer_in_layer():
    col = sf.sequence_numeric_column("aaa", normalizer_fn=lambda x: x - 10.0)
    layer = sf.SequenceFeatures([col])
    sp = sf.SparseTensor(indices=[[0, 0], [0, 1]], values=[11.0, 13.0], dense_shape=[1, 3])
    out, length = layer({"aaa": sp})
    assert_close(out, [[[1.0], [3.0], [0.0]]])
    assert_equal(length, [2])


def test_normalizer_must_keep_the_shape():
    col = sf.sequence_numeric_column("aaa", normalizer_fn=lambda x: x[:1])
    sp = sf.SparseTensor(indices=[[0, 0], [0, 1]], values=[1.0, 2.0], dense_shape=[1, 2])
    with pytest.raises(ValueError):
        dense(col, sp)


def test_properties():
    col = sf.sequence_numeric_column("aaa", shape=[2, 3], default_value=1, dtype="int64")
    assert col.name == "aaa"
    assert col.key == "aaa"
    assert col.variable_shape == (2, 3)
    assert col.shape == (2, 3)
    assert col.dtype == sf.int64
    assert col.is_sequence
    assert isinstance(col, sf.SequenceDenseColumn)
    # A scalar shape is wrapped into a 1-tuple.
    assert sf.sequence_numeric_column("bbb", shape=4).variable_shape == (4,)


def test_rank4_input_flattens_and_length_ignores_trailing_dims():
    col = sf.sequence_numeric_column("aaa")
    sp = sf.SparseTensor([[0, 1, 1, 1]], [1.0], [1, 2, 2, 2])
    values, length = dense(col, sp)
    # (0, 1, 1, 1) is flat position 1*4 + 1*2 + 1 = 7 of 8; length from dim 1 only.
    expected = np.zeros((1, 8, 1))
    expected[0, 7, 0] = 1.0
    assert_close(values, expected)
    assert_equal(length, [2])


def test_default_value_is_converted_to_float32():
    col = sf.sequence_numeric_column("aaa", default_value=0.1)
    values, _ = dense(col, sf.SparseTensor([[0, 1]], [1.0], [1, 2]))
    assert values[0, 0, 0] == np.float32(0.1)


def test_dense_input_with_vector_shape():
    # Extension: a dense numeric input has every cell present.
    col = sf.sequence_numeric_column("aaa", shape=(2,))
    values, length = col.get_sequence_dense_tensor(
        {"aaa": np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])})
    assert_close(values, [[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
    assert_equal(length, [2, 2])


def test_string_values_rejected():
    col = sf.sequence_numeric_column("aaa")
    with pytest.raises(ValueError):
        dense(col, sf.SparseTensor([[0, 0]], ["a"], [1, 1]))
