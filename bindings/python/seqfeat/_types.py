"""Type aliases used in the annotations of the public API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence, Tuple, Union

import numpy as np

if TYPE_CHECKING:
    from ._dtypes import DType

#: A value type: a seqfeat DType (sf.int64, ...), its TF name ('int64', 'string', ...), a numpy
#: dtype or a Python type (str, bytes).
DTypeLike = Union["DType", str, np.dtype, type]
#: Anything numpy.asarray accepts.
ArrayLike = Any
#: One feature: SparseTensor, RaggedTensor, a dense numpy array, or nested Python lists
#: (one list of steps per example).
FeatureValue = Any
#: Features by key, as TF's layers take them.
Features = Mapping[str, FeatureValue]
#: A shape: an int or a sequence of ints.
ShapeLike = Union[int, Sequence[int]]
Shape = Tuple[int, ...]
