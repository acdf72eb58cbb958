"""examples/python/dask_pack.py on a LocalCluster of 2 worker processes: every output equals the
single-process result byte for byte, each worker process loads the pipeline once, and a worker
killed in the middle of writing a shard is replaced and its shard retried, with no output lost,
duplicated or left partly written."""

import functools
import json
import os
import sys

import numpy as np
import pytest

import seqfeat as sf

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "examples", "python")
sys.path.insert(0, os.path.abspath(EXAMPLES))
import dask_pack  # noqa: E402

# Workers unpickle tasks without this test directory or the examples on their path.
cloudpickle.register_pickle_by_value(dask_pack)
cloudpickle.register_pickle_by_value(sys.modules[__name__])

SHARDS = 6
RECIPE = {"items": 300, "dimension": 4}
EXAMPLES_PER_SHARD = 25


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("dask_pack")
    pipeline = str(root / "pipeline")
    dask_pack.save_demo_pipeline(pipeline, **RECIPE)
    shards = dask_pack.write_demo_data(str(root / "data"), SHARDS, EXAMPLES_PER_SHARD, items=300)
    return root, pipeline, shards


@pytest.fixture(scope="module")
def client():
    with dask_pack.local_cluster(2) as cluster, distributed.Client(cluster) as c:
        yield c


def read_safetensors(path):
    """{name: array}, decoded independently of the example's writer."""
    with open(path, "rb") as f:
        blob = f.read()
    size = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + size])
    dtypes = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, entry in header.items():
        start, stop = entry["data_offsets"]
        out[name] = np.frombuffer(blob[8 + size + start:8 + size + stop],
                                  dtype=np.dtype(dtypes[entry["dtype"]]).newbyteorder("<")
                                  ).reshape(entry["shape"])
    return out


def file_bytes(directory):
    return {name: open(os.path.join(directory, name), "rb").read()
            for name in sorted(os.listdir(directory))}


def expected_arrays(shard):
    """The shard packed from the JSON lines by the layer that was saved (built in this process,
    not loaded: the comparison covers the save / load round trip too)."""
    layer = dask_pack.demo_pipeline(**RECIPE)
    with open(shard) as f:
        examples = [json.loads(line) for line in f]
    features = {key: [e[key] for e in examples] for key in ("rating", "tags", "watches")}
    return layer(features)


def test_workers_load_the_saved_artifact_with_mapped_tables(dataset):
    _, pipeline, _ = dataset
    layer = dask_pack.load_pipeline(pipeline)
    built = dask_pack.demo_pipeline(**RECIPE)
    assert [c.name for c in layer.feature_columns] == [c.name for c in built.feature_columns]
    for column, original in zip(layer.feature_columns, built.feature_columns):
        if hasattr(column, "get_table"):
            assert not column.table_writable  # mapped read-only, shared by the workers' pages
            np.testing.assert_array_equal(column.get_table(), original.get_table())


@pytest.mark.parametrize("fmt", dask_pack.FORMATS)
def test_two_workers_write_what_one_process_writes(dataset, client, fmt):
    root, pipeline, shards = dataset
    single = str(root / f"single-{fmt}")
    on_dask = str(root / f"dask-{fmt}")
    dask_pack.pack_single_process(pipeline, shards, single, fmt)
    results = dask_pack.pack_on_dask(client, pipeline, shards, on_dask, fmt, progress=False)

    assert [r[:2] for r in results] == [(f"part-{s:05d}", EXAMPLES_PER_SHARD)
                                        for s in range(SHARDS)]
    assert {r[3] for r in results} == {1}  # every worker process loaded the pipeline once
    reference = file_bytes(single)
    assert len(reference) == SHARDS * (1 if fmt == "safetensors" else 2)
    assert file_bytes(on_dask) == reference

    for s, shard in enumerate(shards):
        dense, lengths = expected_arrays(shard)
        if fmt == "safetensors":
            got = read_safetensors(os.path.join(on_dask, f"part-{s:05d}.safetensors"))
        else:
            got = {key: np.load(os.path.join(on_dask, f"part-{s:05d}.{key}.npy"))
                   for key in ("dense", "sequence_length")}
        assert got["dense"].dtype == np.float32 and got["sequence_length"].dtype == np.int64
        np.testing.assert_array_equal(got["dense"], dense)
        np.testing.assert_array_equal(got["sequence_length"], lengths)
        assert lengths.shape == (EXAMPLES_PER_SHARD,) and lengths.min() >= 1


def pack_or_die_once(pipeline_dir, path, out_dir, fmt, victim, marker):
    """pack_task, except that the first attempt at `victim` writes half of its output to the
    temporary file and then kills its own worker process (recording its pid in `marker`)."""
    layer, loads = dask_pack.worker_layer(pipeline_dir)
    write = None
    if path == victim and not os.path.exists(marker):
        def write(file, data):
            file.write(data[:len(data) // 2])
            file.flush()
            with open(marker, "w") as m:
                m.write(str(os.getpid()))
            os._exit(1)
    name, examples = dask_pack.write_shard(layer, path, out_dir, fmt, write)
    return name, examples, os.getpid(), loads


def test_killed_worker_is_retried_without_losing_or_duplicating_a_shard(dataset, client):
    root, pipeline, shards = dataset
    single = str(root / "single-kill")
    on_dask = str(root / "dask-kill")
    marker = str(root / "killed-worker-pid")
    dask_pack.pack_single_process(pipeline, shards, single, "safetensors")
    task = functools.partial(pack_or_die_once, victim=shards[2], marker=marker)
    results = dask_pack.pack_on_dask(client, pipeline, shards, on_dask, "safetensors", task=task,
                                     progress=False)

    with open(marker) as f:
        killed_pid = int(f.read())
    assert [r[0] for r in results] == [f"part-{s:05d}" for s in range(SHARDS)]
    assert results[2][2] != killed_pid  # the retry ran in another (the restarted) process
    assert {r[3] for r in results} == {1}  # the restarted worker loaded the pipeline once too
    assert file_bytes(on_dask) == file_bytes(single)  # nothing lost, duplicated or partial
