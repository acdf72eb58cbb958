"""Ragged input -> libseqfeat -> DLPack -> a PyTorch LSTM, with no copy of the packed batch."""

import numpy as np
import torch

import seqfeat as sf

# Three users' watch histories (variable length), one video id per step, and a rating per step.
watches = sf.RaggedTensor.from_row_splits(values=np.array([12, 34, 7, 7, 999, 5], np.int64),
                                          row_splits=np.array([0, 2, 5, 6], np.int64))
ratings = sf.RaggedTensor.from_row_splits(values=np.array([3., 5., 1., 2., 3., 4.], np.float32),
                                          row_splits=np.array([0, 2, 5, 6], np.int64))

columns = [sf.sequence_numeric_column("rating"),
           sf.embedding_column(sf.sequence_categorical_column_with_identity("watches", 1000),
                               dimension=10)]
layer = sf.SequenceFeatures(columns)
dense, lengths = layer({"rating": ratings, "watches": watches}, output="dlpack")

x = torch.from_dlpack(dense)            # [3, 3, 11] float32, the library's buffer
seq_len = torch.from_dlpack(lengths)    # [3] int64: 2, 3, 1
lstm = torch.nn.LSTM(input_size=x.shape[-1], hidden_size=8, batch_first=True)
packed = torch.nn.utils.rnn.pack_padded_sequence(x, seq_len, batch_first=True,
                                                 enforce_sorted=False)
_, (h, _) = lstm(packed)
print("input", tuple(x.shape), "lengths", seq_len.tolist(), "last hidden", tuple(h.shape))
