"""seqfeat.torch: the SequenceFeatures layer as a torch.nn.Module whose embedding tables train.

    layer = seqfeat.torch.SequenceFeatures(columns, sparse=True)
    dense, lengths = layer(features)                 # torch tensors; dense is in the graph
    optimizer = torch.optim.SparseAdam(layer.parameters())

The trainable tables are nn.Parameters that *are* the library's tables (same memory, no copy
either way): an optimizer step is what the next pack reads and what column.get_table() returns,
and column.set_table() is seen by the parameter. The backward of the pack is the library's exact
backward; sparse=True gives torch.sparse_coo_tensor gradients (coalesced: sorted unique ids) as
nn.EmbeddingBag(sparse=True) does, usable by torch.optim.SGD, Adagrad and SparseAdam; sparse=False
gives dense gradients. A table no id of the batch reaches gets no gradient (None).

The module's state is its columns and call options; the features of a call are kept until its
backward (they must not be changed in between).

Pickling (and copy.deepcopy, and sending the module to a process started with any method)
keeps the columns, every table's values, each parameter's requires_grad, sparse, the call
options and the train/eval flags. The trainable tables travel once, as the parameters' values,
so that a torch optimizer pickled together with the module still refers to the unpickled
module's parameters, which again are the unpickled layer's tables. A process the module is sent
to gets copies of the tables (torch's shared-memory passing of parameters does not apply: the
tables' memory belongs to the library), so its updates are not seen by the sender.
"""

import torch

from . import _serialization
from ._layer import SequenceFeatures as _NumpySequenceFeatures
from ._call import _PADDING


class _TableParameter(torch.nn.Parameter):
    """A trainable table as a Parameter sharing the library table's memory. It pickles as a
    copy of its values: torch's multiprocessing pickler would otherwise move a parameter's
    storage into shared memory, and this one's storage belongs to the library."""

    def __reduce_ex__(self, protocol):
        return _table_parameter, (self.detach().numpy().copy(), self.requires_grad)


def _table_parameter(values, requires_grad):
    return _TableParameter(torch.from_numpy(values), requires_grad)

_CALL_OPTIONS = ("max_length", "padding", "truncating", "strict", "num_threads")


class _Pack(torch.autograd.Function):
    """Pack forward (numpy layer) and the library's backward, for autograd."""

    @staticmethod
    def forward(ctx, module, features, options, *tables):
        dense, lengths = module.layer(features, **options)
        ctx.module = module
        ctx.features = features
        ctx.options = options
        lengths = torch.from_numpy(lengths)
        ctx.mark_non_differentiable(lengths)
        return torch.from_numpy(dense), lengths

    @staticmethod
    def backward(ctx, grad_dense, grad_lengths):
        module = ctx.module
        grads = module.layer.backward(ctx.features, grad_dense.detach().contiguous().numpy(),
                                      **ctx.options)
        out = []
        for name in module._table_names:
            ids, rows = grads.get(name, ((), None))
            if rows is None or len(ids) == 0:
                out.append(None)
                continue
            out.append(module._table_gradient(name, ids, rows))
        return (None, None, None) + tuple(out)


class SequenceFeatures(torch.nn.Module):
    """seqfeat.SequenceFeatures as a torch.nn.Module.

    forward(features, **call_options) -> (dense [B, T, ΣD] float32, sequence_length [B] int64),
    the same features and options as the numpy layer (max_length, padding, truncating, strict,
    num_threads); options given here are the defaults of every call."""

    def __init__(self, feature_columns, sparse=False, *, max_length=None, padding="post",
                 truncating="post", strict=False, num_threads=0, trainable=True, name=None):
        super().__init__()
        self.layer = _NumpySequenceFeatures(feature_columns, trainable=trainable, name=name)
        self.sparse = bool(sparse)
        if padding not in _PADDING or truncating not in _PADDING:
            raise ValueError(f"padding and truncating must be 'pre' or 'post'; got "
                             f"{padding!r} and {truncating!r}.")
        self.call_options = {"max_length": max_length, "padding": padding,
                             "truncating": truncating, "strict": strict,
                             "num_threads": num_threads}
        self.tables = torch.nn.ParameterDict()
        self._table_names = []
        for name_, column in self.layer.trainable_tables().items():
            self.tables[name_] = _TableParameter(torch.from_numpy(column._table_view()))
            self._table_names.append(name_)

    def __getstate__(self):
        state = self.__dict__.copy()
        # The layer without its trainable tables: those are the parameters' values.
        state["layer"] = _serialization.layer_reduce(self.layer, skip=set(self._table_names))
        return state

    def __setstate__(self, state):
        rebuild, args = state["layer"]
        state = dict(state, layer=rebuild(*args))
        super().__setstate__(state)
        # Each parameter's values become the new layer's table, and the parameter (the same
        # object a torch optimizer unpickled with it refers to) shares its memory again.
        tables = self.layer.trainable_tables()
        for name in self._table_names:
            param = self.tables[name]
            column = tables[name]
            column.set_table(param.detach().numpy())
            param.data = torch.from_numpy(column._table_view())

    @property
    def feature_columns(self):
        return self.layer.feature_columns

    def forward(self, features, **call_options):
        unknown = set(call_options) - set(_CALL_OPTIONS)
        if unknown:
            raise TypeError(f"unknown call options {sorted(unknown)}; expected some of "
                            f"{list(_CALL_OPTIONS)}.")
        options = dict(self.call_options, **call_options)
        tables = [self.tables[n] for n in self._table_names]
        return _Pack.apply(self, features, options, *tables)

    def _table_gradient(self, name, ids, rows):
        param = self.tables[name]
        ids = torch.from_numpy(ids)
        rows = torch.from_numpy(rows)
        if self.sparse:
            grad = torch.sparse_coo_tensor(ids.unsqueeze(0), rows, tuple(param.shape))
            # The library's ids are sorted and unique: the tensor is coalesced as it stands.
            return grad._coalesced_(True) if hasattr(grad, "_coalesced_") else grad.coalesce()
        grad = torch.zeros(param.shape, dtype=rows.dtype)
        grad[ids] = rows
        return grad

    def extra_repr(self):
        return (f"columns={[c.name for c in self.layer.feature_columns]}, sparse={self.sparse}")


__all__ = ["SequenceFeatures"]
