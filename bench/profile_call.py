#!/usr/bin/env python3
"""Where the public call's time goes on W1's (or W3's) column, next to the C-level call.

Runs as bench/compare_torch.py does (each timed call on a batch of its own, drawn just before
it, with PyTorch's pipelines in between, so that caches are as a user's loop leaves them) and
splits every public call `layer({"ids": RaggedTensor})` into phases by wrapping the call path's
internal steps:

  input     building the RaggedTensor (the user's side of the call)
  prologue  SequenceFeatures.__call__ up to the descriptors: options, checks, call state
  describe  writing the features' descriptors (Python, FastFill.describe)
  library   the one ctypes call of seqfeat_features_set_and_pack (the batch filled, planned
            and packed inside it) and wrapping the pooled blocks as numpy arrays
  return    back to the caller

and prints percentiles (10/25/50/75/90) in µs of each phase, of the whole public call and of the
C-level call (timed inside C by bench/c_level.c). `library - C` is the ctypes crossing plus any
difference of the library's work between the two paths.

Environment: as compare_torch.py (SEQFEAT_LIBRARY, SEQFEAT_BENCH_REPS, default 300 here).
Usage: SEQFEAT_LIBRARY=build-bench/libseqfeat.so PYTHONPATH=bindings/python \
       python3 bench/profile_call.py [B] [W3]
With W3, the column and batch are W3's (10 M rows x 16, T <= 20; B defaults to 1024) and the
caches are evicted before every timed call, as compare_torch.py does for DRAM-sized tables.
"""

import os
import sys
import time

import numpy as np
import torch

import compare_torch as ct
import seqfeat as sf
from seqfeat import _call

CLOCK = time.perf_counter_ns
QUANTILES = (10, 25, 50, 75, 90)


def main():
    w3 = "W3" in sys.argv[1:]
    sizes = [a for a in sys.argv[1:] if a != "W3"]
    batch = int(sizes[0]) if sizes else (1024 if w3 else 256)
    reps = int(os.environ.get("SEQFEAT_BENCH_REPS", "100" if w3 else "300"))
    torch.set_num_threads(1)
    if w3:
        w = ct.Workload("W3", batch, 20, (10_000_000, 16), evict=True)
    else:
        w = ct.Workload("W1", batch, 50, (100_000, 32))
    w.setup(lambda shape: ct.random_table(shape, 7))
    evict = ct.Evictor(w) if w3 else None

    marks = {}

    def wrap(cls, name, before, after):
        original = getattr(cls, name)

        def timed(self, *args):
            marks[before] = CLOCK()
            try:
                return original(self, *args)
            finally:
                marks[after] = CLOCK()

        setattr(cls, name, timed)

    wrap(_call.FastFill, "describe", "describe0", "describe1")
    wrap(_call.CallState, "call_pooled", "call0", "call1")

    def public():
        marks["start"] = CLOCK()
        features = {"ids": sf.RaggedTensor.from_row_splits(w.ids, w.row_splits,
                                                           validate=False)}
        marks["input"] = CLOCK()
        w.public_result = w.layer(features, num_threads=1)[0]
        marks["end"] = CLOCK()

    contenders = [("public", public), ("C", lambda: w.c_call(1))]
    contenders += [(f"torch {k}", v) for k, v in w.torch_candidates().items()]
    times = {name: [] for name, _ in contenders}
    phases = {k: [] for k in ("input", "prologue", "describe", "library", "return")}
    for rep in range(ct.WARMUP + reps):
        order = contenders if rep % 2 == 0 else contenders[::-1]
        for name, fn in order:
            w.draw()
            if evict:
                evict.before("torch" if name.startswith("torch") else "lib")
            t = ct.timed(fn)
            if rep < ct.WARMUP:
                continue
            times[name].append(t * 1e6)
            if name == "public":
                m = marks
                phases["input"].append(m["input"] - m["start"])
                phases["prologue"].append(m["describe0"] - m["input"])
                phases["describe"].append(m["describe1"] - m["describe0"])
                phases["library"].append(m["call1"] - m["describe1"])
                phases["return"].append(m["end"] - m["call1"])
    print(f"{w.name}'s column at B = {batch}, one thread, {reps} calls each; load average "
          f"{os.getloadavg()[0]:.2f}; percentiles {'/'.join(map(str, QUANTILES))} in us")

    def line(name, values):
        print(f"  {name:<14}" + "".join(f"{np.percentile(values, q):9.1f}" for q in QUANTILES))

    line("public call", times["public"])
    for name, values in phases.items():
        line(name, np.asarray(values) / 1e3)
    line("C-level call", times["C"])
    best = min((n for n in times if n.startswith("torch")), key=lambda n: np.median(times[n]))
    line(best, times[best])
    pub, c = np.median(times["public"]), np.median(times["C"])
    print(f"  median public - C: {pub - c:.1f} us; library - C: "
          f"{np.median(phases['library']) / 1e3 - c:.1f} us")


if __name__ == "__main__":
    main()
