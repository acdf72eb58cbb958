"""Resuming training: layer.save(directory, optimizer) + seqfeat.load / load_optimizer continue
bit-identically to training that never stopped; malformed optimizer.safetensors files are clear
errors; seqfeat.torch modules pickle (also with a torch optimizer, and into spawned processes)
with their tables, requires_grad, sparse, call options and train/eval flags."""

import copy
import json
import multiprocessing
import pickle
import struct

import numpy as np
import pytest

import seqfeat as sf
from training_util import batch, build

torch = pytest.importorskip("torch")
import seqfeat.torch  # noqa: E402  (after importorskip)

TRAINABLE = ("a_embedding", "b_shared_embedding")  # one column per trainable table of build()
COLUMNS = TRAINABLE + ("c_embedding",)


def make_layer():
    columns, *_ = build("mean", False, None, seed=5)
    return sf.SequenceFeatures(columns)


def step(layer, optimizer, k):
    """Training step k: the same batch and upstream gradient for every layer."""
    rng = np.random.default_rng(100 + k)
    features, *_ = batch(rng, "mean", False)
    dense, _ = layer(features)
    grad = rng.standard_normal(dense.shape).astype(np.float32)
    if k % 2:
        layer.backward_apply(features, grad, optimizer)
    else:
        optimizer.apply(layer, layer.backward(features, grad))


def column(layer, name):
    return next(c for c in layer.feature_columns if c.name == name)


@pytest.mark.parametrize("kind", ["adagrad", "sgd"])
def test_resumed_training_is_bit_identical(kind, tmp_path):
    def make_optimizer():
        if kind == "sgd":
            return sf.optimizers.SGD(0.3)
        return sf.optimizers.Adagrad(0.3, initial_accumulator_value=0.05, epsilon=1e-6)

    straight, o_straight = make_layer(), make_optimizer()
    for k in range(6):
        step(straight, o_straight, k)

    first, o_first = make_layer(), make_optimizer()
    for k in range(3):
        step(first, o_first, k)
    first.save(tmp_path, optimizer=o_first)
    del first, o_first

    resumed = sf.load(tmp_path)
    o_resumed = sf.load_optimizer(tmp_path, resumed)
    assert type(o_resumed) is type(o_straight)
    assert o_resumed.learning_rate == np.float32(0.3)
    if kind == "adagrad":
        assert o_resumed.initial_accumulator_value == np.float32(0.05)
        assert o_resumed.epsilon == np.float32(1e-6)
    for k in range(3, 6):
        step(resumed, o_resumed, k)

    fresh = make_layer()
    for name in COLUMNS:
        a, b = column(straight, name), column(resumed, name)
        assert a.get_table().tobytes() == b.get_table().tobytes(), name
        if kind == "adagrad" and name in TRAINABLE:
            assert o_straight.get_state(a).tobytes() == o_resumed.get_state(b).tobytes(), name
    # The tables did move (the comparison is not of two untouched tables).
    assert not np.array_equal(column(fresh, "a_embedding").get_table(),
                              column(resumed, "a_embedding").get_table())


# ----------------------------------------------------------------------------------------------
# optimizer.safetensors read with numpy; malformed files

def read_header(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), data[8 + n:]


def write_file(path, header, blobs):
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def saved(tmp_path):
    """A layer saved with an Adagrad optimizer after two steps, and the file's tensors."""
    layer, optimizer = make_layer(), sf.optimizers.Adagrad(0.1)
    step(layer, optimizer, 0)
    step(layer, optimizer, 1)
    layer.save(tmp_path, optimizer=optimizer)
    return layer, optimizer


def test_optimizer_file_holds_kind_hyper_parameters_and_accumulators(tmp_path):
    layer, optimizer = saved(tmp_path)
    header, data = read_header(tmp_path / "optimizer.safetensors")
    assert header.pop("__metadata__") == {
        "format": "seqfeat.optimizer", "version": "1", "optimizer": "Adagrad",
        "learning_rate": "0.1", "initial_accumulator_value": "0.1", "epsilon": "1e-07"}
    assert sorted(header) == ["a_embedding/embedding_weights", "b_c_shared_embedding"]
    for name in TRAINABLE:
        col = column(layer, name)
        entry = header[col.table_name]
        assert entry["dtype"] == "F32" and entry["shape"] == list(col.table_shape)
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype="<f4").reshape(col.table_shape)
        np.testing.assert_array_equal(values, optimizer.get_state(col))
    # Saving again without an optimizer removes the file: it would describe older tables.
    layer.save(tmp_path)
    assert not (tmp_path / "optimizer.safetensors").exists()
    with pytest.raises(FileNotFoundError, match="optimizer.safetensors"):
        sf.load_optimizer(tmp_path, layer)


def rewrite(tmp_path, edit):
    """optimizer.safetensors re-written with edit(header, tensors) applied."""
    header, data = read_header(tmp_path / "optimizer.safetensors")
    metadata = header.pop("__metadata__")
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = (entry["dtype"], entry["shape"], data[begin:end])
    edit(metadata, tensors)
    out, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, (dtype, shape, blob) in tensors.items():
        out[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    write_file(tmp_path / "optimizer.safetensors", out, blobs)


def test_missing_table_is_an_error(tmp_path):
    layer, _ = saved(tmp_path)
    rewrite(tmp_path, lambda m, t: t.pop("b_c_shared_embedding"))
    with pytest.raises(ValueError, match=r"optimizer.safetensors: no accumulator "
                                         r"\"b_c_shared_embedding\""):
        sf.load_optimizer(tmp_path, sf.load(tmp_path))


def test_wrong_shape_is_an_error(tmp_path):
    saved(tmp_path)

    def transpose(metadata, tensors):
        dtype, shape, blob = tensors["a_embedding/embedding_weights"]
        tensors["a_embedding/embedding_weights"] = (dtype, shape[::-1], blob)
    rewrite(tmp_path, transpose)
    with pytest.raises(ValueError, match=r"\"a_embedding/embedding_weights\" has shape \[3, 7\] "
                                         r"but the table of column a_embedding is \[7, 3\]"):
        sf.load_optimizer(tmp_path, sf.load(tmp_path))


def test_wrong_dtype_is_an_error(tmp_path):
    saved(tmp_path)

    def as_float64(metadata, tensors):
        dtype, shape, blob = tensors["b_c_shared_embedding"]
        wide = np.frombuffer(blob, dtype="<f4").astype("<f8").tobytes()
        tensors["b_c_shared_embedding"] = ("F64", shape, wide)
    rewrite(tmp_path, as_float64)
    with pytest.raises(ValueError, match=r"\"b_c_shared_embedding\" has dtype F64; "
                                         r"accumulators are F32"):
        sf.load_optimizer(tmp_path, sf.load(tmp_path))


def test_bad_metadata_and_arguments_are_errors(tmp_path):
    layer, _ = saved(tmp_path)
    rewrite(tmp_path, lambda m, t: m.update(optimizer="Adam"))
    with pytest.raises(ValueError, match="\"Adam\" is not SGD or Adagrad"):
        sf.load_optimizer(tmp_path, layer)
    with pytest.raises(TypeError, match="seqfeat.optimizers"):
        layer.save(tmp_path, optimizer=torch.optim.SGD([torch.zeros(1)], lr=0.1))
    with pytest.raises(TypeError, match="SequenceFeatures"):
        sf.load_optimizer(tmp_path, sf.DenseFeatures([sf.numeric_column("x")]))


# ----------------------------------------------------------------------------------------------
# Pickling seqfeat.torch modules

def torch_module(sparse=True):
    columns, *_ = build("mean", False, None, seed=7)
    return seqfeat.torch.SequenceFeatures(columns, sparse=sparse, max_length=4)


def torch_step(module, optimizer, k):
    rng = np.random.default_rng(200 + k)
    features, *_ = batch(rng, "mean", False)
    dense, _ = module(features)
    weight = torch.from_numpy(rng.standard_normal(dense.shape).astype(np.float32))
    optimizer.zero_grad()
    (dense * weight).sum().backward()
    optimizer.step()


def shares_memory(module):
    """Every parameter is its library table (same memory)."""
    tables = module.layer.trainable_tables()
    return all(module.tables[n].data_ptr() == tables[n]._table_view().ctypes.data
               for n in module._table_names)


def tables_of(module):
    return {c.name: c.get_table() for c in module.feature_columns if hasattr(c, "get_table")}


def test_pickled_module_keeps_tables_flags_and_its_optimizer():
    module = torch_module()
    optimizer = torch.optim.Adagrad(module.parameters(), lr=0.2)
    for k in range(2):
        torch_step(module, optimizer, k)
    module.eval()
    module.tables["b_c_shared_embedding"].requires_grad_(False)
    for clone, o_clone in (pickle.loads(pickle.dumps((module, optimizer))),
                           copy.deepcopy((module, optimizer))):
        assert not clone.training and clone.sparse and clone.call_options["max_length"] == 4
        assert not clone.tables["b_c_shared_embedding"].requires_grad
        assert clone.tables["a_embedding/embedding_weights"].requires_grad
        assert shares_memory(clone)
        for name, table in tables_of(module).items():
            assert clone_table(clone, name).tobytes() == table.tobytes(), name
        # The optimizer refers to the clone's parameters, with its accumulated state.
        assert list(o_clone.param_groups[0]["params"]) == list(clone.parameters())
        assert o_clone.state[clone.tables["a_embedding/embedding_weights"]]["sum"].shape == \
            (7, 3)
    clone, o_clone = pickle.loads(pickle.dumps((module, optimizer)))
    module.train()
    clone.train()
    for k in range(2, 4):
        torch_step(module, optimizer, k)
        torch_step(clone, o_clone, k)
    for name, table in tables_of(module).items():
        assert clone_table(clone, name).tobytes() == table.tobytes(), name
    assert shares_memory(module)


def clone_table(module, name):
    return next(c for c in module.feature_columns if c.name == name).get_table()


def _continue_in_worker(module, optimizer, k):
    """Runs training step k in a spawned process; returns what the parent checks."""
    assert shares_memory(module)
    training = module.training
    module.train()
    torch_step(module, optimizer, k)
    return training, tables_of(module)


def test_module_and_optimizer_sent_to_a_spawned_process_continue_identically():
    module = torch_module()
    optimizer = torch.optim.Adagrad(module.parameters(), lr=0.2)
    torch_step(module, optimizer, 0)
    module.eval()
    # torch's pickler shares the optimizer's state tensors with the child (which updates them
    # in place): the reference continues from a copy taken before.
    reference, o_reference = pickle.loads(pickle.dumps((module, optimizer)))
    before = tables_of(module)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        training, tables = pool.apply(_continue_in_worker, (module, optimizer, 1))
    assert training is False
    # The tables went as copies: the child's step did not change the parent's, and the
    # parent's parameters are still its layer's tables.
    assert shares_memory(module)
    for name, table in tables_of(module).items():
        assert before[name].tobytes() == table.tobytes(), name
    reference.train()
    torch_step(reference, o_reference, 1)
    for name, table in tables_of(reference).items():
        assert tables[name].tobytes() == table.tobytes(), name
    assert not np.array_equal(tables["a_embedding"], before["a_embedding"])
