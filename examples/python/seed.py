"""The seed example of tf.keras.experimental.SequenceFeatures, with seqfeat.

Two examples: a numeric `rating` per step and the ids of watched items embedded in 10
dimensions. The embedding table is set deterministically, table[i, j] = (i % 100) * 0.01 +
j * 0.001, so the C, C++, Python and Rust examples print the same numbers.
"""

import numpy as np

import seqfeat as sf


def main():
    rating = sf.sequence_numeric_column("rating")
    watches = sf.sequence_categorical_column_with_identity("watches", num_buckets=1000)
    watches_embedding = sf.embedding_column(watches, dimension=10)
    rows = (np.arange(1000) % 100).astype(np.float32)[:, None]
    cols = np.arange(10).astype(np.float32)[None, :]
    watches_embedding.set_table(rows * np.float32(0.01) + cols * np.float32(0.001))

    indices = [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]]
    features = {
        "rating": sf.SparseTensor(indices, [3.0, 5.0, 1.0, 2.0, 3.0], dense_shape=[2, 5]),
        "watches": sf.SparseTensor(indices, [12, 34, 7, 7, 999], dense_shape=[2, 5]),
    }
    sequence_input, sequence_length = sf.SequenceFeatures([rating, watches_embedding])(features)

    # One [b, t] row per line with 4 decimals: the layout every language's example prints.
    print("shape:", list(sequence_input.shape))
    for step in sequence_input.reshape(-1, sequence_input.shape[-1]):
        print(" ".join(f"{float(v):.4f}" for v in step))
    print("sequence_length:", [int(n) for n in sequence_length])


if __name__ == "__main__":
    main()
