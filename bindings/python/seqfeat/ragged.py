"""tf.ragged-style helpers."""

from ._tensors import RaggedTensor


def constant(pylist):
    """RaggedTensor from nested Python lists: [[v, ...], ...] (one value per step) or
    [[[v, ...], ...], ...] (several values per step)."""
    return RaggedTensor.from_nested_list(pylist)
