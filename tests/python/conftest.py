"""Shared helpers for the seqfeat Python tests. Expected values in the tests are derived by hand
from the rules in docs/compatibility.md, never produced by the library."""

import numpy as np
import pytest

import seqfeat as sf


def seed_table(rows, dimension):
    """The deterministic table of the seed example: table[i, j] = (i % 100) * 0.01 + j * 0.001."""
    i = np.arange(rows, dtype=np.float64)[:, None]
    j = np.arange(dimension, dtype=np.float64)[None, :]
    return ((i % 100) * 0.01 + j * 0.001).astype(np.float32)


def assert_close(actual, expected, atol=1e-6):
    actual = np.asarray(actual)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=atol)


def assert_equal(actual, expected):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_array_equal(actual, expected)


@pytest.fixture
def write_vocab(tmp_path):
    """write_vocab(text, name='vocab.txt') -> path of a file holding exactly `text` (bytes or
    str, written as given)."""
    def write(text, name="vocab.txt"):
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return str(path)
    return write


# A 4 x 2 table used by the embedding tests (rows e0..e3).
E = np.array([[1.0, 0.0],    # e0, norm 1
              [0.0, 2.0],    # e1, norm 2
              [3.0, 4.0],    # e2, norm 5
              [-1.0, 1.0]],  # e3, norm sqrt(2)
             dtype=np.float32)


def ids_embedding(combiner="mean", max_norm=None, key="ids", num_buckets=4, table=E, **kwargs):
    """Embedding over sequence identity column `key` with the table E."""
    ids = sf.sequence_categorical_column_with_identity(key, num_buckets=num_buckets, **kwargs)
    col = sf.embedding_column(ids, dimension=table.shape[1], combiner=combiner,
                              max_norm=max_norm)
    col.set_table(table)
    return col
