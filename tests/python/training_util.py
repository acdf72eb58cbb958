"""Random batches for the training tests, described per example and step, with a float64
forward of the embedding columns written here (not the library's) to differentiate."""

import numpy as np

import seqfeat as sf


def random_steps(rng, lengths, vocab, width=3, weighted=False, prune_ids=True,
                 past_table=False):
    """[example][step] -> list of (id, weight). The last step of each example has a valid id.
    prune_ids: some ids are -1 (dropped). past_table: some ids >= vocab with weight <= 0 (only
    valid for weighted mean/sqrtn, which prune them before the gather)."""
    out = []
    for length in lengths:
        steps = []
        for t in range(length):
            n = int(rng.integers(0, width + 1))
            if t == length - 1:
                n = max(n, 1)
            entries = []
            for k in range(n):
                e_id = int(rng.integers(0, vocab))
                w = float(rng.uniform(-0.5, 1.5)) if weighted else 1.0
                last = t == length - 1 and k == 0
                p = int(rng.integers(0, 10))
                if not last and prune_ids and p == 0:
                    e_id = -1
                if not last and past_table and p == 1:
                    e_id, w = vocab + 3, -0.25
                if weighted and p == 2:
                    w = 0.0
                entries.append((e_id, np.float32(w)))
            steps.append(entries)
        out.append(steps)
    return out


def to_sparse(steps, width=3, weights=False):
    """A 3-D SparseTensor [B, max length, width] of the ids (or weights)."""
    indices, values = [], []
    for b, example in enumerate(steps):
        for t, entries in enumerate(example):
            for k, (e_id, w) in enumerate(entries):
                indices.append([b, t, k])
                values.append(w if weights else e_id)
    T = max(len(e) for e in steps)
    dtype = np.float32 if weights else np.int64
    return sf.SparseTensor(np.array(indices, dtype=np.int64).reshape(-1, 3),
                           np.array(values, dtype=dtype), [len(steps), T, width])


def to_ragged(steps, weights=False):
    """A RaggedTensor [B, (steps), (values)] of the ids (or weights)."""
    flat = [w if weights else i for example in steps for entries in example for i, w in entries]
    step_splits = np.cumsum([0] + [len(entries) for example in steps for entries in example])
    row_splits = np.cumsum([0] + [len(example) for example in steps])
    values = np.array(flat, dtype=np.float32 if weights else np.int64)
    inner = sf.RaggedTensor.from_row_splits(values, step_splits)
    return sf.RaggedTensor.from_row_splits(inner, row_splits)


def output_step(length, s, T, max_length=None, padding="post", truncating="post"):
    M = max_length or T
    kept = min(length, M)
    first = length - M if (length > M and truncating == "pre") else 0
    base = M - kept if padding == "pre" else 0
    rel = s - first
    return None if rel < 0 or rel >= kept else base + rel


def embedding_forward(steps, table, combiner, weighted, max_norm, T, window=None):
    """float64 [B, M, D] of one embedding column (TF's safe_embedding_lookup_sparse)."""
    window = window or {}
    M = window.get("max_length") or T
    table = np.asarray(table, dtype=np.float64)
    D = table.shape[1]
    out = np.zeros((len(steps), M, D))
    for b, example in enumerate(steps):
        for s, entries in enumerate(example):
            t = output_step(len(example), s, T, **window)
            if t is None:
                continue
            acc = np.zeros(D)
            wsum = w2sum = 0.0
            n = 0
            for e_id, w in entries:
                w = float(w) if weighted else 1.0
                if e_id < 0 or (weighted and combiner != "sum" and not w > 0):
                    continue
                row = table[e_id]
                if max_norm is not None:
                    row = row * max_norm / max(np.sqrt(row @ row), max_norm)
                acc += w * row
                wsum += w
                w2sum += w * w
                n += 1
            if n == 0:
                continue
            denom = {"sum": 1.0, "mean": wsum, "sqrtn": np.sqrt(w2sum)}[combiner]
            if denom != 0:
                out[b, t] = acc / denom
    return out


def reached_ids(steps, combiner, weighted, T, window=None):
    """Ids with at least one kept entry in a kept step."""
    window = window or {}
    ids = set()
    for example in steps:
        for s, entries in enumerate(example):
            if output_step(len(example), s, T, **window) is None:
                continue
            for e_id, w in entries:
                if e_id < 0 or (weighted and combiner != "sum" and not float(w) > 0):
                    continue
                ids.add(e_id)
    return ids


def finite_difference(loss, table, h=1e-6):
    """d loss / d table by central differences (float64)."""
    table = np.array(table, dtype=np.float64)
    grad = np.zeros_like(table)
    for idx in np.ndindex(*table.shape):
        x0 = table[idx]
        table[idx] = x0 + h
        up = loss(table)
        table[idx] = x0 - h
        down = loss(table)
        table[idx] = x0
        grad[idx] = (up - down) / (2 * h)
    return grad


def densify(ids, rows, shape):
    out = np.zeros(shape, dtype=np.float64)
    out[ids] = rows
    return out


# A layer with every kind of table and its batches, shared by the training tests.
V_A, V_S, D_A, D_S = 7, 5, 3, 4


def build(combiner="mean", weighted=False, max_norm=None, seed=0):
    """a_embedding (weighted or not), a_indicator, b/c shared table, c_embedding frozen, n."""
    rng = np.random.default_rng(seed)
    a = sf.sequence_categorical_column_with_identity("a", V_A)
    a_in = sf.weighted_categorical_column(a, "aw") if weighted else a
    table_a = rng.uniform(-1, 1, (V_A, D_A)).astype(np.float32)
    table_s = rng.uniform(-1, 1, (V_S, D_S)).astype(np.float32)
    emb_a = sf.embedding_column(a_in, D_A, combiner=combiner, max_norm=max_norm,
                                initializer=table_a)
    b = sf.sequence_categorical_column_with_identity("b", V_S)
    c = sf.sequence_categorical_column_with_identity("c", V_S)
    shared_b, shared_c = sf.shared_embeddings([b, c], D_S, combiner=combiner, max_norm=max_norm,
                                              initializer=table_s)
    frozen = sf.embedding_column(sf.sequence_categorical_column_with_identity("c", V_S), 2,
                                 trainable=False)
    columns = [sf.sequence_numeric_column("n"), shared_c, emb_a, frozen,
               sf.indicator_column(a), shared_b]
    return columns, emb_a, shared_b, table_a, table_s


def batch(rng, combiner, weighted, form="sparse", B=4):
    lengths = [int(x) for x in rng.integers(1, 6, B)]
    lengths[2] = 0 if form != "ragged" else lengths[2]
    steps_a = random_steps(rng, lengths, V_A, weighted=weighted,
                           past_table=weighted and combiner != "sum")
    steps_b = random_steps(rng, lengths, V_S)
    steps_c = random_steps(rng, lengths, V_S)
    T = max(lengths)
    conv = to_sparse if form == "sparse" else to_ragged
    features = {"a": conv(steps_a), "b": conv(steps_b), "c": conv(steps_c)}
    if weighted:
        features["aw"] = conv(steps_a, weights=True)
    n_idx = [[b, t] for b in range(B) for t in range(lengths[b])]
    features["n"] = sf.SparseTensor(np.array(n_idx, dtype=np.int64).reshape(-1, 2),
                                    np.ones(len(n_idx), np.float32), [B, T])
    return features, steps_a, steps_b, steps_c, T
