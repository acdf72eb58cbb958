"""tf.ragged-style helpers."""

from ._tensors import RaggedTensor


def constant(pylist, dtype=None):
    """RaggedTensor from nested Python lists, as tf.ragged.constant: [[v, ...], ...] (one value
    per step) or [[[v, ...], ...], ...] (several values per step).

    dtype: sf.string, sf.int64, sf.int32, sf.float32, sf.float64 (or their names / numpy
    dtypes); values are converted to it. Without it the values decide (str or bytes: string,
    int: int64, float: float32) and a list without values is int64. A value that does not fit
    raises TypeError (or ValueError for an integer outside int64) naming the example, the step
    and the value."""
    return RaggedTensor.from_nested_list(pylist, dtype=dtype)
