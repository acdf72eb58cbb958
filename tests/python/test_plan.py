"""The plan / pack split: layer.plan(features) lists the sorted unique ids each table needs;
plan.pack(rows of those ids) is bit-identical to layer(features), and plan.backward(grad, rows)
to layer.backward(features, grad) row for row, for every combiner, weights, max_norm, shared
tables and call options; bad rows and gradients are clear errors."""

import itertools

import numpy as np
import pytest

import seqfeat as sf


def random_batch(rng, batch, vocab, weighted):
    lengths = rng.integers(0, 6, batch)
    ids = [[rng.integers(-1, vocab, rng.integers(0, 4)).tolist() for _ in range(n)]
           for n in lengths]
    out = {"a": ids, "s1": [[rng.integers(0, vocab, 2).tolist() for _ in range(n)]
                            for n in lengths],
           "s2": [[rng.integers(0, vocab, 1).tolist() for _ in range(n)] for n in lengths],
           "x": [rng.standard_normal(n).astype(np.float32).tolist() for n in lengths]}
    if weighted:
        out["aw"] = [[rng.choice([-1.0, 0.0, 0.5, 2.0], len(step)).tolist() for step in example]
                     for example in ids]
    return out


def build(rng, combiner, weighted, max_norm, vocab, dimension):
    a = sf.sequence_categorical_column_with_identity("a", vocab)
    if weighted:
        a = sf.weighted_categorical_column(a, "aw")
    ea = sf.embedding_column(a, dimension, combiner=combiner, max_norm=max_norm)
    s1, s2 = sf.shared_embeddings(
        [sf.sequence_categorical_column_with_identity("s1", vocab),
         sf.sequence_categorical_column_with_identity("s2", vocab)],
        dimension=4, combiner=combiner, max_norm=max_norm)
    for column in (ea, s1):
        # Row norms about 0.5-2: max_norm 1.5 clips some rows and leaves others.
        rows, dim = column.table_shape
        scale = rng.uniform(0.25, 1.0, (rows, 1)) * 2 / np.sqrt(dim)
        column.set_table((rng.standard_normal((rows, dim)) * scale).astype(np.float32))
    layer = sf.SequenceFeatures([ea, s1, s2, sf.sequence_numeric_column("x")])
    return layer, {c.table_name: c for c in (ea, s1)}


@pytest.mark.parametrize("combiner,weighted,max_norm,dimension",
                         list(itertools.product(["sum", "mean", "sqrtn"], [False, True],
                                                [None, 1.5], [8, 64])))
def test_pack_from_planned_rows_is_bit_identical(combiner, weighted, max_norm, dimension):
    rng = np.random.default_rng([len(combiner), weighted, max_norm is None, dimension])
    for vocab in (6, 300):
        layer, columns = build(rng, combiner, weighted, max_norm, vocab, dimension)
        tables = {name: c.get_table() for name, c in columns.items()}
        for trial, options in enumerate([{}, {"max_length": 3, "padding": "pre"},
                                         {"max_length": 2, "truncating": "pre"}]):
            features = random_batch(rng, 12, vocab, weighted)
            dense, lengths = layer(features, **options)
            plan = layer.plan(features, **options)
            assert list(plan.ids) == list(columns)  # shared table once, layer order
            assert plan.output_shape == dense.shape
            for name, ids in plan.ids.items():
                assert ids.dtype == np.int64
                assert np.all(np.diff(ids) > 0) and (ids.size == 0 or
                                                      (ids[0] >= 0 and ids[-1] < vocab))
            rows = {n: tables[n][ids] for n, ids in plan.ids.items()}
            got, got_lengths = plan.pack(rows)
            assert got.tobytes() == dense.tobytes(), (vocab, trial)
            np.testing.assert_array_equal(got_lengths, lengths)
            grad = rng.standard_normal(dense.shape).astype(np.float32)
            assert_backward_matches(plan, rows, layer.backward(features, grad, **options), grad)


def assert_backward_matches(plan, rows, local, grad):
    """plan.backward's row u of every table is bit-identical to the local backward's row of id
    ids[u], or zero where the local gradient has no row for that id."""
    got = plan.backward(grad, rows)
    assert list(got) == list(local)
    for name, (ids, local_rows) in local.items():
        planned = plan.ids[name]
        assert got[name].shape == (planned.size, plan.dimensions[name])
        assert np.all(np.isin(ids, planned))
        expected = np.zeros_like(got[name])
        expected[np.searchsorted(planned, ids)] = local_rows
        assert got[name].tobytes() == expected.tobytes(), name


def test_max_norm_rows_on_both_sides_of_the_clip():
    """The random tables of build() put planned rows on both sides of max_norm 1.5, so the
    backward tests above differentiate both branches of the clip."""
    rng = np.random.default_rng(1)
    layer, columns = build(rng, "mean", False, 1.5, 300, 8)
    norms = np.concatenate([np.linalg.norm(c.get_table(), axis=1) for c in columns.values()])
    assert (norms >= 1.5).mean() > 0.1 and (norms < 1.5).mean() > 0.1


def test_backward_leaves_out_frozen_tables_and_checks_the_gradient():
    rng = np.random.default_rng(4)
    a = sf.embedding_column(sf.sequence_categorical_column_with_identity("a", 20), 3,
                            combiner="sum")
    b = sf.embedding_column(sf.sequence_categorical_column_with_identity("b", 20), 2,
                            trainable=False)
    layer = sf.SequenceFeatures([a, b])
    features = {"a": [[[3, 5], [3]], [[5]]], "b": [[[1], [2]], [[1]]]}
    plan = layer.plan(features)
    rows = {n: rng.standard_normal((ids.size, plan.dimensions[n])).astype(np.float32)
            for n, ids in plan.ids.items()}
    grad = np.arange(20, dtype=np.float32).reshape(2, 2, 5)
    got = plan.backward(grad, rows)
    assert list(got) == [a.table_name]  # b is not trainable
    # id 3: example 0 steps 0 and 1, id 5: example 0 step 0 and example 1 step 0.
    np.testing.assert_array_equal(got[a.table_name], [[0 + 5, 1 + 6, 2 + 7], [0 + 10, 1 + 11, 2 + 12]])
    assert layer.backward(features, grad)[a.table_name][1].tobytes() == \
        got[a.table_name].tobytes()
    with pytest.raises(sf.InvalidArgumentError, match=r"gradient has shape \[2, 3, 5\].*\[2, 2, 5\]"):
        plan.backward(np.zeros((2, 3, 5), np.float32), rows)
    with pytest.raises(TypeError, match="float32"):
        plan.backward(grad.astype(np.float64), rows)
    with pytest.raises(ValueError, match="no entry for table"):
        plan.backward(grad, {a.table_name: rows[a.table_name]})
    frozen = sf.SequenceFeatures([a, b], trainable=False)
    assert frozen.plan(features).backward(grad, rows) == {}


def test_plan_takes_the_layers_call_defaults():
    rng = np.random.default_rng(6)
    layer, columns = build(rng, "sum", False, None, 30, 4)
    layer.call_defaults = {**layer.call_defaults, "max_length": 2, "padding": "pre"}
    features = random_batch(rng, 5, 30, False)
    dense, _ = layer(features)
    plan = layer.plan(features)
    assert plan.output_shape == dense.shape == (5, 2, dense.shape[2])
    tables = {n: c.get_table() for n, c in columns.items()}
    assert plan.pack({n: tables[n][i] for n, i in plan.ids.items()})[0].tobytes() == \
        dense.tobytes()


def test_backward_takes_the_layers_call_defaults():
    """Like a call, backward and backward_apply take the options left None from call_defaults
    (a loaded layer's saved max_length and padding)."""
    rng = np.random.default_rng(7)
    layer, columns = build(rng, "sum", False, None, 30, 4)
    layer.call_defaults = {**layer.call_defaults, "max_length": 2, "padding": "pre"}
    features = random_batch(rng, 5, 30, False)
    dense, _ = layer(features)
    assert dense.shape[1] == 2
    grad = rng.standard_normal(dense.shape).astype(np.float32)
    implicit = layer.backward(features, grad)
    explicit = layer.backward(features, grad, max_length=2, padding="pre")
    assert implicit.keys() == explicit.keys() == columns.keys()
    for name in explicit:
        np.testing.assert_array_equal(implicit[name][0], explicit[name][0])
        assert implicit[name][1].tobytes() == explicit[name][1].tobytes()
    # backward_apply with SGD moves exactly the rows backward returned.
    before = {name: c.get_table() for name, c in columns.items()}
    layer.backward_apply(features, grad, sf.optimizers.SGD(learning_rate=0.5))
    for name, (ids, rows) in explicit.items():
        expected = before[name].copy()
        expected[ids] -= np.float32(0.5) * rows
        np.testing.assert_allclose(columns[name].get_table(), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("combiner,weighted", [("sum", False), ("mean", True), ("sqrtn", True)])
def test_pack_from_planned_rows_through_the_multi_hot_kernel(combiner, weighted):
    """D = 128 and more ids per bag than the vocabulary has rows: the layer multiplies a
    multi-hot matrix by the table (BLAS) instead of gathering rows; the plan's pack does the
    same on the supplied rows."""
    rng = np.random.default_rng(11)
    a = sf.sequence_categorical_column_with_identity("a", 3)
    if weighted:
        a = sf.weighted_categorical_column(a, "aw")
    column = sf.embedding_column(a, 128, combiner=combiner)
    column.set_table(rng.standard_normal((3, 128)).astype(np.float32))
    layer = sf.SequenceFeatures([column])
    ids = [[rng.integers(0, 3, 6).tolist() for _ in range(4)] for _ in range(8)]
    features = {"a": ids}
    if weighted:
        features["aw"] = [[rng.uniform(0.1, 2, 6).astype(np.float32).tolist() for _ in range(4)]
                          for _ in range(8)]
    dense, _ = layer(features)
    plan = layer.plan(features)
    table = column.get_table()
    rows = {n: table[i] for n, i in plan.ids.items()}
    got, _ = plan.pack(rows)
    assert got.tobytes() == dense.tobytes()
    grad = rng.standard_normal(dense.shape).astype(np.float32)
    assert_backward_matches(plan, rows, layer.backward(features, grad), grad)


def test_planned_ids_are_exactly_the_rows_the_pack_reads():
    """Weighted mean: negative ids are dropped and weights <= 0 pruned, so their rows are not
    needed; rows outside the plan's ids do not matter, every planned row does."""
    rng = np.random.default_rng(5)
    layer, columns = build(rng, "mean", True, None, 50, 8)
    features = {"a": [[[7, -1, 9], [4]], [[9, 11]]], "aw": [[[1.0, 1.0, 0.0], [0.5]], [[-2.0, 3.0]]],
                "s1": [[[1, 2], [2]], [[40]]], "s2": [[[3], [3]], [[3]]],
                "x": [[0.5, 1.5], [2.5]]}
    plan = layer.plan(features)
    name_a, name_s = list(columns)
    np.testing.assert_array_equal(plan.ids[name_a], [4, 7, 11])
    np.testing.assert_array_equal(plan.ids[name_s], [1, 2, 3, 40])
    dense, _ = layer(features)
    tables = {n: c.get_table() for n, c in columns.items()}
    for n, c in columns.items():  # NaN everywhere but the planned rows
        full = np.full(c.table_shape, np.nan, dtype=np.float32)
        full[plan.ids[n]] = tables[n][plan.ids[n]]
        c.set_table(full)
    assert layer(features)[0].tobytes() == dense.tobytes()
    got, _ = plan.pack({n: tables[n][i] for n, i in plan.ids.items()})
    assert got.tobytes() == dense.tobytes()


def test_plan_outlives_its_features_and_ignores_later_table_changes():
    rng = np.random.default_rng(9)
    layer, columns = build(rng, "sqrtn", False, 1.0, 40, 8)
    features = random_batch(rng, 6, 40, False)
    dense, _ = layer(features)
    tables = {n: c.get_table() for n, c in columns.items()}
    plan = layer.plan(features)
    del features
    for c in columns.values():
        c.set_table(np.zeros(c.table_shape, np.float32))
    got, _ = plan.pack({n: tables[n][i] for n, i in plan.ids.items()})
    assert got.tobytes() == dense.tobytes()


def test_bad_rows_are_clear_errors():
    rng = np.random.default_rng(3)
    layer, columns = build(rng, "mean", False, None, 30, 8)
    features = random_batch(rng, 8, 30, False)
    plan = layer.plan(features)
    tables = {n: c.get_table() for n, c in columns.items()}
    rows = {n: tables[n][i] for n, i in plan.ids.items()}
    name = next(iter(rows))
    U = plan.ids[name].size
    with pytest.raises(sf.InvalidArgumentError, match=rf"table {name} needs the rows of its {U} "
                                                      rf"planned ids, \[{U}, 8\]; got \[{U - 1}, 8\]"):
        plan.pack({**rows, name: rows[name][:-1]})
    with pytest.raises(sf.InvalidArgumentError, match=rf"\[{U}, 8\]; got \[{U}, 4\]"):
        plan.pack({**rows, name: np.ascontiguousarray(rows[name][:, :4])})
    with pytest.raises(ValueError, match="no entry for table"):
        plan.pack({name: rows[name]})
    with pytest.raises(ValueError, match="not a table of this plan"):
        plan.pack({**rows, "other": rows[name]})
    with pytest.raises(TypeError, match="float32"):
        plan.pack({**rows, name: rows[name].astype(np.float64)})
    with pytest.raises(ValueError, match="2-D"):
        plan.pack({**rows, name: rows[name].ravel()})
    # The batch is validated when planning, with the pack's messages.
    with pytest.raises(sf.InvalidArgumentError, match="not in \\[0, 30\\)"):
        layer.plan({**features, "a": [[[31]]] + features["a"][1:]})
