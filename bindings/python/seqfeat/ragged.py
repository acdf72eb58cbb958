"""tf.ragged-style helpers."""

from __future__ import annotations

from typing import Any, Optional

from ._tensors import RaggedTensor
from ._types import DTypeLike


def constant(pylist: Any, dtype: Optional[DTypeLike] = None) -> RaggedTensor:
    """RaggedTensor from nested Python lists, as tf.ragged.constant: [[v, ...], ...] (one value
    per step) or [[[v, ...], ...], ...] (several values per step).

    dtype: sf.string, sf.int64, sf.int32, sf.float32, sf.float64 (or their names / numpy
    dtypes); values are converted to it. Without it the values decide (str or bytes: string,
    int: int64, float: float32) and a list without values is int64. A value that does not fit
    raises TypeError (or ValueError for an integer outside int64) naming the example, the step
    and the value."""
    return RaggedTensor.from_nested_list(pylist, dtype=dtype)
