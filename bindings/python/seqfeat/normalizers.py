"""Built-in value-wise normalizers for numeric columns (an extension of TF's normalizer_fn).

Passed as `normalizer_fn`, they run inside the library (no Python per batch); called on a numpy
array they compute the same thing, so they behave like any other normalizer_fn."""

from __future__ import annotations

import numpy as np

from . import _capi
from ._types import ArrayLike


class Normalizer:
    """A library normalizer: kind (SEQFEAT_NORMALIZER_*) and its two parameters."""

    def __init__(self, kind: int, a: float = 0.0, b: float = 0.0, description: str = "") -> None:
        self.kind = kind
        self.a = float(a)
        self.b = float(b)
        self._description = description

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """The normalizer applied in numpy (the library computes the same inside a pack)."""
        x = np.asarray(x, dtype=np.float32)
        a = np.float32(self.a)
        b = np.float32(self.b)
        if self.kind == _capi.NORMALIZER_SCALE_SHIFT:
            return x * a + b
        if self.kind == _capi.NORMALIZER_ZSCORE:
            return (x - a) / b
        if self.kind == _capi.NORMALIZER_LOG1P:
            return np.log1p(x)
        if self.kind == _capi.NORMALIZER_CLIP:
            return np.minimum(np.maximum(x, a), b)
        return x

    def __repr__(self) -> str:
        return f"seqfeat.normalizers.{self._description}"


def scale_shift(scale: float, shift: float = 0.0) -> Normalizer:
    """x * scale + shift."""
    return Normalizer(_capi.NORMALIZER_SCALE_SHIFT, scale, shift,
                      f"scale_shift({scale!r}, {shift!r})")


def zscore(mean: float, stddev: float) -> Normalizer:
    """(x - mean) / stddev; stddev must be > 0."""
    if not stddev > 0:
        raise ValueError(f"zscore stddev must be > 0; got {stddev!r}.")
    return Normalizer(_capi.NORMALIZER_ZSCORE, mean, stddev, f"zscore({mean!r}, {stddev!r})")


def log1p() -> Normalizer:
    """log(1 + x)."""
    return Normalizer(_capi.NORMALIZER_LOG1P, description="log1p()")


def clip(min_value: float, max_value: float) -> Normalizer:
    """min(max(x, min_value), max_value); min_value <= max_value."""
    if min_value > max_value:
        raise ValueError(f"clip needs min_value <= max_value; got {min_value!r} > {max_value!r}.")
    return Normalizer(_capi.NORMALIZER_CLIP, min_value, max_value,
                      f"clip({min_value!r}, {max_value!r})")
