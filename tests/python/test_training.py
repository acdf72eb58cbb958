"""Training: layer.backward against finite differences of a float64 forward and against
torch.autograd, the optimizers against hand values and torch.optim, seqfeat.torch end to end,
and bad input leaving the tables untouched."""

import subprocess
import sys

import numpy as np
import pytest

import seqfeat as sf
from training_util import (D_A, V_A, batch, build, densify, embedding_forward,
                           finite_difference, reached_ids, random_steps, to_ragged, to_sparse)

torch = pytest.importorskip("torch")
import seqfeat.torch  # noqa: E402  (after importorskip)

X = "x_embedding/embedding_weights"  # the table of one_table()

CASES = [(c, w, m) for c in ("sum", "mean", "sqrtn") for w in (False, True)
         for m in (None, 0.9, 100.0)]


@pytest.mark.parametrize("combiner, weighted, max_norm", CASES)
def test_backward_matches_finite_differences(combiner, weighted, max_norm):
    seed = CASES.index((combiner, weighted, max_norm))
    rng = np.random.default_rng(100 + seed)
    columns, emb_a, shared_b, table_a, table_s = build(combiner, weighted, max_norm, seed)
    layer = sf.SequenceFeatures(columns)
    window_cases = [{}, {"max_length": 3, "padding": "pre", "truncating": "pre"},
                    {"max_length": 3, "padding": "post", "truncating": "pre"},
                    {"max_length": 3, "truncating": "post", "padding": "pre"}]
    window = window_cases[seed % len(window_cases)]
    form = "ragged" if seed % 2 else "sparse"
    features, sa, sb, sc, T = batch(rng, combiner, weighted, form)
    dense, _ = layer(features, **window)
    G = rng.standard_normal(dense.shape).astype(np.float32)
    slices = layer.column_slices

    def part(steps, table, name, w):
        off, width = slices[name]
        ref = embedding_forward(steps, table, combiner, w, max_norm, T, window)
        return float(np.sum(G[:, :, off:off + width] * ref))

    # The library's forward agrees with the float64 one.
    for name, steps, table, w in ((emb_a.name, sa, table_a, weighted),
                                  ("b_shared_embedding", sb, table_s, False),
                                  ("c_shared_embedding", sc, table_s, False)):
        off, width = slices[name]
        np.testing.assert_allclose(
            dense[:, :, off:off + width],
            embedding_forward(steps, table, combiner, w, max_norm, T, window), atol=1e-5)

    grads = layer.backward(features, G, **window)
    a_table = emb_a.table_name
    assert set(grads) == {a_table, "b_c_shared_embedding"}  # c_embedding is frozen
    ids, rows = grads[a_table]
    assert ids.dtype == np.int64 and rows.dtype == np.float32
    assert list(ids) == sorted(reached_ids(sa, combiner, weighted, T, window))
    fd = finite_difference(lambda t: part(sa, t, emb_a.name, weighted), table_a)
    np.testing.assert_allclose(densify(ids, rows, table_a.shape), fd, rtol=2e-4, atol=2e-4)

    ids, rows = grads["b_c_shared_embedding"]
    assert list(ids) == sorted(reached_ids(sb, combiner, False, T, window)
                               | reached_ids(sc, combiner, False, T, window))
    fd = finite_difference(lambda t: part(sb, t, "b_shared_embedding", False)
                           + part(sc, t, "c_shared_embedding", False), table_s)
    np.testing.assert_allclose(densify(ids, rows, table_s.shape), fd, rtol=2e-4, atol=2e-4)


def test_backward_from_dense_input_matches_finite_differences():
    rng = np.random.default_rng(7)
    ids = sf.sequence_categorical_column_with_identity("ids", 6)
    table = rng.uniform(-1, 1, (6, 3)).astype(np.float32)
    col = sf.embedding_column(ids, 3, combiner="sqrtn", max_norm=0.8, initializer=table)
    layer = sf.SequenceFeatures([col])
    x = rng.integers(-1, 6, (3, 4, 2))
    x[:, -1, 0] = rng.integers(0, 6, 3)  # every row reaches T
    dense, _ = layer({"ids": x})
    G = rng.standard_normal(dense.shape).astype(np.float32)
    steps = [[[(int(v), 1.0) for v in x[b, t] if v >= 0] for t in range(4)] for b in range(3)]
    fd = finite_difference(
        lambda t: float(np.sum(G * embedding_forward(steps, t, "sqrtn", False, 0.8, 4))), table)
    (got_ids, rows), = layer.backward({"ids": x}, G).values()
    np.testing.assert_allclose(densify(got_ids, rows, table.shape), fd, rtol=2e-4, atol=2e-4)


# ------------------------------------------------------------------------------------------
# Against torch.autograd on an equivalent pure-PyTorch forward
# ------------------------------------------------------------------------------------------
def torch_forward(steps, W, combiner, weights, max_norm, T):
    """F.embedding_bag (or a clipped gather + index_add for max_norm) padded into [B, T, D]."""
    ids, offsets, psw, where = [], [], [], []
    for b, example in enumerate(steps):
        for t, entries in enumerate(example):
            kept = [(i, float(w) if weights else 1.0) for i, w in entries
                    if i >= 0 and not (weights and combiner != "sum" and not float(w) > 0)]
            if not kept:
                continue
            ws = np.array([w for _, w in kept])
            scale = {"sum": 1.0, "mean": 1 / ws.sum() if ws.sum() else 0.0,
                     "sqrtn": 1 / np.sqrt((ws * ws).sum()) if (ws * ws).sum() else 0.0}[combiner]
            offsets.append(len(ids))
            for i, w in kept:
                ids.append(i)
                psw.append(w * scale)
            where.append(b * T + t)
    B, D = len(steps), W.shape[1]
    ids_t = torch.tensor(ids, dtype=torch.int64)
    psw_t = torch.tensor(psw, dtype=torch.float32)
    if max_norm is None:
        bags = torch.nn.functional.embedding_bag(ids_t, W, torch.tensor(offsets), mode="sum",
                                                 per_sample_weights=psw_t)
    else:
        rows = W[ids_t]
        norm = rows.norm(dim=1, keepdim=True)
        rows = rows * max_norm / torch.maximum(norm, torch.tensor(max_norm))
        bag_of = torch.repeat_interleave(torch.arange(len(offsets)),
                                         torch.diff(torch.tensor(offsets + [len(ids)])))
        bags = torch.zeros(len(offsets), D).index_add(0, bag_of, rows * psw_t[:, None])
    out = torch.zeros(B * T, D)
    out = out.index_copy(0, torch.tensor(where, dtype=torch.int64), bags)
    return out.reshape(B, T, D)


@pytest.mark.parametrize("combiner, weighted, max_norm", CASES[::2] + [("mean", True, 0.9)])
def test_backward_matches_torch_autograd(combiner, weighted, max_norm):
    rng = np.random.default_rng(5)
    vocab, dim, B = 50, 8, 16
    table = rng.uniform(-1, 1, (vocab, dim)).astype(np.float32)
    cat = sf.sequence_categorical_column_with_identity("ids", vocab)
    col = sf.embedding_column(sf.weighted_categorical_column(cat, "w") if weighted else cat, dim,
                              combiner=combiner, max_norm=max_norm, initializer=table)
    layer = sf.SequenceFeatures([col])
    lengths = [int(x) for x in rng.integers(1, 12, B)]
    steps = random_steps(rng, lengths, vocab, weighted=weighted)
    features = {"ids": to_ragged(steps)}
    if weighted:
        features["w"] = to_ragged(steps, weights=True)
    dense, _ = layer(features)
    T = dense.shape[1]
    G = rng.standard_normal(dense.shape).astype(np.float32)
    W = torch.tensor(table, requires_grad=True)
    out = torch_forward(steps, W, combiner, weighted, max_norm, T)
    np.testing.assert_allclose(dense, out.detach().numpy(), rtol=1e-5, atol=1e-5)
    (out * torch.from_numpy(G)).sum().backward()
    (ids, rows), = layer.backward(features, G).values()
    np.testing.assert_allclose(densify(ids, rows, table.shape), W.grad.numpy(), rtol=1e-4,
                               atol=1e-5)


# ------------------------------------------------------------------------------------------
# Optimizers
# ------------------------------------------------------------------------------------------
def one_table(values):
    values = np.asarray(values, dtype=np.float32)
    cat = sf.sequence_categorical_column_with_identity("x", values.shape[0])
    col = sf.embedding_column(cat, values.shape[1], initializer=values)
    return col, sf.SequenceFeatures([col])


def test_keras_defaults():
    assert sf.optimizers.SGD().learning_rate == pytest.approx(0.01)
    ada = sf.optimizers.Adagrad()
    assert ada.learning_rate == pytest.approx(0.001)
    assert ada.initial_accumulator_value == pytest.approx(0.1)
    assert ada.epsilon == pytest.approx(1e-7)


def test_sgd_and_adagrad_hand_values_with_repeated_ids():
    col, layer = one_table([[1, 2], [3, 4], [5, 6]])
    sf.optimizers.SGD(0.5).apply(layer, {X: ([2, 0, 2], [[1, 1], [2, -4],
                                                                      [0.5, 0.5]])})
    np.testing.assert_array_equal(col.get_table(), [[0, 4], [3, 4], [4.25, 5.25]])

    col, layer = one_table([[1, -1], [0.5, 2]])
    ada = sf.optimizers.Adagrad(learning_rate=0.1)
    ada.apply(layer, {X: (np.array([1, 1]), np.array([[0.25, -1], [0.25, -0.5]]))})
    g = np.array([0.5, -1.5])  # duplicates summed first
    acc = 0.1 + g * g
    np.testing.assert_allclose(col.get_table()[1], np.array([0.5, 2]) - 0.1 * g /
                               (np.sqrt(acc) + 1e-7), rtol=1e-6)
    np.testing.assert_allclose(col.get_table()[0], [1, -1])
    np.testing.assert_allclose(ada.get_state(col), [[0.1, 0.1], acc], rtol=1e-6)


@pytest.mark.parametrize("kind", ["sgd", "adagrad"])
def test_optimizers_match_torch_optim_over_steps(kind):
    rng = np.random.default_rng(3)
    table = rng.uniform(-1, 1, (20, 4)).astype(np.float32)
    col, layer = one_table(table)
    W = torch.nn.Parameter(torch.tensor(table))
    if kind == "sgd":
        ours, theirs = sf.optimizers.SGD(0.3), torch.optim.SGD([W], lr=0.3)
    else:
        ours = sf.optimizers.Adagrad(0.3, initial_accumulator_value=0.1, epsilon=1e-7)
        theirs = torch.optim.Adagrad([W], lr=0.3, initial_accumulator_value=0.1, eps=1e-7)
    for step in range(5):
        ids = rng.integers(0, 20, 12)  # repeated ids
        rows = rng.standard_normal((12, 4)).astype(np.float32)
        ours.apply(layer, {X: (ids, rows)})
        W.grad = torch.sparse_coo_tensor(torch.tensor(ids)[None], torch.tensor(rows), (20, 4))
        theirs.step()
        np.testing.assert_allclose(col.get_table(), W.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=f"step {step}")
    if kind == "adagrad":
        np.testing.assert_allclose(ours.get_state(col), theirs.state[W]["sum"].numpy(), rtol=1e-5)


def test_backward_apply_equals_backward_then_apply():
    rng = np.random.default_rng(11)
    results = []
    for fused in (False, True):
        col, layer = one_table(np.arange(40, dtype=np.float32).reshape(10, 4) / 40)
        ada = sf.optimizers.Adagrad(0.2)
        x = {"x": to_ragged(random_steps(np.random.default_rng(2), [3, 5, 1], 10))}
        dense, _ = layer(x)
        G = np.random.default_rng(4).standard_normal(dense.shape).astype(np.float32)
        for _ in range(3):
            if fused:
                layer.backward_apply(x, G, ada)
            else:
                ada.apply(layer, layer.backward(x, G))
        results.append((col.get_table(), ada.get_state(col)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    del rng


# ------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------
def test_bad_gradients_are_errors_and_tables_stay_untouched():
    col, layer = one_table(np.ones((6, 2), np.float32))
    x = {"x": sf.SparseTensor([[0, 0], [0, 1], [1, 0]], [1, 2, 3], [2, 3])}
    dense, _ = layer(x)
    before = col.get_table()
    sgd = sf.optimizers.SGD(1.0)
    flat = np.ones((2, 3 * 2), np.float32)  # [B, T * D]: the right size, the wrong shape
    for bad in (flat, np.ones((2, 4, 2), np.float32), np.ones((3, 2, 2), np.float32)):
        with pytest.raises(sf.InvalidArgumentError, match=r"gradient has shape"):
            layer.backward(x, bad)
        with pytest.raises(sf.InvalidArgumentError, match=r"\[2, 3, 2\]"):
            layer.backward_apply(x, bad, sgd)
    with pytest.raises(TypeError, match="float32"):
        layer.backward(x, np.ones(dense.shape, np.float64))
    other = {"x": sf.SparseTensor([[0, 0]], [1], [2, 5])}  # not the forward's batch
    with pytest.raises(sf.InvalidArgumentError, match="gradient has shape"):
        layer.backward_apply(other, np.ones(dense.shape, np.float32), sgd)
    with pytest.raises(ValueError, match="not in features dictionary"):
        layer.backward({}, np.ones(dense.shape, np.float32))
    np.testing.assert_array_equal(col.get_table(), before)

    with pytest.raises(ValueError, match=r"id -1 at position 1"):
        sgd.apply(layer, {X: ([0, -1], np.ones((2, 2)))})
    with pytest.raises(ValueError, match=r"id 6 at position 0, not in \[0, 6\)"):
        sgd.apply(layer, {X: ([6], np.ones((1, 2)))})
    with pytest.raises(ValueError, match=r"shape \[1, 2\]"):
        sgd.apply(layer, {X: ([1], np.ones((1, 3)))})
    with pytest.raises(ValueError, match="not a trainable table"):
        sgd.apply(layer, {"nope": ([1], np.ones((1, 2)))})
    np.testing.assert_array_equal(col.get_table(), before)


@pytest.mark.parametrize("make", [
    lambda: sf.optimizers.SGD(-0.1),
    lambda: sf.optimizers.SGD(float("nan")),
    lambda: sf.optimizers.Adagrad(initial_accumulator_value=-1),
    lambda: sf.optimizers.Adagrad(epsilon=-1e-3),
    lambda: sf.optimizers.Adagrad(initial_accumulator_value=0, epsilon=0),
])
def test_hyper_parameters_out_of_range(make):
    with pytest.raises(ValueError):
        make()


# ------------------------------------------------------------------------------------------
# seqfeat.torch
# ------------------------------------------------------------------------------------------
def test_import_seqfeat_does_not_import_torch():
    code = "import sys, seqfeat; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def torch_model(sparse=False, seed=0):
    columns, emb_a, shared_b, table_a, table_s = build("mean", False, None, seed)
    return seqfeat.torch.SequenceFeatures(columns, sparse=sparse), emb_a, shared_b, columns


def test_parameters_are_the_trainable_tables_sharing_memory():
    module, emb_a, shared_b, columns = torch_model()
    names = dict(module.named_parameters())
    assert set(names) == {"tables.a_embedding/embedding_weights",
                          "tables.b_c_shared_embedding"}
    assert all(p.requires_grad for p in module.parameters())
    param = module.tables["a_embedding/embedding_weights"]
    with torch.no_grad():
        param[2, 1] = 42.0
    assert emb_a.get_table()[2, 1] == 42.0  # a write to the parameter is the table
    emb_a.set_table(np.zeros((V_A, D_A), np.float32))
    assert float(param.abs().sum()) == 0.0  # and set_table is seen by the parameter
    frozen = [c for c in columns if c.name == "c_embedding"][0]
    assert frozen.trainable is False


@pytest.mark.parametrize("optim", ["sgd", "adagrad", "sparseadam"])
def test_sparse_gradients_work_with_torch_optimizers(optim):
    module, emb_a, shared_b, columns = torch_model(sparse=True)
    rng = np.random.default_rng(1)
    features, *_ = batch(rng, "mean", False)
    # b and c only hold -1 (dropped) ids: no id reaches the shared table.
    a = features["a"]
    features["b"] = features["c"] = sf.SparseTensor(a.indices, np.full(len(a.values), -1),
                                                    a.dense_shape)
    dense, lengths = module(features)
    assert dense.requires_grad and not lengths.requires_grad
    (dense * 2).sum().backward()
    grad = module.tables["a_embedding/embedding_weights"].grad
    assert grad.is_sparse
    assert module.tables["b_c_shared_embedding"].grad is None  # no id reached it
    table_before = shared_b.get_table()
    a_before = emb_a.get_table()
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr=0.1),
           "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
           "sparseadam": lambda p: torch.optim.SparseAdam(list(p), lr=0.1)}[optim]
    o = opt(module.parameters())
    o.step()
    assert not np.array_equal(emb_a.get_table(), a_before)
    np.testing.assert_array_equal(shared_b.get_table(), table_before)


def test_sparse_and_dense_give_the_same_update_and_frozen_tables_stay():
    rng = np.random.default_rng(9)
    features, *_ = batch(rng, "mean", False)
    tables = []
    for sparse in (False, True):
        module, emb_a, shared_b, columns = torch_model(sparse=sparse, seed=4)
        frozen = [c for c in columns if c.name == "c_embedding"][0]
        frozen_before = frozen.get_table()
        o = torch.optim.SGD(module.parameters(), lr=0.5)
        for _ in range(2):
            o.zero_grad()
            dense, _ = module(features)
            (dense ** 2).sum().backward()
            o.step()
        tables.append((emb_a.get_table(), shared_b.get_table()))
        np.testing.assert_array_equal(frozen.get_table(), frozen_before)
    np.testing.assert_allclose(tables[0][0], tables[1][0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tables[0][1], tables[1][1], rtol=1e-6, atol=1e-7)


def test_training_reduces_a_loss_and_pack_sees_the_steps():
    rng = np.random.default_rng(0)
    vocab = 30
    ids = sf.sequence_categorical_column_with_identity("ids", vocab)
    col = sf.embedding_column(ids, 4, combiner="mean", seed=1)
    module = seqfeat.torch.SequenceFeatures([col], sparse=True, max_length=6)
    head = torch.nn.Linear(4, 1)
    target_of_id = torch.tensor(rng.standard_normal(vocab), dtype=torch.float32)
    o1 = torch.optim.Adagrad(module.parameters(), lr=0.5)
    o2 = torch.optim.SGD(head.parameters(), lr=0.1)
    losses = []
    for step in range(40):
        x = rng.integers(0, vocab, (16, 6))
        dense, lengths = module({"ids": x})
        assert dense.shape == (16, 6, 4)
        loss = ((head(dense).squeeze(-1) - target_of_id[torch.from_numpy(x)]) ** 2).mean()
        o1.zero_grad()
        o2.zero_grad()
        loss.backward()
        o1.step()
        o2.step()
        losses.append(float(loss))
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    x = np.array([[3, 3, 3, 3, 3, 3]])
    dense, _ = module({"ids": x})
    np.testing.assert_array_equal(dense.detach().numpy()[0, 0], col.get_table()[3])
