"""DLPack hand-off of library-owned tensors, with no compiled extension.

`DLPackTensor` wraps a seqfeat_tensor handle and implements the `__dlpack__` /
`__dlpack_device__` protocol that `numpy.from_dlpack` (numpy >= 1.22) and `torch.from_dlpack`
(torch >= 1.10) consume. The capsule follows the DLPack rules: it is named "dltensor"; a consumer
renames it "used_dltensor" and becomes responsible for calling the DLManagedTensor's deleter; a
capsule that is never consumed calls the deleter from its own destructor. Either way the deleter
runs exactly once and frees the library's buffer.
"""

from __future__ import annotations

import ctypes as C
import threading
from typing import Any, Dict, Optional

from ._capi import lib
from ._errors import CALL, check


class DLDevice(C.Structure):
    _fields_ = [("device_type", C.c_int32), ("device_id", C.c_int32)]


class DLDataType(C.Structure):
    _fields_ = [("code", C.c_uint8), ("bits", C.c_uint8), ("lanes", C.c_uint16)]


class DLTensor(C.Structure):
    _fields_ = [("data", C.c_void_p), ("device", DLDevice), ("ndim", C.c_int32),
                ("dtype", DLDataType), ("shape", C.POINTER(C.c_int64)),
                ("strides", C.POINTER(C.c_int64)), ("byte_offset", C.c_uint64)]


class DLManagedTensor(C.Structure):
    pass


_DELETER = C.CFUNCTYPE(None, C.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", C.c_void_p),
                            ("deleter", _DELETER)]

_KDLCPU = 1
_CAPSULE_NAME = b"dltensor"
_USED_NAME = b"used_dltensor"

# The destructor receives the dying capsule as a raw pointer: turning it into a Python object
# (py_object) would resurrect it during deallocation.
_PyCapsule_Destructor = C.CFUNCTYPE(None, C.c_void_p)
_PyCapsule_New = C.pythonapi.PyCapsule_New
_PyCapsule_New.restype = C.py_object
_PyCapsule_New.argtypes = [C.c_void_p, C.c_char_p, _PyCapsule_Destructor]
_capsule_api = C.PyDLL(None)
_PyCapsule_IsValid = _capsule_api.PyCapsule_IsValid
_PyCapsule_IsValid.restype = C.c_int
_PyCapsule_IsValid.argtypes = [C.c_void_p, C.c_char_p]
_PyCapsule_GetPointer = _capsule_api.PyCapsule_GetPointer
_PyCapsule_GetPointer.restype = C.c_void_p
_PyCapsule_GetPointer.argtypes = [C.c_void_p, C.c_char_p]

# Number of DLManagedTensor deleters that have run (tests check it equals the hand-offs).
_lock = threading.Lock()
deleter_calls = 0
capsules_created = 0


@_PyCapsule_Destructor
def _capsule_destructor(capsule):
    # Unconsumed capsule: still named "dltensor", so the producer frees the tensor.
    if _PyCapsule_IsValid(capsule, _CAPSULE_NAME):
        ptr = _PyCapsule_GetPointer(capsule, _CAPSULE_NAME)
        managed = C.cast(ptr, C.POINTER(DLManagedTensor))
        managed.contents.deleter(managed)


def _count_deleter():
    global deleter_calls
    with _lock:
        deleter_calls += 1


class DLPackTensor:
    """A library-owned tensor that can be consumed once through DLPack.

    `numpy.from_dlpack(t)` / `torch.from_dlpack(t)` take it over without copying. Until then it
    can be inspected (`shape`, `dtype_code`); after the hand-off the object is empty.
    """

    def __init__(self, handle: Optional[int]) -> None:
        self._handle = handle
        ndim = lib.tensor_ndim(handle)
        shape_ptr = lib.tensor_shape(handle)
        self.shape = tuple(shape_ptr[i] for i in range(ndim))
        self.dtype_code = lib.tensor_dtype(handle)

    def __dlpack_device__(self) -> tuple:
        return (_KDLCPU, 0)

    def __dlpack__(self, stream: Any = None) -> Any:
        if stream is not None:
            raise BufferError("libseqfeat tensors live on the CPU; stream must be None")
        if self._handle is None:
            raise BufferError("this tensor has already been handed over through DLPack")
        holder = C.c_void_p(self._handle)
        out = C.c_void_p()
        check(lib.tensor_to_dlpack(C.byref(holder), C.byref(out)), CALL)
        self._handle = None
        managed = C.cast(out, C.POINTER(DLManagedTensor))
        # Count the deleter run: wrap the library's deleter in one that counts, then frees.
        # Copy the function pointer's value: the struct field is overwritten below.
        library_deleter = _DELETER(C.cast(managed.contents.deleter, C.c_void_p).value or 0)
        state: Dict[str, Any] = {}

        @_DELETER
        def counting_deleter(m):
            _count_deleter()
            library_deleter(m)
            state["done"] = True  # the callback is released later, never while it runs

        state["deleter"] = counting_deleter
        state["done"] = False
        for key in [k for k, v in _live.items() if v["done"]]:
            del _live[key]
        _live[id(state)] = state
        managed.contents.deleter = counting_deleter
        global capsules_created
        with _lock:
            capsules_created += 1
        return _PyCapsule_New(out, _CAPSULE_NAME, _capsule_destructor)

    def __del__(self):
        if getattr(self, "_handle", None) is not None and lib is not None:
            lib.tensor_free(self._handle)
            self._handle = None


# Keeps the per-tensor ctypes deleter callbacks alive until they have run.
_live: Dict[int, Dict[str, Any]] = {}
