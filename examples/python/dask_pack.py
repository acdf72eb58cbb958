"""Packs a dataset of JSON-lines shards with one saved pipeline on a Dask cluster.

    dask_pack.py PIPELINE_DIR DATA_DIR OUT_DIR [--workers N | --scheduler ADDRESS]
                 [--format npy|safetensors]
    dask_pack.py --demo [--workers N] [--examples N]   (builds a pipeline and data in a temp dir)

PIPELINE_DIR is a directory written by layer.save (seqfeat.load reads it back, in any
language). Every line of a shard (DATA_DIR/*.jsonl) is one example, {feature key: its steps},
as the pipeline's layer takes them as nested lists (an example without a key has no steps for
it).
Each shard becomes one output: OUT_DIR/<shard>.safetensors holding `dense` [B, T, D] float32 and
`sequence_length` [B] int64, or with --format npy the pair <shard>.dense.npy and
<shard>.sequence_length.npy.

libseqfeat is the per-worker transform and Dask does the distribution: every worker loads the
pipeline once, when it starts (a worker plugin, run again on a worker that restarts), and packs
whole shards, one task each. Outputs are written to a temporary file and renamed into place, so a
worker that dies mid-shard leaves no partial output and the retried task writes the same bytes:
the result is independent of how shards were spread over workers and equals one process's run.
"""

import argparse
import glob
import json
import os
import sys
import tempfile
import time

import numpy as np

import seqfeat as sf

FORMATS = ("safetensors", "npy")
PARTIAL = ".partial-"  # temporary outputs: <final name>.partial-<pid>


# ----------------------------------------------------------------------------------------------
# The per-worker transform (no Dask in here: the single-process run uses the same functions)
# ----------------------------------------------------------------------------------------------

def load_pipeline(directory):
    """The layer saved in `directory` by layer.save. Its tables are memory-mapped read-only, so
    the worker processes of one machine share one copy of them in the page cache."""
    return sf.load(directory, mmap=True)


def read_shard(path):
    """{feature key: [steps of example 0, steps of example 1, ...]} of one JSON-lines shard."""
    with open(path, encoding="utf-8") as f:
        examples = [json.loads(line) for line in f if line.strip()]
    keys = sorted({key for example in examples for key in example})
    return {key: [example.get(key, []) for example in examples] for key in keys}


def pack_shard(layer, path):
    """{output name: array} of one shard; one thread per pack (the workers are the
    parallelism)."""
    dense, sequence_length = layer(read_shard(path), num_threads=1)
    return {"dense": dense, "sequence_length": sequence_length}


_SAFETENSORS_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}


def safetensors_bytes(arrays):
    """The safetensors encoding of {name: array}: an 8-byte little-endian header length, a JSON
    header {name: {dtype, shape, data_offsets}} padded with spaces to a multiple of 8, then the
    arrays' little-endian bytes in header order."""
    header = {}
    offset = 0
    for name, array in arrays.items():
        size = array.nbytes
        header[name] = {"dtype": _SAFETENSORS_DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    data = b"".join(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
                    for a in arrays.values())
    return len(text).to_bytes(8, "little") + text + data


def npy_bytes(array):
    """The .npy encoding of one array (numpy's own writer)."""
    import io
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def encoded_outputs(name, arrays, fmt):
    """[(file name, bytes)] of one shard's outputs."""
    if fmt == "safetensors":
        return [(name + ".safetensors", safetensors_bytes(arrays))]
    return [(f"{name}.{key}.npy", npy_bytes(array)) for key, array in arrays.items()]


def write_atomic(path, data, write=None):
    """Writes `data` to `path` through a temporary file in the same directory and a rename, so
    `path` either does not exist or holds all of `data`. `write(file, data)` does the writing
    (default: file.write)."""
    partial = f"{path}{PARTIAL}{os.getpid()}"
    with open(partial, "wb") as f:
        (write or (lambda file, d: file.write(d)))(f, data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def shard_name(path):
    return os.path.splitext(os.path.basename(path))[0]


def write_shard(layer, path, out_dir, fmt, write=None):
    """Packs one shard and writes its outputs atomically; returns (shard name, examples)."""
    arrays = pack_shard(layer, path)
    for file_name, data in encoded_outputs(shard_name(path), arrays, fmt):
        write_atomic(os.path.join(out_dir, file_name), data, write)
    return shard_name(path), int(arrays["sequence_length"].shape[0])


def remove_partials(out_dir):
    """Removes temporary files left by writers that died before their rename."""
    for path in glob.glob(os.path.join(glob.escape(out_dir), "*" + PARTIAL + "*")):
        os.remove(path)


def pack_single_process(pipeline_dir, shards, out_dir, fmt):
    """The reference: every shard packed in this process, in order."""
    layer = load_pipeline(pipeline_dir)
    os.makedirs(out_dir, exist_ok=True)
    return [write_shard(layer, path, out_dir, fmt) for path in shards]


# ----------------------------------------------------------------------------------------------
# Dask
# ----------------------------------------------------------------------------------------------

try:
    from distributed import WorkerPlugin
except ImportError:  # the single-process functions above work without Dask
    WorkerPlugin = object


def pipeline_key(pipeline_dir):
    """Identifies a saved pipeline: its directory and when its pipeline.json was written (a
    pipeline saved again into the same directory is loaded again)."""
    path = os.path.realpath(pipeline_dir)
    return path, os.stat(os.path.join(path, "pipeline.json")).st_mtime_ns


class PipelinePlugin(WorkerPlugin):
    """Loads a pipeline once per worker process, when the worker starts (and when a restarted
    worker joins); tasks take it from the worker instead of loading it themselves."""

    def __init__(self, pipeline_dir):
        self.pipeline_dir = pipeline_dir
        self.name = f"seqfeat-pipeline-{pipeline_key(pipeline_dir)}"

    def setup(self, worker):
        pipelines = worker.__dict__.setdefault("seqfeat_pipelines", {})
        loads = worker.__dict__.setdefault("seqfeat_loads", {})
        key = pipeline_key(self.pipeline_dir)
        if key not in pipelines:
            pipelines[key] = load_pipeline(self.pipeline_dir)
            loads[key] = loads.get(key, 0) + 1


def worker_layer(pipeline_dir):
    """This worker's pipeline and how many times this worker process has loaded it."""
    from distributed import get_worker
    worker = get_worker()
    key = pipeline_key(pipeline_dir)
    return worker.seqfeat_pipelines[key], worker.seqfeat_loads[key]


def pack_task(pipeline_dir, path, out_dir, fmt):
    """One Dask task: one shard. Returns (shard name, examples, worker pid, pipeline loads)."""
    layer, loads = worker_layer(pipeline_dir)
    name, examples = write_shard(layer, path, out_dir, fmt)
    return name, examples, os.getpid(), loads


def pack_on_dask(client, pipeline_dir, shards, out_dir, fmt, task=pack_task, progress=True):
    """Packs every shard on the cluster behind `client`; returns pack_task's results in shard
    order. A task whose worker dies is rescheduled by Dask (up to distributed's
    scheduler.allowed-failures times); its retry rewrites the same outputs."""
    from distributed import as_completed
    os.makedirs(out_dir, exist_ok=True)
    plugin = PipelinePlugin(pipeline_dir)
    client.register_worker_plugin(plugin, name=plugin.name)
    futures = [client.submit(task, pipeline_dir, path, out_dir, fmt, key=f"pack-{shard_name(path)}",
                             pure=False) for path in shards]
    index = {future.key: i for i, future in enumerate(futures)}
    results = [None] * len(futures)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(futures), unit="shard", file=sys.stderr)
    for future in as_completed(futures):
        results[index[future.key]] = future.result()
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    remove_partials(out_dir)
    return results


def local_cluster(workers):
    """A LocalCluster of `workers` single-threaded worker processes (no dashboard)."""
    import logging
    from distributed import LocalCluster
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=logging.ERROR)


# ----------------------------------------------------------------------------------------------
# A demo pipeline and dataset
# ----------------------------------------------------------------------------------------------

def demo_pipeline(items=5000, dimension=16, seed=7):
    """Watched items (identity ids, embedded), tags (hashed strings, embedded with sqrtn) and a
    numeric rating per step. Tables are drawn from a fixed seed."""
    watches = sf.embedding_column(
        sf.sequence_categorical_column_with_identity("watches", num_buckets=items),
        dimension=dimension)
    tags = sf.embedding_column(
        sf.sequence_categorical_column_with_hash_bucket("tags", hash_bucket_size=1000),
        dimension=8, combiner="sqrtn")
    rng = np.random.default_rng(seed)
    watches.set_table(rng.standard_normal((items, dimension), dtype=np.float32))
    tags.set_table(rng.standard_normal((1000, 8), dtype=np.float32))
    return sf.SequenceFeatures([sf.sequence_numeric_column("rating"), watches, tags])


def save_demo_pipeline(directory, **recipe):
    """Saves demo_pipeline(**recipe) to `directory` (pipeline.json + tables.safetensors)."""
    demo_pipeline(**recipe).save(directory)


def write_demo_data(directory, shards, examples_per_shard, items=5000, seed=11):
    """`shards` JSON-lines files of random examples (1-20 steps, 1-3 tags per step)."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for s in range(shards):
        path = os.path.join(directory, f"part-{s:05d}.jsonl")
        with open(path, "w") as f:
            for _ in range(examples_per_shard):
                steps = int(rng.integers(1, 21))
                example = {
                    "watches": rng.integers(0, items, steps).tolist(),
                    "rating": np.round(rng.uniform(1, 5, steps), 1).tolist(),
                    "tags": [[f"tag{t}" for t in rng.integers(0, 300, rng.integers(1, 4))]
                             for _ in range(steps)],
                }
                f.write(json.dumps(example) + "\n")
        paths.append(path)
    return paths


def same_files(dir_a, dir_b):
    """True when both directories hold the same file names with the same bytes."""
    names = sorted(os.listdir(dir_a))
    if names != sorted(os.listdir(dir_b)):
        return False
    for name in names:
        with open(os.path.join(dir_a, name), "rb") as a, open(os.path.join(dir_b, name), "rb") as b:
            if a.read() != b.read():
                return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pipeline_dir", nargs="?")
    parser.add_argument("data_dir", nargs="?")
    parser.add_argument("out_dir", nargs="?")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--format", choices=FORMATS, default="safetensors")
    parser.add_argument("--demo", action="store_true",
                        help="build a pipeline and a dataset in a temporary directory")
    parser.add_argument("--shards", type=int, default=8, help="--demo: shards")
    parser.add_argument("--examples", type=int, default=200, help="--demo: examples per shard")
    parser.add_argument("--check", action="store_true",
                        help="also pack in this process and compare the bytes")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        if args.demo:
            args.pipeline_dir = os.path.join(scratch, "pipeline")
            args.data_dir = os.path.join(scratch, "data")
            args.out_dir = os.path.join(scratch, "out")
            save_demo_pipeline(args.pipeline_dir)
            write_demo_data(args.data_dir, args.shards, args.examples)
            args.check = True
        elif not (args.pipeline_dir and args.data_dir and args.out_dir):
            parser.error("PIPELINE_DIR DATA_DIR OUT_DIR are required (or --demo)")
        shards = sorted(glob.glob(os.path.join(glob.escape(args.data_dir), "*.jsonl")))

        from distributed import Client
        cluster = None if args.scheduler else local_cluster(args.workers)
        with Client(args.scheduler or cluster) as client:
            workers = len(client.scheduler_info()["workers"])
            start = time.perf_counter()
            results = pack_on_dask(client, args.pipeline_dir, shards, args.out_dir, args.format,
                                   progress=sys.stderr.isatty())
            seconds = time.perf_counter() - start
        if cluster is not None:
            cluster.close()

        examples = sum(r[1] for r in results)
        pids = sorted({r[2] for r in results})
        print(f"packed {len(shards)} shards ({examples} examples) into {args.format} outputs on "
              f"{workers} Dask workers in {seconds:.2f} s ({examples / seconds:.0f} examples/s)")
        print(f"shards per worker process: "
              f"{[sum(r[2] == pid for r in results) for pid in pids]}; pipeline loads per "
              f"worker process: {sorted({r[3] for r in results})}")
        if args.check:
            reference = os.path.join(scratch, "single-process")
            pack_single_process(args.pipeline_dir, shards, reference, args.format)
            same = same_files(args.out_dir, reference)
            print("outputs identical to a single-process run, byte for byte:",
                  "yes" if same else "NO")
            return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
