#!/usr/bin/env python3
"""TFRecord decoding: libseqfeat's reader against python3-protobuf, and the read -> pack
pipeline against packing batches decoded beforehand. One process, medians of REPS passes.

Data: S1-like tf.train.SequenceExamples (lengths uniform in 1..64; per step one word from a
50 000-word vocabulary with ~5 % out-of-vocabulary words, and 1..3 tokens), serialized by
python3-protobuf (tests/data/tf_example.proto compiled by protoc), written uncompressed.

  seqfeat C loop     seqfeat_record_reader_next into one batch, batch after batch over the file
                     (framing, both CRCs, wire-format decoding), from Python through ctypes
  seqfeat Python     seqfeat.data.SequenceExampleReader: the same plus the numpy views of the
                     (sequence_features, context_features) dicts
  protobuf + numpy   reading the framing in Python (no CRC check), SequenceExample.FromString
                     (python3-protobuf's C++ backend) and the ragged numpy arrays of the same
                     features (row_splits, step_splits, values)
  pipeline           read + SequenceFeatures(S1 columns) on every batch, against the same layer
                     on the batches already decoded (kept in memory)

Environment: SEQFEAT_LIBRARY, SEQFEAT_BENCH_REPS (default 7), SEQFEAT_BENCH_RECORDS (4096).
"""

import ctypes as C
import os
import statistics
import struct
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "data"))

import seqfeat as sf  # noqa: E402
import tf_example_pb  # noqa: E402
from seqfeat import _capi, data as sfd  # noqa: E402

REPS = int(os.environ.get("SEQFEAT_BENCH_REPS", "7"))
RECORDS = int(os.environ.get("SEQFEAT_BENCH_RECORDS", "4096"))
BATCH = 256
VOCAB = [f"w{i}" for i in range(50000)]


def make_records(pb, n, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        m = pb.SequenceExample()
        m.context.feature["user"].int64_list.value.append(int(rng.integers(0, 1 << 40)))
        lists = m.feature_lists.feature_list
        words, tokens = lists["word"], lists["tokens"]
        for _ in range(int(rng.integers(1, 65))):
            w = rng.integers(0, 50000)
            word = VOCAB[w] if rng.random() >= 0.05 else f"oov{w}"
            words.feature.add().bytes_list.value.append(word.encode())
            tokens.feature.add().bytes_list.value.extend(
                [f"t{rng.integers(0, 1 << 20)}".encode() for _ in range(rng.integers(1, 4))])
        out.append(m.SerializeToString())
    return out


def raw_records(path):
    """The framing read in Python, without CRC checks (in the baseline's favour)."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        out.append(data[pos + 12:pos + 12 + n])
        pos += 16 + n
    return out


def protobuf_batch(pb, records):
    """python3-protobuf parse + conversion into the ragged arrays the reader produces."""
    out = {}
    msgs = [pb.SequenceExample.FromString(r) for r in records]
    out["user"] = np.array([m.context.feature["user"].int64_list.value[0] for m in msgs],
                           dtype=np.int64)
    for key in ("word", "tokens"):
        row_splits = [0]
        step_splits = [0]
        values = []
        for m in msgs:
            fl = m.feature_lists.feature_list[key].feature
            for f in fl:
                v = f.bytes_list.value
                values.extend(v)
                step_splits.append(len(values))
            row_splits.append(len(step_splits) - 1)
        out[key] = (np.array(row_splits, np.int64), np.array(step_splits, np.int64),
                    np.array(values, dtype=object))
    return out


def median_time(fn, reps=REPS):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    pb = tf_example_pb.load()
    tmp = tempfile.mkdtemp(prefix="seqfeat_bench_tfrecord_")
    path = os.path.join(tmp, "s1.tfrecord")
    records = make_records(pb, RECORDS)
    with sfd.TFRecordWriter(path) as w:
        for r in records:
            w.write(r)
    size_mb = os.path.getsize(path) / 1e6
    spec = dict(context_features={"user": sfd.FixedLenFeature([], sf.int64)},
                sequence_features={"word": sfd.VarLenFeature(sf.string),
                                   "tokens": sfd.VarLenFeature(sf.string)})
    print(f"TFRecord decoding: {RECORDS} S1-like SequenceExamples ({size_mb:.1f} MB, "
          f"mean {size_mb * 1e6 / RECORDS:.0f} B/record), batches of {BATCH}, medians of "
          f"{REPS} passes over the file; python3-protobuf backend: "
          f"{__import__('google.protobuf.internal.api_implementation', fromlist=['Type']).Type()}")

    def c_loop(threads):
        reader = sfd.SequenceExampleReader(path, None, BATCH, num_threads=threads, **spec)
        batch = C.c_void_p()
        _capi.lib.batch_create(C.byref(batch))
        count = C.c_size_t()
        total = 0
        while True:
            st = _capi.lib.record_reader_next(reader._handle, BATCH, batch, C.byref(count))
            assert st == 0, _capi.last_error_message()
            if count.value == 0:
                break
            total += count.value
        _capi.lib.batch_free(batch)
        assert total == RECORDS

    def py_reader(threads):
        n = sum(seq["word"].nrows() for seq, _ in
                sfd.SequenceExampleReader(path, None, BATCH, num_threads=threads, **spec))
        assert n == RECORDS

    def protobuf_pass():
        raw = raw_records(path)
        for i in range(0, len(raw), BATCH):
            protobuf_batch(pb, raw[i:i + BATCH])

    # Warm-up (file in the page cache, thread pool created).
    c_loop(2)
    protobuf_pass()
    rows = []
    results = {}
    for name, fn in (("seqfeat C loop, 1 thread", lambda: c_loop(1)),
                     ("seqfeat C loop, 2 threads", lambda: c_loop(2)),
                     ("seqfeat Python reader, 1 thread", lambda: py_reader(1)),
                     ("seqfeat Python reader, 2 threads", lambda: py_reader(2)),
                     ("python3-protobuf + numpy", protobuf_pass)):
        t = median_time(fn, REPS if "protobuf" not in name else max(3, REPS // 2))
        results[name] = t
        rows.append((name, t))
    base = results["python3-protobuf + numpy"]
    print(f"{'decoder':36s} {'ms/pass':>9s} {'records/s':>11s} {'MB/s':>8s} {'x protobuf':>11s}")
    for name, t in rows:
        print(f"{name:36s} {t * 1e3:9.1f} {RECORDS / t:11.0f} {size_mb / t:8.1f} "
              f"{base / t:10.1f}x")
    print(f"2 threads / 1 thread (C loop): "
          f"{results['seqfeat C loop, 1 thread'] / results['seqfeat C loop, 2 threads']:.2f}x")

    # The read -> pack pipeline against packing the same batches decoded beforehand.
    word = sf.sequence_categorical_column_with_vocabulary_list("word", VOCAB, num_oov_buckets=10)
    tokens = sf.sequence_categorical_column_with_hash_bucket("tokens", 1 << 18)
    columns = [sf.embedding_column(word, 32), sf.embedding_column(tokens, 16, combiner="sqrtn")]
    layer = sf.SequenceFeatures(columns)
    decoded = [seq for seq, _ in sfd.SequenceExampleReader(path, columns, BATCH)]

    def pipeline():
        for seq, _ in sfd.SequenceExampleReader(path, columns, BATCH, num_threads=1):
            layer(seq, num_threads=1)

    def pack_only():
        for seq in decoded:
            layer(seq, num_threads=1)

    pipeline()
    pack_only()
    t_pipe, t_pack = [], []
    for _ in range(REPS):
        t_pipe.append(median_time(pipeline, 1))
        t_pack.append(median_time(pack_only, 1))
    t_pipe, t_pack = statistics.median(t_pipe), statistics.median(t_pack)
    print(f"pipeline, 1 thread: read + pack {t_pipe * 1e3:.1f} ms/pass vs pack of decoded "
          f"batches {t_pack * 1e3:.1f} ms/pass: reading adds {(t_pipe / t_pack - 1) * 100:.0f} % "
          f"({RECORDS / t_pipe:.0f} records/s end to end)")
    os.remove(path)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
