"""Throughput of the scale-out examples on this machine, medians of same-run repetitions:

  * data-parallel packing: examples/python/dask_pack.py's demo dataset packed by a LocalCluster
    of 1 and of 2 single-threaded worker processes (the pipeline already loaded: the clusters
    are started and warmed up before timing);
  * row-sharded lookup: examples/python/mpi_sharded.py under `mpirun -n 2` (plan + all-to-all
    of ids and rows + pack, and the training step with Adagrad) against one process running
    the same batches on whole tables (layer(features), and layer.backward + optimizer.apply).

    bench_scaleout.py [--repeats N] [--shards N] [--examples N] [--steps N] [--batch N]

Ratios are from this run only; the machine's other load shows in both sides.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

import dask_pack  # noqa: E402
import mpi_sharded  # noqa: E402


def dask_rate(workers, pipeline, shards, out_dir, repeats):
    """Median examples/s of packing every shard on `workers` worker processes."""
    from distributed import Client
    examples = []
    times = []
    with dask_pack.local_cluster(workers) as cluster, Client(cluster) as client:
        dask_pack.pack_on_dask(client, pipeline, shards, out_dir, "npy", progress=False)  # warm
        for _ in range(repeats):
            start = time.perf_counter()
            results = dask_pack.pack_on_dask(client, pipeline, shards, out_dir, "npy",
                                             progress=False)
            times.append(time.perf_counter() - start)
            examples = sum(r[1] for r in results)
    return examples / statistics.median(times)


def mpi_rate(world, steps, batch, optimizer):
    """examples/s that mpi_sharded.py reports for `world` ranks (slowest rank's time)."""
    env = dict(os.environ, OMPI_MCA_rmaps_base_oversubscribe="1")
    proc = subprocess.run(
        [shutil.which("mpirun"), "-n", str(world), "--allow-run-as-root", "--oversubscribe",
         sys.executable, os.path.join(ROOT, "examples", "python", "mpi_sharded.py"),
         "--steps", str(steps), "--batch", str(batch), "--optimizer", optimizer],
        env=env, capture_output=True, text=True, check=True)
    return float(re.search(r"(\d+) examples/s", proc.stdout).group(1))


def unsharded_rate(world, steps, batch, optimizer):
    _, _, seconds = mpi_sharded.run_unsharded(world, steps, batch, optimizer, 0.1)
    return world * steps * batch / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--examples", type=int, default=500, help="examples per shard")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=256, help="examples per rank and step")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        pipeline = os.path.join(scratch, "pipeline")
        dask_pack.save_demo_pipeline(pipeline)
        shards = dask_pack.write_demo_data(os.path.join(scratch, "data"), args.shards,
                                           args.examples)
        rates = {w: dask_rate(w, pipeline, shards, os.path.join(scratch, f"out{w}"),
                              args.repeats) for w in (1, 2)}
    print(f"Dask packing, {args.shards} shards x {args.examples} examples (median of "
          f"{args.repeats}):")
    for w, rate in rates.items():
        print(f"  {w} worker process{'es' if w > 1 else ''}: {rate:8.0f} examples/s")
    print(f"  2 vs 1 workers: {rates[2] / rates[1]:.2f}x")

    print(f"Row-sharded tables, 2 ranks x {args.steps} steps x {args.batch} examples "
          f"(median of {args.repeats}):")
    for optimizer, what in (("none", "lookup (plan + all-to-all + pack)"),
                            ("adagrad", "training step (+ backward, all-to-all, Adagrad)")):
        sharded = statistics.median(mpi_rate(2, args.steps, args.batch, optimizer)
                                    for _ in range(args.repeats))
        whole = statistics.median(unsharded_rate(2, args.steps, args.batch, optimizer)
                                  for _ in range(args.repeats))
        print(f"  {what}: sharded over 2 ranks {sharded:8.0f} examples/s, one process on "
              f"whole tables {whole:8.0f} examples/s, sharded / unsharded {sharded / whole:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
