"""Training sequence features end to end: a vocabulary column (pages), a hashed multi-token
column (query words) and a numeric column (dwell time), packed by seqfeat.torch.SequenceFeatures
and read by an LSTM over pack_padded_sequence. The target depends only on which pages and
words a sequence holds, so the loss can only fall if the embedding tables learn. Then the same
model's tables are trained on the numpy path with the library's own Adagrad.

Run with Debian's python3 (numpy, torch): python3 examples/python/train_lstm.py
"""

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence

import seqfeat as sf
import seqfeat.torch

PAGES = [f"page{i}" for i in range(200)]
B, T, STEPS = 32, 12, 150
rng = np.random.default_rng(0)
torch.manual_seed(0)
torch.set_num_threads(1)
page_score = rng.standard_normal(len(PAGES) + 1)   # + the OOV bucket
word_score = rng.standard_normal(1000)


def make_batch():
    """Features as a user has them (strings, ragged lists) and the target of each sequence."""
    lengths = rng.integers(1, T + 1, B)
    pages, words, dwell, target = [], [], [], []
    for length in lengths:
        p = rng.integers(0, len(PAGES) + 5, length)          # a few pages outside the list
        w = [rng.integers(0, 1000, rng.integers(1, 4)) for _ in range(length)]
        pages.append([PAGES[i] if i < len(PAGES) else f"new{i}" for i in p])
        words.append([[f"w{x}" for x in step] for step in w])
        dwell.append(list(rng.uniform(0, 1, length).astype(np.float32)))
        score = np.mean([page_score[min(i, len(PAGES))] for i in p])
        score += np.mean([word_score[x].mean() for x in w])
        target.append(score)
    features = {"page": sf.RaggedTensor.from_nested_list(pages),
                "query": sf.RaggedTensor.from_nested_list(words),
                "dwell": sf.RaggedTensor.from_nested_list(dwell)}
    return features, torch.tensor(target, dtype=torch.float32)


page = sf.sequence_categorical_column_with_vocabulary_list("page", PAGES, num_oov_buckets=1)
query = sf.sequence_categorical_column_with_hash_bucket("query", 1000)
columns = [sf.embedding_column(page, 8, seed=1),
           sf.embedding_column(query, 8, combiner="sqrtn", seed=2),
           sf.sequence_numeric_column("dwell")]


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = seqfeat.torch.SequenceFeatures(columns, sparse=True)
        self.lstm = torch.nn.LSTM(17, 16, batch_first=True)
        self.head = torch.nn.Linear(16, 1)

    def forward(self, features):
        dense, lengths = self.features(features)
        packed = pack_padded_sequence(dense, lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.head(h[-1]).squeeze(-1)


model = Model()
tables_before = {c.name: c.get_table() for c in columns[:2]}
print("parameters:", [name for name, _ in model.named_parameters()])
sparse_opt = torch.optim.SparseAdam(list(model.features.parameters()), lr=0.03)
dense_opt = torch.optim.Adam(list(model.lstm.parameters()) + list(model.head.parameters()),
                             lr=0.01)
losses = []
for step in range(STEPS):
    features, target = make_batch()
    loss = torch.nn.functional.mse_loss(model(features), target)
    sparse_opt.zero_grad()
    dense_opt.zero_grad()
    loss.backward()
    sparse_opt.step()
    dense_opt.step()
    losses.append(float(loss))
    if step % 30 == 0 or step == STEPS - 1:
        print(f"step {step:3d}  loss {np.mean(losses[-10:]):.3f}")
first, last = np.mean(losses[:10]), np.mean(losses[-10:])
changed = {name: float(np.abs(c.get_table() - tables_before[name]).max())
           for name, c in ((c.name, c) for c in columns[:2])}
print(f"loss {first:.3f} -> {last:.3f}; largest table change: "
      + ", ".join(f"{k} {v:.3f}" for k, v in changed.items()))
assert last < 0.6 * first, "the loss did not fall"
assert all(v > 0 for v in changed.values()), "a table did not change"

# The numpy path: the library's backward and Adagrad on the same tables, fitting the packed
# page embeddings to the per-page score through a fixed read-out (mean over the 8 dimensions).
layer = sf.SequenceFeatures(columns[:1])
adagrad = sf.optimizers.Adagrad(learning_rate=0.1)
mse = []
for step in range(60):
    features, _ = make_batch()
    dense, lengths = layer({"page": features["page"]})
    pages = features["page"]
    ids = np.array([PAGES.index(p) if p in PAGES else len(PAGES)
                    for p in pages.values.astype(str)])
    want = np.zeros(dense.shape[:2], np.float32)
    for b in range(dense.shape[0]):
        s0, s1 = pages.row_splits[b], pages.row_splits[b + 1]
        want[b, :s1 - s0] = page_score[ids[s0:s1]]
    mask = np.arange(dense.shape[1])[None, :] < lengths[:, None]
    err = (dense.mean(axis=2) - want) * mask
    # d (sum of err^2) / d dense: each of the 8 dimensions gets 2 err / 8.
    grad = np.repeat(2 * err[:, :, None] / dense.shape[2], dense.shape[2], axis=2)
    layer.backward_apply({"page": features["page"]}, grad.astype(np.float32), adagrad)
    mse.append(float((err ** 2).sum() / mask.sum()))
    if step % 20 == 0 or step == 59:
        print(f"numpy Adagrad step {step:2d}  mse {mse[-1]:.3f}")
assert np.mean(mse[-5:]) < 0.5 * np.mean(mse[:5]), "the numpy path did not learn"
