"""Random inputs checked against naive, obviously-correct implementations of the rules in
compatibility.md (§2 sequence length, §3 numeric densify/reshape, §6.3 safe embedding lookup, §8
indicator), through COO and ragged inputs, a batch large enough to be split across the library's
threads, and several Python threads sharing one layer."""

import concurrent.futures
import math

import numpy as np
import pytest

import seqfeat as sf
from conftest import assert_close, assert_equal


# ------------------------------------------------------------------ naive references

def ref_lengths(indices, batch_size, num_elements=1):
    """§2: per example the largest index[1] + 1, divided by num_elements, rounded up."""
    out = np.zeros(batch_size, dtype=np.int64)
    for idx in indices:
        out[idx[0]] = max(out[idx[0]], idx[1] + 1)
    return np.array([math.ceil(v / num_elements) for v in out], dtype=np.int64)


def ref_embedding(bags, batch_size, steps, table, combiner, max_norm, weighted):
    """§6.3, one (b, t) bag at a time. bags: {(b, t): [(id, weight), ...]} in input order."""
    out = np.zeros((batch_size, steps, table.shape[1]))
    for (b, t), bag in bags.items():
        kept = [(i, w) for i, w in bag if i >= 0]
        if weighted and combiner != "sum":
            kept = [(i, w) for i, w in kept if w > 0]
        if not kept:
            continue
        rows = []
        for i, w in kept:
            e = table[i].astype(np.float64)
            if max_norm is not None:
                e = e * max_norm / max(np.linalg.norm(e), max_norm)
            rows.append((e, w if weighted else 1.0))
        total = sum(w * e for e, w in rows)
        if combiner == "sum":
            out[b, t] = total
        elif combiner == "mean":
            out[b, t] = total / sum(w for _, w in rows)
        else:
            out[b, t] = total / math.sqrt(sum(w * w for _, w in rows))
    return out


def ref_indicator(bags, batch_size, steps, num_buckets):
    out = np.zeros((batch_size, steps, num_buckets))
    for (b, t), bag in bags.items():
        for i, _ in bag:
            if 0 <= i < num_buckets:
                out[b, t, i] += 1.0
    return out


# ------------------------------------------------------------------ random inputs

def random_bags(rng, batch_size, steps, max_k, num_buckets, empty_rate=0.3):
    """Random multivalent sequences: {(b, t): [(id, weight)]}, ids in [-2, num_buckets),
    weights in [-0.5, 2) with some exact zeros."""
    bags = {}
    for b in range(batch_size):
        length = rng.integers(0, steps + 1)
        for t in range(length):
            if rng.random() < empty_rate and t != length - 1:
                continue
            k = int(rng.integers(1, max_k + 1))
            ids = rng.integers(-2, num_buckets, size=k)
            ws = np.round(rng.uniform(-0.5, 2.0, size=k), 2)
            ws[rng.random(k) < 0.15] = 0.0
            bags[(b, t)] = [(int(i), float(w)) for i, w in zip(ids, ws)]
    return bags


def bags_to_coo(bags, batch_size, steps, max_k):
    indices, ids, ws = [], [], []
    for (b, t) in sorted(bags):
        for k, (i, w) in enumerate(bags[(b, t)]):
            indices.append([b, t, k])
            ids.append(i)
            ws.append(w)
    shape = [batch_size, steps, max_k]
    idx = np.array(indices, dtype=np.int64).reshape(-1, 3)
    return (sf.SparseTensor(idx, np.array(ids, np.int64), shape),
            sf.SparseTensor(idx, np.array(ws, np.float32), shape))


def bags_to_ragged(bags, batch_size):
    """Ragged form: every step up to each example's length, empty steps included."""
    row_lengths = [0] * batch_size
    for (b, t) in bags:
        row_lengths[b] = max(row_lengths[b], t + 1)
    step_sizes, ids, ws = [], [], []
    for b in range(batch_size):
        for t in range(row_lengths[b]):
            bag = bags.get((b, t), [])
            step_sizes.append(len(bag))
            ids.extend(i for i, _ in bag)
            ws.extend(w for _, w in bag)
    row_splits = np.concatenate([[0], np.cumsum(row_lengths)]).astype(np.int64)
    step_splits = np.concatenate([[0], np.cumsum(step_sizes)]).astype(np.int64)

    def rt(values):
        inner = sf.RaggedTensor.from_row_splits(values, step_splits)
        return sf.RaggedTensor.from_row_splits(inner, row_splits)

    return rt(np.array(ids, np.int64)), rt(np.array(ws, np.float32))


# ------------------------------------------------------------------ embeddings

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
@pytest.mark.parametrize("weighted", [False, True])
def test_embedding_matches_reference(seed, combiner, weighted):
    rng = np.random.default_rng(seed)
    batch_size, steps, max_k, num_buckets, dim = 40, 6, 4, 9, 5
    max_norm = [None, 0.7][seed % 2]
    table = rng.normal(size=(num_buckets, dim)).astype(np.float32)
    bags = random_bags(rng, batch_size, steps, max_k, num_buckets)
    ids_sp, w_sp = bags_to_coo(bags, batch_size, steps, max_k)

    cat = sf.sequence_categorical_column_with_identity("ids", num_buckets)
    if weighted:
        cat = sf.weighted_categorical_column(cat, "w")
    col = sf.embedding_column(cat, dim, combiner=combiner, max_norm=max_norm, initializer=table)
    expected = ref_embedding(bags, batch_size, steps, table, combiner, max_norm, weighted)
    lengths = ref_lengths(ids_sp.indices, batch_size)

    features = {"ids": ids_sp, "w": w_sp}
    dense, length = col.get_sequence_dense_tensor(features)
    assert_close(dense, expected, atol=1e-5)
    assert_equal(length, lengths)

    # Ragged input of the same bags: T is the longest sequence, padded here to `steps`.
    ids_rt, w_rt = bags_to_ragged(bags, batch_size)
    out, length_rt = sf.SequenceFeatures([col])({"ids": ids_rt, "w": w_rt}, max_length=steps)
    assert_close(out, expected, atol=1e-5)
    assert_equal(length_rt, lengths)


def test_indicator_matches_reference():
    rng = np.random.default_rng(11)
    batch_size, steps, max_k, num_buckets = 50, 5, 4, 6
    bags = random_bags(rng, batch_size, steps, max_k, num_buckets + 2)  # some ids too large
    ids_sp, _ = bags_to_coo(bags, batch_size, steps, max_k)
    col = sf.indicator_column(sf.sequence_categorical_column_with_identity("ids", num_buckets))
    out, length = sf.SequenceFeatures([col])({"ids": ids_sp})
    assert_close(out, ref_indicator(bags, batch_size, steps, num_buckets))
    assert_equal(length, ref_lengths(ids_sp.indices, batch_size))


# ------------------------------------------------------------------ numeric

@pytest.mark.parametrize("seed", range(6))
def test_numeric_matches_reference(seed):
    rng = np.random.default_rng(100 + seed)
    batch_size = 7
    shape = [(1,), (2,), (3,), (2, 2)][seed % 4]
    per_step = int(np.prod(shape))
    three_d = seed >= 3
    if three_d:
        d1, d2 = 3, per_step * 2
        dense_shape = [batch_size, d1, d2]
    else:
        d1 = per_step * 4
        dense_shape = [batch_size, d1]
    full = rng.normal(size=dense_shape).astype(np.float32)
    present = rng.random(dense_shape) < 0.5
    indices = np.argwhere(present).astype(np.int64)
    values = full[present]
    default = -7.0
    sp = sf.SparseTensor(indices, values, dense_shape)

    densified = np.where(present, full, default).reshape(batch_size, -1)
    expected = densified.reshape((batch_size, -1) + shape)
    lengths = ref_lengths(indices, batch_size, 1 if three_d else per_step)

    col = sf.sequence_numeric_column("x", shape=shape, default_value=default)
    dense, length = col.get_sequence_dense_tensor({"x": sp})
    assert_close(dense, expected)
    assert_equal(length, lengths)


# ------------------------------------------------------------------ big batches, many threads

def seeded_problem(seed, batch_size=600):
    rng = np.random.default_rng(seed)
    steps, max_k, num_buckets, dim = 12, 3, 50, 8
    table = rng.normal(size=(num_buckets, dim)).astype(np.float32)
    bags = random_bags(rng, batch_size, steps, max_k, num_buckets, empty_rate=0.1)
    ids_sp, w_sp = bags_to_coo(bags, batch_size, steps, max_k)
    return table, bags, ids_sp, w_sp, (batch_size, steps, max_k, num_buckets, dim)


def test_large_batch_matches_reference():
    table, bags, ids_sp, _, (batch_size, steps, _, num_buckets, dim) = seeded_problem(7, 2000)
    col = sf.embedding_column(sf.sequence_categorical_column_with_identity("ids", num_buckets),
                              dim, combiner="sqrtn", initializer=table)
    out, length = sf.SequenceFeatures([col])({"ids": ids_sp})
    assert_close(out, ref_embedding(bags, batch_size, steps, table, "sqrtn", None, False),
                 atol=1e-5)
    assert_equal(length, ref_lengths(ids_sp.indices, batch_size))


def test_one_layer_shared_by_python_threads():
    table, _, _, _, (_, _, _, num_buckets, dim) = seeded_problem(0)
    cat = sf.weighted_categorical_column(
        sf.sequence_categorical_column_with_identity("ids", num_buckets), "w")
    col = sf.embedding_column(cat, dim, combiner="mean", initializer=table)
    layer = sf.SequenceFeatures([col])
    problems = [seeded_problem(s) for s in range(8)]
    for p in problems:
        p[0][:] = table  # one table for all problems

    def run(p):
        _, bags, ids_sp, w_sp, (batch_size, steps, *_rest) = p
        out, length = layer({"ids": ids_sp, "w": w_sp})
        return out, length, ref_embedding(bags, batch_size, steps, table, "mean", None, True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, problems * 2))
    for out, length, expected in results:
        assert_close(out, expected, atol=1e-5)
