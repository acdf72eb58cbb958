"""Exceptions, and the translation of C status codes into them."""

from __future__ import annotations

from . import _capi


class InvalidArgumentError(ValueError):
    """TF's run-time InvalidArgumentError: raised when a batch is transformed (a layer or column
    call) and the library rejects the input. A ValueError, so code that catches TF's call-time
    ValueErrors keeps working. `code` is the library's status code (SEQFEAT_ERR_*)."""

    def __init__(self, message: str, code: int = _capi.ERR_INVALID_ARGUMENT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# When a failure happens: building a column or layer, or transforming a batch.
CONSTRUCTION = "construction"
CALL = "call"


def check(status: int, when: str) -> None:
    """Raises the exception for a non-OK status, carrying the library's message."""
    if status == _capi.OK:
        return
    message = _capi.last_error_message() or _capi.status_string(status)
    if status == _capi.ERR_OUT_OF_MEMORY:
        raise MemoryError(message)
    if status == _capi.ERR_INTERNAL:
        raise RuntimeError(f"libseqfeat internal error: {message}")
    if when == CALL:
        raise InvalidArgumentError(message, status)
    raise ValueError(message)
