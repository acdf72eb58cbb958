"""The per-layer call path: state kept between calls so that a steady-state call crosses into
the library twice (seqfeat_batch_set, then one pack that plans once), creates no handles and
writes into memory that is already mapped.

A CallState holds a batch handle, a statistics handle, the pack options of recent argument
combinations and the output pools. A layer keeps idle states in a list: a call pops one (or
makes one), so concurrent or re-entrant calls of one layer never share a state.

The common call -- every feature a numpy array or a ragged tensor over one, numeric or fixed-
width strings, no Python normalizer, numpy outputs in the pool -- takes a short path
(FastFill, CallState.call_pooled) that writes the batch's descriptors with one struct.pack_into
each and reads array addresses through the buffer protocol, then crosses into the library once.
The general path (FeatureReader.fill, Batch.add) reads everything else and raises every error:
the short path never raises for input it does not know, it declines it.
"""

import ctypes as C
import struct
import sys

import numpy as np

from . import _capi
from ._capi import lib
from ._errors import CALL, check
from ._tensors import Batch, RaggedTensor, _NUMERIC_CODES, _stored_values

_PADDING = {"post": _capi.PAD_POST, "pre": _capi.PAD_PRE}

_STAT_NAMES = ("dropped_invalid", "oov_hits", "steps_truncated", "empty_examples")
assert len(_STAT_NAMES) == _capi.STAT_COUNT


def _free_references():
    """sys.getrefcount of a block nobody else holds, seen from OutputPool.take's loop."""
    entries = [[np.empty(1, dtype=np.uint8), 0, 0]]
    for entry in entries:
        return sys.getrefcount(entry[0])
    raise AssertionError


class OutputPool:
    """Output memory of one kind (dense, lengths or mask) owned by a layer's call state: a few
    blocks, each reused once no array viewing it is left (its reference count is back to the
    pool's own), so a steady-state call neither allocates nor faults pages in. Arrays handed
    out are views whose base is the block: numpy, torch.from_numpy or any view keep it alive,
    and it is not reused while they exist."""

    MAX_BLOCKS = 3

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self._entries = []  # [block, address, capacity in elements]

    def take(self):
        """(block, address, capacity) of a free block, the largest one; (None, None, 0) if none."""
        best = None
        for entry in self._entries:
            if sys.getrefcount(entry[0]) <= _FREE_REFS and (best is None or entry[2] > best[2]):
                best = entry
        return best if best is not None else (None, None, 0)

    def grow(self, count):
        """A new block of at least `count` elements (a quarter more, so that slowly growing
        batches do not reallocate each call), replacing the smallest free block when full."""
        if len(self._entries) >= self.MAX_BLOCKS:
            free = [e for e in self._entries if sys.getrefcount(e[0]) <= _FREE_REFS]
            if free:
                # By identity: list.remove would compare the blocks element by element.
                smallest = min(free, key=lambda e: e[2])
                self._entries = [e for e in self._entries if e is not smallest]
        capacity = max(count + count // 4, 16)
        block = np.empty(capacity, dtype=self.dtype)
        entry = [block, block.ctypes.data, capacity]
        if len(self._entries) < self.MAX_BLOCKS:
            self._entries.append(entry)
        return entry


_FREE_REFS = _free_references()


def _caller_array(arr, dtype, what):
    if not isinstance(arr, np.ndarray) or arr.dtype != dtype or not arr.flags.c_contiguous \
            or not arr.flags.writeable:
        got = f"{type(arr).__name__}" if not isinstance(arr, np.ndarray) else \
            f"array of {arr.dtype}, {'C-contiguous' if arr.flags.c_contiguous else 'strided'}" \
            f"{'' if arr.flags.writeable else ', read-only'}"
        raise ValueError(f"out: {what} must be a writable C-contiguous numpy array of "
                         f"{np.dtype(dtype).name}; got {got}.")
    return arr


def caller_buffers(out, return_mask):
    """(dense, lengths or None, mask or None) from out=dense or out=(dense, lengths[, mask])."""
    if isinstance(out, np.ndarray):
        parts = (out,)
    elif isinstance(out, (tuple, list)) and 1 <= len(out) <= 3:
        parts = tuple(out)
    else:
        raise ValueError("out must be a float32 array for the dense output, or a tuple (dense, "
                         f"sequence_length[, mask]); got {type(out).__name__}.")
    if len(parts) == 3 and not return_mask:
        raise ValueError("out has a mask buffer but return_mask is False.")
    dense = _caller_array(parts[0], np.float32, "the dense output")
    lengths = _caller_array(parts[1], np.int64, "sequence_length") if len(parts) > 1 else None
    mask = _caller_array(parts[2], np.uint8, "mask") if len(parts) > 2 else None
    return dense, lengths, mask


# seqfeat_feature, field by field in declaration order (see _capi.Feature).
_FEATURE = struct.Struct("@QPiiiiPqPQPqPqPPq")
assert _FEATURE.size == C.sizeof(_capi.Feature)
_MAX_RANK = 8
_SHAPE = struct.Struct("@3q")


def _address(arr):
    """The address of a C-contiguous array's first element. The buffer protocol is about four
    times quicker than arr.ctypes; it refuses read-only and empty arrays, which take the slow
    way."""
    try:
        return C.addressof(C.c_char.from_buffer(arr))
    except (TypeError, ValueError):
        return arr.ctypes.data


def _plain(values):
    """(dtype code, string layout, item size) of values the short path passes as they are, or
    None: C-contiguous, non-empty, numeric (float32/64, int32/64), fixed-width bytes or native
    UTF-32."""
    if type(values) is not np.ndarray or not values.flags.c_contiguous or values.size == 0:
        return None
    dtype = values.dtype
    code = _NUMERIC_CODES.get(dtype)
    if code is not None:
        return code, 0, 0
    kind = dtype.kind
    if kind == "S" and dtype.itemsize > 0:
        return _capi.DTYPE_STRING, _capi.STRINGS_FIXED, dtype.itemsize
    if kind == "U" and dtype.itemsize > 0 and dtype.isnative:
        return _capi.DTYPE_STRING, _capi.STRINGS_UTF32, dtype.itemsize
    return None


class FastFill:
    """The short way of describing one call's features into a batch (see the module
    docstring): a descriptor array written in place, and the inputs kept alive until the
    next fill."""

    def __init__(self, reader):
        self.keys = []
        self._key_bytes = []
        for key, key_bytes, normalizer, _ in reader.keys:
            if normalizer is not None:
                raise ValueError("a Python normalizer needs the general path")
            self._key_bytes.append(key_bytes)
            self.keys.append((key, C.cast(C.c_char_p(key_bytes), C.c_void_p).value,
                              (C.c_int64 * _MAX_RANK)()))
        self.descs = (_capi.Feature * max(len(self.keys), 1))()
        self.count = len(self.keys)
        self.keep = []

    def fill(self, batch, features):
        """Describes the features into batch and commits it; False (nothing committed) if an
        input needs the general path."""
        if not self.describe(features):
            return False
        check(lib.batch_set(batch.handle, self.descs, self.count), CALL)
        return True

    def describe(self, features):
        """Writes the descriptors of the features (not yet handed to the library); False if an
        input needs the general path."""
        keep = self.keep
        keep.clear()
        descs = self.descs
        pack = _FEATURE.pack_into
        size = _FEATURE.size
        offset = 0
        for key, key_address, shape in self.keys:
            value = features.get(key)
            if type(value) is RaggedTensor:
                values = _stored_values(value)
                splits = value.row_splits
                step_splits, num_steps = None, 0
                if type(values) is RaggedTensor:
                    step_splits = values.row_splits
                    num_steps = step_splits.shape[0] - 1
                    values = _stored_values(values)
                plain = _plain(values)
                if plain is None:
                    return False
                pack(descs, offset, size, key_address, _capi.FORM_RAGGED, plain[0], plain[1], 0,
                     _address(values), values.shape[0], 0, plain[2], 0, 0, 0,
                     splits.shape[0] - 1, _address(splits),
                     0 if step_splits is None else _address(step_splits), num_steps)
            else:
                plain = _plain(value)
                if plain is None or not 1 <= value.ndim <= _MAX_RANK:
                    return False
                shape[:value.ndim] = value.shape
                pack(descs, offset, size, key_address, _capi.FORM_DENSE, plain[0], plain[1], 0,
                     _address(value), 0, 0, plain[2], C.addressof(shape), value.ndim, 0, 0, 0,
                     0, 0)
            keep.append(value)
            offset += size
        return True


def _shaped(arr, shape):
    """arr itself if it has this shape, else a view of its first elements in that shape."""
    if arr.shape == shape:
        return arr
    return arr.reshape(-1)[:int(np.prod(shape))].reshape(shape)


class _InputState:
    """A batch handle refilled every call, the short way of filling it when the layer's
    columns allow one (no Python normalizer), and the general way."""

    def __init__(self, reader):
        self.reader = reader
        self.batch = Batch()
        try:
            self.fast = FastFill(reader)
        except ValueError:
            self.fast = None

    def fill(self, features):
        """Describes the features into the batch: the short way if it takes them, else the
        general way (which raises the errors)."""
        if self.fast is None or not self.fast.fill(self.batch, features):
            self.reader.fill(self.batch, features)

    def reset(self):
        """Lets go of the last call's inputs."""
        self.batch.reset()
        if self.fast is not None:
            self.fast.keep.clear()


class CallState(_InputState):
    """What one call of a SequenceFeatures layer needs besides its inputs."""

    def __init__(self, layer_handle, reader):
        super().__init__(reader)
        self.handle = layer_handle
        stats = C.c_void_p()
        check(lib.stats_create(C.byref(stats)), CALL)
        self.stats = stats
        self._stats_free = stats.value
        self.shape = (C.c_int64 * 3)()
        self.options = {}
        self.dense = OutputPool(np.float32)
        self.lengths = OutputPool(np.int64)
        self.mask = OutputPool(np.uint8)

    def close(self):
        self.reset()
        self.batch.close()
        if self._stats_free:
            lib.stats_free(self._stats_free)
            self._stats_free = None

    def pack_options(self, max_length, padding, truncating, strict, num_threads):
        """A cached seqfeat_pack_options for this argument combination (validated once)."""
        key = (max_length, padding, truncating, strict, num_threads)
        try:
            return self.options[key]
        except (KeyError, TypeError):
            pass
        opts = _capi.new_pack_options()
        if max_length is not None:
            if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) \
                    or max_length < 1:
                raise ValueError(f"max_length must be a positive integer or None; got "
                                 f"{max_length!r}.")
            opts.max_length = int(max_length)
        for what, value in (("padding", padding), ("truncating", truncating)):
            if value not in _PADDING:
                raise ValueError(f"{what} must be 'pre' or 'post'; got {value!r}.")
        if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) \
                or num_threads < 0:
            raise ValueError(f"num_threads must be an integer >= 0; got {num_threads!r}.")
        opts.padding = _PADDING[padding]
        opts.truncating = _PADDING[truncating]
        opts.strict = 1 if strict else 0
        opts.num_threads = int(num_threads)
        ref = C.byref(opts)
        if len(self.options) < 16:
            try:
                self.options[key] = ref
            except TypeError:  # unhashable arguments: validated above, not cached
                pass
        return ref

    def pack(self, opts, return_mask, out):
        """Packs the committed batch into pooled blocks (or the caller's `out` buffers) with one
        library call; a block too small for this batch is replaced and the pack repeated (the
        library keeps the plan, so the batch is planned once)."""
        given = caller_buffers(out, return_mask) if out is not None else (None, None, None)
        pools = (self.dense, self.lengths, self.mask if return_mask else None)
        bufs = [_given(arr) if arr is not None else (pool.take() if pool else (None, None, 0))
                for arr, pool in zip(given, pools)]
        # No free block yet: size the new one from the shape (the pack then reuses the plan).
        missing = any(b[0] is None for b, p in zip(bufs, pools) if p is not None)
        status = _capi.ERR_BUFFER_TOO_SMALL if missing else self._call(opts, bufs)
        if status == _capi.ERR_BUFFER_TOO_SMALL:
            B, T, D = self._output_shape(opts)
            for i, (count, what) in enumerate(((B * T * D, f"[{B}, {T}, {D}]"), (B, f"[{B}]"),
                                               (B * T, f"[{B}, {T}]"))):
                if pools[i] is None or bufs[i][2] >= count:
                    continue
                if given[i] is not None:
                    raise ValueError(f"out: {_OUTPUT_NAMES[i]} has {bufs[i][2]} elements; this "
                                     f"batch needs {what} = {count}.")
                bufs[i] = pools[i].grow(count)
            status = self._call(opts, bufs)
        check(status, CALL)
        shape = self.shape
        B, T, D = shape[0], shape[1], shape[2]
        shapes = ((B, T, D), (B,), (B, T))
        results = []
        for i in range(3 if return_mask else 2):
            block = bufs[i][0]
            if given[i] is not None:
                results.append(_shaped(block, shapes[i]))
            else:
                results.append(np.ndarray(shapes[i], pools[i].dtype, block))
        return tuple(results)

    def call_pooled(self, features, opts):
        """The default call (numpy results in the pooled blocks, no mask): the features read
        the short way when it takes them, then one crossing (seqfeat_features_set_and_pack),
        else the general way, then one pack. A pool without a free block large enough goes
        through pack(), which grows it (the library keeps the plan meanwhile)."""
        fast = self.fast
        if fast is None or not fast.describe(features):
            fast = None
            self.reader.fill(self.batch, features)
        dense = self.dense.take()
        lengths = self.lengths.take()
        if dense[0] is None or lengths[0] is None:
            if fast is not None:
                check(lib.batch_set(self.batch.handle, fast.descs, fast.count), CALL)
            return self.pack(opts, False, None)
        if fast is not None:
            status = lib.features_set_and_pack(self.handle, self.batch.handle, fast.descs,
                                               fast.count, opts, dense[1], dense[2], lengths[1],
                                               lengths[2], None, 0, self.stats, self.shape)
        else:
            status = lib.features_pack_into_shape(self.handle, self.batch.handle, opts,
                                                  dense[1], dense[2], lengths[1], lengths[2],
                                                  None, 0, self.stats, self.shape)
        if status == _capi.ERR_BUFFER_TOO_SMALL:
            # The batch holds the features and the library the plan: grow, pack again.
            return self.pack(opts, False, None)
        check(status, CALL)
        B, T, D = _SHAPE.unpack_from(self.shape)
        return (np.ndarray((B, T, D), np.float32, dense[0]),
                np.ndarray((B,), np.int64, lengths[0]))

    def _call(self, opts, bufs):
        (_, dense, dense_n), (_, lengths, lengths_n), (_, mask, mask_n) = bufs
        return lib.features_pack_into_shape(self.handle, self.batch.handle, opts, dense, dense_n,
                                            lengths, lengths_n, mask, mask_n, self.stats,
                                            self.shape)

    def _output_shape(self, opts):
        b = C.c_int64()
        t = C.c_int64()
        d = C.c_int64()
        check(lib.features_output_shape(self.handle, self.batch.handle, opts, C.byref(b),
                                        C.byref(t), C.byref(d)), CALL)
        return b.value, t.value, d.value

    def read_stats(self):
        """{column name: {statistic: value}} of the last pack made with this state."""
        count = lib.stats_num_columns(self.stats)
        values = (C.c_int64 * (count * _capi.STAT_COUNT))()
        check(lib.stats_values(self.stats, values, len(values)), CALL)
        out = {}
        for i in range(count):
            name = lib.stats_column_name(self.stats, i).decode("utf-8")
            row = values[i * _capi.STAT_COUNT:(i + 1) * _capi.STAT_COUNT]
            out[name] = dict(zip(_STAT_NAMES, row))
        return out


_OUTPUT_NAMES = ("the dense output", "sequence_length", "mask")


class DenseCallState(_InputState):
    """What one call of a DenseFeatures layer needs besides its inputs: a batch handle refilled
    every call and the output pool. The shape query's plan is kept by the library for the pack
    that follows, so a call plans once."""

    def __init__(self, layer_handle, reader):
        super().__init__(reader)
        self.handle = layer_handle
        self.dense = OutputPool(np.float32)
        self._b = C.c_int64()
        self._d = C.c_int64()

    def close(self):
        self.reset()
        self.batch.close()

    def pack(self):
        """[B, ΣD] float32 of the committed batch, in a pooled block."""
        check(lib.dense_features_output_shape(self.handle, self.batch.handle, C.byref(self._b),
                                              C.byref(self._d)), CALL)
        B, D = self._b.value, self._d.value
        block, address, capacity = self.dense.take()
        if capacity < B * D:
            block, address, capacity = self.dense.grow(B * D)
        check(lib.dense_features_pack_into(self.handle, self.batch.handle, address, capacity),
              CALL)
        return np.ndarray((B, D), np.float32, block)


def _given(arr):
    return (arr, arr.ctypes.data, arr.size)
