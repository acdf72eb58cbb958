"""Saving and loading (layer.save / seqfeat.load), Keras-style configurations and pickling:
bit-identical outputs after every round trip, memory-mapped read-only tables, safetensors files
checked against an independent numpy reader and writer, and pickling into spawned processes."""

import json
import multiprocessing
import pickle
import struct

import numpy as np
import pytest

import seqfeat as sf


def double_it(x):
    """A Python normalizer_fn (module level, so that it pickles by reference)."""
    return np.asarray(x, dtype=np.float32) * 2


def every_column(vocab_path, int_vocab_path):
    """Every column kind and option, as sequence columns."""
    ids = sf.sequence_categorical_column_with_identity("ids", 6, default_value=2)
    wids = sf.weighted_categorical_column(
        sf.sequence_categorical_column_with_identity("wids", 5), "wids_w")
    words = sf.sequence_categorical_column_with_vocabulary_list("words", ["a", "b", "c"],
                                                                num_oov_buckets=2)
    codes = sf.sequence_categorical_column_with_vocabulary_list("codes", [10, 20, 30],
                                                                default_value=1)
    tags = [sf.sequence_categorical_column_with_hash_bucket("tag_a", 10),
            sf.sequence_categorical_column_with_hash_bucket("tag_b", 10, dtype=sf.int64)]
    fruit = sf.sequence_categorical_column_with_vocabulary_file("fruit", vocab_path,
                                                                num_oov_buckets=1)
    years = sf.sequence_categorical_column_with_vocabulary_file("years", int_vocab_path,
                                                                vocabulary_size=2,
                                                                default_value=0, dtype=sf.int64)
    return [
        sf.sequence_numeric_column("price", shape=(2,), default_value=0.5, dtype=sf.float64,
                                   normalizer_fn=sf.normalizers.zscore(1.5, 0.25)),
        sf.sequence_numeric_column("clicks", default_value=-1, dtype=sf.int64,
                                   normalizer_fn=sf.normalizers.log1p()),
        sf.sequence_numeric_column("ratio", normalizer_fn=sf.normalizers.clip(-0.5, 0.75)),
        sf.sequence_numeric_column("scaled", normalizer_fn=sf.normalizers.scale_shift(3, 0.1)),
        sf.embedding_column(ids, 3, combiner="sum", seed=7),
        sf.embedding_column(wids, 3, combiner="sqrtn", max_norm=0.4, seed=7),
        sf.embedding_column(words, 3, trainable=False,
                            initializer=np.arange(15, dtype=np.float32).reshape(5, 3) / 10),
        *sf.shared_embeddings(tags, 3, seed=5),
        sf.indicator_column(codes),
        sf.indicator_column(fruit),
        sf.embedding_column(years, 2, seed=9),
    ]


FEATURES = {
    "price": [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]],
    "clicks": [[4, 0], [9]],
    "ratio": [[-2.0, 0.5], [3.0]],
    "scaled": [[0.25, -1.0], [2.0]],
    "ids": [[[0, 5], [3]], [[9]]],
    "wids": [[[1, 4], [2]], [[0]]],
    "wids_w": [[[0.5, 2.0], [-1.0]], [[3.0]]],
    "words": [["a", "zz"], ["c"]],
    "tag_a": [["x", "y"], ["z"]],
    "tag_b": [[17, -4], [5]],
    "codes": [[[10, 99], [30]], [[20]]],
    "fruit": [["apple", "kiwi"], ["pear"]],
    "years": [[2020, 1999], [2021]],
}


@pytest.fixture
def columns(write_vocab):
    return every_column(write_vocab("apple\npear\nplum\n", "fruit.txt"),
                        write_vocab("2020\n2021\n2022\n", "years.txt"))


@pytest.fixture
def layer(columns):
    return sf.SequenceFeatures(columns)


def assert_same_output(a, b, features=FEATURES, **call):
    da, la = a(features, **call)
    db, lb = b(features, **call)
    assert da.dtype == db.dtype == np.float32
    assert da.shape == db.shape
    assert da.tobytes() == db.tobytes()
    np.testing.assert_array_equal(la, lb)


def test_save_load_round_trip_is_bit_identical(layer, tmp_path):
    reference = layer(FEATURES)[0]
    assert np.count_nonzero(reference) > 20  # the batch exercises every column
    layer.call_defaults = dict(layer.call_defaults, max_length=4, padding="pre")
    layer.save(tmp_path / "artifact")
    for mmap in (False, True):
        loaded = sf.load(tmp_path / "artifact", mmap=mmap)
        assert isinstance(loaded, sf.SequenceFeatures)
        assert [c.name for c in loaded.feature_columns] == [c.name for c in layer.feature_columns]
        assert [type(c) for c in loaded.feature_columns] == \
            [type(c) for c in layer.feature_columns]
        assert loaded.call_defaults["max_length"] == 4
        assert loaded.call_defaults["padding"] == "pre"
        assert_same_output(layer, loaded)  # the saved call defaults apply to both
        assert loaded(FEATURES)[0].shape[1] == 4
        assert_same_output(layer, loaded, max_length=None, padding="post")
        for a, b in zip(layer.feature_columns, loaded.feature_columns):
            assert sf.serialize_feature_column(a)["config"]["type"] == \
                sf.serialize_feature_column(b)["config"]["type"]
            if hasattr(a, "get_table"):
                np.testing.assert_array_equal(a.get_table(), b.get_table())


def test_loaded_columns_keep_their_parameters(layer, tmp_path):
    layer.save(tmp_path)
    loaded = {c.name: c for c in sf.load(tmp_path).feature_columns}
    words = loaded["words_embedding"]
    assert words.dimension == 3 and words.combiner == "mean" and words.trainable is False
    assert words.categorical_column.vocabulary_list == ("a", "b", "c")
    assert words.categorical_column.num_oov_buckets == 2
    wids = loaded["wids_weighted_by_wids_w_embedding"]
    assert wids.max_norm == pytest.approx(0.4)
    assert wids.categorical_column.weight_feature_key == "wids_w"
    price = loaded["price"]
    assert price.shape == (2,) and price.dtype == sf.float64 and price.default_value == 0.5
    assert (price.normalizer_fn.kind, price.normalizer_fn.a, price.normalizer_fn.b) == \
        (sf.normalizers.zscore(1.5, 0.25).kind, 1.5, 0.25)
    fruit = loaded["fruit_indicator"].categorical_column
    assert fruit.vocabulary_size == 3 and fruit.num_oov_buckets == 1
    shared = [c for c in loaded.values() if isinstance(c, sf.SharedEmbeddingColumn)]
    assert {c.table_name for c in shared} == {"tag_a_tag_b_shared_embedding"}


def test_shared_table_stays_shared_after_load(layer, tmp_path):
    layer.save(tmp_path)
    loaded = {c.name: c for c in sf.load(tmp_path).feature_columns}
    table = np.full((10, 3), 0.5, dtype=np.float32)
    loaded["tag_a_shared_embedding"].set_table(table)
    np.testing.assert_array_equal(loaded["tag_b_shared_embedding"].get_table(), table)


def test_mmap_tables_are_read_only_and_still_pack(layer, tmp_path):
    layer.save(tmp_path)
    mapped = sf.load(tmp_path, mmap=True)
    copied = sf.load(tmp_path)
    for column in mapped.feature_columns:
        if hasattr(column, "get_table"):
            assert column.table_writable is False
            with pytest.raises(ValueError, match="read-only"):
                column.set_table(np.zeros(column.table_shape, dtype=np.float32))
    for column in copied.feature_columns:
        if hasattr(column, "get_table"):
            assert column.table_writable is True
    assert_same_output(layer, mapped)


def test_get_config_from_config_round_trip(layer):
    config = layer.get_config()
    json.dumps({k: v for k, v in config.items() if k != "feature_columns"})
    rebuilt = sf.SequenceFeatures.from_config(config)
    assert rebuilt.name == layer.name
    assert_same_output(layer, rebuilt)
    for column in layer.feature_columns:
        again = sf.deserialize_feature_column(sf.serialize_feature_column(column))
        assert type(again) is type(column)
        assert again.name == column.name
        assert {k: v for k, v in again.get_config().items() if k != "initializer"} == \
            {k: v for k, v in column.get_config().items() if k != "initializer"}


def test_shared_embedding_deserialized_alone_gets_its_own_table(layer):
    config = layer.get_config()
    rebuilt = sf.SequenceFeatures.from_config(config)
    cols = {c.name: c for c in rebuilt.feature_columns}
    cols["tag_a_shared_embedding"].set_table(np.ones((10, 3), dtype=np.float32))
    np.testing.assert_array_equal(cols["tag_b_shared_embedding"].get_table(),
                                  np.ones((10, 3), dtype=np.float32))
    alone = sf.deserialize_feature_column(
        sf.serialize_feature_column(cols["tag_a_shared_embedding"]))
    assert isinstance(alone, sf.SharedEmbeddingColumn)
    alone.set_table(np.zeros((10, 3), dtype=np.float32))
    np.testing.assert_array_equal(cols["tag_a_shared_embedding"].get_table(),
                                  np.ones((10, 3), dtype=np.float32))


def test_pickling_columns_and_layers_keeps_tables(layer):
    trained = {c.name: c for c in layer.feature_columns}["ids_embedding"]
    trained.set_table(np.linspace(-1, 1, 18, dtype=np.float32).reshape(6, 3))
    again = pickle.loads(pickle.dumps(layer))
    assert_same_output(layer, again)
    column = pickle.loads(pickle.dumps(trained))
    np.testing.assert_array_equal(column.get_table(), trained.get_table())
    numeric = sf.sequence_numeric_column("x", normalizer_fn=double_it)
    assert pickle.loads(pickle.dumps(numeric)).normalizer_fn is double_it


def test_python_normalizer_cannot_be_saved(tmp_path):
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("x", normalizer_fn=double_it)])
    with pytest.raises(ValueError, match="Column x has a Python normalizer_fn"):
        layer.save(tmp_path)
    assert not (tmp_path / "pipeline.json").exists()


def _pack_in_worker(payload):
    layer = pickle.loads(payload)
    return layer(FEATURES)


def test_pickled_layer_packs_identically_in_a_spawned_process(layer):
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        dense, lengths = pool.apply(_pack_in_worker, (pickle.dumps(layer),))
    expected, expected_lengths = layer(FEATURES)
    assert dense.tobytes() == expected.tobytes()
    np.testing.assert_array_equal(lengths, expected_lengths)


def test_dense_features_round_trip(tmp_path):
    user = sf.categorical_column_with_identity("user", 8)
    layer = sf.DenseFeatures([
        sf.numeric_column("age", normalizer_fn=sf.normalizers.scale_shift(0.1, -2)),
        sf.embedding_column(user, 4, seed=3),
        sf.indicator_column(sf.categorical_column_with_hash_bucket("country", 5)),
    ])
    features = {"age": np.array([[30.0], [41.0]], dtype=np.float32),
                "user": [[3], [7, 1]], "country": np.array([["fr"], ["de"]], dtype=object)}
    layer.save(tmp_path)
    loaded = sf.load(tmp_path, mmap=True)
    assert isinstance(loaded, sf.DenseFeatures)
    assert loaded(features).tobytes() == layer(features).tobytes()
    assert pickle.loads(pickle.dumps(layer))(features).tobytes() == layer(features).tobytes()
    assert sf.DenseFeatures.from_config(layer.get_config())(features).tobytes() == \
        layer(features).tobytes()


# ----------------------------------------------------------------------------------------------
# tables.safetensors against an independent reader and writer (numpy + json only)

def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        assert entry["dtype"] == "F32"
        out[name] = np.frombuffer(data[8 + n + begin:8 + n + end], dtype="<f4").reshape(
            entry["shape"])
    return out


def write_safetensors(path, tensors, pad=0):
    header, blobs, offset = {"__metadata__": {"written_by": "numpy"}}, [], 0
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode("utf-8") + b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def test_tables_file_reads_back_with_numpy(layer, tmp_path):
    layer.save(tmp_path)
    tables = read_safetensors(tmp_path / "tables.safetensors")
    expected = {c.table_name: c.get_table() for c in layer.feature_columns
                if hasattr(c, "get_table")}
    assert sorted(tables) == sorted(expected)
    for name, table in expected.items():
        np.testing.assert_array_equal(tables[name], table)


@pytest.mark.parametrize("pad", [0, 3])
def test_tables_written_by_numpy_are_loaded(layer, tmp_path, pad):
    layer.save(tmp_path)
    rng = np.random.default_rng(0)
    names = {c.table_name: c.table_shape for c in layer.feature_columns
             if hasattr(c, "get_table")}
    # Reverse order and an unaligned header: only the published format is relied on.
    tensors = {name: rng.standard_normal(shape).astype(np.float32)
               for name, shape in sorted(names.items(), reverse=True)}
    write_safetensors(tmp_path / "tables.safetensors", tensors, pad)
    for mmap in (False, True):
        loaded = sf.load(tmp_path, mmap=mmap)
        for column in loaded.feature_columns:
            if hasattr(column, "get_table"):
                np.testing.assert_array_equal(column.get_table(), tensors[column.table_name])


def test_malformed_artifacts_are_clear_errors(layer, tmp_path):
    with pytest.raises(FileNotFoundError, match="pipeline.json"):
        sf.load(tmp_path / "missing")
    layer.save(tmp_path)
    doc = json.loads((tmp_path / "pipeline.json").read_text())
    index = next(i for i, c in enumerate(doc["columns"]) if c["type"] == "embedding")
    doc["columns"][index]["dimension"] = "three"
    (tmp_path / "pipeline.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError,
                       match=rf"columns\[{index}\]\.dimension: expected an integer"):
        sf.load(tmp_path)
    (tmp_path / "pipeline.json").write_text("{")
    with pytest.raises(ValueError, match="pipeline.json: not valid JSON"):
        sf.load(tmp_path)
