"""Train in Python, save, serve anywhere: the Python half.

Builds a SequenceFeatures layer (an embedding of item ids, an embedding of colour words with an
OOV bucket, a z-scored price), trains the item embedding a few steps of SGD towards target
vectors in numpy, and saves the layer to the directory given as argv[1]. It then prints the
packed output of the serving batch, each float as its IEEE-754 bits: examples/c/serve.c,
examples/cpp/serve.cc and examples/rust/serve.rs load the directory and must print exactly the
same lines.

    python3 examples/python/train_and_save.py /tmp/pipeline
"""

import sys

import numpy as np

import seqfeat as sf


def build_layer():
    item = sf.sequence_categorical_column_with_identity("item", num_buckets=5)
    colour = sf.sequence_categorical_column_with_vocabulary_list(
        "colour", ["red", "green", "blue"], num_oov_buckets=1)
    price = sf.sequence_numeric_column("price", normalizer_fn=sf.normalizers.zscore(2.0, 0.5))
    return sf.SequenceFeatures([
        sf.embedding_column(item, dimension=3, combiner="mean", seed=1),
        sf.embedding_column(colour, dimension=2, combiner="sum", seed=2),
        price,
    ])


def train(layer, steps=20, learning_rate=0.5):
    """SGD on 0.5 * |E[i] - target[i]|^2 for every item row: E[i] -= lr * (E[i] - target[i])."""
    item = next(c for c in layer.feature_columns if c.name == "item_embedding")
    targets = np.linspace(-1.0, 1.0, 15, dtype=np.float32).reshape(5, 3)
    table = item.get_table()
    for _ in range(steps):
        table -= np.float32(learning_rate) * (table - targets)
    item.set_table(table)


# The serving batch: two examples of 3 and 2 steps (ragged, one value per step).
SERVING_BATCH = {
    "item": sf.RaggedTensor.from_row_splits(np.array([1, 3, 4, 0, 2]), np.array([0, 3, 5])),
    "colour": sf.RaggedTensor.from_row_splits(
        np.array(["red", "blue", "pink", "green", "red"], dtype=object), np.array([0, 3, 5])),
    "price": sf.RaggedTensor.from_row_splits(
        np.array([1.5, 2.0, 0.25, 3.0, 0.5], dtype=np.float32), np.array([0, 3, 5])),
}


def print_bits(dense, lengths):
    """One line per (example, step): the float32 values as 8-digit hex bit patterns."""
    print(f"shape: [{', '.join(str(d) for d in dense.shape)}]")
    bits = np.ascontiguousarray(dense).view(np.uint32)
    for b in range(dense.shape[0]):
        for t in range(dense.shape[1]):
            print(f"{b} {t}: " + " ".join(f"{x:08x}" for x in bits[b, t]))
    print("sequence_length: [" + ", ".join(str(int(n)) for n in lengths) + "]")


def main():
    directory = sys.argv[1]
    layer = build_layer()
    train(layer)
    layer.save(directory)
    # What the servers must reproduce, from the layer as loaded back (tables memory-mapped).
    served = sf.load(directory, mmap=True)
    dense, lengths = served(SERVING_BATCH)
    trained_dense, _ = layer(SERVING_BATCH)
    assert dense.tobytes() == trained_dense.tobytes()
    print_bits(dense, lengths)


if __name__ == "__main__":
    main()
