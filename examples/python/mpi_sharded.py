"""Embedding tables row-sharded over MPI ranks, trained with the plan / pack split.

    mpirun -n 2 python3 mpi_sharded.py [--steps N] [--batch B] [--optimizer sgd|adagrad|none]
                                       [--learning-rate LR] [--out DIR] [--check]

Every rank holds the rows id % world_size == rank of each table (as a seqfeat table of its own,
an identity column over its local rows) and trains on its own batches, data-parallel. Per
batch:

  1. plan:     layer.plan(features) -> the sorted unique ids each table needs
  2. exchange: the ids go to their owners, all-to-all (as TorchRec does over NCCL)
  3. serve:    each owner reads the requested rows from its shard; they come back all-to-all
  4. pack:     plan.pack(rows) -> the same bits as packing from one unsharded table
  5. backward: plan.backward(grad, rows) -> the gradient rows in the order of step 1
  6. return:   the gradient rows go back to the owners along the reverse of step 3
  7. update:   each owner applies the optimizer to its shard (SGD or Adagrad, sparse)

The loss of a rank's batch is 0.5 * |dense - target|^2 for a target drawn from (rank, step);
the update of a step sums the gradients of all ranks' batches (synchronous data parallelism).

--check (rank 0) replays the same steps on one process with whole tables (layer(features),
layer.backward, one optimizer.apply per step of the ranks' gradients concatenated in rank
order) and compares the outputs and the trained tables bit for bit; --out writes every rank's
outputs and final shards as .npy files.
"""

import argparse
import os
import sys
import time

import numpy as np

import seqfeat as sf

ITEMS = 20000        # rows of the items table
TERMS = 5000         # rows of the table shared by query and title terms
ITEM_DIM = 16
TERM_DIM = 8


def build_layer():
    """The pipeline: watched items (embedded, mean), query and title terms (one shared table,
    sqrtn, max_norm) and a numeric rating. Every rank builds the same layer; its own tables are
    never read by the sharded run."""
    items = sf.embedding_column(
        sf.sequence_categorical_column_with_identity("items", num_buckets=ITEMS),
        dimension=ITEM_DIM, combiner="mean")
    query, title = sf.shared_embeddings(
        [sf.sequence_categorical_column_with_identity("query", num_buckets=TERMS),
         sf.sequence_categorical_column_with_identity("title", num_buckets=TERMS)],
        dimension=TERM_DIM, combiner="sqrtn", max_norm=2.0)
    layer = sf.SequenceFeatures([sf.sequence_numeric_column("rating"), items, query, title])
    tables = {items.table_name: (ITEMS, ITEM_DIM), query.table_name: (TERMS, TERM_DIM)}
    return layer, tables


def initial_rows(table_index, ids, dimension):
    """The initial value of rows `ids` of a table, computable for any subset of ids."""
    x = ids.astype(np.float64)[:, None] * 0.61803 + np.arange(dimension) * 1.3 + table_index
    return (np.sin(x) * 0.5).astype(np.float32)


def make_features(rank, step, batch_size):
    """Rank `rank`'s batch number `step`: 1-12 steps per example, 1-3 ids per step."""
    rng = np.random.default_rng([rank, step])
    lengths = rng.integers(1, 13, batch_size)

    def ragged(vocab, skew):
        return [[(rng.zipf(skew, rng.integers(1, 4)) - 1) % vocab for _ in range(n)]
                for n in lengths]
    return {
        "rating": [np.round(rng.uniform(1, 5, n), 1).astype(np.float32) for n in lengths],
        "items": ragged(ITEMS, 1.3),
        "query": ragged(TERMS, 1.5),
        "title": ragged(TERMS, 1.5),
    }


def loss_grad(dense, rank, step):
    """d loss / d dense for loss = 0.5 * |dense - target|^2, target drawn from (rank, step)."""
    target = np.random.default_rng([rank, step, 1]).standard_normal(dense.shape)
    return dense - target.astype(np.float32)


def make_optimizer(name, learning_rate):
    """seqfeat's SGD or Adagrad (Keras defaults but the learning rate), or None."""
    if name == "sgd":
        return sf.optimizers.SGD(learning_rate)
    if name == "adagrad":
        return sf.optimizers.Adagrad(learning_rate)
    return None


class Shard:
    """Rows id % world == rank of one table, held as a seqfeat table over local row numbers
    (id // world); rows are served by packing one id per example (a sum of one row: the row
    itself) and trained by the rank's optimizer."""

    def __init__(self, table_index, vocab, dimension, rank, world):
        self.world = world
        self.rank = rank
        self.dimension = dimension
        global_ids = np.arange(rank, vocab, world)
        self.column = sf.embedding_column(
            sf.sequence_categorical_column_with_identity("row", num_buckets=max(len(global_ids), 1)),
            dimension=dimension, combiner="sum")
        self.column.set_table(initial_rows(table_index, global_ids, dimension)
                              if len(global_ids) else np.zeros((1, dimension), np.float32))
        self.layer = sf.SequenceFeatures([self.column])

    def rows(self, ids):
        """The rows of global ids (all owned here), [n, D]."""
        if len(ids) == 0:
            return np.empty((0, self.dimension), np.float32)
        local = sf.RaggedTensor.from_row_splits(ids // self.world, np.arange(len(ids) + 1))
        dense, _ = self.layer({"row": local}, num_threads=1)
        return dense[:, 0, :]

    def apply(self, optimizer, ids, rows):
        """One optimizer step on the rows of global ids (all owned here; ids may repeat, their
        rows are summed in the order given)."""
        optimizer.apply(self.layer, {self.column.table_name: (ids // self.world, rows)})

    def values(self):
        """(global ids, their rows) of the whole shard."""
        table = self.column.get_table()
        return np.arange(len(table)) * self.world + self.rank, table


class Exchange:
    """One table's all-to-all traffic for one batch: ids to their owners, rows back."""

    def __init__(self, comm, ids):
        world = comm.Get_size()
        self.comm = comm
        owner = ids % world
        self.order = np.argsort(owner, kind="stable")  # grouped by owner, sorted within
        self.send_counts = np.bincount(owner, minlength=world).astype(np.int64)
        self.recv_counts = np.empty(world, np.int64)
        comm.Alltoall(self.send_counts, self.recv_counts)
        self.requested = np.empty(int(self.recv_counts.sum()), np.int64)  # ids others need
        comm.Alltoallv([ids[self.order], self.send_counts], [self.requested, self.recv_counts])

    def rows(self, served, dimension):
        """Sends the rows served for `requested` back; returns this rank's rows in id order."""
        got = np.empty((len(self.order), dimension), np.float32)
        self.comm.Alltoallv([np.ascontiguousarray(served), self.recv_counts * dimension],
                            [got, self.send_counts * dimension])
        rows = np.empty_like(got)
        rows[self.order] = got
        return rows

    def gradients(self, rows, dimension):
        """The reverse of rows(): sends this rank's gradient rows (in id order) to their owners;
        returns the rows others sent for `requested` (source rank order, each rank's ids
        sorted)."""
        got = np.empty((len(self.requested), dimension), np.float32)
        self.comm.Alltoallv([np.ascontiguousarray(rows[self.order]), self.send_counts * dimension],
                            [got, self.recv_counts * dimension])
        return got


def run_sharded(comm, steps, batch_size, optimizer_name, learning_rate):
    """This rank's part of the sharded run: [(dense, lengths) per step], {table: (ids, rows)}
    of its final shards, and the seconds spent in the steps."""
    rank, world = comm.Get_rank(), comm.Get_size()
    layer, tables = build_layer()
    shards = {name: Shard(t, vocab, dim, rank, world)
              for t, (name, (vocab, dim)) in enumerate(tables.items())}
    optimizer = make_optimizer(optimizer_name, learning_rate)
    outputs = []
    seconds = 0.0
    for step in range(steps):
        features = make_features(rank, step, batch_size)
        comm.Barrier()
        start = time.perf_counter()
        plan = layer.plan(features, num_threads=1)
        exchanges, rows = {}, {}
        for name, ids in plan.ids.items():
            exchanges[name] = Exchange(comm, ids)
            served = shards[name].rows(exchanges[name].requested)
            rows[name] = exchanges[name].rows(served, tables[name][1])
        dense, lengths = plan.pack(rows)
        if optimizer is not None:
            grads = plan.backward(loss_grad(dense, rank, step), rows)
            for name, exchange in exchanges.items():
                received = exchange.gradients(grads[name], tables[name][1])
                shards[name].apply(optimizer, exchange.requested, received)
        seconds += time.perf_counter() - start
        outputs.append((dense, lengths))
    final = {name: shard.values() for name, shard in shards.items()}
    return outputs, final, seconds


def run_unsharded(world, steps, batch_size, optimizer_name, learning_rate):
    """The same steps on one process with whole tables: {(rank, step): (dense, lengths)},
    {table: final table} and the seconds spent."""
    layer, tables = build_layer()
    columns = {}
    for column in layer.feature_columns:
        if getattr(column, "table_name", None) in tables:
            columns.setdefault(column.table_name, column)
    for t, (name, (vocab, dim)) in enumerate(tables.items()):
        columns[name].set_table(initial_rows(t, np.arange(vocab), dim))
    optimizer = make_optimizer(optimizer_name, learning_rate)
    outputs = {}
    seconds = 0.0
    for step in range(steps):
        start = time.perf_counter()
        step_grads = {name: ([], []) for name in tables}
        for rank in range(world):
            features = make_features(rank, step, batch_size)
            dense, lengths = layer(features, num_threads=1)
            outputs[rank, step] = (dense.copy(), lengths.copy())
            if optimizer is not None:
                grads = layer.backward(features, loss_grad(dense, rank, step), num_threads=1)
                for name, (ids, rows) in grads.items():
                    step_grads[name][0].append(ids)
                    step_grads[name][1].append(rows)
        if optimizer is not None:
            optimizer.apply(layer, {name: (np.concatenate(ids), np.concatenate(rows))
                                    for name, (ids, rows) in step_grads.items()})
        seconds += time.perf_counter() - start
    return outputs, {name: column.get_table() for name, column in columns.items()}, seconds


def same_bits(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64, help="examples per rank and step")
    parser.add_argument("--optimizer", choices=("sgd", "adagrad", "none"), default="adagrad",
                        help="none: forward only")
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--out", help="directory for every rank's outputs and final shards")
    parser.add_argument("--check", action="store_true",
                        help="rank 0 compares with one process on whole tables")
    args = parser.parse_args(argv)

    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    rank, world = comm.Get_rank(), comm.Get_size()
    outputs, final, seconds = run_sharded(comm, args.steps, args.batch, args.optimizer,
                                          args.learning_rate)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        for step, (dense, lengths) in enumerate(outputs):
            np.save(os.path.join(args.out, f"dense-{rank}-{step}.npy"), dense)
            np.save(os.path.join(args.out, f"lengths-{rank}-{step}.npy"), lengths)
        for t, (ids, rows) in enumerate(final.values()):
            np.save(os.path.join(args.out, f"table{t}-ids-{rank}.npy"), ids)
            np.save(os.path.join(args.out, f"table{t}-rows-{rank}.npy"), rows)
    gathered = comm.gather((outputs, final, seconds), root=0)
    if rank != 0:
        return 0
    examples = world * args.steps * args.batch
    slowest = max(g[2] for g in gathered)
    work = "plan + all-to-all + pack" + (
        "" if args.optimizer == "none" else f" + backward + all-to-all + {args.optimizer}")
    print(f"{world} ranks, each holding 1/{world} of the rows of {len(final)} tables, ran "
          f"{args.steps} steps x {args.batch} examples per rank: {work} "
          f"{examples / slowest:.0f} examples/s")
    if not args.check:
        return 0
    reference, tables, _ = run_unsharded(world, args.steps, args.batch, args.optimizer,
                                         args.learning_rate)
    same = all(same_bits(gathered[r][0][s][i], reference[r, s][i])
               for r in range(world) for s in range(args.steps) for i in range(2))
    print("outputs identical to one unsharded table, bit for bit:", "yes" if same else "NO")
    for name, table in tables.items():
        sharded = np.empty_like(table)
        for r in range(world):
            ids, rows = gathered[r][1][name]
            sharded[ids] = rows
        ok = same_bits(sharded, table)
        same = same and ok
        changed = int(np.any(table != initial_rows(list(tables).index(name),
                                                   np.arange(len(table)), table.shape[1]),
                             axis=1).sum())
        print(f"table {name}: {changed} rows trained; shards identical to the whole table: "
              f"{'yes' if ok else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
