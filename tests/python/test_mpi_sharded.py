"""examples/python/mpi_sharded.py under `mpirun -n 2`: tables row-sharded over two ranks (ids
exchanged all-to-all, rows served by their owners, packed through layer.plan / plan.pack,
gradient rows from plan.backward sent back to the owners, who apply SGD or Adagrad to their
shard) give the outputs and the trained tables of one process running the same steps on whole
tables (layer.backward, one optimizer.apply per step), bit for bit."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import seqfeat as sf

pytest.importorskip("mpi4py")
MPIRUN = shutil.which("mpirun")
EXAMPLES = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                                        "examples", "python"))
sys.path.insert(0, EXAMPLES)
import mpi_sharded  # noqa: E402

STEPS, BATCH, WORLD, LEARNING_RATE = 3, 16, 2, 0.1


@pytest.mark.skipif(MPIRUN is None, reason="mpirun (openmpi-bin) is not installed")
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
def test_two_ranks_train_what_one_unsharded_process_trains(tmp_path, optimizer):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(sf.__file__)),
               OMPI_MCA_rmaps_base_oversubscribe="1")
    proc = subprocess.run(
        [MPIRUN, "-n", str(WORLD), "--allow-run-as-root", "--oversubscribe", sys.executable,
         os.path.join(EXAMPLES, "mpi_sharded.py"), "--steps", str(STEPS), "--batch", str(BATCH),
         "--optimizer", optimizer, "--learning-rate", str(LEARNING_RATE), "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{WORLD} ranks, each holding 1/{WORLD} of the rows of 2 tables")

    reference, tables, _ = mpi_sharded.run_unsharded(WORLD, STEPS, BATCH, optimizer,
                                                     LEARNING_RATE)
    for rank in range(WORLD):
        for step in range(STEPS):
            dense = np.load(tmp_path / f"dense-{rank}-{step}.npy")
            lengths = np.load(tmp_path / f"lengths-{rank}-{step}.npy")
            want_dense, want_lengths = reference[rank, step]
            assert dense.shape == want_dense.shape and dense.shape[0] == BATCH
            assert dense.tobytes() == want_dense.tobytes(), (rank, step)
            np.testing.assert_array_equal(lengths, want_lengths)
            assert np.abs(dense).sum() > 0
    # Each rank held exactly the rows id % 2 == rank of each table, trained as the whole table
    # was: every row bit for bit, and many rows changed.
    for t, table in enumerate(tables.values()):
        initial = mpi_sharded.initial_rows(t, np.arange(table.shape[0]), table.shape[1])
        assert np.any(table != initial, axis=1).sum() > 100
        for rank in range(WORLD):
            ids = np.load(tmp_path / f"table{t}-ids-{rank}.npy")
            rows = np.load(tmp_path / f"table{t}-rows-{rank}.npy")
            np.testing.assert_array_equal(ids, np.arange(rank, table.shape[0], WORLD))
            assert rows.tobytes() == table[ids].tobytes()
