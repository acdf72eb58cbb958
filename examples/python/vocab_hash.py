"""A vocabulary file and a hashed string feature, each through an embedding with the mean
combiner; every step holds one or two values (a [batch, steps, 2] SparseTensor).

Usage: vocab_hash.py [path/to/vocab.txt]   (default: examples/data/vocab.txt next to this file)

Tables are deterministic, table[i, j] = (i % 100) * 0.01 + j * 0.001, so the C, C++, Python and
Rust versions print the same numbers, one [b, t] row per line with 4 decimals.
"""

import os
import sys

import numpy as np

import seqfeat as sf


def example_table(rows, dimension):
    i = (np.arange(rows) % 100).astype(np.float32)[:, None]
    j = np.arange(dimension).astype(np.float32)[None, :]
    return i * np.float32(0.01) + j * np.float32(0.001)


def print_output(sequence_input, sequence_length):
    print("shape:", list(sequence_input.shape))
    for step in sequence_input.reshape(-1, sequence_input.shape[-1]):
        print(" ".join(f"{float(v):.4f}" for v in step))
    print("sequence_length:", [int(n) for n in sequence_length])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    vocabulary_file = (sys.argv[1] if len(sys.argv) > 1
                       else os.path.join(here, "..", "data", "vocab.txt"))

    # genre: the 4 words of the file + 1 OOV bucket; tags: 10 hash buckets.
    genre = sf.sequence_categorical_column_with_vocabulary_file(
        "genre", vocabulary_file, num_oov_buckets=1)
    tags = sf.sequence_categorical_column_with_hash_bucket("tags", hash_bucket_size=10)
    genre_embedding = sf.embedding_column(genre, dimension=3, combiner="mean",
                                          initializer=example_table(5, 3))
    tags_embedding = sf.embedding_column(tags, dimension=4, combiner="mean",
                                         initializer=example_table(10, 4))

    features = {
        # example 0: {comedy, drama}, {thriller}; example 1: {horror}, {documentary, comedy}, {drama}
        "genre": sf.SparseTensor(
            indices=[[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1], [1, 2, 0]],
            values=["comedy", "drama", "thriller", "horror", "documentary", "comedy", "drama"],
            dense_shape=[2, 3, 2]),
        # example 0: {a, b}, {c}; example 1: {d}, {a}, {b, d}
        "tags": sf.SparseTensor(
            indices=[[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0], [1, 2, 0], [1, 2, 1]],
            values=["a", "b", "c", "d", "a", "b", "d"],
            dense_shape=[2, 3, 2]),
    }
    layer = sf.SequenceFeatures([tags_embedding, genre_embedding])
    sequence_input, sequence_length = layer(features)
    print_output(sequence_input, sequence_length)


if __name__ == "__main__":
    main()
