"""seqfeat.data: TFRecord files of SequenceExample / Example written with python3-protobuf
(from tests/data/tf_example.proto) decode to what tf.io.parse_sequence_example returns; layers
fed from the reader pack what they pack from the same data given as Python lists."""

import os
import struct
import sys

import numpy as np
import pytest

import seqfeat as sf
from seqfeat import data as sfd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data"))
import tf_example_pb  # noqa: E402


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    return tf_example_pb.load(str(tmp_path_factory.mktemp("pb")))


# ----------------------------------------------------------------------------------------------
# Independent references: CRC32C bit by bit, TFRecord framing, and TF's parsing rules applied
# to python3-protobuf's decoded messages.
# ----------------------------------------------------------------------------------------------

def crc32c(data):
    c = 0xFFFFFFFF
    for byte in data:
        c ^= byte
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF


def masked_crc(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(record):
    length = struct.pack("<Q", len(record))
    return (length + struct.pack("<I", masked_crc(length)) + record +
            struct.pack("<I", masked_crc(record)))


def write_framed(path, records):
    with open(path, "wb") as f:
        for r in records:
            f.write(frame(r))
    return str(path)


def feature_values(feature, dtype):
    """Values of a tf.train.Feature as TF's parser reads them for `dtype` ([] if kind unset)."""
    kind = feature.WhichOneof("kind")
    if kind is None:
        return []
    want = {"int64": "int64_list", "float32": "float_list", "string": "bytes_list"}[dtype]
    assert kind == want, f"the reference only builds matching kinds ({kind} vs {want})"
    return list(getattr(feature, kind).value)


def expected_context(messages, key, spec):
    """What parse_sequence_example returns for a context feature: a dense [B, *shape] array for
    FixedLenFeature (default when missing), per-record value lists for VarLenFeature."""
    dtype = spec.dtype.name
    rows = []
    for m in messages:
        fmap = m.context.feature if hasattr(m, "context") else m.features.feature
        if key in fmap:
            rows.append(feature_values(fmap[key], dtype))
        elif isinstance(spec, sfd.FixedLenFeature):
            width = int(np.prod(spec.shape, dtype=np.int64))
            d = spec.default_value
            rows.append(list(np.broadcast_to(np.asarray(d, dtype=object), (width,)).tolist())
                        if np.ndim(d) == 0 else list(np.asarray(d, dtype=object).reshape(-1)))
        else:
            rows.append([])
    return rows


def expected_lists(messages, key, spec):
    """Per record, the list of steps (each a list of values) of a feature list."""
    out = []
    for m in messages:
        lists = m.feature_lists.feature_list
        out.append([feature_values(f, spec.dtype.name) for f in lists[key].feature]
                   if key in lists else [])
    return out


def np_values(values, dtype):
    if dtype == "string":
        return [bytes(v) for v in values]
    if dtype == "float32":
        return np.asarray(values, dtype=np.float32).tolist()
    return np.asarray(values, dtype=np.int64).tolist()


# ----------------------------------------------------------------------------------------------
# Random records covering every kind, empty lists, missing keys and defaults
# ----------------------------------------------------------------------------------------------

CONTEXT = {
    "label": sfd.FixedLenFeature([], sf.float32, default_value=-1.0),
    "shape2": sfd.FixedLenFeature([2], sf.int64, default_value=[7, 8]),
    "lang": sfd.FixedLenFeature([], sf.string, default_value=b"und"),
    "tags": sfd.VarLenFeature(sf.string),
    "ctx_ids": sfd.VarLenFeature(sf.int64),
    "ctx_w": sfd.VarLenFeature(sf.float32),
}
SEQUENCE = {
    "tokens": sfd.VarLenFeature(sf.string),
    "ids": sfd.VarLenFeature(sf.int64),
    "rating": sfd.VarLenFeature(sf.float32),
    "pos": sfd.FixedLenSequenceFeature([2], sf.float32, allow_missing=True),
}


def random_sequence_examples(pb, n, seed=0, complete=False):
    """complete=True: every record has the tokens and ids lists (of equal length)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        m = pb.SequenceExample()
        ctx = m.context.feature
        if rng.random() < 0.7:
            ctx["label"].float_list.value.append(float(rng.normal()))
        if rng.random() < 0.5:
            ctx["shape2"].int64_list.value.extend(rng.integers(-5, 5, 2).tolist())
        if rng.random() < 0.5:
            ctx["lang"].bytes_list.value.append(rng.choice([b"en", b"fr", b""]))
        if rng.random() < 0.8:
            ctx["tags"].bytes_list.value.extend(
                [bytes(rng.integers(97, 123, rng.integers(0, 6)).astype(np.uint8))
                 for _ in range(rng.integers(0, 4))])
        if rng.random() < 0.5:
            ctx["ctx_ids"].int64_list.value.extend(
                rng.integers(-2**62, 2**62, rng.integers(0, 3)).tolist())
        if rng.random() < 0.3:
            ctx["ctx_w"].float_list.value.extend(rng.normal(size=rng.integers(0, 3)).tolist())
        ctx["ignored"].int64_list.value.append(i)
        lists = m.feature_lists.feature_list
        steps = int(rng.integers(0, 6))
        if complete or rng.random() < 0.9:
            fl = lists["tokens"]  # may stay empty: an empty feature list
            for _ in range(steps):
                fl.feature.add().bytes_list.value.extend(
                    [("w%d" % rng.integers(0, 50)).encode() for _ in range(rng.integers(0, 3))])
        if complete or rng.random() < 0.8:
            fl = lists["ids"]
            for _ in range(steps):
                f = fl.feature.add()
                if rng.random() < 0.2:
                    continue  # a Feature with no kind set: an empty step
                f.int64_list.value.extend(rng.integers(0, 100, rng.integers(0, 4)).tolist())
        if rng.random() < 0.6:
            fl = lists["rating"]
            for _ in range(steps):
                fl.feature.add().float_list.value.append(float(rng.normal()))
        if rng.random() < 0.6:
            fl = lists["pos"]
            for _ in range(steps):
                fl.feature.add().float_list.value.extend(rng.normal(size=2).tolist())
        lists["unused"].feature.add().int64_list.value.append(1)
        out.append(m)
    return out


def check_batch(messages, seq, ctx):
    """The reader's batch against the reference rules, key by key."""
    for key, spec in CONTEXT.items():
        dtype = spec.dtype.name
        want = expected_context(messages, key, spec)
        got = ctx[key]
        if isinstance(spec, sfd.FixedLenFeature):
            assert got.shape == (len(messages),) + tuple(spec.shape), key
            flat = got.reshape(len(messages), -1)
            for b, row in enumerate(want):
                assert np_values(flat[b].tolist(), dtype) == np_values(row, dtype), (key, b)
        else:
            assert isinstance(got, sf.RaggedTensor), key
            assert [np_values(r, dtype) for r in got.to_list()] == \
                [np_values(r, dtype) for r in want], key
    for key, spec in SEQUENCE.items():
        dtype = spec.dtype.name
        want = expected_lists(messages, key, spec)
        got = seq[key]
        assert got.ragged_rank == 2, key
        assert [[np_values(s, dtype) for s in r] for r in got.to_list()] == \
            [[np_values(s, dtype) for s in r] for r in want], key


@pytest.mark.parametrize("compression", [None, "GZIP", "ZLIB"])
@pytest.mark.parametrize("num_threads", [1, 2])
def test_sequence_examples_decode_as_parse_sequence_example(pb, tmp_path, compression,
                                                             num_threads):
    messages = random_sequence_examples(pb, 150, seed=1)
    paths = []
    for part in range(3):
        path = str(tmp_path / f"part{part}.tfrecord")
        with sfd.TFRecordWriter(path, compression) as w:
            for m in messages[part * 50:(part + 1) * 50]:
                w.write(m.SerializeToString())
        paths.append(path)
    reader = sfd.SequenceExampleReader(paths, None, 64, context_features=CONTEXT,
                                       sequence_features=SEQUENCE,
                                       compression_type=compression, num_threads=num_threads)
    first = 0
    for seq, ctx in reader:
        n = ctx["label"].shape[0]
        check_batch(messages[first:first + n], seq, ctx)
        first += n
    assert first == 150
    assert reader.records == 150 and reader.skipped == 0


def test_serializers_match_python_protobuf(pb):
    m = pb.SequenceExample()
    m.context.feature["a"].int64_list.value.extend([1, -2, 2**40])
    m.context.feature["f"].float_list.value.extend([0.5, -1.25])
    m.context.feature["s"].bytes_list.value.extend([b"x", "\u00e9".encode()])
    m.context.feature["e"].SetInParent()
    ids = m.feature_lists.feature_list["ids"]
    ids.feature.add().int64_list.value.extend([3, 4])
    ids.feature.add()
    words = m.feature_lists.feature_list["w"]
    words.feature.add().bytes_list.value.append(b"b")
    ours = sfd.sequence_example({"a": [1, -2, 2**40], "f": [0.5, -1.25], "s": [b"x", "\u00e9"],
                                 "e": []}, {"ids": [[3, 4], []], "w": [["b"]]})
    assert pb.SequenceExample.FromString(ours) == m
    e = pb.Example()
    e.features.feature["v"].float_list.value.extend([1.0, 2.0])
    assert pb.Example.FromString(sfd.example({"v": np.array([1, 2], np.float32)})) == e


def test_to_sparse_and_to_tensor_match_tf_outputs(pb, tmp_path):
    m0 = pb.SequenceExample()
    fl = m0.feature_lists.feature_list["ids"]
    fl.feature.add().int64_list.value.extend([4, 5])
    fl.feature.add()
    fl.feature.add().int64_list.value.extend([6])
    m1 = pb.SequenceExample()
    pos = m1.feature_lists.feature_list["pos"]
    pos.feature.add().float_list.value.extend([1.0, 2.0])
    path = write_framed(tmp_path / "r", [m0.SerializeToString(), m1.SerializeToString()])
    spec = {"ids": sfd.VarLenFeature(sf.int64),
            "pos": sfd.FixedLenSequenceFeature([2], sf.float32, allow_missing=True)}
    (seq, ctx), = list(sfd.SequenceExampleReader(path, None, 8, sequence_features=spec))
    assert ctx == {}
    # parse_sequence_example: VarLenFeature -> SparseTensor [B, max steps, max values].
    st = seq["ids"].to_sparse()
    assert st.indices.tolist() == [[0, 0, 0], [0, 0, 1], [0, 2, 0]]
    assert st.values.tolist() == [4, 5, 6]
    assert st.dense_shape.tolist() == [2, 3, 2]
    # FixedLenSequenceFeature -> dense [B, max steps, 2] padded with 0.
    dense = seq["pos"].to_tensor(0.0)
    np.testing.assert_array_equal(dense, np.array([[[0, 0]], [[1, 2]]], dtype=np.float32))


def test_reader_framing_matches_independent_writer(pb, tmp_path):
    messages = random_sequence_examples(pb, 20, seed=2)
    records = [m.SerializeToString() for m in messages]
    ours = str(tmp_path / "ours")
    with sfd.TFRecordWriter(ours) as w:
        for r in records:
            w.write(r)
    ref = write_framed(tmp_path / "ref", records)
    assert open(ours, "rb").read() == open(ref, "rb").read()
    batches = list(sfd.SequenceExampleReader(ref, None, 7, context_features=CONTEXT,
                                             sequence_features=SEQUENCE))
    assert [b[1]["label"].shape[0] for b in batches] == [7, 7, 6]
    check_batch(messages[:7], *batches[0])


def test_example_records_and_make_parse_example_spec(pb, tmp_path):
    ids = sf.sequence_categorical_column_with_identity("ids", num_buckets=10)
    words = sf.categorical_column_with_vocabulary_list("word", ["a", "b"])
    weighted = sf.weighted_categorical_column(words, "word_w")
    age = sf.numeric_column("age", shape=(2,), default_value=0.5)
    rating = sf.sequence_numeric_column("rating")
    cols = [sf.embedding_column(ids, 3), sf.indicator_column(weighted), age, rating]
    spec = sf.make_parse_example_spec(cols)
    assert spec == {
        "age": sfd.FixedLenFeature((2,), sf.float32, (0.5, 0.5)),
        "word": sfd.VarLenFeature(sf.string),
        "word_w": sfd.VarLenFeature(sf.float32),
        "ids": sfd.VarLenFeature(sf.int64),
        "rating": sfd.VarLenFeature(sf.float32),
    }
    with pytest.raises(ValueError, match="different parse_spec for key ids"):
        sf.make_parse_example_spec([ids, sf.sequence_categorical_column_with_hash_bucket(
            "ids", 10)])

    # tf.train.Example records read with the columns: sequence columns one value per step.
    ex = []
    for i in range(3):
        m = pb.Example()
        f = m.features.feature
        f["ids"].int64_list.value.extend(range(i))
        f["rating"].float_list.value.extend([0.5 * k for k in range(i)])
        if i != 1:
            f["age"].float_list.value.extend([i, -i])
        f["word"].bytes_list.value.extend([b"a", b"zz"][:i])
        f["word_w"].float_list.value.extend([2.0, 3.0][:i])
        ex.append(m.SerializeToString())
    path = write_framed(tmp_path / "ex", ex)
    (seq, ctx), = list(sfd.SequenceExampleReader(path, cols, 10, record_type="Example"))
    assert sorted(seq) == ["ids", "rating"] and sorted(ctx) == ["age", "word", "word_w"]
    assert seq["ids"].to_list() == [[], [0], [0, 1]]
    np.testing.assert_array_equal(ctx["age"], np.array([[0, 0], [0.5, 0.5], [2, -2]], np.float32))
    assert ctx["word"].to_list() == [[], [b"a"], [b"a", b"zz"]]
    x, lengths = sf.SequenceFeatures([cols[0], rating])(seq)
    x2, lengths2 = sf.SequenceFeatures([cols[0], rating])(
        {"ids": [[], [0], [0, 1]], "rating": [[], [0.0], [0.0, 0.5]]})
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(lengths, lengths2)
    dense = sf.DenseFeatures([age, sf.indicator_column(weighted)])(ctx)
    dense2 = sf.DenseFeatures([age, sf.indicator_column(weighted)])(
        {"age": np.array([[0, 0], [0.5, 0.5], [2, -2]], np.float32),
         "word": sf.ragged.constant([[], ["a"], ["a", "zz"]]),
         "word_w": sf.ragged.constant([[], [2.0], [2.0, 3.0]])})
    np.testing.assert_array_equal(dense, dense2)


def test_layer_from_reader_equals_layer_from_lists(pb, tmp_path):
    vocab = [f"w{i}" for i in range(40)]
    tokens = sf.sequence_categorical_column_with_vocabulary_list("tokens", vocab,
                                                                 num_oov_buckets=3)
    ids = sf.sequence_categorical_column_with_hash_bucket("ids", 64, dtype=sf.int64)
    cols = [sf.embedding_column(tokens, 4, combiner="sqrtn"), sf.embedding_column(ids, 3)]
    layer = sf.SequenceFeatures(cols)
    messages = random_sequence_examples(pb, 40, seed=3, complete=True)
    path = str(tmp_path / "s.tfrecord")
    with sfd.TFRecordWriter(path, "GZIP") as w:
        for m in messages:
            w.write(m.SerializeToString())
    first = 0
    for seq, ctx in sfd.SequenceExampleReader(path, cols, 16, compression_type="GZIP"):
        assert set(seq) == {"ids", "tokens"} and ctx == {}
        n = seq["ids"].nrows()
        part = messages[first:first + n]
        first += n
        x, lengths = layer(seq)
        # The strings went to the layer as the reader's offsets + bytes, not as Python objects.
        inner = vars(seq["tokens"])["values"]
        assert isinstance(vars(inner)["values"], sfd.OffsetStrings)
        lists = {k: [[[bytes(v).decode() if isinstance(v, bytes) else int(v) for v in s]
                      for s in r] for r in expected_lists(part, k, SEQUENCE[k])]
                 for k in ("tokens", "ids")}
        feed = {"tokens": sf.ragged.constant(lists["tokens"]) if any(lists["tokens"]) else
                sf.RaggedTensor.from_row_splits(
                    sf.RaggedTensor.from_row_splits(np.zeros(0, object), [0]),
                    np.zeros(n + 1, np.int64)),
                "ids": sf.ragged.constant(lists["ids"])}
        x2, lengths2 = layer(feed)
        np.testing.assert_array_equal(lengths, lengths2)
        np.testing.assert_allclose(x, x2, rtol=0, atol=0)
        # A modified dict goes through the ordinary conversion and still packs the same.
        copy = dict(seq)
        x3, _ = layer(copy)
        np.testing.assert_array_equal(x, x3)
    assert first == 40


def test_bad_input_errors_name_file_record_and_key(pb, tmp_path):
    good = [random_sequence_examples(pb, 1, seed=s)[0].SerializeToString() for s in range(4)]
    spec = dict(context_features=CONTEXT, sequence_features=SEQUENCE)
    # Truncated file: the records before the broken frame come first, then DataLossError.
    path = str(tmp_path / "trunc")
    with open(path, "wb") as f:
        f.write(frame(good[0]) + frame(good[1])[:-3])
    reader = sfd.SequenceExampleReader(path, None, 1, **spec)
    it = iter(reader)
    next(it)
    with pytest.raises(sfd.DataLossError, match=f"{path}: record 1: truncated record"):
        next(it)
    # A bytes list where int64 ids are asked for.
    bad = pb.SequenceExample()
    bad.feature_lists.feature_list["ids"].feature.add().bytes_list.value.append(b"x")
    path = write_framed(tmp_path / "kind", [good[0], bad.SerializeToString()])
    with pytest.raises(sf.InvalidArgumentError,
                       match="record 1: feature ids: data type mismatch.*int64_list.*bytes_list"):
        list(sfd.SequenceExampleReader(path, None, 4, **spec))
    # A required feature missing.
    path = write_framed(tmp_path / "req", [good[0]])
    with pytest.raises(sf.InvalidArgumentError,
                       match="record 0: feature need .data type: int64. is required"):
        list(sfd.SequenceExampleReader(path, None, 4, context_features={
            "need": sfd.FixedLenFeature([], sf.int64)}))
    # CRC mismatch and garbage, skipped and counted with skip_corrupt.
    broken = bytearray(frame(good[1]))
    broken[-1] ^= 0xFF
    path = str(tmp_path / "mixed")
    with open(path, "wb") as f:
        f.write(frame(good[0]) + bytes(broken) + frame(b"\x0a\xff") + frame(good[2]))
    with pytest.raises(sfd.DataLossError, match="record 1: corrupted record"):
        list(sfd.SequenceExampleReader(path, None, 4, **spec))
    reader = sfd.SequenceExampleReader(path, None, 4, skip_corrupt=True, **spec)
    batches = list(reader)
    assert len(batches) == 1 and batches[0][1]["label"].shape[0] == 2
    assert reader.skipped == 2 and reader.records == 2
    with pytest.raises(FileNotFoundError, match="nope.tfrecord"):
        sfd.SequenceExampleReader(str(tmp_path / "nope.tfrecord"), None, 1, **spec)


def test_progress_callback_and_tqdm(pb, tmp_path, capsys):
    records = [m.SerializeToString() for m in random_sequence_examples(pb, 30, seed=4)]
    paths = [write_framed(tmp_path / "a", records[:10]), write_framed(tmp_path / "b", records[10:])]
    total = sum(os.path.getsize(p) for p in paths)
    calls = []
    reader = sfd.SequenceExampleReader(paths, None, 8, sequence_features=SEQUENCE,
                                       progress=lambda *a: calls.append(a))
    n = sum(seq["ids"].nrows() for seq, _ in reader)
    assert n == 30
    assert calls[-1] == (30, total, total)
    assert [c[0] for c in calls] == [8, 16, 24, 30, 30]
    assert all(a[1] <= b[1] for a, b in zip(calls, calls[1:]))
    pytest.importorskip("tqdm")
    reader = sfd.SequenceExampleReader(paths, None, 8, sequence_features=SEQUENCE, progress=True)
    assert sum(seq["ids"].nrows() for seq, _ in reader) == 30
    assert "records" in capsys.readouterr().err


def test_torch_dataset_reads_every_record_once(pb, tmp_path):
    torch = pytest.importorskip("torch")
    records = [m.SerializeToString() for m in random_sequence_examples(pb, 25, seed=5)]
    paths = [write_framed(tmp_path / f"p{i}", records[i * 5:(i + 1) * 5]) for i in range(5)]
    ids = sf.sequence_categorical_column_with_identity("ids", 100)
    layer = sf.SequenceFeatures([sf.embedding_column(ids, 2)])

    def to_torch(seq, ctx):
        x, lengths = layer(seq)
        return torch.from_numpy(x), torch.from_numpy(lengths)

    ds = sfd.torch_dataset(paths, [ids], 4, transform=to_torch)
    assert isinstance(ds, torch.utils.data.IterableDataset)
    total = sum(int(lengths.shape[0]) for _, lengths in
                torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2))
    assert total == 25
