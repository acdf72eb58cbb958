#!/usr/bin/env python3
"""One training step (workload T1) through the public Python calls, libseqfeat vs PyTorch, side by
side in one process (see docs/training.md and docs/performance.md).

T1: W2's batch (B = 512, lengths uniform in 1..100, 1..5 ids per step uniform over a
1 000 000 x 64 float32 table, mean combiner), padded to T = 100, d loss / d output a fixed
random G; each repetition draws fresh ids (the table is far larger than the caches).

  libseqfeat  forward   layer(features, max_length=100)                 -> numpy [B, T, 64]
              backward  layer.backward(features, G, max_length=100)     -> {table: (ids, rows)}
              update    seqfeat.optimizers.Adagrad.apply(layer, grads)
              fused     layer(features) + layer.backward_apply(features, G, adagrad): the step
                        as a training loop would run it, the gradient never stored
  PyTorch     forward   nn.EmbeddingBag(mode='mean', sparse=True)(ids, offsets), padded into
                        [B, T, 64] by out[arange(T) < lengths[:, None]] = bags
              backward  (out * G).sum().backward()
              update    torch.optim.Adagrad (sparse; initial_accumulator_value=0.1, eps=1e-7),
                        zero_grad()

Both apply the same update with the same hyper-parameters. Each figure is the median of REPS
steps after warm-up; the two pipelines alternate (order swapped every repetition) on the same
batch. Ratios are PyTorch's time over ours at the same thread count.

Environment: SEQFEAT_LIBRARY, SEQFEAT_BENCH_REPS (default 30).
"""

import os
import statistics
import time

import numpy as np
import torch

import seqfeat as sf

REPS = int(os.environ.get("SEQFEAT_BENCH_REPS", "30"))
WARMUP = 3
B, TMAX, D, ROWS = 512, 100, 64, 1_000_000
LR = 0.01


def draw(rng):
    lengths = rng.integers(1, TMAX + 1, B)
    per_step = rng.integers(1, 6, int(lengths.sum()))
    step_splits = np.zeros(per_step.size + 1, np.int64)
    np.cumsum(per_step, out=step_splits[1:])
    row_splits = np.zeros(B + 1, np.int64)
    np.cumsum(lengths, out=row_splits[1:])
    ids = rng.integers(0, ROWS, int(step_splits[-1]))
    features = {"ids": sf.RaggedTensor.from_row_splits(
        sf.RaggedTensor.from_row_splits(ids, step_splits), row_splits)}
    torch_in = (torch.from_numpy(ids), torch.from_numpy(step_splits[:-1]),
                torch.arange(TMAX)[None, :] < torch.from_numpy(lengths)[:, None])
    return features, torch_in


def main():
    rng = np.random.default_rng(0)
    table = (rng.standard_normal((ROWS, D), dtype=np.float32) * 0.1)
    ids_column = sf.sequence_categorical_column_with_identity("ids", ROWS)
    column = sf.embedding_column(ids_column, D, combiner="mean", initializer=table)
    layer = sf.SequenceFeatures([column])
    bag = torch.nn.EmbeddingBag(ROWS, D, mode="mean", sparse=True)
    with torch.no_grad():
        bag.weight.copy_(torch.from_numpy(table))
    del table
    G = rng.standard_normal((B, TMAX, D), dtype=np.float32)
    G_torch = torch.from_numpy(G)
    print(f"T1: B={B}, T={TMAX}, 1-5 ids per step, table {ROWS} x {D} float32, mean, Adagrad; "
          f"median of {REPS} steps (ms)")
    print(f"{'threads':>7} {'':>10} {'forward':>8} {'backward':>9} {'update':>7} {'step':>7}"
          f" {'fused':>7}")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        ours_opt = sf.optimizers.Adagrad(LR, initial_accumulator_value=0.1, epsilon=1e-7)
        torch_opt = torch.optim.Adagrad(bag.parameters(), lr=LR, initial_accumulator_value=0.1,
                                        eps=1e-7)
        call = {"max_length": TMAX, "num_threads": threads}
        times = {k: [] for k in ("of", "ob", "ou", "fused", "tf", "tb", "tu")}

        def ours(features):
            t0 = time.perf_counter()
            dense, _ = layer(features, **call)
            t1 = time.perf_counter()
            grads = layer.backward(features, G, **call)
            t2 = time.perf_counter()
            ours_opt.apply(layer, grads)
            t3 = time.perf_counter()
            layer(features, **call)
            layer.backward_apply(features, G, ours_opt, **call)
            t4 = time.perf_counter()
            return t1 - t0, t2 - t1, t3 - t2, t4 - t3

        def theirs(torch_in):
            ids, offsets, mask = torch_in
            t0 = time.perf_counter()
            bags = bag(ids, offsets)
            out = torch.zeros(B, TMAX, D)
            out[mask] = bags
            t1 = time.perf_counter()
            (out * G_torch).sum().backward()
            t2 = time.perf_counter()
            torch_opt.step()
            torch_opt.zero_grad()
            t3 = time.perf_counter()
            return t1 - t0, t2 - t1, t3 - t2

        for rep in range(WARMUP + REPS):
            features, torch_in = draw(rng)
            order = (0, 1) if rep % 2 == 0 else (1, 0)
            for who in order:
                if who == 0:
                    r = ours(features)
                    if rep >= WARMUP:
                        for k, v in zip(("of", "ob", "ou", "fused"), r):
                            times[k].append(v)
                else:
                    r = theirs(torch_in)
                    if rep >= WARMUP:
                        for k, v in zip(("tf", "tb", "tu"), r):
                            times[k].append(v)
        med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        ours_step = med["of"] + med["ob"] + med["ou"]
        torch_step = med["tf"] + med["tb"] + med["tu"]
        print(f"{threads:>7} {'libseqfeat':>10} {med['of']:8.2f} {med['ob']:9.2f} "
              f"{med['ou']:7.2f} {ours_step:7.2f} {med['fused']:7.2f}")
        print(f"{threads:>7} {'PyTorch':>10} {med['tf']:8.2f} {med['tb']:9.2f} {med['tu']:7.2f} "
              f"{torch_step:7.2f}")
        print(f"{threads:>7} {'ratio':>10} {med['tf'] / med['of']:7.1f}x {med['tb'] / med['ob']:8.1f}x"
              f" {med['tu'] / med['ou']:6.1f}x {torch_step / ours_step:6.1f}x"
              f" {torch_step / med['fused']:6.1f}x   (PyTorch / libseqfeat; fused vs PyTorch's step)")


if __name__ == "__main__":
    main()
